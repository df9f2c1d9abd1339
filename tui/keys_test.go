package tui

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/probes"
)

// reach says how to put the model where a binding applies: which keys to
// press first, and whether it needs a recording playing.
type reach struct {
	setup  []string
	replay bool
}

// reachable is every binding of the keymap with the state it acts in. A
// binding added to the keymap without an entry here fails the test.
var reachable = map[string]reach{
	"Global.Help": {}, "Global.Quit": {}, "Global.ForceQuit": {}, "Global.NextPane": {}, "Global.PrevPane": {},
	"Global.FocusPane": {setup: []string{"z"}}, "Global.Zoom": {}, "Global.Back": {setup: []string{"z"}},
	"Global.Pause": {}, "Global.Faster": {}, "Global.Slower": {}, "Global.ScopePrev": {}, "Global.ScopeNext": {},
	"Global.ScrubBack": {}, "Global.ScrubForward": {setup: []string{"left"}}, "Global.Live": {setup: []string{"left"}},
	"Global.Balancer": {}, "Global.Window": {},

	"Table.Up": {setup: []string{"down"}}, "Table.Down": {}, "Table.PageUp": {setup: []string{"ctrl+end"}}, "Table.PageDown": {},
	"Table.Top": {setup: []string{"ctrl+end"}}, "Table.Bottom": {}, "Table.Detail": {}, "Table.Filter": {}, "Table.Sort": {},
	"Table.SortReverse": {}, "Table.System": {}, "Table.Copy": {}, "Table.Kill": {}, "Table.KillFiltered": {},

	"Dialog.Confirm": {setup: []string{"k"}}, "Dialog.Deny": {setup: []string{"k"}}, "Dialog.Cancel": {setup: []string{"k"}},
	"Dialog.Switch": {setup: []string{"k"}}, "Dialog.Press": {setup: []string{"k"}},
	"Dialog.Session": {setup: []string{"down", "down", "k"}}, // the sharded write with a session
	"Filter.Apply":   {setup: []string{"/", "x"}}, "Filter.Clear": {setup: []string{"/", "x"}},

	"Detail.Up": {setup: []string{"enter", "down"}}, "Detail.Down": {setup: []string{"enter"}},
	"Detail.PageUp": {setup: []string{"enter", "end"}}, "Detail.PageDown": {setup: []string{"enter"}},
	"Detail.Top": {setup: []string{"enter", "end"}}, "Detail.Bottom": {setup: []string{"enter"}},
	"Detail.Close": {setup: []string{"enter"}}, "Detail.Kill": {setup: []string{"enter"}},
	"Detail.KillFiltered": {setup: []string{"enter"}}, "Detail.Copy": {setup: []string{"enter"}},

	"Replay.Pause": {replay: true}, "Replay.Faster": {replay: true}, "Replay.Slower": {replay: true},
	"Replay.Back": {replay: true}, "Replay.Forward": {replay: true},

	"Findings.Up": {setup: []string{"8", "down"}}, "Findings.Down": {setup: []string{"8"}},
	"Findings.Jump": {setup: []string{"8"}}, "Findings.Copy": {setup: []string{"8"}},
}

// reachModel is a model where every action is allowed, with an op whose
// detail is longer than the screen (so the detail scrolls), fed long
// enough for two findings to have started (missing-index, then
// connection-storm after 20 s), so the findings pane's keys act.
func reachModel(t *testing.T, replay bool) Model {
	opts := Options{Actor: &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}, outcome: probes.OutcomeGone},
		SetInterval: func(time.Duration) {}, SetConnectionBreakdown: func(bool) {}}
	if replay {
		opts = Options{Replay: &fakeReplay{speed: 4}}
	}
	m := newTestModel(t, opts, 120, 40, 21)
	s := sampleSnapshot(21)
	s.Ops[0].Command = `{"aggregate":"events","pipeline":[` + strings.Repeat(`{"$match":{"ts":{"$gte":1}}},`, 20) + `{"$limit":1}]}`
	return send(m, snapshotMsg{s})
}

// Every key of every binding does something where it applies: it changes
// the screen (raw, styles included, so a moved focus or button counts),
// or answers with a message (quit, clipboard, a request).
func TestEveryBindingIsReachable(t *testing.T) {
	for name, b := range New(Options{}).keys.Named() {
		r, ok := reachable[name]
		if !ok {
			t.Errorf("%s is in the keymap but not in this test's reachable table", name)
			continue
		}
		for _, k := range b.Keys() {
			if keyMsg(k).String() != k {
				t.Fatalf("%s: the test cannot type %q (it types %q)", name, k, keyMsg(k).String())
			}
			m := press(t, reachModel(t, r.replay), r.setup...)
			before := m.View().Content
			out, cmd := m.Update(keyMsg(k))
			msgs := runActions(cmd)
			if out.(Model).View().Content == before && len(msgs) == 0 {
				t.Errorf("%s: %q after %v did nothing", name, k, r.setup)
			}
		}
	}
}

// The help lists exactly the bindings that are enabled, in every mode:
// what it shows works, what works is shown.
func TestHelpListsExactlyTheEnabledBindings(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, BalancerWhy: "your user lacks the balancer actions"}}
	cases := map[string]struct {
		opts Options
		keys []string
	}{
		"live, ops focused":      {opts: Options{Actor: a, SetInterval: func(time.Duration) {}}},
		"live, throughput":       {opts: Options{Actor: a}, keys: []string{"1"}},
		"read-only":              {opts: Options{Actor: a, ReadOnly: true}},
		"replay":                 {opts: Options{Replay: &fakeReplay{speed: 1}}},
		"replay, nodes zoomed":   {opts: Options{Replay: &fakeReplay{speed: 1}}, keys: []string{"7"}},
		"findings pane":          {opts: Options{Actor: a}, keys: []string{"8"}},
		"no actor, ops unzoomed": {keys: []string{"z", "z"}},
	}
	for name, c := range cases {
		m := press(t, newTestModel(t, c.opts, 120, 40, 2), c.keys...)
		// A narrow width puts each group on rows of its own: one entry a line.
		lines := strings.Split(ansi.Strip(m.helpContent(10)), "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		for bname, b := range m.keys.Named() {
			entry := regexp.MustCompile("^" + regexp.QuoteMeta(b.Help().Key) + " +" + regexp.QuoteMeta(b.Help().Desc) + "$")
			listed := slices.IndexFunc(lines, entry.MatchString) >= 0
			if listed != b.Enabled() {
				t.Errorf("%s: %s enabled %v, listed in help %v", name, bname, b.Enabled(), listed)
			}
		}
		m = press(t, m, "?")
		if !strings.Contains(screen(m), "Help") || m.viewer == nil || !m.viewer.isHelp {
			t.Errorf("%s: ? does not open the help", name)
		}
	}
}

// With kill off, k does nothing at all (it used to move the table up), and
// b and space never page the table.
func TestKeysHaveOneMeaning(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 2)
	m = press(t, m, "down") // the middle of three rows: any movement shows
	for _, k := range []string{"k", "b", "j", "f", "g", "G", "u", "d", "space"} {
		m = press(t, m, k)
		if m.ops.table.Cursor() != 1 || m.dialog != nil {
			t.Fatalf("%s moved the table to row %d or opened a dialog", k, m.ops.table.Cursor())
		}
	}
	if !m.tl.paused {
		t.Fatal("space should pause the display")
	}
}
