// Package tui renders probes.Snapshots and turns keys into requests. It
// never talks to the server: actions go through probes.Actor in tea.Cmds,
// and snapshots arrive on a channel the poller fills.
package tui

import (
	"context"
	"os"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/keymap"
	"github.com/mongoscope/mongoscope/probes"
)

// ReplayControl drives a recording being played back.
type ReplayControl interface {
	TogglePause()
	Paused() bool
	SetSpeed(x float64)
	Speed() float64
	Seek(d time.Duration)
	Position() (at, start, end time.Time)
}

// Options are what the command line hands the TUI.
type Options struct {
	Snapshots              <-chan probes.Snapshot // closed when polling ends
	Actor                  probes.Actor           // nil in replay: actions disabled
	ReadOnly               bool
	Interval               time.Duration
	SetInterval            func(time.Duration) // nil: +/- disabled
	SetConnectionBreakdown func(bool)
	Replay                 ReplayControl // nil when live
	Title                  string
	NoColor                bool
	Context                context.Context // ends actions in flight on quit; default Background
	History                *probes.History // default: 1 h of points, 10 min of whole snapshots
}

// Pane numbers, as the keys 1–7 reach them.
const (
	paneThroughput = iota
	paneReplication
	paneOps
	paneConnections
	paneHot
	paneBalancer
	paneNodes
	paneCount
)

var paneNames = [paneCount]string{"Throughput", "Replication", "Operations", "Connections", "Hot collections", "Balancer", "Nodes"}

// Model is the root model: it routes messages and lays panes out; panes
// render from the snapshot on display and the history.
type Model struct {
	opts     Options
	ctx      context.Context
	keys     keymap.KeyMap
	styles   Styles
	help     help.Model
	spin     spinner.Model
	width    int
	height   int
	hist     *probes.History
	latest   probes.Snapshot
	shown    probes.Snapshot // what is on screen: latest, frozen by pause, or scrubbed
	have     bool
	ended    bool
	paused   bool
	behind   int // snapshots received while paused
	scrub    int // steps back in time; 0 = now
	focus    int
	zoomed   bool
	showHelp bool
	interval time.Duration
	scope    int // 0 cluster, then shards, then nodes
	ops      opsPane
	dialog   *dialog
	detail   *detailView
	footer   string
	busy     *busyAction
	privs    probes.Privileges
}

// busyAction is an action waiting for its answer (balancerStop waits for
// the round to end), shown with a spinner and the time waited.
type busyAction struct {
	label string
	start time.Time
}

// New builds the model.
func New(opts Options) Model {
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.History == nil {
		opts.History = probes.NewHistory(3600, 600)
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	m := Model{opts: opts, ctx: opts.Context, keys: keymap.Default(), styles: NewStyles(true, opts.NoColor || noColor),
		help: help.New(), spin: spinner.New(spinner.WithSpinner(spinner.Line)), hist: opts.History,
		interval: opts.Interval, focus: paneOps, ops: newOpsPane()}
	if opts.Actor != nil {
		m.privs = opts.Actor.Privileges()
	}
	m.ops.setStyles(m.styles)
	m.applyKeyState()
	return m
}

// applyKeyState enables exactly the keys that apply now.
func (m *Model) applyKeyState() {
	canAct := m.opts.Actor != nil && !m.opts.ReadOnly && m.opts.Replay == nil
	m.keys.SetActions(canAct && m.privs.KillOp, canAct && m.privs.Balancer)
	m.keys.SetReplay(m.opts.Replay != nil)
	if m.opts.SetInterval == nil {
		m.keys.Faster.SetEnabled(false)
		m.keys.Slower.SetEnabled(false)
	}
	m.keys.Copy.SetEnabled(m.focus == paneOps)
	m.keys.Sort.SetEnabled(m.focus == paneOps)
	m.keys.SortReverse.SetEnabled(m.focus == paneOps)
	m.keys.Filter.SetEnabled(m.focus == paneOps)
	m.keys.System.SetEnabled(m.focus == paneOps)
	if m.focus != paneOps {
		m.keys.Kill.SetEnabled(false)
		m.keys.KillFiltered.SetEnabled(false)
	}
}

// Messages.
type (
	snapshotMsg  struct{ snap probes.Snapshot }
	streamEndMsg struct{}
	actionMsg    struct{ res probes.ActionResult }
	intervalMsg  struct{}
)

// waitSnapshot reads the next snapshot; re-armed after each one.
func waitSnapshot(ch <-chan probes.Snapshot) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return streamEndMsg{}
		}
		return snapshotMsg{s}
	}
}

// Init starts listening for snapshots.
func (m Model) Init() tea.Cmd {
	return tea.Batch(waitSnapshot(m.opts.Snapshots), tea.RequestBackgroundColor)
}

// Update routes: dialogs and prompts first, then global keys, then the
// focused pane. The ops table is sized here, not in View, because sizing
// it re-renders its rows and View runs on a copy.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	out, cmd := m.update(msg)
	mm := out.(Model)
	w, h := mm.opsPaneSize()
	mm.ops.setSize(w, h)
	return mm, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 0), max(msg.Height, 0)
		return m, nil
	case tea.BackgroundColorMsg:
		_, noColor := os.LookupEnv("NO_COLOR")
		m.styles = NewStyles(msg.IsDark(), m.opts.NoColor || noColor)
		m.ops.setStyles(m.styles)
		return m, nil
	case snapshotMsg:
		m.handleSnapshot(msg.snap)
		return m, waitSnapshot(m.opts.Snapshots)
	case streamEndMsg:
		m.ended = true
		if m.opts.Replay == nil {
			m.footer = "polling stopped"
		}
		return m, nil
	case actionMsg:
		m.busy = nil
		m.footer = msg.res.Message
		return m, nil
	case spinner.TickMsg:
		if m.busy == nil {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

// handleSnapshot records a snapshot and shows it unless paused or scrubbing.
func (m *Model) handleSnapshot(s probes.Snapshot) {
	m.hist.Add(s)
	m.latest, m.have = s, true
	if m.paused || m.scrub > 0 {
		m.behind++
		if m.scrub > 0 {
			m.scrub = min(m.scrub+1, m.hist.FullLen()-1) // stay on the same moment
		}
		return
	}
	m.show(s)
}

func (m *Model) show(s probes.Snapshot) {
	m.shown = s
	m.ops.setOps(s.Ops, s.OpsTotal)
}

// SnapshotMsg wraps a snapshot as a message, for driving the model
// without a channel (benchmarks, tests of embedding programs).
func SnapshotMsg(s probes.Snapshot) tea.Msg { return snapshotMsg{s} }
