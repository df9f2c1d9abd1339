package probes

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// scripted is a detector whose level per subject is set by the test.
type scripted struct {
	name   string
	tm     timing
	levels map[string]level
	sev    Severity
	known  bool
}

func (d *scripted) kind() string   { return d.name }
func (d *scripted) timing() timing { return d.tm }
func (d *scripted) check(*findingInput) ([]condition, bool) {
	var out []condition
	for subj, lv := range d.levels {
		if lv == 0 {
			continue
		}
		out = append(out, condition{subject: subj, level: lv,
			inc: Finding{Severity: d.sev, Summary: "story of " + subj + "\x1b[31m", Action: Action{Pane: PaneOps}}})
	}
	return out, d.known
}

func trackerWith(ds ...detector) *Findings {
	f := &Findings{newDetectors: func() []detector { return ds }}
	f.Reset()
	return f
}

var t0 = time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC)

func at(sec int) Snapshot { return Snapshot{TakenAt: t0.Add(time.Duration(sec) * time.Second)} }

func TestFindingStartsAfterHoldingAndEndsAfterHoldTime(t *testing.T) {
	d := &scripted{name: "k", tm: timing{startAfter: 10 * time.Second, endAfter: 30 * time.Second}, levels: map[string]level{}, sev: Warn, known: true}
	f := trackerWith(d)
	var startedAt, endedAt int
	for sec := 0; sec <= 120; sec++ {
		switch {
		case sec >= 5 && sec < 40:
			d.levels["a"] = levelStart
		case sec >= 40 && sec < 60:
			d.levels["a"] = levelHold // below the start threshold, above the lower one: keeps it
		default:
			d.levels["a"] = 0
		}
		_, st, en := f.Update(at(sec), nil)
		if len(st) > 0 {
			startedAt = sec
			if st[0].ID != "k:a" || !st[0].Since.Equal(t0.Add(5*time.Second)) || strings.ContainsRune(st[0].Summary, '\x1b') {
				t.Errorf("started %+v", st[0])
			}
		}
		if len(en) > 0 {
			endedAt = sec
			if !en[0].Until.Equal(t0.Add(time.Duration(sec) * time.Second)) {
				t.Errorf("ended without its end time: %+v", en[0])
			}
		}
	}
	if startedAt != 15 {
		t.Errorf("started at %d s, want 15 (5 s + startAfter 10 s)", startedAt)
	}
	if endedAt != 89 { // last held at 59, ends 30 s later
		t.Errorf("ended at %d s, want 89", endedAt)
	}
}

func TestFindingFlickerNeitherStartsNorFlaps(t *testing.T) {
	d := &scripted{name: "k", tm: timing{startAfter: 10 * time.Second, endAfter: 30 * time.Second}, levels: map[string]level{}, sev: Warn, known: true}
	f := trackerWith(d)
	starts := 0
	// 3 s above, 3 s below, for 10 minutes: it never holds for 10 s.
	for sec := 0; sec < 600; sec++ {
		d.levels["a"] = map[bool]level{true: levelStart, false: 0}[sec%6 < 3]
		_, st, en := f.Update(at(sec), nil)
		starts += len(st)
		if len(en) > 0 {
			t.Fatalf("ended at %d s without starting", sec)
		}
	}
	if starts != 0 {
		t.Errorf("a flickering condition started %d findings", starts)
	}
	// Once started, a condition flickering between start and absent (gaps
	// shorter than endAfter) stays one finding.
	starts, ends := 0, 0
	for sec := 600; sec < 1800; sec++ {
		switch {
		case sec < 620:
			d.levels["a"] = levelStart
		default:
			d.levels["a"] = map[bool]level{true: levelStart, false: 0}[sec%40 < 15] // 25 s gaps
		}
		_, st, en := f.Update(at(sec), nil)
		starts, ends = starts+len(st), ends+len(en)
	}
	if starts != 1 || ends != 0 {
		t.Errorf("flickering active finding: %d starts, %d ends; want 1 and 0", starts, ends)
	}
}

func TestFindingHoldLevelDoesNotStart(t *testing.T) {
	d := &scripted{name: "k", tm: timing{startAfter: 5 * time.Second, endAfter: 10 * time.Second}, levels: map[string]level{"a": levelHold}, sev: Warn, known: true}
	f := trackerWith(d)
	for sec := 0; sec < 300; sec++ {
		if act, st, _ := f.Update(at(sec), nil); len(act)+len(st) > 0 {
			t.Fatalf("a condition only at the holding level started a finding at %d s", sec)
		}
	}
}

func TestFindingUnknownDataFreezesThenEnds(t *testing.T) {
	d := &scripted{name: "k", tm: timing{startAfter: 10 * time.Second, endAfter: 30 * time.Second}, levels: map[string]level{"a": levelStart}, sev: Crit, known: true}
	f := trackerWith(d)
	// Pending, then unknown: the pending state is dropped, nothing starts.
	for sec := 0; sec < 8; sec++ {
		f.Update(at(sec), nil)
	}
	d.known = false
	for sec := 8; sec < 60; sec++ {
		if act, st, _ := f.Update(at(sec), nil); len(act)+len(st) > 0 {
			t.Fatalf("a finding started from unknown data at %d s", sec)
		}
	}
	d.known = true
	var startedAt int
	for sec := 60; sec < 80; sec++ {
		if _, st, _ := f.Update(at(sec), nil); len(st) > 0 {
			startedAt = sec
		}
	}
	if startedAt != 70 {
		t.Errorf("started at %d s, want 70: the clock restarts when the data is known again", startedAt)
	}
	// Active, then unknown: it stays (no end from missing data) up to unknownHold.
	d.known = false
	endedAt := 0
	for sec := 80; sec < 80+int(unknownHold/time.Second)+10; sec++ {
		act, _, en := f.Update(at(sec), nil)
		if len(en) > 0 {
			endedAt = sec
			break
		}
		if len(act) != 1 {
			t.Fatalf("active finding dropped at %d s while its data was unknown", sec)
		}
	}
	if want := 79 + int(unknownHold/time.Second); endedAt != want {
		t.Errorf("ended at %d s, want %d (last known + unknownHold)", endedAt, want)
	}
	// A subject-level unknown acts the same.
	d.known = true
	d.levels["a"] = levelUnknown
	for sec := 1000; sec < 1100; sec++ {
		if act, st, _ := f.Update(at(sec), nil); len(act)+len(st) > 0 {
			t.Fatalf("a finding started from an unknown subject at %d s", sec)
		}
	}
}

func TestFindingsWorstFirstAndReplayResets(t *testing.T) {
	warn := &scripted{name: "w", levels: map[string]level{"x": levelStart}, sev: Warn, known: true}
	crit := &scripted{name: "c", levels: map[string]level{"y": levelStart}, sev: Crit, known: true}
	f := trackerWith(warn, crit)
	f.Update(at(0), nil)
	act, _, _ := f.Update(at(1), nil)
	if len(act) != 2 || act[0].Kind != "c" || act[1].Kind != "w" {
		t.Fatalf("want the critical one first: %+v", act)
	}
	if act, _, _ := f.Update(Snapshot{}, nil); len(act) != 2 {
		t.Errorf("a snapshot without a time must change nothing")
	}
	f.Reset()
	if len(f.Active()) != 0 {
		t.Errorf("reset keeps findings")
	}
	g := trackerWith(warn)
	g.Update(at(100), nil)
	if act, _, _ := g.Update(at(50), nil); len(act) != 1 || !act[0].Since.Equal(t0.Add(50*time.Second)) {
		t.Errorf("going back in time must start over: %+v", act)
	}
}

func TestFindingJSON(t *testing.T) {
	inc := Finding{ID: "missing-index:shop.orders", Kind: FindingMissingIndex, Severity: Crit, Summary: "s",
		Evidence: Evidence{Namespaces: []string{"shop.orders"}, Figures: []Figure{{Name: "scans", Value: 3}}},
		Since:    t0, Action: Action{Pane: PaneOps, Key: "/", Filter: "ns:shop.orders collscan", Copy: "db.x"}}
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"missing-index"`, `"severity":"crit"`, `"summary":"s"`, `"evidence":{`, `"since":"2025-03-04T03:00:00Z"`,
		`"action":{"pane":"ops","key":"/","filter":"ns:shop.orders collscan","copy":"db.x"}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), "until") {
		t.Errorf("an active finding has no until: %s", b)
	}
	var back Finding
	if err := json.Unmarshal(b, &back); err != nil || back.Severity != Crit || back.Evidence.Figures[0].Value != 3 {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

func TestFindingKindsAreAllJudged(t *testing.T) {
	ds := allDetectors()
	if len(ds) != len(FindingKinds) {
		t.Fatalf("%d detectors for %d kinds", len(ds), len(FindingKinds))
	}
	for i, d := range ds {
		if d.kind() != FindingKinds[i] {
			t.Errorf("detector %d judges %s, FindingKinds says %s", i, d.kind(), FindingKinds[i])
		}
	}
}
