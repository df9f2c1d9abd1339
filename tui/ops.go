package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// Sort columns of the operations table, cycled with s.
var opSorts = []string{"time", "ns", "op", "node", "app"}

// opsPane is the in-progress operations table: filtered, sorted, with
// system ops hidden by default. The bubbles table renders only the rows
// around the cursor, so 50,000 ops cost what 50 do. It owns its keys:
// the filter prompt, sorting, and kill/copy requests for the root.
type opsPane struct {
	paneBase
	visible        []probes.Op
	hidden         int // system ops hidden
	table          table.Model
	filter         textinput.Model
	filtering      bool
	sortCol        int
	reverse        bool
	showSystem     bool
	tableW, tableH int
	natural        [colCount]int     // each column's widest cell
	widths         [colCount]int     // as laid out
	labels         map[string]string // node address -> short label
	sel            selection
	ghost          int    // row of the selected op after it finished; -1 if none
	live           bool   // the snapshot shown is the latest
	filterErr      string // why the filter cannot be applied as typed
}

// Requests from the ops pane to the root, which owns dialogs and the footer.
type (
	killRequestMsg     struct{ op probes.Op }
	bulkKillRequestMsg struct {
		ops    []probes.Op
		filter string
	}
	detailRequestMsg struct {
		op    probes.Op
		ended time.Time // zero while it runs
	}
	footerMsg struct{ text string }
)

// request is a command answering msg at once: how a pane asks the root.
func request(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

func newOpsPane(env paneEnv) *opsPane {
	ti := textinput.New()
	ti.Prompt = env.keys.Table.Filter.Help().Key // the prompt echoes the key that opened it
	ti.Placeholder = "text, user: app: ns: op: secs>N"
	ti.SetWidth(len(ti.Placeholder) + 1) // else the placeholder shows one letter
	p := &opsPane{paneBase: newPaneBase(paneTitles[paneOps], env), filter: ti,
		table: table.New(table.WithFocused(true), table.WithKeyMap(env.keys.Table.TableKeyMap()))}
	p.natural = naturalWidths(nil)
	p.sizeTable(fullWidth, 10) // columns must exist before the first rows
	p.setStyles(env.styles)
	return p
}

func (p *opsPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.filtering {
			return p.filterKey(msg)
		}
		return p.tableKey(msg)
	case showMsg:
		p.snap, p.live = msg.snap, msg.live
		p.labels = nodeLabels(msg.snap.Deployment.Nodes)
		p.refresh()
	case stylesMsg:
		p.st = msg.styles
		p.setStyles(msg.styles)
	default:
		return p.paneBase.Update(msg)
	}
	return nil
}

// counts: how many ops run (as of when, if the list is old), how many
// are shown and how many system ops are hidden.
func (p *opsPane) counts() string {
	shown := len(p.visible)
	if p.ghost >= 0 {
		shown-- // the finished op kept on its row
	}
	s := fmt.Sprintf("%d running, %d shown", p.snap.OpsTotal, shown)
	if text, ok := p.snap.Stale["ops"]; ok {
		n := parseStale(text)
		s = p.st.Warn.Render(fmt.Sprintf("%d running %s (%s), %d shown", p.snap.OpsTotal, n.when,
			strings.TrimSpace(n.addr+" "+n.why), shown))
	}
	if p.hidden > 0 {
		s += fmt.Sprintf(" (%d system hidden: %s)", p.hidden, p.keys.Table.System.Help().Key)
	} else if p.showSystem {
		s += fmt.Sprintf(" (system shown: %s hides)", p.keys.Table.System.Help().Key)
	}
	return s
}

// prompting: the filter prompt is open and takes every key but Apply and
// Clear as text, so the root routes keys here before its global ones.
func (p *opsPane) prompting() bool { return p.filtering }

// SetSize sizes the table under its status line.
func (p *opsPane) SetSize(w, h int) {
	p.paneBase.SetSize(w, h)
	p.sizeTable(w, h-1)
}

func (p *opsPane) ShortHelp() []key.Binding {
	k := p.keys.Table
	return []key.Binding{k.Kill, k.KillFiltered, k.Detail, k.Filter}
}

// tableKey handles the table's own keys; movement goes to the bubbles
// table, whose keymap is built from the same group (and rebuilt here, so
// it follows what is enabled).
func (p *opsPane) tableKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys.Table
	switch {
	case key.Matches(msg, k.Detail):
		if op, ok := p.selected(); ok {
			ended, _ := p.selectedEnded()
			return request(detailRequestMsg{op, ended})
		}
		return nil
	case key.Matches(msg, k.Filter):
		p.filtering = true
		return p.filter.Focus()
	case key.Matches(msg, k.Sort):
		p.sortCol = (p.sortCol + 1) % len(opSorts)
	case key.Matches(msg, k.SortReverse):
		p.reverse = !p.reverse
	case key.Matches(msg, k.System):
		p.showSystem = !p.showSystem
	case key.Matches(msg, k.Kill):
		return p.killRequest()
	case key.Matches(msg, k.KillFiltered):
		return p.bulkKillRequest()
	case key.Matches(msg, k.Copy):
		if op, ok := p.selected(); ok {
			return copyCmd(op)
		}
		return nil
	default:
		p.table.KeyMap = k.TableKeyMap()
		var cmd tea.Cmd
		p.table, cmd = p.table.Update(msg)
		p.noteCursor()
		return cmd
	}
	p.refresh()
	return nil
}

// copyCmd copies the op's command to the clipboard (OSC 52, so it works
// over SSH) and says so.
func copyCmd(op probes.Op) tea.Cmd {
	if op.Command == "" {
		return request(footerMsg{"op " + clean(op.OpID) + " has no command to copy"})
	}
	return tea.Batch(tea.SetClipboard(op.Command),
		request(footerMsg{"copied op " + clean(op.OpID) + "'s command to the clipboard (OSC 52)"}))
}

// killRequest asks the root for the kill dialog of the selected op,
// unless there is nothing to kill.
func (p *opsPane) killRequest() tea.Cmd {
	op, ok := p.selected()
	if !ok {
		return nil
	}
	if why := p.whyNotKill(op); why != "" {
		return request(footerMsg{why})
	}
	return request(killRequestMsg{op})
}

// whyNotKill is why op cannot be killed, "" when it can.
func (p *opsPane) whyNotKill(op probes.Op) string {
	if ended, ok := p.selectedEnded(); ok && opKey(op) == p.sel.key {
		return fmt.Sprintf("op %s finished by %s: nothing to kill", op.OpID, ended.Local().Format("15:04:05"))
	}
	if op.System {
		return "mongoscope does not kill internal operations (replication, balancer, TTL, monitoring)"
	}
	return ""
}

// bulkKillRequest asks for the bulk kill dialog of the filtered user ops;
// never while the filter has an error (it would take more than meant).
func (p *opsPane) bulkKillRequest() tea.Cmd {
	if p.filterErr != "" {
		return request(footerMsg{p.keys.Table.KillFiltered.Help().Key + " is off: the filter has an error: " + p.filterErr})
	}
	ops := p.killable()
	if len(ops) == 0 {
		return request(footerMsg{"no user operation matches the filter"})
	}
	return request(bulkKillRequestMsg{ops: ops, filter: p.filter.Value()})
}

// applyFilter sets the filter from a finding's action. When it matches
// only system ops (the TTL monitor's deletes), those are shown: the
// finding is about them.
func (p *opsPane) applyFilter(v string) {
	p.filtering = false
	p.filter.Blur()
	p.filter.SetValue(v)
	p.refresh()
	if len(p.visible) == 0 && p.hidden > 0 {
		p.showSystem = true
		p.refresh()
	}
}

// filterOK says the filter applies as typed (bulk kill is on only then).
func (p *opsPane) filterOK() bool { return p.filterErr == "" }

// filterKey edits the filter prompt; Apply keeps it, Clear empties it.
func (p *opsPane) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch k := p.keys.Filter; {
	case key.Matches(msg, k.Apply):
		p.filtering = false
		p.filter.Blur()
		return nil
	case key.Matches(msg, k.Clear):
		p.filtering = false
		p.filter.Blur()
		p.filter.SetValue("")
		p.refresh()
		return nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	p.refresh()
	return cmd
}

// View is a status line (counts, filter and its error, sort) over the
// table; what matters most comes first, as a narrow pane cuts the end.
func (p *opsPane) View() string {
	if why := p.snap.NotAvailable["currentOp"]; why != "" && len(p.snap.Ops) == 0 {
		return p.dim("operations: " + why)
	}
	parts := []string{p.counts()}
	if p.filtering {
		parts = append(parts, p.filter.View())
	} else if v := p.filter.Value(); v != "" {
		parts = append(parts, "filter: "+clean(v))
	}
	if p.filterErr != "" {
		parts = append(parts, p.st.Bad.Render("✗ "+p.filterErr+" ("+p.keys.Table.KillFiltered.Help().Key+" is off)"))
	}
	dir := "▾"
	if p.reverse {
		dir = "▴"
	}
	parts = append(parts, "sort: "+opSorts[p.sortCol]+" "+dir)
	status := strings.Join(parts, "  ")
	if len(p.visible) == 0 {
		none := "  no operation running"
		if p.filter.Value() != "" {
			none += " matches the filter"
		}
		return status + "\n" + p.dim(none)
	}
	return status + "\n" + p.table.View()
}
