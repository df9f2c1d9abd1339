package tui

import (
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key: an open dialog or prompt first, then global
// keys, then the focused pane.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	switch {
	case m.dialog != nil:
		return m.dialogKey(msg)
	case m.ops.filtering:
		return m.filterKey(msg)
	case m.detail != nil:
		if key.Matches(msg, k.Back, k.Quit) || msg.String() == "enter" {
			m.detail = nil
			return m, nil
		}
		var cmd tea.Cmd
		m.detail.vp, cmd = m.detail.vp.Update(msg)
		return m, cmd
	case m.showHelp:
		if key.Matches(msg, k.Back, k.Help, k.Quit) {
			m.showHelp = false
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Back):
		m.zoomed, m.footer = false, ""
		return m, m.breakdownCmd()
	case key.Matches(msg, k.NextPane):
		m.setFocus((m.focus + 1) % paneCount)
	case key.Matches(msg, k.PrevPane):
		m.setFocus((m.focus + paneCount - 1) % paneCount)
	case key.Matches(msg, k.FocusPane):
		n, _ := strconv.Atoi(msg.String())
		m.setFocus(n - 1)
		// A pane the layout does not show opens zoomed: in the compact
		// layout all but the ops table, in the full one the node list.
		if m.width < fullWidth || m.height < fullHight {
			m.zoomed = m.focus != paneOps
		} else {
			m.zoomed = m.focus == paneNodes
		}
		return m, m.breakdownCmd()
	case key.Matches(msg, k.Zoom):
		if m.focus == paneOps && msg.String() == "enter" {
			if op, ok := m.ops.selected(); ok {
				m.detail = newDetail(op, m.width-4, m.height-6)
			}
			return m, nil
		}
		m.zoomed = !m.zoomed
		return m, m.breakdownCmd()
	case key.Matches(msg, k.Pause):
		m.paused = !m.paused
		if !m.paused {
			m.behind, m.scrub = 0, 0
			m.show(m.latest)
		}
	case key.Matches(msg, k.Faster, k.Slower):
		return m, m.changeInterval(key.Matches(msg, k.Faster))
	case key.Matches(msg, k.ScopeNext):
		m.scope = (m.scope + 1) % len(scopes(m.shown))
	case key.Matches(msg, k.ScopePrev):
		n := len(scopes(m.shown))
		m.scope = (m.scope + n - 1) % n
	case key.Matches(msg, k.ScrubBack):
		m.scrubTo(m.scrub + 1)
	case key.Matches(msg, k.ScrubForward):
		m.scrubTo(m.scrub - 1)
	case key.Matches(msg, k.ReplayPause):
		m.opts.Replay.TogglePause()
	case key.Matches(msg, k.ReplayFaster):
		m.opts.Replay.SetSpeed(min(m.opts.Replay.Speed()*2, 60))
	case key.Matches(msg, k.ReplaySlower):
		m.opts.Replay.SetSpeed(max(m.opts.Replay.Speed()/2, 1))
	case key.Matches(msg, k.ReplayBack):
		m.opts.Replay.Seek(-time.Minute)
	case key.Matches(msg, k.ReplayForward):
		m.opts.Replay.Seek(time.Minute)
	case key.Matches(msg, k.Balancer):
		m.dialog = newBalancerDialog(m.shown.Balancer)
	case key.Matches(msg, k.Window):
		m.dialog = newWindowDialog(m.shown.Balancer)
	default:
		if m.focus == paneOps {
			return m.opsKey(msg)
		}
	}
	return m, nil
}

func (m *Model) setFocus(p int) {
	m.focus = max(min(p, paneCount-1), 0)
	m.applyKeyState()
}

// scrubTo moves the time cursor: the panes show that moment, ops included.
func (m *Model) scrubTo(steps int) {
	steps = max(min(steps, m.hist.FullLen()-1), 0)
	m.scrub = steps
	if s, ok := m.hist.At(steps); ok {
		m.show(s)
	}
	if steps == 0 && !m.paused {
		m.behind = 0
		m.show(m.latest)
	}
}

func (m *Model) changeInterval(faster bool) tea.Cmd {
	steps := []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
		2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}
	i := 0
	for i < len(steps)-1 && steps[i] < m.interval {
		i++
	}
	if faster {
		i = max(i-1, 0)
	} else if steps[i] <= m.interval {
		i = min(i+1, len(steps)-1)
	}
	m.interval = steps[i]
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

// opsKey handles the operations table's own keys.
func (m Model) opsKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Filter):
		m.ops.filtering = true
		return m, m.ops.filter.Focus()
	case key.Matches(msg, k.Sort):
		m.ops.sortCol = (m.ops.sortCol + 1) % len(opSorts)
		m.ops.refresh()
	case key.Matches(msg, k.SortReverse):
		m.ops.reverse = !m.ops.reverse
		m.ops.refresh()
	case key.Matches(msg, k.System):
		m.ops.showSystem = !m.ops.showSystem
		m.ops.refresh()
	case key.Matches(msg, k.Kill):
		if op, ok := m.ops.selected(); ok {
			if op.System {
				m.footer = "mongoscope does not kill internal operations (replication, balancer, TTL, monitoring)"
				return m, nil
			}
			m.dialog = newKillDialog(op)
		}
	case key.Matches(msg, k.KillFiltered):
		ops := m.ops.killable()
		if len(ops) == 0 {
			m.footer = "no user operation matches the filter"
			return m, nil
		}
		m.dialog = newBulkKillDialog(ops, m.ops.filter.Value())
		return m, m.dialog.input.Focus()
	case key.Matches(msg, k.Copy):
		if op, ok := m.ops.selected(); ok && op.Command != "" {
			m.footer = "copied op " + op.OpID + "'s command to the clipboard (OSC 52)"
			return m, tea.SetClipboard(op.Command)
		}
	default:
		var cmd tea.Cmd
		m.ops.table, cmd = m.ops.table.Update(msg)
		return m, cmd
	}
	return m, nil
}

// filterKey edits the filter prompt; enter keeps it, esc clears it.
func (m Model) filterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "enter":
		m.ops.filtering = false
		m.ops.filter.Blur()
		return m, nil
	case "esc":
		m.ops.filtering = false
		m.ops.filter.Blur()
		m.ops.filter.SetValue("")
		m.ops.refresh()
		return m, nil
	}
	var cmd tea.Cmd
	m.ops.filter, cmd = m.ops.filter.Update(msg)
	m.ops.refresh()
	return m, cmd
}

// dialogKey: y confirms, n/esc cancel, ←/→/tab move between the buttons,
// enter presses the focused one (Cancel unless moved).
func (m Model) dialogKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	d := m.dialog
	s := msg.String()
	if s == "esc" {
		m.dialog, m.footer = nil, "cancelled"
		return m, nil
	}
	if d.kind == dialogBulkKill || d.kind == dialogWindow {
		if s != "enter" {
			var cmd tea.Cmd
			d.input, cmd = d.input.Update(msg)
			return m, cmd
		}
		return m.confirmInput()
	}
	switch s {
	case "y", "Y":
		return m.confirmDialog()
	case "n", "N":
		m.dialog, m.footer = nil, "cancelled"
	case "left", "right", "tab", "shift+tab", "h", "l":
		d.confirm = !d.confirm
	case "enter":
		if d.confirm {
			return m.confirmDialog()
		}
		m.dialog, m.footer = nil, "cancelled"
	}
	return m, nil
}

func (m Model) confirmInput() (tea.Model, tea.Cmd) {
	d := m.dialog
	if d.kind == dialogBulkKill {
		if d.input.Value() != strconv.Itoa(len(d.ops)) {
			d.err = "type exactly " + strconv.Itoa(len(d.ops)) + " to confirm, or esc to cancel"
			return m, nil
		}
		return m.confirmDialog()
	}
	w, err := d.window()
	if err != nil {
		d.err = err.Error()
		return m, nil
	}
	m.dialog = nil
	return m.startAction("setting the balancer window", setWindowCmd(m.ctx, m.opts.Actor, w))
}

func (m Model) confirmDialog() (tea.Model, tea.Cmd) {
	d := m.dialog
	m.dialog = nil
	switch d.kind {
	case dialogKill:
		return m.startAction("killing "+d.ops[0].OpID, killCmd(m.ctx, m.opts.Actor, d.ops))
	case dialogBulkKill:
		return m.startAction("killing "+strconv.Itoa(len(d.ops))+" operations", killCmd(m.ctx, m.opts.Actor, d.ops))
	case dialogBalancer:
		if d.stop {
			return m.startAction("stopping the balancer: waiting for the current round", balancerCmd(m.ctx, m.opts.Actor, true))
		}
		return m.startAction("starting the balancer", balancerCmd(m.ctx, m.opts.Actor, false))
	}
	return m, nil
}

func (m Model) startAction(label string, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	if cmd == nil {
		m.footer = "actions are not available here"
		return m, nil
	}
	m.busy = &busyAction{label: label, start: time.Now()}
	m.footer = ""
	return m, tea.Batch(cmd, m.spin.Tick)
}
