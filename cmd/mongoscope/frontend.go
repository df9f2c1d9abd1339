package main

import (
	"cmp"
	"context"
	"fmt"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
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
		Notices: s.notices, NoAlerts: o.noAlerts,
		Connecting: &tui.Connecting{Seeds: uriHosts(s.uri), Since: time.Now(), Timeout: o.connectTimeout}})
	prog, stopResizes, err := newProgram(ctx, m)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI cannot start: "+err.Error())
		return exitFailure
	}
	defer stopResizes()
	failed := make(chan connectFailure, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(feed)
		failed <- connectAndFeed(uiCtx, o, s, prog, feed, stderr)
	}()
	_, err = prog.Run()
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
				prog.Send(tui.ConnectProgressMsg{Text: addr + ": " + cmp.Or(why, "connected")})
			}
		}
	}()
	return func() { close(done); <-finished }
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

// replayTUI plays a recording in the TUI. A damaged recording's notice
// shows in the footer (and on stderr once the screen is gone).
func replayTUI(h record.Header, player *record.Player, notice string, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := tui.New(tui.Options{Snapshots: player.Run(ctx), ReadOnly: true, Interval: h.Interval, Replay: player,
		Title: "replay of " + h.Deployment.Name, Notice: notice, ASCII: !utf8Locale(os.Environ()),
		Marks: damageMark(player)})
	prog, stopResizes, err := newProgram(ctx, m)
	if err == nil {
		defer stopResizes()
		_, err = prog.Run()
	}
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// damageMark puts a damaged recording's notice in the header as soon as
// the player (or its index, built in the background) meets the damage.
func damageMark(player *record.Player) func() []string {
	return func() []string {
		if err := player.Err(); err != nil {
			return []string{"DAMAGED: " + err.Error() + "; replaying what came before"}
		}
		return nil
	}
}

// The largest terminal drawn, in cells: the renderer keeps cells for the
// whole terminal and the panes draw to its size, so a 10000×10000 terminal
// took 3.6 GB and ignored q for 40 s. No one reads more than this; a larger
// terminal shows the screen in its top left corner.
const maxColumns, maxRows = 640, 240

func capSize(w, h int) (int, int) { return min(w, maxColumns), min(h, maxRows) }

// newProgram makes the program for m with the terminal's size capped:
// bubbletea gets stdout as a plain writer, so it never asks the terminal's
// size itself, and the capped size now and after every resize (until the
// returned function is called).
func newProgram(ctx context.Context, m tea.Model) (*tea.Program, func(), error) {
	w, h, err := term.GetSize(os.Stdout.Fd())
	if err != nil {
		return nil, nil, err
	}
	w, h = capSize(w, h)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithOutput(plainWriter{os.Stdout}), tea.WithWindowSize(w, h),
		tea.WithColorProfile(colorprofile.Detect(os.Stdout, os.Environ())))
	stop := onResize(func() {
		if w, h, err := term.GetSize(os.Stdout.Fd()); err == nil {
			w, h = capSize(w, h)
			p.Send(tea.WindowSizeMsg{Width: w, Height: h})
		}
	})
	return p, stop, nil
}

// plainWriter hides that stdout is a terminal from bubbletea (see newProgram).
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
