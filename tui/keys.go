package tui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/keymap"
)

// handleKey routes a key: an open dialog or the filter prompt first, then
// the op detail or help over the dashboard, then global keys, then the
// focused pane.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	g := m.keys.Global
	switch {
	case key.Matches(msg, g.ForceQuit):
		return m, tea.Quit
	case m.dialog != nil:
		return m.dialogKey(msg)
	case m.ops.prompting():
		cmd := m.ops.Update(msg)
		m.applyKeyState() // the filter decides whether bulk kill is on
		return m, cmd
	case m.viewer != nil:
		return m.viewerKey(msg)
	}
	if why := m.offKey(msg, dashboardGroups); why != "" {
		m.footer = why
		return m, nil
	}
	if cmd, ok := m.globalKey(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.timeKey(msg); ok {
		return m, cmd
	}
	cmd := m.panes[m.focus].Update(msg)
	m.applyKeyState()
	return m, cmd
}

// viewerKey: the op detail or help scrolls; esc closes it (? closes help
// too); q still quits.
func (m Model) viewerKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	g := m.keys.Global
	switch {
	case key.Matches(msg, g.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Detail.Close), m.viewer.isHelp && key.Matches(msg, g.Help):
		m.viewer = nil
		return m, nil
	case m.viewer.op != nil:
		if why := m.offKey(msg, []string{"Detail"}); why != "" {
			m.footer = why
			return m, nil
		}
		if cmd, ok := m.detailKey(msg); ok {
			return m, cmd
		}
	}
	return m, m.viewer.update(msg, m.keys.Detail)
}

// detailKey: the op detail kills, bulk-kills and copies as the table does.
func (m *Model) detailKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	d, op := m.keys.Detail, m.viewer.op.op
	switch {
	case key.Matches(msg, d.Kill):
		if m.viewer.op.gone() {
			m.footer = "op " + clean(op.OpID) + " " + m.viewer.op.status()
			return nil, true
		}
		if op.System {
			m.footer = "mongoscope does not kill internal operations (replication, balancer, TTL, monitoring)"
			return nil, true
		}
		return request(killRequestMsg{op}), true
	case key.Matches(msg, d.KillFiltered):
		return m.ops.bulkKillRequest(), true
	case key.Matches(msg, d.Copy):
		return copyCmd(op), true
	}
	return nil, false
}

// globalKey handles the keys that work in every pane: help, quit, focus,
// zoom, scope and the balancer actions.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	g := m.keys.Global
	switch {
	case key.Matches(msg, g.Quit):
		return tea.Quit, true
	case key.Matches(msg, g.Help):
		m.openHelp()
	case key.Matches(msg, g.Back):
		m.footer = ""
		return m.setView(m.focus, false), true
	case key.Matches(msg, g.NextPane):
		return m.setView((m.focus+1)%paneCount, m.zoomed), true
	case key.Matches(msg, g.PrevPane):
		return m.setView((m.focus+paneCount-1)%paneCount, m.zoomed), true
	case key.Matches(msg, g.FocusPane):
		// A pane the layout does not draw opens zoomed.
		p := slices.Index(g.FocusPane.Keys(), msg.String())
		return m.setView(p, !shows(m.layout.w, m.layout.h, p)), true
	case key.Matches(msg, g.Zoom):
		return m.setView(m.focus, !m.zoomed), true
	case key.Matches(msg, g.ScopeNext, g.ScopePrev):
		return m.panes[paneThroughput].Update(msg), true
	case key.Matches(msg, g.Balancer): // about the balancer now, whatever moment is shown
		m.dialog = newBalancerDialog(m.tl.latest.Balancer, m.keys.Dialog)
	case key.Matches(msg, g.Window):
		m.dialog = newWindowDialog(m.tl.latest.Balancer, m.keys.Dialog)
	default:
		return nil, false
	}
	return nil, true
}

// timeKey handles pausing, scrubbing, the poll interval and the replay.
func (m *Model) timeKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	g, rk, r := m.keys.Global, m.keys.Replay, m.opts.Replay
	switch {
	case key.Matches(msg, g.Pause):
		m.tl.togglePause()
		m.showTimeline()
	case key.Matches(msg, g.Live):
		m.tl.toLive()
		m.showTimeline()
	case key.Matches(msg, g.Faster, g.Slower):
		return m.changeInterval(key.Matches(msg, g.Faster)), true
	case key.Matches(msg, g.ScrubBack, g.ScrubForward):
		dir := 1
		if key.Matches(msg, g.ScrubBack) {
			dir = -1
		}
		if !m.tl.step(dir) {
			m.footer = m.scrubEnd(dir)
		}
		m.showTimeline()
	case key.Matches(msg, rk.Pause):
		r.TogglePause()
	case key.Matches(msg, rk.Faster):
		r.SetSpeed(min(r.Speed()*2, 60))
	case key.Matches(msg, rk.Slower):
		r.SetSpeed(max(r.Speed()/2, 1))
	case key.Matches(msg, rk.Back):
		r.Seek(-time.Minute)
	case key.Matches(msg, rk.Forward):
		r.Seek(time.Minute)
	default:
		return nil, false
	}
	return nil, true
}

// scrubEnd says why a step went nowhere.
func (m *Model) scrubEnd(dir int) string {
	if dir > 0 {
		return "already live"
	}
	oldest, _ := m.tl.hist.At(m.tl.hist.FullLen() - 1)
	return "the history kept starts at " + oldest.TakenAt.Local().Format("15:04:05")
}

// setView focuses pane p, zoomed or not, and re-lays the screen out.
func (m *Model) setView(p int, zoomed bool) tea.Cmd {
	m.focus = max(min(p, paneCount-1), 0)
	m.zoomed = zoomed
	m.applyKeyState()
	m.relayout(m.layout.w, m.layout.h)
	return m.breakdownCmd()
}

// applyKeyState enables exactly the keys that apply now.
func (m *Model) applyKeyState() {
	canAct := m.opts.Actor != nil && !m.opts.ReadOnly && m.opts.Replay == nil
	m.keys.Apply(keymap.State{Kill: canAct && m.privs.KillOp, Balancer: canAct && m.privs.Balancer,
		Replay: m.opts.Replay != nil, Interval: m.opts.SetInterval != nil, OpsFocused: m.focus == paneOps,
		FindingsFocused: m.focus == paneFindings, Live: m.tl.live(), FilterOK: m.ops == nil || m.ops.filterOK()})
}

// intervalSteps are the poll intervals + and - step through.
var intervalSteps = []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}

func (m *Model) changeInterval(faster bool) tea.Cmd {
	i := 0
	for i < len(intervalSteps)-1 && intervalSteps[i] < m.interval {
		i++
	}
	if faster {
		i = max(i-1, 0)
	} else if intervalSteps[i] <= m.interval {
		i = min(i+1, len(intervalSteps)-1)
	}
	m.interval = intervalSteps[i]
	set, d := m.opts.SetInterval, m.interval
	return func() tea.Msg {
		set(d)
		return nil
	}
}

// breakdownCmd asks for the costly who-holds-connections query only while
// the connections pane is zoomed.
func (m *Model) breakdownCmd() tea.Cmd {
	set := m.opts.SetConnectionBreakdown
	if set == nil {
		return nil
	}
	on := m.zoomed && m.focus == paneConnections
	return func() tea.Msg {
		set(on)
		return nil
	}
}
