package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// View draws the screen from the layout; panes draw their insides.
func (m Model) View() tea.View {
	out := m.render()
	if m.opts.ASCII {
		out = toASCII(out)
	}
	v := tea.NewView(out)
	v.AltScreen = true
	return v
}

func (m *Model) render() string {
	l := m.layout
	if l.w == 0 || l.h == 0 { // the terminal has not said its size yet
		if m.conn != nil {
			return m.connectView()
		}
		return "starting mongoscope…"
	}
	if l.kind == layoutTooSmall {
		return fmt.Sprintf("terminal too small for mongoscope (need %d×%d, have %d×%d)", minWidth, minHeight, l.w, l.h)
	}
	var body string
	switch {
	case m.viewer != nil:
		body = box(m.styles, m.viewer.heading(), m.viewer.view(), l.w, l.bodyH, true)
	case !m.tl.have:
		body = box(m.styles, "mongoscope", m.connectView(), l.w, l.bodyH, false)
	default:
		body = m.bodyView()
	}
	out := m.headerView() + "\n" + body + "\n" + m.footerView()
	if m.dialog != nil {
		out = overlay(out, m.dialog.view(m.styles, min(l.w-4, 70)), l.w, l.h)
	}
	return out
}

// bodyView draws the layout's bands of framed panes, then the strips.
func (m *Model) bodyView() string {
	var rows []string
	for _, b := range m.layout.bands {
		boxes := make([]string, len(b.panes))
		for i, p := range b.panes {
			title := fmt.Sprintf("%d %s", p+1, m.panes[p].Title())
			boxes[i] = box(m.styles, title, m.panes[p].View(), b.widths[i], b.h, p == m.focus)
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, boxes...))
	}
	if m.layout.strips > 0 {
		rows = append(rows, m.stripsView(m.layout.strips))
	}
	return strings.Join(rows, "\n")
}

// stripOrder is the order of the compact layout's summaries: what is most
// often wrong first.
var stripOrder = []int{paneThroughput, paneReplication, paneBalancer, paneConnections, paneHot}

// stripsView packs the summaries of the panes the compact layout does not
// draw into n lines; the last line is cut if they do not fit (their number
// keys open them).
func (m *Model) stripsView(n int) string {
	var lines []string
	cur := ""
	for _, p := range stripOrder {
		s := m.panes[p].(stripper).Strip()
		if s == "" {
			continue
		}
		s = fmt.Sprintf("%d %s", p+1, s)
		if cur != "" && lipgloss.Width(cur)+3+lipgloss.Width(s) > m.layout.w && len(lines) < n-1 {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " · "
		}
		cur += s
	}
	lines = append(lines, cur)
	for len(lines) < n {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = fit(lines[i], m.layout.w)
	}
	return strings.Join(lines, "\n")
}

// footerView: the last action's outcome, a spinner while one runs, and
// the keys that apply now; "? help • q quit" is never cut.
func (m *Model) footerView() string {
	st := m.styles
	var left string
	switch {
	case m.busy != nil:
		left = st.Warn.Render(fmt.Sprintf("%s %s… %s", m.spin.View(), m.busy.label, time.Since(m.busy.start).Round(time.Second)))
	case m.footer != "":
		left = st.Bold.Render(m.footer)
	case m.ended:
		left = st.Dim.Render("no more snapshots")
	}
	always := m.help.ShortHelpView(m.alwaysKeys())
	room := m.layout.w - lipgloss.Width(always) - 3
	switch {
	case left != "" && lipgloss.Width(left) > room: // a long message takes the line until the next key
		return fit(left, m.layout.w)
	case left != "" && lipgloss.Width(left) > room-10:
		return fit(fit(left, room)+"   "+always, m.layout.w)
	}
	keys := ""
	if room-lipgloss.Width(left) > 10 {
		m.help.SetWidth(room - lipgloss.Width(left) - 2)
		keys = m.help.ShortHelpView(m.shortHelp())
	}
	line := strings.TrimSpace(strings.Join([]string{left, keys}, "  "))
	return fit(fit(line, room)+"   "+always, m.layout.w)
}

// alwaysKeys end the footer, never cut: help and quit, or where keys are
// text or answers, the quit that still works.
func (m *Model) alwaysKeys() []key.Binding {
	switch {
	case m.dialog != nil, m.ops.prompting():
		return []key.Binding{m.keys.Global.ForceQuit}
	case m.viewer != nil:
		return []key.Binding{m.keys.Global.Quit}
	}
	return m.keys.Always()
}

// overlay centres a dialog over the screen.
func overlay(base, dlg string, w, h int) string {
	lines := strings.Split(base, "\n")
	dl := strings.Split(dlg, "\n")
	top := max((h-len(dl))/2, 0)
	left := max((w-lipgloss.Width(dlg))/2, 0)
	for i, d := range dl {
		if top+i >= len(lines) {
			break
		}
		lines[top+i] = strings.Repeat(" ", left) + d
	}
	return strings.Join(lines, "\n")
}

// shortHelp is the footer's keys: the open dialog's, the prompt's or the
// viewer's, else the focused pane's and the global ones.
func (m *Model) shortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.dialog != nil:
		return m.dialog.shortHelp()
	case m.ops.prompting():
		return []key.Binding{k.Filter.Apply, k.Filter.Clear}
	case m.viewer != nil:
		d := k.Detail
		if m.viewer.op != nil {
			return []key.Binding{d.Close, d.Kill, d.KillFiltered, d.Copy, d.Up, d.Down, d.PageDown}
		}
		return []key.Binding{d.Close, d.Up, d.Down, d.PageDown, d.PageUp}
	}
	return append(m.panes[m.focus].ShortHelp(), k.ShortHelp()...)
}
