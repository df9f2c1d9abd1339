package record

import (
	"context"
	"sync"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// Player plays a Recording at 1x–60x its recorded pace. It decodes each
// snapshot when it is due, so it holds one at a time however long the
// recording; a seek takes effect at once (one snapshot decoded).
type Player struct {
	rec     *Recording
	wake    chan struct{} // a seek, pause or speed change: act now
	mu      sync.Mutex
	pos     int // the next snapshot to send
	paused  bool
	sought  bool // show the snapshot sought even while paused
	speed   float64
	spacing time.Duration
	first   time.Time // the first snapshot's time, once sent
	shown   time.Time // the last sent snapshot's time
	damage  error     // the first snapshot that could not be read
}

// NewPlayer plays rec from its start at 1x.
func NewPlayer(rec *Recording) *Player {
	spacing := rec.Header.Interval
	if spacing <= 0 {
		spacing = time.Second
	}
	return &Player{rec: rec, wake: make(chan struct{}, 1), speed: 1, spacing: spacing}
}

// Run sends the snapshots, each when due, until ctx ends. At the end of
// the recording it waits: a seek back plays again.
func (p *Player) Run(ctx context.Context) <-chan probes.Snapshot {
	out := make(chan probes.Snapshot)
	go func() {
		defer close(out)
		for p.step(ctx, out) {
		}
	}()
	return out
}

// step sends the snapshot due now, if any, then waits for the next one to
// be due; false when playing is over.
func (p *Player) step(ctx context.Context, out chan<- probes.Snapshot) bool {
	p.mu.Lock()
	pos, paused, wait := p.pos, p.paused && !p.sought, time.Duration(float64(p.spacing)/p.speed)
	p.mu.Unlock()
	if pos >= p.rec.Len() {
		if done, _, _ := p.rec.Indexed(); done {
			select { // at the end: wait for a seek
			case <-p.wake:
				return true
			case <-ctx.Done():
				return false
			}
		}
	} else if !paused {
		s, err := p.rec.Snapshot(pos)
		if err != nil { // a damaged line: note it, play on
			p.skip(pos, err)
			return true
		}
		was := p.show(pos, s.TakenAt) // before the send: whoever receives it sees its Position
		select {
		case out <- s:
			p.sent(pos)
		case <-p.wake:
			p.show(-1, was)
			return true
		case <-ctx.Done():
			return false
		}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-p.wake:
	case <-ctx.Done():
		return false
	}
	return true
}

// show makes at, the time of snapshot pos, the time shown and returns the
// one it replaces.
func (p *Player) show(pos int, at time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pos == 0 {
		p.first = at
	}
	was := p.shown
	p.shown = at
	return was
}

func (p *Player) sent(pos int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pos == pos { // not moved by a seek meanwhile
		p.pos++
		p.sought = false
	}
}

func (p *Player) skip(pos int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.damage == nil {
		p.damage = err
	}
	if p.pos == pos {
		p.pos++
	}
}

// Err is why some of the recording could not be played (nil: none).
func (p *Player) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, damage, _ := p.rec.Indexed(); damage != nil {
		return damage
	}
	return p.damage
}

func (p *Player) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// TogglePause stops or resumes playing.
func (p *Player) TogglePause() {
	p.mu.Lock()
	p.paused = !p.paused
	p.mu.Unlock()
	p.poke()
}

// AtEnd says everything was played; a seek back plays again.
func (p *Player) AtEnd() bool {
	p.mu.Lock()
	pos := p.pos
	p.mu.Unlock()
	done, _, _ := p.rec.Indexed()
	return done && pos >= p.rec.Len()
}

// Paused says playing is stopped.
func (p *Player) Paused() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.paused }

// SetSpeed plays at x times the recorded pace, 1 to 60.
func (p *Player) SetSpeed(x float64) {
	p.mu.Lock()
	p.speed = min(max(x, 1), 60)
	p.mu.Unlock()
	p.poke()
}

// Speed is the pace, in times the recorded one.
func (p *Player) Speed() float64 { p.mu.Lock(); defer p.mu.Unlock(); return p.speed }

// Seek moves by d in recorded time (negative: back); the snapshot there is
// sent at once.
func (p *Player) Seek(d time.Duration) {
	p.mu.Lock()
	shown := max(p.pos-1, 0)
	p.pos = min(max(shown+int(d/p.spacing), 0), max(p.rec.Len()-1, 0))
	p.sought = true
	p.mu.Unlock()
	p.poke()
}

// Position is the time of the snapshot shown, of the first and of the
// last; until the index is complete, the last is estimated from the
// recording's interval.
func (p *Player) Position() (at, start, end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done, _, last := p.rec.Indexed()
	if !done || last.IsZero() {
		last = p.first.Add(time.Duration(max(p.rec.Len()-1, 0)) * p.spacing)
	}
	return p.shown, p.first, last
}
