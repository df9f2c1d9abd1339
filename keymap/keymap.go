// Package keymap is the single source of mongoscope's key bindings: one
// constructor, Default, no package-level state. The keys follow what
// operators already have in their fingers from htop, k9s, innotop and
// pg_activity. Bindings come in groups by where they act (global, table,
// dialog, filter, detail, replay, findings); the bubbles table and viewport keymaps
// are built from them, so no key moves anything this package does not
// list. On the dashboard every key has one meaning whatever is enabled
// (k kills and never moves the table); the modal groups (dialog, filter,
// detail) own the keyboard while open.
//
// keymap knows keys only: it must not import tui or probes.
package keymap

import "charm.land/bubbles/v2/key"

// KeyMap is every binding, by group. Bindings that do not apply now are
// disabled (Apply) so the help, which lists only enabled ones, is true.
type KeyMap struct {
	Global GlobalKeys
	Table  TableKeys
	Dialog DialogKeys
	Filter FilterKeys
	Detail DetailKeys
	Replay ReplayKeys
	// Findings act in the findings pane when it has the focus; they share
	// keys with the table (enter, c, the arrows), which is off then.
	Findings FindingsKeys
}

// GlobalKeys work on the dashboard whatever pane has the focus.
type GlobalKeys struct {
	Help, Quit, ForceQuit         key.Binding
	NextPane, PrevPane, FocusPane key.Binding
	Zoom, Back                    key.Binding
	Pause, Faster, Slower         key.Binding
	ScopePrev, ScopeNext          key.Binding
	ScrubBack, ScrubForward, Live key.Binding
	Balancer, Window              key.Binding
}

// TableKeys act on the operations table when it has the focus.
type TableKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Detail, Filter, Sort, SortReverse       key.Binding
	System, Copy, Kill, KillFiltered        key.Binding
}

// DialogKeys answer a confirmation dialog. A dialog that takes typed text
// (bulk kill, balancer window) uses only Press and Cancel.
type DialogKeys struct {
	Confirm, Deny, Cancel, Switch, Press key.Binding
	Session                              key.Binding // the kill dialog of a sharded write: kill its session
}

// FilterKeys end the operations filter prompt; every other key is text.
type FilterKeys struct {
	Apply, Clear key.Binding
}

// DetailKeys scroll the op detail and the help screen; in the op detail
// the op can be killed and copied as from the table.
type DetailKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Close key.Binding
	Kill, KillFiltered, Copy                       key.Binding
}

// ReplayKeys drive a recording being played back.
type ReplayKeys struct {
	Pause, Faster, Slower, Back, Forward key.Binding
}

// FindingsKeys act on the findings pane's selected finding.
type FindingsKeys struct {
	Up, Down, Jump, Copy key.Binding
}

func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Default returns the bindings, every one enabled.
func Default() KeyMap {
	return KeyMap{
		Global: GlobalKeys{
			Help:         bind("?", "help", "?"),
			Quit:         bind("q", "quit", "q"),
			ForceQuit:    bind("ctrl+c", "quit, even while typing", "ctrl+c"),
			NextPane:     bind("tab", "next pane", "tab"),
			PrevPane:     bind("shift+tab", "previous pane", "shift+tab"),
			FocusPane:    bind("1-8", "focus pane", "1", "2", "3", "4", "5", "6", "7", "8"),
			Zoom:         bind("z", "zoom pane", "z"),
			Back:         bind("esc", "unzoom", "esc"),
			Pause:        bind("space", "pause display", "space"),
			Faster:       bind("+", "shorter interval", "+", "="),
			Slower:       bind("-", "longer interval", "-"),
			ScopePrev:    bind("[", "scope ←", "["),
			ScopeNext:    bind("]", "scope →", "]"),
			ScrubBack:    bind("←", "back one interval", "left"),
			ScrubForward: bind("→", "forward one interval", "right"),
			Live:         bind("end", "back to live", "end"),
			Balancer:     bind("b", "stop/start balancer", "b"),
			Window:       bind("w", "balancer window", "w"),
		},
		Table: TableKeys{
			Up:           bind("↑", "up", "up"),
			Down:         bind("↓", "down", "down"),
			PageUp:       bind("pgup", "page up", "pgup"),
			PageDown:     bind("pgdn", "page down", "pgdown"),
			Top:          bind("home", "first op", "home"),
			Bottom:       bind("ctrl+end", "last op", "ctrl+end"),
			Detail:       bind("enter", "op detail", "enter"),
			Filter:       bind("/", "filter ops", "/"),
			Sort:         bind("s", "sort column", "s"),
			SortReverse:  bind("S", "reverse sort", "S"),
			System:       bind("a", "show system ops", "a"),
			Copy:         bind("c", "copy op as JSON", "c"),
			Kill:         bind("k", "kill op", "k"),
			KillFiltered: bind("K", "kill filtered ops", "K"),
		},
		Dialog: DialogKeys{
			Confirm: bind("y", "confirm", "y", "Y"),
			Deny:    bind("n", "cancel", "n", "N"),
			Cancel:  bind("esc", "cancel", "esc"),
			Switch:  bind("←/→/tab", "other button", "left", "right", "tab", "shift+tab"),
			Press:   bind("enter", "press button / submit", "enter"),
			Session: bind("s", "kill the op's session (sharded write)", "s"),
		},
		Filter: FilterKeys{
			Apply: bind("enter", "keep filter", "enter"),
			Clear: bind("esc", "clear filter", "esc"),
		},
		Detail: DetailKeys{
			Up:           bind("↑", "scroll up", "up"),
			Down:         bind("↓", "scroll down", "down"),
			PageUp:       bind("pgup", "scroll a page up", "pgup"),
			PageDown:     bind("pgdn", "scroll a page down", "pgdown"),
			Top:          bind("home", "top", "home"),
			Bottom:       bind("end", "bottom", "end"),
			Close:        bind("esc", "close", "esc"),
			Kill:         bind("k", "kill this op", "k"),
			KillFiltered: bind("K", "kill the filtered ops", "K"),
			Copy:         bind("c", "copy this op's command", "c"),
		},
		Replay: ReplayKeys{
			Pause:   bind("p", "play/pause replay", "p"),
			Faster:  bind(">", "replay faster", ">"),
			Slower:  bind("<", "replay slower", "<"),
			Back:    bind(",", "replay: back 1 min", ","),
			Forward: bind(".", "replay: ahead 1 min", "."),
		},
		Findings: FindingsKeys{
			Up:   bind("↑", "previous finding", "up"),
			Down: bind("↓", "next finding", "down"),
			Jump: bind("enter", "jump to what shows it", "enter"),
			Copy: bind("c", "copy the suggestion to review", "c"),
		},
	}
}
