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
		return m, m.ops.Update(msg)
	case m.viewer != nil:
		return m.viewerKey(msg)
	}
	if cmd, ok := m.globalKey(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.timeKey(msg); ok {
		return m, cmd
	}
	return m, m.panes[m.focus].Update(msg)
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
	}
	return m, m.viewer.update(msg, m.keys.Detail)
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
	case key.Matches(msg, g.Balancer):
		m.dialog = newBalancerDialog(m.tl.shown.Balancer, m.keys.Dialog)
	case key.Matches(msg, g.Window):
		m.dialog = newWindowDialog(m.tl.shown.Balancer, m.keys.Dialog)
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
	case key.Matches(msg, g.Faster, g.Slower):
		return m.changeInterval(key.Matches(msg, g.Faster)), true
	case key.Matches(msg, g.ScrubBack):
		m.tl.scrubTo(m.tl.scrub + 1)
		m.showTimeline()
	case key.Matches(msg, g.ScrubForward):
		m.tl.scrubTo(m.tl.scrub - 1)
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
		Replay: m.opts.Replay != nil, Interval: m.opts.SetInterval != nil, OpsFocused: m.focus == paneOps})
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
