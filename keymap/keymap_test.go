package keymap

import (
	"reflect"
	"slices"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

// groupBindings are the bindings of one group struct, by field name.
func groupBindings(group any) map[string]key.Binding {
	v := reflect.ValueOf(group)
	out := map[string]key.Binding{}
	for i := 0; i < v.NumField(); i++ {
		out[v.Type().Field(i).Name] = v.Field(i).Interface().(key.Binding)
	}
	return out
}

func TestDisabledActionsDoNotMatch(t *testing.T) {
	k := Default()
	k.Apply(State{Kill: true, Balancer: true, Interval: true, OpsFocused: true, Live: true, FilterOK: true})
	if !key.Matches(press("k"), k.Table.Kill) || !key.Matches(press("K"), k.Table.KillFiltered) {
		t.Fatal("k should kill when allowed")
	}
	k.Apply(State{Kill: true, Balancer: true, Interval: true, OpsFocused: true, Live: false, FilterOK: true})
	if key.Matches(press("k"), k.Table.Kill) || key.Matches(press("k"), k.Detail.Kill) || key.Matches(press("K"), k.Table.KillFiltered) {
		t.Fatal("a kill must not act from a past moment")
	}
	k.Apply(State{Kill: true, Balancer: true, Interval: true, OpsFocused: true, Live: true, FilterOK: false})
	if !key.Matches(press("k"), k.Table.Kill) || key.Matches(press("K"), k.Table.KillFiltered) || key.Matches(press("K"), k.Detail.KillFiltered) {
		t.Fatal("a filter with an error must turn bulk kill off, and only it")
	}
	k.Apply(State{Interval: true, OpsFocused: true})
	if key.Matches(press("k"), k.Table.Kill) || key.Matches(press("b"), k.Global.Balancer) || key.Matches(press("K"), k.Table.KillFiltered) {
		t.Fatal("disabled actions still match")
	}
	k.Apply(State{Replay: true, Interval: true})
	if key.Matches(press("+"), k.Global.Faster) || !key.Matches(press("p"), k.Replay.Pause) || key.Matches(press("/"), k.Table.Filter) {
		t.Fatal("replay mode keys wrong")
	}
}

func TestEveryBindingHasKeysAndHelp(t *testing.T) {
	for name, b := range Default().Named() {
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("%s lacks keys or help: %+v", name, b.Help())
		}
	}
}

// The help's groups list every binding exactly once: nothing the keymap
// holds is missing from help, nothing is listed twice.
func TestGroupsListEveryBindingOnce(t *testing.T) {
	k := Default()
	want := map[string]int{}
	for _, b := range k.Named() {
		want[b.Help().Key+" "+b.Help().Desc]++
	}
	got := map[string]int{}
	for _, g := range k.Groups() {
		for _, b := range g.Bindings {
			got[b.Help().Key+" "+b.Help().Desc]++
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groups list %v, the keymap holds %v", got, want)
	}
	for entry, n := range want {
		if n != 1 {
			t.Errorf("two bindings read %q in help", entry)
		}
	}
}

// On the dashboard (global, table and replay keys all live at once) a key
// has one meaning, whatever is enabled; inside each modal group too.
func TestOneMeaningPerKey(t *testing.T) {
	k := Default()
	check := func(where string, groups ...any) {
		owner := map[string]string{}
		for _, g := range groups {
			for name, b := range groupBindings(g) {
				for _, s := range b.Keys() {
					if other, dup := owner[s]; dup {
						t.Errorf("%s: %q means both %s and %s", where, s, other, name)
					}
					owner[s] = name
				}
			}
		}
	}
	check("dashboard", k.Global, k.Table, k.Replay)
	check("findings pane", k.Global, k.Findings, k.Replay)
	check("dialog", k.Dialog)
	check("filter", k.Filter)
	check("detail", k.Detail, GlobalKeys{Quit: k.Global.Quit, Help: k.Global.Help})
}

// The bubbles table and viewport move only on the keymap's keys: none of
// their defaults (j/k, b/f, space, u/d, g/G) survives.
func TestBubblesKeymapsAreBuiltFromTheKeymap(t *testing.T) {
	k := Default()
	ours := func(group any) []string {
		var keys []string
		for _, b := range groupBindings(group) {
			keys = append(keys, b.Keys()...)
		}
		return keys
	}
	for name, bubbles := range map[string]any{"table": k.Table.TableKeyMap(), "viewport": k.Detail.ViewportKeyMap()} {
		allowed := ours(k.Table)
		if name == "viewport" {
			allowed = ours(k.Detail)
		}
		used := 0
		for field, b := range groupBindings(bubbles) {
			for _, s := range b.Keys() {
				if !slices.Contains(allowed, s) {
					t.Errorf("%s %s moves on %q, which the keymap does not give it", name, field, s)
				}
				used++
			}
		}
		if used == 0 {
			t.Errorf("the %s keymap has no keys", name)
		}
	}
}

// The findings pane shares enter, c and the arrows with the table: the two
// groups are never on at once, so each key still has one meaning.
func TestFindingsAndTableKeysAreNeverOnTogether(t *testing.T) {
	k := Default()
	for _, s := range []State{{OpsFocused: true}, {FindingsFocused: true}, {OpsFocused: true, FindingsFocused: true}, {}} {
		k.Apply(s)
		for _, f := range k.Findings.all() {
			for _, tb := range k.Table.all() {
				if f.Enabled() && tb.Enabled() && slices.ContainsFunc(f.Keys(), func(key string) bool { return slices.Contains(tb.Keys(), key) }) {
					t.Errorf("%+v: %q means %s and %s", s, f.Keys(), f.Help().Desc, tb.Help().Desc)
				}
			}
		}
	}
	k.Apply(State{FindingsFocused: true})
	if !key.Matches(press("enter"), k.Findings.Jump) || !key.Matches(press("c"), k.Findings.Copy) || key.Matches(press("c"), k.Table.Copy) {
		t.Fatal("with the findings pane focused, enter and c act on findings only")
	}
	k.Apply(State{OpsFocused: true})
	if key.Matches(press("enter"), k.Findings.Jump) || !key.Matches(press("enter"), k.Table.Detail) {
		t.Fatal("with the table focused, enter opens the op detail only")
	}
}
