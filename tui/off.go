package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// A key that is off says why in the footer when pressed, with the same
// reasons the help gives.

// dashboardGroups are the keymap groups live on the dashboard; a key has
// one meaning across them, but for the table's and the findings pane's,
// which are never on together.
var dashboardGroups = []string{"Global", "Table", "Replay", "Findings"}

// offKey is why the key pressed is off, when it belongs to a disabled
// binding of the groups and no enabled one; "" otherwise. When two
// disabled bindings share the key (c copies in the table and in the
// findings pane), the last by name says why, the same every time.
func (m *Model) offKey(msg tea.KeyPressMsg, groups []string) string {
	pressed := msg.String()
	off := ""
	named := m.keys.Named()
	for _, name := range slices.Sorted(maps.Keys(named)) {
		b := named[name]
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
	case strings.HasPrefix(name, "Findings."):
		return fmt.Sprintf("it works in the findings pane: %s focuses it", m.keys.Global.FocusPane.Keys()[paneFindings])
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
