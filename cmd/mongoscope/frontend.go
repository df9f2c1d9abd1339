package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
	"github.com/mongoscope/mongoscope/tui"
)

// runTUI shows the deployment until q: the screen comes up at once and
// says what it is connecting to while discovery runs; bubbletea restores
// the terminal on every way out, panics included.
func runTUI(ctx context.Context, o *options, s *session, stderr io.Writer) int {
	uiCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	feed := make(chan probes.Snapshot)
	title := ""
	if o.demo {
		title = "demo"
	}
	m := tui.New(tui.Options{Snapshots: feed, Actor: s.poller, ReadOnly: o.readOnly, Interval: o.interval,
		SetInterval: s.poller.SetInterval, SetConnectionBreakdown: s.poller.SetConnectionBreakdown,
		Title: title, Demo: o.demo, AuditLog: s.auditLog, ASCII: o.ascii || !utf8Locale(os.Environ()), Context: uiCtx, Marks: s.marks,
		NoAlerts:   o.noAlerts,
		Connecting: &tui.Connecting{Seeds: uriHosts(s.uri), Since: time.Now(), Timeout: o.connectTimeout}})
	prog := tea.NewProgram(m, tea.WithContext(ctx))
	failed := make(chan connectFailure, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(feed)
		failed <- connectAndFeed(uiCtx, o, s, prog, feed, stderr)
	}()
	_, err := prog.Run()
	cancel()
	wg.Wait()
	if f := <-failed; f.code != exitOK {
		fmt.Fprintln(stderr, "mongoscope: "+f.msg) // also in the scrollback once the screen is gone
		return f.code
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// connectFailure is why the TUI could not show a deployment.
type connectFailure struct {
	msg  string
	code int
}

// connectAndFeed discovers the deployment, telling the screen, then feeds
// it snapshots until ctx ends.
func connectAndFeed(ctx context.Context, o *options, s *session, prog *tea.Program, feed chan<- probes.Snapshot,
	stderr io.Writer) connectFailure {
	stopProgress := tellDialProgress(ctx, s.poller, prog)
	msg, code := s.discover(ctx)
	stopProgress()
	if code != exitOK {
		prog.Send(tui.ConnectFailedMsg{Err: msg})
		return connectFailure{msg, code}
	}
	prog.Send(tui.ConnectedMsg{})
	snaps, err := startPolling(ctx, o, s, true, stderr)
	if err != nil {
		prog.Send(tui.ConnectFailedMsg{Err: err.Error()})
		return connectFailure{err.Error(), exitUsage}
	}
	for snap := range snaps {
		select {
		case feed <- snap:
		case <-ctx.Done():
			return connectFailure{}
		}
	}
	return connectFailure{}
}

// tellDialProgress tells the connecting screen, as it happens, how each
// connection attempt went ("127.0.0.1:27018: connection refused"), until
// the returned function is called.
func tellDialProgress(ctx context.Context, p *probes.Poller, prog *tea.Program) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		told := map[string]string{}
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-done:
				return
			case <-ctx.Done():
				return
			}
			dialed := p.Dialed()
			for _, addr := range slices.Sorted(maps.Keys(dialed)) {
				why := dialed[addr]
				if was, ok := told[addr]; ok && was == why {
					continue
				}
				told[addr] = why
				prog.Send(tui.ConnectProgressMsg{Text: addr + ": " + firstNonEmpty(why, "connected")})
			}
		}
	}()
	return func() { close(done); <-finished }
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// uriHosts are the hosts a connection string names, for the connecting
// screen: "db1:27017, db2:27017", or the SRV name.
func uriHosts(uri string) []string {
	rest := uri[strings.Index(uri, "://")+3:]
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:] // never the credentials
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Split(rest, ",")
}

// utf8Locale says whether the locale (LC_ALL, else LC_CTYPE, else LANG)
// is UTF-8; boxes and blocks fall back to ASCII when it is not.
func utf8Locale(environ []string) bool {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := env[k]; v != "" {
			v = strings.ToLower(v)
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}

// replay plays a recording: the TUI on a terminal, lines otherwise. A
// damaged recording's notice goes where the user looks: the TUI's footer
// (and stderr once the screen is gone), or stderr before the lines.
func replay(h record.Header, snaps []probes.Snapshot, notice string, stdout, stderr io.Writer) int {
	if !isTerminal(stdout) {
		if notice != "" {
			fmt.Fprintln(stderr, "mongoscope replay: "+notice)
		}
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
		Title: "replay of " + h.Deployment.Name, Notice: notice, ASCII: !utf8Locale(os.Environ())})
	_, err := tea.NewProgram(m).Run()
	if notice != "" {
		fmt.Fprintln(stderr, "mongoscope replay: "+notice)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// player feeds recorded snapshots at 1x–60x their recorded pace. At the
// end it pauses, and stays ready: a seek back plays again.
type player struct {
	mu      sync.Mutex
	snaps   []probes.Snapshot
	pos     int // the next snapshot to send
	paused  bool
	atEnd   bool // paused because everything was sent
	speed   float64
	spacing time.Duration
	nudge   chan struct{} // a seek or unpause: do not wait out the spacing
}

func newPlayer(snaps []probes.Snapshot, interval time.Duration) *player {
	if interval <= 0 {
		interval = time.Second
	}
	return &player{snaps: snaps, speed: 1, spacing: interval, nudge: make(chan struct{}, 1)}
}

func (p *player) run(ctx context.Context) <-chan probes.Snapshot {
	out := make(chan probes.Snapshot)
	go func() {
		defer close(out)
		for {
			p.mu.Lock()
			pos, paused, wait := p.pos, p.paused, time.Duration(float64(p.spacing)/p.speed)
			p.mu.Unlock()
			if !paused && pos < len(p.snaps) {
				select {
				case out <- p.snaps[pos]:
					p.sent(pos)
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-time.After(wait):
			case <-p.nudge:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// sent moves past the snapshot at pos (unless a seek moved meanwhile),
// pausing at the end.
func (p *player) sent(pos int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pos == pos {
		p.pos++
	}
	if p.pos >= len(p.snaps) {
		p.paused, p.atEnd = true, true
	}
}

func (p *player) wake() {
	select {
	case p.nudge <- struct{}{}:
	default:
	}
}

func (p *player) TogglePause() {
	p.mu.Lock()
	if !p.atEnd {
		p.paused = !p.paused
	}
	p.mu.Unlock()
	p.wake()
}

func (p *player) Paused() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.paused }
func (p *player) AtEnd() bool  { p.mu.Lock(); defer p.mu.Unlock(); return p.atEnd }
func (p *player) SetSpeed(x float64) {
	p.mu.Lock()
	p.speed = min(max(x, 1), 60)
	p.mu.Unlock()
}
func (p *player) Speed() float64 { p.mu.Lock(); defer p.mu.Unlock(); return p.speed }

// Seek moves by d in recorded time (negative: back) from the snapshot on
// screen; a seek back from the end plays again.
func (p *player) Seek(d time.Duration) {
	p.mu.Lock()
	steps := int(d / p.spacing)
	p.pos = min(max(p.pos+steps, 0), len(p.snaps))
	if p.atEnd && p.pos < len(p.snaps) {
		p.paused, p.atEnd = false, false
	}
	p.mu.Unlock()
	p.wake()
}

func (p *player) Position() (at, start, end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := min(max(p.pos-1, 0), len(p.snaps)-1)
	return p.snaps[i].TakenAt, p.snaps[0].TakenAt, p.snaps[len(p.snaps)-1].TakenAt
}
