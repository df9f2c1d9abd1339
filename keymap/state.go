package keymap

import (
	"reflect"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/viewport"
)

// State is what decides which bindings apply.
type State struct {
	Kill       bool // the user may kill operations here (privilege, not read-only, live)
	Balancer   bool // the user may stop/start the balancer and set its window
	Replay     bool // a recording plays: replay keys instead of live time keys
	Interval   bool // the poll interval can change
	OpsFocused bool // the operations table has the focus
	// FindingsFocused: the findings pane has the focus (never with
	// OpsFocused: the two share enter, c and the arrows).
	FindingsFocused bool
	Live            bool // the present is on screen: kills act on the present only
	FilterOK        bool // the operations filter applies as typed: bulk kill takes what it shows
}

// Apply enables exactly the bindings that apply in s.
func (k *KeyMap) Apply(s State) {
	for _, b := range k.Table.all() {
		b.SetEnabled(s.OpsFocused)
	}
	k.Table.Kill.SetEnabled(s.OpsFocused && s.Kill && s.Live)
	k.Table.KillFiltered.SetEnabled(s.OpsFocused && s.Kill && s.Live && s.FilterOK)
	k.Detail.Kill.SetEnabled(s.Kill && s.Live)
	k.Detail.KillFiltered.SetEnabled(s.Kill && s.Live && s.FilterOK)
	for _, b := range k.Findings.all() {
		b.SetEnabled(s.FindingsFocused && !s.OpsFocused)
	}
	k.Global.Balancer.SetEnabled(s.Balancer)
	k.Global.Window.SetEnabled(s.Balancer)
	for _, b := range k.Replay.all() {
		b.SetEnabled(s.Replay)
	}
	k.Global.Pause.SetEnabled(!s.Replay)
	k.Global.Faster.SetEnabled(!s.Replay && s.Interval)
	k.Global.Slower.SetEnabled(!s.Replay && s.Interval)
}

func (t *TableKeys) all() []*key.Binding {
	return []*key.Binding{&t.Up, &t.Down, &t.PageUp, &t.PageDown, &t.Top, &t.Bottom, &t.Detail, &t.Filter,
		&t.Sort, &t.SortReverse, &t.System, &t.Copy, &t.Kill, &t.KillFiltered}
}

func (f *FindingsKeys) all() []*key.Binding {
	return []*key.Binding{&f.Up, &f.Down, &f.Jump, &f.Copy}
}

func (r *ReplayKeys) all() []*key.Binding {
	return []*key.Binding{&r.Pause, &r.Faster, &r.Slower, &r.Back, &r.Forward}
}

// Group is a titled list of bindings for the help screen.
type Group struct {
	Title    string
	Bindings []key.Binding
}

// Groups are every binding, each once, titled for the help screen.
func (k KeyMap) Groups() []Group {
	g, t, d, r, f := k.Global, k.Table, k.Detail, k.Replay, k.Findings
	return []Group{
		{"Panes", []key.Binding{g.NextPane, g.PrevPane, g.FocusPane, g.Zoom, g.Back, g.Help, g.Quit, g.ForceQuit}},
		{"Time", []key.Binding{g.Pause, g.ScrubBack, g.ScrubForward, g.Live, g.Faster, g.Slower, g.ScopePrev, g.ScopeNext}},
		{"Operations table", []key.Binding{t.Up, t.Down, t.PageUp, t.PageDown, t.Top, t.Bottom, t.Detail, t.Filter,
			t.Sort, t.SortReverse, t.System, t.Copy}},
		{"Findings pane", []key.Binding{f.Up, f.Down, f.Jump, f.Copy}},
		{"Actions", []key.Binding{t.Kill, t.KillFiltered, g.Balancer, g.Window}},
		{"Replay", []key.Binding{r.Pause, r.Faster, r.Slower, r.Back, r.Forward}},
		{"In a dialog", []key.Binding{k.Dialog.Confirm, k.Dialog.Deny, k.Dialog.Session, k.Dialog.Cancel, k.Dialog.Switch,
			k.Dialog.Press}},
		{"In the filter prompt", []key.Binding{k.Filter.Apply, k.Filter.Clear}},
		{"In the op detail and help", []key.Binding{d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom, d.Close}},
		{"In the op detail", []key.Binding{d.Kill, d.KillFiltered, d.Copy}},
	}
}

// ShortHelp is the global part of the dashboard's footer (the focused
// pane adds its own first).
func (k KeyMap) ShortHelp() []key.Binding {
	g := k.Global
	return []key.Binding{g.Balancer, g.Zoom, g.Pause, k.Replay.Pause, g.ScopeNext, g.ScrubBack, g.Live}
}

// Always are the keys the footer never cuts: how to get help and out.
func (k KeyMap) Always() []key.Binding {
	return []key.Binding{k.Global.Help, k.Global.Quit}
}

// KeyMap works with the bubbles help component.
var _ help.KeyMap = KeyMap{}

// FullHelp is every group, for help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.Groups() {
		out = append(out, g.Bindings)
	}
	return out
}

// TableKeyMap is the bubbles table's keymap built from the table group:
// only these keys move the cursor (no j/k, b/f, space, u/d, g/G).
func (t TableKeys) TableKeyMap() table.KeyMap {
	return table.KeyMap{LineUp: t.Up, LineDown: t.Down, PageUp: t.PageUp, PageDown: t.PageDown,
		GotoTop: t.Top, GotoBottom: t.Bottom}
}

// ViewportKeyMap is the bubbles viewport's keymap built from the detail
// group (top and bottom are the caller's: the viewport has no such keys).
func (d DetailKeys) ViewportKeyMap() viewport.KeyMap {
	return viewport.KeyMap{Up: d.Up, Down: d.Down, PageUp: d.PageUp, PageDown: d.PageDown}
}

// Named is every binding by "Group.Field", found by reflection so that a
// binding added to a group cannot be missed by the tests that check each
// one is reachable and listed in help.
func (k KeyMap) Named() map[string]key.Binding {
	out := map[string]key.Binding{}
	groups := reflect.ValueOf(k)
	for i := range groups.NumField() {
		group := groups.Field(i)
		for j := range group.NumField() {
			name := groups.Type().Field(i).Name + "." + group.Type().Field(j).Name
			out[name] = group.Field(j).Interface().(key.Binding)
		}
	}
	return out
}
