package tui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key: an open dialog or prompt first, then the op
// detail or help over the dashboard, then global keys, then the focused
// pane.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	switch {
	case m.dialog != nil:
		return m.dialogKey(msg)
	case m.ops.filtering:
		return m, m.ops.Update(msg)
	case m.detail != nil:
		if key.Matches(msg, k.Back, k.Quit) || msg.String() == "enter" {
			m.detail = nil
			return m, nil
		}
		return m, m.detail.update(msg)
	case m.showHelp:
		if key.Matches(msg, k.Back, k.Help, k.Quit) {
			m.showHelp = false
		}
		return m, nil
	}
	if cmd, ok := m.globalKey(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.timeKey(msg); ok {
		return m, cmd
	}
	return m, m.panes[m.focus].Update(msg)
}

// globalKey handles the keys that work in every pane: help, quit, focus,
// zoom and the balancer actions.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit, true
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Back):
		m.footer = ""
		return m.setView(m.focus, false), true
	case key.Matches(msg, k.NextPane):
		return m.setView((m.focus+1)%paneCount, m.zoomed), true
	case key.Matches(msg, k.PrevPane):
		return m.setView((m.focus+paneCount-1)%paneCount, m.zoomed), true
	case key.Matches(msg, k.FocusPane):
		// A pane the layout does not draw opens zoomed.
		p := slices.Index(k.FocusPane.Keys(), msg.String())
		return m.setView(p, !shows(m.layout.w, m.layout.h, p)), true
	case key.Matches(msg, k.Zoom):
		if m.focus == paneOps && msg.String() == "enter" {
			if op, ok := m.ops.selected(); ok {
				m.detail = newDetail(op, m.layout.w-frameSize, m.layout.bodyH-frameSize)
			}
			return nil, true
		}
		return m.setView(m.focus, !m.zoomed), true
	case key.Matches(msg, k.ScopeNext, k.ScopePrev):
		return m.panes[paneThroughput].Update(msg), true
	case key.Matches(msg, k.Balancer):
		m.dialog = newBalancerDialog(m.tl.shown.Balancer)
	case key.Matches(msg, k.Window):
		m.dialog = newWindowDialog(m.tl.shown.Balancer)
	default:
		return nil, false
	}
	return nil, true
}

// timeKey handles pausing, scrubbing, the poll interval and the replay.
func (m *Model) timeKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k, r := m.keys, m.opts.Replay
	switch {
	case key.Matches(msg, k.Pause):
		m.tl.togglePause()
		m.showTimeline()
	case key.Matches(msg, k.Faster, k.Slower):
		return m.changeInterval(key.Matches(msg, k.Faster)), true
	case key.Matches(msg, k.ScrubBack):
		m.tl.scrubTo(m.tl.scrub + 1)
		m.showTimeline()
	case key.Matches(msg, k.ScrubForward):
		m.tl.scrubTo(m.tl.scrub - 1)
		m.showTimeline()
	case key.Matches(msg, k.ReplayPause):
		r.TogglePause()
	case key.Matches(msg, k.ReplayFaster):
		r.SetSpeed(min(r.Speed()*2, 60))
	case key.Matches(msg, k.ReplaySlower):
		r.SetSpeed(max(r.Speed()/2, 1))
	case key.Matches(msg, k.ReplayBack):
		r.Seek(-time.Minute)
	case key.Matches(msg, k.ReplayForward):
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
	m.keys.SetActions(canAct && m.privs.KillOp, canAct && m.privs.Balancer)
	m.keys.SetReplay(m.opts.Replay != nil)
	if m.opts.SetInterval == nil {
		m.keys.Faster.SetEnabled(false)
		m.keys.Slower.SetEnabled(false)
	}
	onOps := m.focus == paneOps
	for _, b := range []*key.Binding{&m.keys.Copy, &m.keys.Sort, &m.keys.SortReverse, &m.keys.Filter, &m.keys.System} {
		b.SetEnabled(onOps)
	}
	if !onOps {
		m.keys.Kill.SetEnabled(false)
		m.keys.KillFiltered.SetEnabled(false)
	}
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
