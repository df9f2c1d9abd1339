// Package tui renders probes.Snapshots in a terminal and turns keys into
// requests. It owns the screen: the root model (routing only), one file per
// pane, the layout, dialogs, the op detail and help. It never talks to the
// server: actions go through probes.Actor in tea.Cmds, and snapshots arrive
// on a channel the poller fills. It must not import the MongoDB driver or
// internal/simcluster, and takes every key binding from package keymap.
package tui

import (
	"context"
	"fmt"
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
	AtEnd() bool // everything was played; a seek back plays again
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
	Demo                   bool   // the embedded simulator: the header says DEMO
	AuditLog               string // where actions are recorded, shown in help
	Notice                 string // shown in the footer from the start (a damaged recording)
	NoColor                bool
	ASCII                  bool            // draw with ASCII only (the locale is not UTF-8, or --ascii)
	Connecting             *Connecting     // set when the TUI starts before discovery ends
	Context                context.Context // ends actions in flight on quit; default Background
	History                *probes.History // default: 1 h of points, 10 min of whole snapshots
	// Marks are the program's own header marks, asked at each draw (the
	// recording's state: REC, REC STOPPED); nil for none.
	Marks func() []string
	// Notices are the program's own messages so far, asked at each
	// snapshot (recording stopped); the footer says each new one once.
	Notices func() []string
	// NoAlerts turns off the bell and desktop notification when a finding
	// starts (--no-alerts).
	NoAlerts bool
}

// Model is the root model: it routes messages to the dialog, the prompt,
// the panes and the timeline, and lays the panes out; it draws nothing of
// a pane's inside. Panes are pointers shared by the model's copies.
type Model struct {
	opts     Options
	ctx      context.Context
	keys     *keymap.KeyMap
	styles   Styles
	help     help.Model
	spin     spinner.Model
	layout   layout
	tl       timeline
	panes    [paneCount]pane
	ops      *opsPane // panes[paneOps], typed for the filter prompt
	focus    int
	zoomed   bool
	ended    bool
	interval time.Duration
	dialog   *dialog
	viewer   *viewer // the op detail or help, over the dashboard
	footer   string
	noticed  int // how many of Options.Notices the footer has said
	busy     *busyAction
	privs    probes.Privileges
	conn     *connectState        // nil unless started while connecting
	findings *probes.Findings     // judges every snapshot polled
	active   []probes.Finding     // the findings as of the latest poll, worst first
	alerted  map[string]time.Time // finding ID -> when its alert went out
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
	keys := keymap.Default()
	m := Model{opts: opts, ctx: opts.Context, keys: &keys, styles: NewStyles(true, noColor(opts)),
		help: help.New(), spin: spinner.New(spinner.WithSpinner(spinner.Line)), tl: timeline{hist: opts.History},
		interval: opts.Interval, focus: paneOps, findings: probes.NewFindings(), alerted: map[string]time.Time{}}
	m.help.Styles = m.styles.helpStyles()
	m.panes, m.ops = newPanes(paneEnv{styles: m.styles, keys: m.keys, hist: opts.History})
	if opts.Actor != nil {
		m.privs = opts.Actor.Privileges()
	}
	if opts.Connecting != nil {
		m.conn = &connectState{Connecting: *opts.Connecting}
	}
	m.footer = clean(opts.Notice)
	m.applyKeyState()
	return m
}

func noColor(opts Options) bool {
	_, set := os.LookupEnv("NO_COLOR")
	return opts.NoColor || set
}

// Messages.
type (
	snapshotMsg  struct{ snap probes.Snapshot }
	streamEndMsg struct{}
	actionMsg    struct{ res probes.ActionResult }
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
	cmds := []tea.Cmd{waitSnapshot(m.opts.Snapshots), tea.RequestBackgroundColor}
	if m.conn != nil {
		cmds = append(cmds, connectTick())
	}
	return tea.Batch(cmds...)
}

// Update routes: keys to handleKey, snapshots to the timeline, requests
// from panes to the dialogs and footer they ask for.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, cmd, ok := m.connectUpdate(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.WindowSizeMsg:
		m.relayout(max(msg.Width, 0), max(msg.Height, 0))
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark(), noColor(m.opts))
		m.help.Styles = m.styles.helpStyles()
		m.tell(stylesMsg{m.styles})
	case snapshotMsg:
		if m.tl.add(msg.snap) {
			m.tell(showMsg{m.tl.shown, true})
			m.followDetail()
		} else {
			m.tell(scrubMsg{m.tl.steps})
		}
		alerts := m.judge(msg.snap) // after the history has it
		m.sayNotices()
		m.fitHeader()
		return m, tea.Batch(waitSnapshot(m.opts.Snapshots), alerts)
	case streamEndMsg:
		m.ended = true
		if m.opts.Replay == nil && (m.conn == nil || m.conn.failed == "") {
			m.footer = "polling stopped"
		}
	case actionMsg:
		m.busy, m.footer = nil, msg.res.Message
	case spinner.TickMsg:
		if m.busy != nil {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	default:
		return m.handleRequest(msg)
	}
	return m, nil
}

// sayNotices puts the program's newest notice in the footer, once: a key
// or the next message replaces it, and it is not said again.
func (m *Model) sayNotices() {
	if m.opts.Notices == nil {
		return
	}
	if all := m.opts.Notices(); len(all) > m.noticed {
		m.footer, m.noticed = clean(all[len(all)-1]), len(all)
	}
}

// handleRequest answers what a pane asked for.
func (m Model) handleRequest(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case killRequestMsg:
		if why := m.pastKill(); why != "" {
			m.footer = why
			return m, nil
		}
		m.dialog = newKillDialog(msg.op, m.keys.Dialog)
	case bulkKillRequestMsg:
		if why := m.pastKill(); why != "" {
			m.footer = why
			return m, nil
		}
		m.dialog = newBulkKillDialog(msg.ops, msg.filter, m.keys.Dialog)
		return m, m.dialog.input.Focus()
	case detailRequestMsg:
		m.viewer = newDetail(msg.op, msg.ended, m.tl.shown, m.tl.live(), m.layout.w-frameSize, m.layout.bodyH-frameSize, m.keys.Detail)
	case footerMsg:
		m.footer = msg.text
	case jumpRequestMsg:
		return m, m.jump(msg.f)
	}
	return m, nil
}

// relayout recomputes the layout (size, focus or zoom changed) and sizes
// the panes to the inside of their frames.
func (m *Model) relayout(w, h int) {
	m.layout = computeLayout(w, h, m.headerLines(), m.focus, m.zoomed)
	for i, p := range m.panes {
		if pw, ph, ok := m.layout.size(i); ok {
			p.SetSize(pw-frameSize, ph-frameSize)
		}
		p.Update(zoomMsg{m.zoomed && i == m.focus})
	}
	switch {
	case m.viewer != nil && m.viewer.isHelp:
		m.openHelp() // the help's columns follow the width
	case m.viewer != nil:
		m.viewer.setSize(w-frameSize, m.layout.bodyH-frameSize)
	}
}

func (m *Model) openHelp() {
	w, h := m.layout.w-frameSize, m.layout.bodyH-frameSize
	m.viewer = newHelpViewer(m.helpContent(w), w, h, m.keys.Detail)
}

// fitHeader re-lays the screen out when the header grows or shrinks (a
// stale source appears or recovers).
func (m *Model) fitHeader() {
	if m.layout.w > 0 && m.headerLines() != m.layout.headH {
		m.relayout(m.layout.w, m.layout.h)
	}
}

// tell gives every pane a message from the root.
func (m *Model) tell(msg tea.Msg) {
	for _, p := range m.panes {
		p.Update(msg)
	}
}

// showTimeline tells the panes the moment on screen after a pause or scrub.
func (m *Model) showTimeline() {
	m.tell(scrubMsg{m.tl.steps})
	m.tell(showMsg{m.tl.shown, m.tl.live()})
	m.followDetail()
	m.fitHeader()
	m.applyKeyState()
}

// followDetail keeps an open op detail on the moment shown.
func (m *Model) followDetail() {
	if m.viewer != nil {
		m.viewer.follow(m.tl.shown, m.tl.live())
	}
}

// pastKill refuses a kill while a past moment is on screen: what is
// shown may have ended, or be another op by now.
func (m *Model) pastKill() string {
	if m.tl.live() {
		return ""
	}
	return fmt.Sprintf("kills act on the present only, not on %s; %s returns to live",
		m.tl.shown.TakenAt.Local().Format("15:04:05"), m.keys.Global.Live.Help().Key)
}

// SnapshotMsg wraps a snapshot as a message, for driving the model
// without a channel (benchmarks, tests of embedding programs).
func SnapshotMsg(s probes.Snapshot) tea.Msg { return snapshotMsg{s} }
