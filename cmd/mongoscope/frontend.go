package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
	"github.com/mongoscope/mongoscope/tui"
)

// runTUI shows the live deployment until q; bubbletea restores the
// terminal on every way out, panics included.
func runTUI(ctx context.Context, o *options, s *session, snaps <-chan probes.Snapshot, stderr io.Writer) int {
	uiCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := tui.New(tui.Options{Snapshots: snaps, Actor: s.poller, ReadOnly: o.readOnly, Interval: o.interval,
		SetInterval: s.poller.SetInterval, SetConnectionBreakdown: s.poller.SetConnectionBreakdown,
		Title: s.label, Context: uiCtx, Marks: s.marks})
	if _, err := tea.NewProgram(m, tea.WithContext(ctx)).Run(); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// replay plays a recording: the TUI on a terminal, lines otherwise.
func replay(h record.Header, snaps []probes.Snapshot, stdout, stderr io.Writer) int {
	f, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		ch := make(chan probes.Snapshot, len(snaps))
		for _, s := range snaps {
			ch <- s
		}
		close(ch)
		return printLines(context.Background(), ch, false, stdout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	player := newPlayer(snaps, h.Interval)
	ch := player.run(ctx)
	m := tui.New(tui.Options{Snapshots: ch, ReadOnly: true, Interval: h.Interval, Replay: player,
		Title: "replay of " + h.Deployment.Name})
	if _, err := tea.NewProgram(m).Run(); err != nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// player feeds recorded snapshots at 1x–60x their recorded pace.
type player struct {
	mu      sync.Mutex
	snaps   []probes.Snapshot
	pos     int
	paused  bool
	speed   float64
	spacing time.Duration
	seek    chan int
}

func newPlayer(snaps []probes.Snapshot, interval time.Duration) *player {
	if interval <= 0 {
		interval = time.Second
	}
	return &player{snaps: snaps, speed: 1, spacing: interval, seek: make(chan int, 1)}
}

func (p *player) run(ctx context.Context) <-chan probes.Snapshot {
	out := make(chan probes.Snapshot)
	go func() {
		defer close(out)
		for {
			p.mu.Lock()
			pos, paused, wait := p.pos, p.paused, time.Duration(float64(p.spacing)/p.speed)
			p.mu.Unlock()
			if pos >= len(p.snaps) {
				return
			}
			if !paused {
				select {
				case out <- p.snaps[pos]:
					p.mu.Lock()
					if p.pos == pos {
						p.pos++
					}
					p.mu.Unlock()
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (p *player) TogglePause() { p.mu.Lock(); p.paused = !p.paused; p.mu.Unlock() }
func (p *player) Paused() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.paused }
func (p *player) SetSpeed(x float64) {
	p.mu.Lock()
	p.speed = min(max(x, 1), 60)
	p.mu.Unlock()
}
func (p *player) Speed() float64 { p.mu.Lock(); defer p.mu.Unlock(); return p.speed }

// Seek moves by d in recorded time (negative: back).
func (p *player) Seek(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pos = min(max(p.pos+int(d/p.spacing), 0), len(p.snaps)-1)
}

func (p *player) Position() (at, start, end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := min(max(p.pos-1, 0), len(p.snaps)-1)
	return p.snaps[i].TakenAt, p.snaps[0].TakenAt, p.snaps[len(p.snaps)-1].TakenAt
}
