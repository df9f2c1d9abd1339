// Package keymap holds mongoscope's key bindings: one constructor, no
// package-level state. The keys follow what operators already have in their
// fingers from htop, k9s, innotop and pg_activity.
package keymap

import "charm.land/bubbles/v2/key"

// KeyMap is every binding. Bindings that do not apply in the current pane
// or mode are disabled (SetEnabled) so the help stays truthful.
type KeyMap struct {
	Help, Quit                              key.Binding
	NextPane, PrevPane, FocusPane           key.Binding
	Zoom, Back                              key.Binding
	Up, Down, PageUp, PageDown              key.Binding
	Filter, Sort, SortReverse, System       key.Binding
	Pause, Faster, Slower                   key.Binding
	ScopePrev, ScopeNext                    key.Binding
	ScrubBack, ScrubForward                 key.Binding
	Kill, KillFiltered, Balancer            key.Binding
	Window, Copy                            key.Binding
	Confirm, Cancel                         key.Binding
	ReplayPause, ReplayFaster, ReplaySlower key.Binding
	ReplayBack, ReplayForward               key.Binding
}

// Default returns the bindings.
func Default() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Help:          b("?", "help", "?"),
		Quit:          b("q", "quit", "q", "ctrl+c"),
		NextPane:      b("tab", "next pane", "tab"),
		PrevPane:      b("shift+tab", "previous pane", "shift+tab"),
		FocusPane:     b("1-7", "focus pane", "1", "2", "3", "4", "5", "6", "7"),
		Zoom:          b("enter/z", "zoom / op detail", "enter", "z"),
		Back:          b("esc", "back", "esc"),
		Up:            b("↑/k", "up", "up"),
		Down:          b("↓/j", "down", "down", "j"),
		PageUp:        b("pgup", "page up", "pgup"),
		PageDown:      b("pgdn", "page down", "pgdown"),
		Filter:        b("/", "filter ops", "/"),
		Sort:          b("s", "sort column", "s"),
		SortReverse:   b("S", "reverse sort", "S"),
		System:        b("a", "show system ops", "a"),
		Pause:         b("space", "pause display", "space"),
		Faster:        b("+", "shorter interval", "+", "="),
		Slower:        b("-", "longer interval", "-"),
		ScopePrev:     b("[", "scope ←", "["),
		ScopeNext:     b("]", "scope →", "]"),
		ScrubBack:     b("←", "back in time", "left"),
		ScrubForward:  b("→", "forward in time", "right"),
		Kill:          b("k", "kill op", "k"),
		KillFiltered:  b("K", "kill filtered ops", "K"),
		Balancer:      b("b", "stop/start balancer", "b"),
		Window:        b("w", "balancer window", "w"),
		Copy:          b("y", "copy op as JSON", "y"),
		Confirm:       b("y", "confirm", "y"),
		Cancel:        b("n/esc", "cancel", "n", "esc"),
		ReplayPause:   b("p", "play/pause replay", "p"),
		ReplayFaster:  b(">", "replay faster", ">"),
		ReplaySlower:  b("<", "replay slower", "<"),
		ReplayBack:    b(",", "replay: back 1 min", ","),
		ReplayForward: b(".", "replay: ahead 1 min", "."),
	}
}

// ShortHelp is the footer line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Kill, k.KillFiltered, k.Balancer, k.Zoom, k.Filter, k.Pause, k.ScopeNext, k.ScrubBack, k.Help, k.Quit}
}

// FullHelp is the ? screen, grouped by what the keys act on.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.NextPane, k.PrevPane, k.FocusPane, k.Zoom, k.Back, k.Up, k.Down},
		{k.Filter, k.Sort, k.SortReverse, k.System, k.Copy},
		{k.Pause, k.Faster, k.Slower, k.ScopePrev, k.ScopeNext, k.ScrubBack, k.ScrubForward},
		{k.Kill, k.KillFiltered, k.Balancer, k.Window},
		{k.ReplayPause, k.ReplayFaster, k.ReplaySlower, k.ReplayBack, k.ReplayForward},
		{k.Help, k.Quit},
	}
}

// SetActions enables or disables the keys that change the deployment.
func (k *KeyMap) SetActions(killOK, balancerOK bool) {
	k.Kill.SetEnabled(killOK)
	k.KillFiltered.SetEnabled(killOK)
	k.Balancer.SetEnabled(balancerOK)
	k.Window.SetEnabled(balancerOK)
}

// SetReplay switches between live keys and replay keys.
func (k *KeyMap) SetReplay(replay bool) {
	k.ReplayPause.SetEnabled(replay)
	k.ReplayFaster.SetEnabled(replay)
	k.ReplaySlower.SetEnabled(replay)
	k.ReplayBack.SetEnabled(replay)
	k.ReplayForward.SetEnabled(replay)
	k.Faster.SetEnabled(!replay)
	k.Slower.SetEnabled(!replay)
	k.Pause.SetEnabled(!replay)
}
