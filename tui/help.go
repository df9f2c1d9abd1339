package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/mongoscope/mongoscope/keymap"
)

// The help screen is generated from the keymap: every enabled binding, by
// group, and why the action keys that are off are off. Disabled bindings
// are left out, so what it lists is what works.

func newHelpViewer(content string, w, h int, keys keymap.DetailKeys) *viewer {
	v := newViewer("Help", content, w, h, keys)
	v.isHelp = true
	return v
}

// helpContent lays the groups out side by side, as many to a row as the
// width w takes, then the notes.
func (m *Model) helpContent(w int) string {
	var blocks []string
	for _, g := range m.keys.Groups() {
		if b := m.helpBlock(g.Title, g.Bindings); b != "" {
			blocks = append(blocks, b)
		}
	}
	var rows []string
	var row []string
	rowW := 0
	for _, b := range blocks {
		bw := lipgloss.Width(b) + 3
		if len(row) > 0 && rowW+bw > w {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		row, rowW = append(row, lipgloss.NewStyle().PaddingRight(3).Render(b)), rowW+bw
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Join(m.helpNotes(), "\n") + "\n\n" + strings.Join(rows, "\n\n")
}

// helpBlock is one group: its title, then "key  what it does" for each
// enabled binding; empty when none is.
func (m *Model) helpBlock(title string, bindings []key.Binding) string {
	keyW := 0
	for _, b := range bindings {
		keyW = max(keyW, lipgloss.Width(b.Help().Key))
	}
	lines := []string{m.styles.Bold.Render(title)}
	for _, b := range bindings {
		if b.Enabled() {
			lines = append(lines, fmt.Sprintf("%-*s %s", keyW, b.Help().Key, m.styles.Dim.Render(b.Help().Desc)))
		}
	}
	if len(lines) == 1 {
		return ""
	}
	return strings.Join(lines, "\n")
}

// helpNotes say why action keys are off (the reasons the footer gives
// when one is pressed) and where actions are recorded.
func (m *Model) helpNotes() []string {
	t, g := m.keys.Table, m.keys.Global
	kill := t.Kill.Help().Key + "/" + t.KillFiltered.Help().Key
	balancer := g.Balancer.Help().Key + "/" + g.Window.Help().Key
	var notes []string
	if m.opts.Demo {
		notes = append(notes, "DEMO: a simulated sharded cluster running at 10× speed; actions are real there, and harmless.")
	}
	if why := m.whyNoActions(); why != "" {
		notes = append(notes, "Actions are off: "+why+".")
	} else {
		if m.privs.KillOpWhy != "" {
			notes = append(notes, kill+" are off: "+m.privs.KillOpWhy+".")
		}
		if m.privs.BalancerWhy != "" {
			notes = append(notes, balancer+" are off: "+m.privs.BalancerWhy+".")
		}
		if m.opts.AuditLog != "" {
			notes = append(notes, "Every action is appended to the audit log "+m.opts.AuditLog+".")
		}
	}
	if !m.tl.live() {
		notes = append(notes, kill+" are off: "+m.pastKill()+".")
	}
	if m.focus != paneOps {
		notes = append(notes, fmt.Sprintf("The operations table's keys work when it has the focus (%s).", g.FocusPane.Keys()[paneOps]))
	}
	return append(notes, m.keys.Detail.Close.Help().Key+" closes this help; the arrows and pgup/pgdn scroll it.")
}
