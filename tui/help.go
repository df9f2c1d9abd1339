package tui

import "strings"

func (m *Model) helpView() string {
	m.help.SetWidth(m.layout.w - 4)
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
	return box(m.styles, "Help", text+"\n\n"+strings.Join(notes, "\n"), m.layout.w, m.layout.bodyH, true)
}
