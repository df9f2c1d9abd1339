package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// Minimum terminal size for the dashboard.
const (
	minWidth  = 80
	minHeight = 24
	fullWidth = 120
	fullHight = 40
)

// View lays the panes out; layout is a pure function of size and focus.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	return v
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return "starting mongoscope…"
	}
	if m.width < minWidth || m.height < minHeight {
		return fmt.Sprintf("terminal too small for mongoscope (need %d×%d, have %d×%d)", minWidth, minHeight, m.width, m.height)
	}
	header := m.headerView()
	footer := m.footerView()
	bodyH := m.height - lipgloss.Height(header) - lipgloss.Height(footer)
	var body string
	switch {
	case m.showHelp:
		body = m.helpView(bodyH)
	case m.detail != nil:
		body = box(m.styles, "Operation "+m.detail.title, m.detail.view(m.width-2, bodyH-2), m.width, bodyH, true)
	case !m.have:
		body = box(m.styles, "mongoscope", m.styles.Dim.Render("waiting for the first complete poll…"), m.width, bodyH, false)
	case m.zoomed:
		body = m.pane(m.focus, m.width, bodyH)
	case m.width >= fullWidth && m.height >= fullHight:
		body = m.fullLayout(bodyH)
	default:
		body = m.compactLayout(bodyH)
	}
	out := header + "\n" + body + "\n" + footer
	if m.dialog != nil {
		out = overlay(out, m.dialog.view(m.styles, min(m.width-4, 70)), m.width, m.height)
	}
	return out
}

// Heights of the full layout's top and bottom rows.
const (
	topRowH    = 11
	bottomRowH = 8
)

// opsPaneSize is the ops table's size in the current layout (the pane's
// inside, less its status line).
func (m *Model) opsPaneSize() (int, int) {
	bodyH := m.height - 2 // header and footer lines
	switch {
	case m.width < minWidth || m.height < minHeight:
		return 0, 0
	case m.zoomed:
		return m.width - 2, bodyH - 3
	case m.width >= fullWidth && m.height >= fullHight:
		return m.width - 2, bodyH - topRowH - bottomRowH - 3
	}
	return m.width - 2, bodyH - len(m.strips()) - 3
}

// fullLayout shows every pane: throughput and replication on top, the ops
// table in the middle, connections, hot collections and balancer below.
func (m *Model) fullLayout(h int) string {
	topH, bottomH := topRowH, bottomRowH
	opsH := h - topH - bottomH
	leftW := m.width * 55 / 100
	top := lipgloss.JoinHorizontal(lipgloss.Top, m.pane(paneThroughput, leftW, topH), m.pane(paneReplication, m.width-leftW, topH))
	third := m.width / 3
	bottom := lipgloss.JoinHorizontal(lipgloss.Top, m.pane(paneConnections, third, bottomH), m.pane(paneHot, third, bottomH),
		m.pane(paneBalancer, m.width-2*third, bottomH))
	return top + "\n" + m.pane(paneOps, m.width, opsH) + "\n" + bottom
}

// compactLayout (80×24 up to the full size): the ops table and one-line
// strips for the other panes; their number keys open them.
func (m *Model) compactLayout(h int) string {
	strips := m.strips()
	return m.pane(paneOps, m.width, h-len(strips)) + "\n" + strings.Join(strips, "\n")
}

// strips summarise the panes that do not fit, one line each.
func (m *Model) strips() []string {
	s, st := m.shown, m.styles
	var parts []string
	if s.Opcounters != nil {
		c := s.Opcounters.Cluster
		parts = append(parts, fmt.Sprintf("1 ops/s q %s u %s i %s", num(c.Query), num(c.Update), num(c.Insert)))
	}
	var worst *probes.Member
	for _, rs := range s.Replication {
		for i, mem := range rs.Members {
			if mem.LagSeconds != nil && (worst == nil || *mem.LagSeconds > *worst.LagSeconds) {
				worst = &rs.Members[i]
			}
		}
	}
	if worst != nil {
		lag := fmt.Sprintf("2 repl max lag %.1fs %s", *worst.LagSeconds, shortHost(worst.Address))
		sev := probes.MemberLagSeverity(*worst)
		if sev == probes.Crit {
			lag += " ▲"
		}
		parts = append(parts, st.mark(sev, lag))
	}
	if b := s.Balancer; b != nil {
		state := "ON"
		if !b.Enabled {
			state = "OFF"
		} else if b.InRound {
			state = "ON in round"
		}
		parts = append(parts, "6 balancer "+state)
	}
	if s.Connections != nil {
		var hi probes.NodeConnections
		at := ""
		for addr, c := range s.Connections.Nodes {
			if c.PercentUsed > hi.PercentUsed {
				hi, at = c, addr
			}
		}
		conn := fmt.Sprintf("4 conn %.0f%% %s", hi.PercentUsed, shortHost(at))
		if sev := probes.ConnSeverity(hi); sev > probes.OK {
			conn = st.mark(sev, conn+" ▲")
		}
		parts = append(parts, conn)
	}
	if len(s.HotCollections) > 0 {
		parts = append(parts, "5 hot "+s.HotCollections[0].NS)
	}
	// Pack the summaries into as few lines as the width allows.
	var lines []string
	cur := ""
	for _, p := range parts {
		if cur != "" && lipgloss.Width(cur)+3+lipgloss.Width(p) > m.width {
			lines = append(lines, fit(cur, m.width))
			cur = ""
		}
		if cur != "" {
			cur += " · "
		}
		cur += p
	}
	if cur != "" {
		lines = append(lines, fit(cur, m.width))
	}
	return lines
}

// pane draws one pane in its frame.
func (m *Model) pane(i, w, h int) string {
	inner, innerH := w-2, h-2
	title := fmt.Sprintf("%d %s", i+1, paneNames[i])
	var content string
	switch i {
	case paneThroughput:
		sc := scopes(m.shown)
		title += "  " + scopeLabel(sc[m.scope%len(sc)]) + " [ ]"
		content = m.throughputView(inner, innerH)
	case paneReplication:
		content = m.replicationView(inner, innerH)
	case paneOps:
		if why := m.shown.NotAvailable["currentOp"]; why != "" && len(m.shown.Ops) == 0 {
			content = m.styles.Dim.Render("operations: " + why)
		} else {
			content = m.ops.view(m.styles, innerH)
		}
	case paneConnections:
		content = m.connectionsView(inner, innerH)
	case paneHot:
		content = m.hotView(inner, innerH)
	case paneBalancer:
		title = "6 " + m.balancerTitle()
		content = m.balancerView(inner, innerH)
	case paneNodes:
		content = m.nodesView(inner, innerH)
	}
	return box(m.styles, title, content, w, h, i == m.focus)
}

// headerView: deployment, version, nodes up, interval, markers, the time of
// the last complete poll and mongoscope's own load on the cluster.
func (m *Model) headerView() string {
	st, s := m.styles, m.shown
	d := s.Deployment
	up, down := 0, []string{}
	for _, n := range d.Nodes {
		if n.Up {
			up++
		} else {
			down = append(down, shortHost(n.Address))
		}
	}
	title := m.opts.Title
	if title == "" {
		title = d.Name
	}
	parts := []string{st.Title.Render(" mongoscope"), fmt.Sprintf("%s (%s, %s)", title, d.Kind, d.Version)}
	nodes := fmt.Sprintf("%d/%d nodes up", up, len(d.Nodes))
	if len(down) > 0 {
		nodes = st.Bad.Render(nodes + " (down: " + strings.Join(down, ", ") + ")")
	}
	parts = append(parts, nodes)
	// Markers first: on a narrow terminal the clock is what gets cut.
	if m.opts.Replay != nil {
		at, start, end := m.opts.Replay.Position()
		state := "playing"
		if m.opts.Replay.Paused() {
			state = "paused"
		}
		parts = append(parts, st.Warn.Render(fmt.Sprintf("REPLAY %s %gx %s (%s–%s)", state, m.opts.Replay.Speed(),
			at.Local().Format("15:04:05"), start.Local().Format("15:04"), end.Local().Format("15:04"))))
	}
	if m.paused {
		parts = append(parts, st.Warn.Render(fmt.Sprintf("PAUSED (+%d)", m.behind)))
	}
	if m.scrub > 0 {
		parts = append(parts, st.Warn.Render(fmt.Sprintf("◀ %ds ago (→ to return)", int(m.latest.TakenAt.Sub(s.TakenAt).Seconds()))))
	}
	if m.opts.ReadOnly && m.opts.Replay == nil {
		parts = append(parts, st.Warn.Render("READ-ONLY"))
	}
	if m.opts.Replay == nil {
		parts = append(parts, "every "+m.interval.String())
	}
	if !s.TakenAt.IsZero() {
		parts = append(parts, s.TakenAt.Local().Format("15:04:05"))
	}
	parts = append(parts, st.Dim.Render(fmt.Sprintf("self: %s cmd/s %s", num(s.Overhead.CommandsPerSec), bytesRate(s.Overhead.BytesPerSec))))
	return fit(strings.Join(parts, "  "), m.width)
}

// footerView: the last action's outcome, a spinner while one runs, and
// the keys that apply now.
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
	m.help.SetWidth(max(m.width-lipgloss.Width(left)-2, 10))
	keys := m.help.ShortHelpView(m.keys.ShortHelp())
	if left != "" {
		return fit(left+"  "+keys, m.width)
	}
	return fit(keys, m.width)
}

func (m *Model) helpView(h int) string {
	m.help.SetWidth(m.width - 4)
	text := m.help.FullHelpView(m.keys.FullHelp())
	var notes []string
	if m.opts.ReadOnly {
		notes = append(notes, "Actions are off: mongoscope runs with --read-only.")
	} else if m.opts.Replay != nil {
		notes = append(notes, "Actions are off while replaying a recording.")
	} else {
		if m.privs.KillOpWhy != "" {
			notes = append(notes, "k/K are off: "+m.privs.KillOpWhy+".")
		}
		if m.privs.BalancerWhy != "" {
			notes = append(notes, "b/w are off: "+m.privs.BalancerWhy+".")
		}
	}
	notes = append(notes, "Keys shown dim do not apply in this pane. esc closes this help.")
	return box(m.styles, "Help", text+"\n\n"+strings.Join(notes, "\n"), m.width, h, true)
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
