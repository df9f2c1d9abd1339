package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// A key that is off says why in the footer when pressed, with the same
// reasons the help gives.

// dashboardGroups are the keymap groups live on the dashboard; a key has
// one meaning across them.
var dashboardGroups = []string{"Global", "Table", "Replay"}

// offKey is why the key pressed is off, when it belongs to a disabled
// binding of the groups and no enabled one; "" otherwise.
func (m *Model) offKey(msg tea.KeyPressMsg, groups []string) string {
	pressed := msg.String()
	off := ""
	for name, b := range m.keys.Named() {
		group, _, _ := strings.Cut(name, ".")
		if !slices.Contains(groups, group) || !slices.Contains(b.Keys(), pressed) {
			continue
		}
		if b.Enabled() {
			return "" // the key means something here
		}
		off = b.Help().Key + " (" + b.Help().Desc + ") is off: " + m.whyOff(name)
	}
	return off
}

// whyOff says why the binding named (Group.Field) is disabled now.
func (m *Model) whyOff(name string) string {
	switch name {
	case "Table.Kill", "Table.KillFiltered", "Detail.Kill", "Detail.KillFiltered":
		return m.whyNoKill(strings.HasSuffix(name, "KillFiltered"))
	case "Global.Balancer", "Global.Window":
		return firstOf(m.whyNoActions(), m.privs.BalancerWhy)
	case "Global.Pause":
		return "a replay pauses with " + m.keys.Replay.Pause.Help().Key
	case "Global.Faster", "Global.Slower":
		if m.opts.Replay != nil {
			return "a replay keeps its recorded interval; " + m.keys.Replay.Slower.Help().Key + " and " +
				m.keys.Replay.Faster.Help().Key + " change its speed"
		}
		return "the polling interval cannot change here"
	}
	switch {
	case strings.HasPrefix(name, "Replay."):
		return "only while replaying a recording (mongoscope replay FILE)"
	case strings.HasPrefix(name, "Table."):
		return m.opsFocusNote()
	}
	return "not available now"
}

// whyNoKill: actions off, a past moment on screen, a filter with an error,
// or another pane focused.
func (m *Model) whyNoKill(bulk bool) string {
	if why := firstOf(m.whyNoActions(), m.privs.KillOpWhy); why != "" {
		return why
	}
	if why := m.pastKill(); why != "" {
		return why
	}
	if bulk && !m.ops.filterOK() {
		return "the filter has an error: " + m.ops.filterErr
	}
	return m.opsFocusNote()
}

// whyNoActions is why no action at all can be sent, "" when they can.
func (m *Model) whyNoActions() string {
	switch {
	case m.opts.ReadOnly:
		return "mongoscope runs with --read-only"
	case m.opts.Replay != nil:
		return "actions are off while replaying a recording"
	case m.opts.Actor == nil:
		return "there is no deployment to act on"
	case m.conn != nil && !m.conn.done:
		return "mongoscope is still connecting"
	}
	return ""
}

func (m *Model) opsFocusNote() string {
	return fmt.Sprintf("it works in the operations table: %s focuses it", m.keys.Global.FocusPane.Keys()[paneOps])
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
