package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/keymap"
	"github.com/mongoscope/mongoscope/probes"
)

// Pane numbers, as the keys 1–8 reach them.
const (
	paneThroughput = iota
	paneReplication
	paneOps
	paneConnections
	paneHot
	paneBalancer
	paneNodes
	paneFindings
	paneCount
)

// paneByName maps an Action's pane to the pane that key reaches.
var paneByName = map[string]int{probes.PaneThroughput: paneThroughput, probes.PaneReplication: paneReplication,
	probes.PaneOps: paneOps, probes.PaneConnections: paneConnections, probes.PaneHot: paneHot,
	probes.PaneBalancer: paneBalancer, probes.PaneNodes: paneNodes}

// paneTitles name the panes in the words of their frames.
var paneTitles = [paneCount]string{"Throughput", "Replication", "Operations", "Connections", "Hot collections", "Balancer",
	"Nodes", "Findings"}

// pane is one panel of the dashboard. The root model tells every pane what
// is on screen (showMsg, scrubMsg, zoomMsg, stylesMsg) and how big its
// inside is (SetSize, once per layout change); the focused pane also gets
// the keys no dialog, prompt or global binding took, and answers with
// requests (tea.Cmds whose messages the root acts on).
type pane interface {
	Update(msg tea.Msg) tea.Cmd
	SetSize(w, h int)
	View() string
	Title() string
	ShortHelp() []key.Binding
}

// stripper is a pane that summarises itself in one line for the compact
// layout, where it has no box.
type stripper interface {
	Strip() string
}

// Messages from the root to every pane.
type (
	showMsg struct {
		snap probes.Snapshot
		live bool // the latest, followed as new ones come
	} // the snapshot on screen changed
	scrubMsg  struct{ steps int }     // history series end this many steps back
	zoomMsg   struct{ zoomed bool }   // the pane fills the body
	stylesMsg struct{ styles Styles } // the terminal background changed
)

// paneBase is what every pane keeps and how it absorbs the root's
// messages; panes embed it.
type paneBase struct {
	name   string
	st     Styles
	keys   *keymap.KeyMap
	hist   *probes.History
	snap   probes.Snapshot
	scrub  int
	zoomed bool
	w, h   int
}

func newPaneBase(name string, env paneEnv) paneBase {
	return paneBase{name: name, st: env.styles, keys: env.keys, hist: env.hist}
}

// paneEnv is what the root hands every pane when building it.
type paneEnv struct {
	styles Styles
	keys   *keymap.KeyMap
	hist   *probes.History
}

func (b *paneBase) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case showMsg:
		b.snap = msg.snap
	case scrubMsg:
		b.scrub = msg.steps
	case zoomMsg:
		b.zoomed = msg.zoomed
	case stylesMsg:
		b.st = msg.styles
	}
	return nil
}

func (b *paneBase) SetSize(w, h int)         { b.w, b.h = w, h }
func (b *paneBase) Title() string            { return b.name }
func (b *paneBase) ShortHelp() []key.Binding { return nil }

// series is a history series ending at the moment on screen, w points.
func (b *paneBase) series(k probes.SeriesKey, w int) []float64 {
	return b.hist.SeriesEnding(k, w, b.scrub)
}

// dim is a pane's note in place of data ("waiting for …", "not available").
func (b *paneBase) dim(s string) string { return b.st.Dim.Render(s) }

// Compile-time checks: each pane is a pane.
var (
	_ pane     = (*throughputPane)(nil)
	_ pane     = (*replicationPane)(nil)
	_ pane     = (*opsPane)(nil)
	_ pane     = (*connectionsPane)(nil)
	_ pane     = (*hotPane)(nil)
	_ pane     = (*balancerPane)(nil)
	_ pane     = (*nodesPane)(nil)
	_ pane     = (*findingsPane)(nil)
	_ stripper = (*throughputPane)(nil)
	_ stripper = (*replicationPane)(nil)
	_ stripper = (*connectionsPane)(nil)
	_ stripper = (*hotPane)(nil)
	_ stripper = (*balancerPane)(nil)
)

// newPanes builds the panes in key order; the ops pane is also returned
// typed, for the filter prompt the root routes keys to first.
func newPanes(env paneEnv) ([paneCount]pane, *opsPane) {
	ops := newOpsPane(env)
	return [paneCount]pane{
		paneThroughput:  &throughputPane{paneBase: newPaneBase(paneTitles[paneThroughput], env)},
		paneReplication: &replicationPane{paneBase: newPaneBase(paneTitles[paneReplication], env)},
		paneOps:         ops,
		paneConnections: &connectionsPane{paneBase: newPaneBase(paneTitles[paneConnections], env)},
		paneHot:         &hotPane{paneBase: newPaneBase(paneTitles[paneHot], env)},
		paneBalancer:    &balancerPane{paneBase: newPaneBase(paneTitles[paneBalancer], env)},
		paneNodes:       &nodesPane{paneBase: newPaneBase(paneTitles[paneNodes], env)},
		paneFindings:    &findingsPane{paneBase: newPaneBase(paneTitles[paneFindings], env)},
	}, ops
}
