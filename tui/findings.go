package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// findingsPane lists every active finding, worst first, each with its
// evidence and its action: enter jumps to the pane (and ops filter) that
// shows it, c copies its suggested command. It shows the findings of the
// latest poll, also while the screen shows a past moment (they are judged
// as snapshots arrive, never on a moment scrubbed to).
type findingsPane struct {
	paneBase
	list  []probes.Finding
	asOf  time.Time // the poll the list was judged on
	live  bool      // the screen shows the latest poll
	selID string    // the selected finding, followed by ID as the list changes
}

// Messages between the root and the findings pane.
type (
	// findingsMsg: the findings active as of the latest poll.
	findingsMsg struct {
		active []probes.Finding
		asOf   time.Time
	}
	// jumpRequestMsg asks the root to show what a finding is about.
	jumpRequestMsg struct{ f probes.Finding }
)

func (p *findingsPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case findingsMsg:
		p.list, p.asOf = msg.active, msg.asOf
	case showMsg:
		p.live = msg.live
		return p.paneBase.Update(msg)
	case tea.KeyPressMsg:
		return p.key(msg)
	default:
		return p.paneBase.Update(msg)
	}
	return nil
}

// key moves the selection, jumps or copies.
func (p *findingsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys.Findings
	i := p.selected()
	switch {
	case i < 0:
		return nil
	case key.Matches(msg, k.Up):
		p.selID = p.list[max(i-1, 0)].ID
	case key.Matches(msg, k.Down):
		p.selID = p.list[min(i+1, len(p.list)-1)].ID
	case key.Matches(msg, k.Jump):
		return request(jumpRequestMsg{p.list[i]})
	case key.Matches(msg, k.Copy):
		return copySuggestion(p.list[i])
	}
	return nil
}

// selected is the index of the selected finding: the one last chosen
// while it lasts, else the worst; -1 when there is none.
func (p *findingsPane) selected() int {
	if len(p.list) == 0 {
		return -1
	}
	for i, f := range p.list {
		if f.ID == p.selID {
			return i
		}
	}
	p.selID = p.list[0].ID
	return 0
}

func (p *findingsPane) ShortHelp() []key.Binding {
	k := p.keys.Findings
	return []key.Binding{k.Jump, k.Copy, k.Down}
}

// copySuggestion copies a finding's command (OSC 52) and says it is a
// suggestion: mongoscope never runs it.
func copySuggestion(f probes.Finding) tea.Cmd {
	if f.Action.Copy == "" {
		return request(footerMsg{"this finding has no command to copy"})
	}
	return tea.Batch(tea.SetClipboard(f.Action.Copy),
		request(footerMsg{"copied a suggestion to review to the clipboard (OSC 52); mongoscope never runs it"}))
}

// View: a status line, then each finding's block; the blocks scroll so
// the selected one is on screen.
func (p *findingsPane) View() string {
	if len(p.list) == 0 {
		return p.dim("no findings: a finding starts once its condition has held for a while (seconds to minutes, by kind)")
	}
	sel := p.selected()
	blocks := make([][]string, len(p.list))
	for i, f := range p.list {
		blocks[i] = p.block(f, i == sel)
	}
	first := firstBlockShown(blocks, sel, p.h-1)
	status := fmt.Sprintf("%d active, worst first  (%d of %d selected)", len(p.list), sel+1, len(p.list))
	if !p.live {
		status += p.st.Warn.Render("  as of the latest poll, " + p.asOf.Local().Format("15:04:05") + ", not the moment shown")
	}
	lines := []string{status}
	for _, b := range blocks[first:] {
		lines = append(lines, b...)
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

// firstBlockShown is the first block to draw so that the selected one
// ends within h lines, when it can.
func firstBlockShown(blocks [][]string, sel, h int) int {
	first, n := 0, 0
	for i := 0; i <= sel; i++ {
		n += len(blocks[i])
	}
	for first < sel && n > h {
		n -= len(blocks[first])
		first++
	}
	return first
}

// block is one finding: its headline, summary, evidence and action, each
// wrapped to the pane's width under the headline.
func (p *findingsPane) block(f probes.Finding, selected bool) []string {
	st := p.st
	mark := "  "
	if selected {
		mark = st.Selected.Render("▶") + " "
	}
	head := mark + st.mark(f.Severity, strings.ToUpper(f.Severity.String())+" "+f.Kind) +
		st.Dim.Render(fmt.Sprintf("  since %s, for %s", f.Since.Local().Format("15:04:05"), AgeText(p.asOf.Sub(f.Since))))
	lines := []string{fit(head, p.w)}
	body := append([]string{clean(f.Summary)}, evidenceLines(f.Evidence)...)
	body = append(body, p.actionLines(f.Action)...)
	for _, b := range body {
		for _, l := range strings.Split(wrap(b, max(p.w-4, 10)), "\n") {
			lines = append(lines, "    "+l)
		}
	}
	return lines
}

// evidenceLines are the figures, then who and what is involved, the query
// shape, the likely cause and the series that show it.
func evidenceLines(ev probes.Evidence) []string {
	var out []string
	if len(ev.Figures) > 0 {
		figs := make([]string, len(ev.Figures))
		for i, fg := range ev.Figures {
			figs[i] = clean(fg.Name) + " " + figureText(fg)
		}
		out = append(out, strings.Join(figs, " · "))
	}
	var who []string
	for _, l := range []struct {
		name  string
		items []string
	}{{"ns", ev.Namespaces}, {"apps", ev.Apps}, {"hosts", ev.Hosts}, {"shards", ev.Shards}, {"members", ev.Members},
		{"ops", ev.OpIDs}, {"series", ev.Series}} {
		if len(l.items) > 0 {
			who = append(who, l.name+" "+clean(strings.Join(l.items, ", ")))
		}
	}
	if len(who) > 0 {
		out = append(out, strings.Join(who, " · "))
	}
	if ev.Shape != "" {
		out = append(out, "query shape "+clean(ev.Shape))
	}
	if ev.Cause != "" {
		out = append(out, "likely cause: "+clean(ev.Cause))
	}
	return out
}

// figureText writes a figure's value with its unit: "412.3 s", "89.1%",
// "2.1 MB/s", "8,912".
func figureText(fg probes.Figure) string {
	switch fg.Unit {
	case "B/s":
		return bytesRate(fg.Value)
	case "%":
		return decimal(fg.Value) + "%"
	case "/s":
		return num(fg.Value) + "/s"
	case "", "ops":
		return decimal(fg.Value)
	}
	return decimal(fg.Value) + " " + clean(fg.Unit)
}

// decimal writes a whole number with separators, any other with at most
// two decimals.
func decimal(v float64) string {
	if v == math.Trunc(v) {
		return num(v)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// actionLines say what enter does (the pane, the ops filter, the key to
// press there and why), and the suggestion c copies.
func (p *findingsPane) actionLines(a probes.Action) []string {
	st := p.st
	var out []string
	if pn, ok := paneByName[a.Pane]; ok {
		line := fmt.Sprintf("%s → %d %s", p.keys.Findings.Jump.Help().Key, pn+1, paneTitles[pn])
		switch {
		case pn == paneOps && a.Filter != "":
			line += " filtered " + strconv.Quote(clean(a.Filter))
		case a.Filter != "":
			line += " (ops filter for it: " + clean(a.Filter) + ")"
		}
		if a.Key != "" {
			line += ", then " + clean(a.Key)
		}
		out = append(out, st.Bold.Render(line))
	}
	if a.Hint != "" {
		out = append(out, st.Dim.Render(clean(a.Hint)))
	}
	if a.Copy != "" {
		out = append(out, st.Warn.Render("suggestion to review")+" ("+p.keys.Findings.Copy.Help().Key+" copies it; mongoscope never runs it): "+
			clean(a.Copy))
	}
	return out
}

// findingsLine is the line under the header: the worst finding with its
// summary and how many more there are, or a dim "no findings".
func (m *Model) findingsLine() string {
	st, w := m.styles, m.layout.w
	if len(m.active) == 0 {
		return fit(st.Dim.Render(" no findings"), w)
	}
	f := m.active[0]
	lead := " "
	if !m.tl.live() {
		lead = st.Dim.Render(" now:") + " "
	}
	head := lead + st.mark(f.Severity, "▲ "+strings.ToUpper(f.Severity.String())+" "+f.Kind) + "  "
	pane := m.keys.Global.FocusPane.Keys()[paneFindings]
	tail := "  " + st.Dim.Render(pane+": details")
	if n := len(m.active) - 1; n > 0 {
		tail = "  " + st.Bold.Render(fmt.Sprintf("+%d more", n)) + st.Dim.Render(" · "+pane+": all")
	}
	room := w - lipgloss.Width(head) - lipgloss.Width(tail)
	return fit(head+fit(clean(f.Summary), room)+tail, w)
}

// judge runs the findings on a snapshot just polled (moments scrubbed to
// were judged when they arrived; a replay seeking back resets the tracker
// inside Update) and alerts on those that start.
func (m *Model) judge(s probes.Snapshot) tea.Cmd {
	active, started, _ := m.findings.Update(s, m.opts.History)
	m.active = active
	m.tell(findingsMsg{active, s.TakenAt})
	return m.alert(started, s.TakenAt)
}

// jump shows what a finding is about: its pane, focused (zoomed when the
// layout does not draw it, when its breakdown needs the zoom, or when the
// action is the zoom), with the ops filter applied when it is the ops pane.
func (m *Model) jump(f probes.Finding) tea.Cmd {
	a := f.Action
	p, ok := paneByName[a.Pane]
	if !ok {
		m.footer = "nothing to jump to for this finding"
		return nil
	}
	if p == paneOps && a.Filter != "" {
		m.ops.applyFilter(a.Filter)
	}
	zoom := !shows(m.layout.w, m.layout.h, p) || p == paneConnections || a.Key == m.keys.Global.Zoom.Help().Key
	cmd := m.setView(p, zoom)
	m.footer = clean(f.Kind + ": " + firstOf(a.Hint, "shown"))
	return cmd
}
