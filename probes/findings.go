package probes

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Findings name the incident story that is happening now (a missing index,
// a connection storm, a lagging secondary…) with its evidence and the key
// to act, from the latest snapshot and the history. They are pure
// judgments over what mongoscope already polls: no IO, no goroutines.
//
// A finding starts only after its condition has held at the start level
// for the kind's startAfter, and ends only after the condition has fallen
// below its lower, holding level for endAfter: a condition that flickers
// around its threshold neither starts nor, once started, flaps.
//
//	kind                      start after   end after   (why)
//	missing-index             5 s           1 min       the 15-min scan window already smooths
//	needless-updates          20 s          1 min       on 30 s means: a shape held 50 s; the counters say it is waste
//	connection-storm          20 s          1 min       a retry storm is over in seconds; 20 s is not a blip
//	index-build               5 s           30 s        waiting writers are felt at once
//	ttl-deletes               0 (the op ran 10+ s,  90 s  the TTL monitor sleeps 60 s between passes
//	                            or a minute's pace)
//	range-deletions           30 s          1 min       the backlog is read every few polls
//	hot-shard                 20 s          1 min       on 30 s means: skewed for most of a minute
//	lagging-secondary         20 s          30 s        one slow batch is not a lagging member
//	balancer-window-closing   5 s           10 s        a deadline; no point waiting
//	oplog-window-short        30 s          2 min       it moves over hours; read every 10 polls, short twice
//	tickets-exhausted         10 s          30 s        queues that grow for 10 s are felt
//	periodic-spike            0 (needs 4 spikes)  2 periods   found on closed minutes
//
// Unknown data never starts a finding: a stale or missing section, a nil
// rate or a node that is down leaves the kind's (or the subject's) state
// frozen; an active finding whose data stays unknown past unknownHold ends.

// Finding kinds (Finding.Kind).
const (
	FindingMissingIndex     = "missing-index"
	FindingNeedlessUpdates  = "needless-updates"
	FindingConnectionStorm  = "connection-storm"
	FindingIndexBuild       = "index-build"
	FindingTTLDeletes       = "ttl-deletes"
	FindingRangeDeletions   = "range-deletions"
	FindingHotShard         = "hot-shard"
	FindingLaggingSecondary = "lagging-secondary"
	FindingWindowClosing    = "balancer-window-closing"
	FindingOplogWindowShort = "oplog-window-short"
	FindingTicketsExhausted = "tickets-exhausted"
	FindingPeriodicSpike    = "periodic-spike"
)

// FindingKinds lists every kind, in the order they are judged.
var FindingKinds = []string{FindingMissingIndex, FindingNeedlessUpdates, FindingConnectionStorm, FindingIndexBuild,
	FindingTTLDeletes, FindingRangeDeletions, FindingHotShard, FindingLaggingSecondary, FindingWindowClosing,
	FindingOplogWindowShort, FindingTicketsExhausted, FindingPeriodicSpike}

// Panes an Action points at, as the TUI names them.
const (
	PaneThroughput  = "throughput"
	PaneReplication = "replication"
	PaneOps         = "ops"
	PaneConnections = "connections"
	PaneHot         = "hot"
	PaneBalancer    = "balancer"
	PaneNodes       = "nodes"
)

// Finding is one incident story happening now, with its evidence and the
// key that acts on it.
type Finding struct {
	// ID is kind:subject, stable while the finding lasts (one per
	// namespace, shard, member…): for alerting once and keeping a selection.
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Severity Severity  `json:"severity"`
	Summary  string    `json:"summary"` // one line, in the operator's words
	Evidence Evidence  `json:"evidence"`
	Since    time.Time `json:"since"`
	// Until is when an ended finding ended; zero while active.
	Until  time.Time `json:"until,omitzero"`
	Action Action    `json:"action"`
}

// Evidence is what a finding rests on. Lists are sorted worst first.
type Evidence struct {
	Namespaces []string `json:"namespaces,omitempty"`
	Apps       []string `json:"apps,omitempty"`
	Hosts      []string `json:"hosts,omitempty"`
	Shards     []string `json:"shards,omitempty"`
	Members    []string `json:"members,omitempty"` // node addresses
	OpIDs      []string `json:"opids,omitempty"`
	// Figures are the numbers, in the order worth reading.
	Figures []Figure `json:"figures,omitempty"`
	// Shape is a query's filter/sort field shape (missing-index).
	Shape string `json:"shape,omitempty"`
	// Cause is the likely cause the data shows (lagging-secondary).
	Cause string `json:"cause,omitempty"`
	// Series names the history series that show it (periodic-spike).
	Series []string `json:"series,omitempty"`
}

// Figure is one number of the evidence.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"` // "s", "/s", "%", "ops", "h", "min", "B/s"
}

// Action is what the operator can do about a finding.
type Action struct {
	// Pane is where enter jumps (one of the Pane* names).
	Pane string `json:"pane,omitempty"`
	// Key acts once there: "/" filter, "k" kill, "b" balancer, "w" window.
	Key string `json:"key,omitempty"`
	// Filter is the ops filter that shows it, in the TUI's filter syntax
	// (free text and user: app: ns: op: secs>N terms).
	Filter string `json:"filter,omitempty"`
	// Copy is a command to copy (y); a suggestion, never run by mongoscope.
	Copy string `json:"copy,omitempty"`
	// Hint says in a sentence what the key or the command does.
	Hint string `json:"hint,omitempty"`
}

// UnmarshalText reads a severity's word back (recordings, --json readers).
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "ok":
		*s = OK
	case "warn":
		*s = Warn
	case "crit":
		*s = Crit
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// unknownHold is how long an active finding survives data that has become
// unknown (a stale section, a node down) before it ends: long enough for a
// restart or an election, short enough not to report a story forever
// about a node that left.
const unknownHold = 5 * time.Minute

// level is how far a condition holds in one snapshot.
type level int

const (
	levelHold    level = iota + 1 // above the lower threshold: keeps an active finding
	levelStart                    // above the start threshold
	levelUnknown                  // this subject cannot be judged now
)

// condition is one detector's judgment of one subject in one snapshot.
type condition struct {
	subject string
	level   level
	// since, when set, is when the condition began before the tracker
	// could tell (a scan first seen minutes ago).
	since time.Time
	inc   Finding // Severity, Summary, Evidence, Action
}

// timing is a kind's hysteresis in time.
type timing struct{ startAfter, endAfter time.Duration }

// detector judges one kind. It may keep state (baselines, sightings).
type detector interface {
	kind() string
	timing() timing
	// check returns the conditions that hold now; known is false when the
	// data the kind needs is unknown (stale, missing, a node down).
	check(in *findingInput) (conds []condition, known bool)
}

// tracked is one subject's state in the tracker.
type tracked struct {
	pendingSince time.Time // first snapshot at the start level
	active       bool
	lastHeld     time.Time // last snapshot at the hold level or above
	lastKnown    time.Time // last snapshot the subject could be judged
	inc          Finding
}

// Findings tracks findings across snapshots. It is not safe for concurrent
// use: its owner (the TUI, the line printer) calls Update once per snapshot.
type Findings struct {
	newDetectors func() []detector
	detectors    []detector
	tracked      map[string]map[string]*tracked // kind -> subject -> state
	last         time.Time
}

// NewFindings returns a tracker judging every kind.
func NewFindings() *Findings {
	f := &Findings{newDetectors: allDetectors}
	f.Reset()
	return f
}

// Reset forgets every finding and every detector's state (a new
// deployment, a replay jumping back).
func (f *Findings) Reset() {
	f.detectors = f.newDetectors()
	f.tracked = map[string]map[string]*tracked{}
	f.last = time.Time{}
}

// allDetectors is one fresh detector per kind, in FindingKinds order.
func allDetectors() []detector {
	return []detector{newMissingIndex(), needlessUpdates{}, newConnectionStorm(), indexBuild{}, ttlDeletes{}, rangeDeletions{},
		hotShard{}, laggingSecondary{}, windowClosing{}, oplogWindowShort{}, ticketsExhausted{}, newPeriodicSpike()}
}

// Update judges one snapshot. Call it after h.Add(s) (h may be nil: the
// kinds that need history then stay unknown). It returns the active
// findings worst first, and those that started or ended with this snapshot.
// A snapshot older than the previous one (a replay going back) resets it.
func (f *Findings) Update(s Snapshot, h *History) (active, started, ended []Finding) {
	now := s.TakenAt
	if now.IsZero() {
		return f.Active(), nil, nil
	}
	if !f.last.IsZero() && now.Before(f.last) {
		f.Reset()
	}
	f.last = now
	in := newFindingInput(s, h)
	for _, d := range f.detectors {
		conds, known := d.check(in)
		st, en := f.apply(d, conds, known, now)
		started, ended = append(started, st...), append(ended, en...)
	}
	sortFindings(started)
	sortFindings(ended)
	return f.Active(), started, ended
}

// Active returns the active findings, worst first.
func (f *Findings) Active() []Finding {
	var out []Finding
	for _, subjects := range f.tracked {
		for _, t := range subjects {
			if t.active {
				out = append(out, t.inc)
			}
		}
	}
	sortFindings(out)
	return out
}

// apply moves one kind's subjects through pending, active and ended.
func (f *Findings) apply(d detector, conds []condition, known bool, now time.Time) (started, ended []Finding) {
	kind, tm := d.kind(), d.timing()
	subjects := f.tracked[kind]
	if subjects == nil {
		subjects = map[string]*tracked{}
		f.tracked[kind] = subjects
	}
	judged := map[string]level{}
	for _, c := range conds {
		if !known {
			break
		}
		judged[c.subject] = c.level
		t := subjects[c.subject]
		switch c.level {
		case levelStart:
			if t == nil {
				t = &tracked{pendingSince: now}
				subjects[c.subject] = t
			}
			t.lastHeld, t.lastKnown = now, now
			t.inc = finish(c, kind, t.pendingSince)
			if !t.active && now.Sub(t.pendingSince) >= tm.startAfter {
				t.active = true
				started = append(started, t.inc)
			}
		case levelHold:
			if t == nil || !t.active { // a start must hold at the start level
				delete(subjects, c.subject)
				continue
			}
			t.lastHeld, t.lastKnown = now, now
			t.inc = finish(c, kind, t.pendingSince)
		}
	}
	for subject, t := range subjects {
		lv, seen := judged[subject]
		switch {
		case seen && lv != levelUnknown:
			continue
		case !known || lv == levelUnknown:
			if !t.active {
				delete(subjects, subject) // no finding from unknown data
			} else if now.Sub(t.lastKnown) >= unknownHold {
				ended = append(ended, endFinding(t.inc, now))
				delete(subjects, subject)
			}
			continue
		}
		t.lastKnown = now
		if !t.active {
			delete(subjects, subject)
		} else if now.Sub(t.lastHeld) >= tm.endAfter {
			ended = append(ended, endFinding(t.inc, now))
			delete(subjects, subject)
		}
	}
	return started, ended
}

// finish fills what the tracker owns: the ID, the kind, since when.
func finish(c condition, kind string, pendingSince time.Time) Finding {
	inc := c.inc
	inc.ID, inc.Kind = kind+":"+c.subject, kind
	inc.Since = pendingSince
	if !c.since.IsZero() && c.since.Before(pendingSince) {
		inc.Since = c.since
	}
	inc.Summary = printable(inc.Summary, 240)
	return inc
}

func endFinding(inc Finding, now time.Time) Finding {
	inc.Until = now
	return inc
}

// sortFindings orders worst first, then the oldest, then by ID.
func sortFindings(incs []Finding) {
	sort.Slice(incs, func(i, j int) bool {
		a, b := incs[i], incs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if !a.Since.Equal(b.Since) {
			return a.Since.Before(b.Since)
		}
		return a.ID < b.ID
	})
}

// findingInput is one snapshot and the history, with what every detector
// asks of them.
type findingInput struct {
	s     Snapshot
	h     *History
	now   time.Time
	nodes map[string]Node
	// opsKnown: the ops list is fresh and available.
	opsKnown bool
}

func newFindingInput(s Snapshot, h *History) *findingInput {
	in := &findingInput{s: s, h: h, now: s.TakenAt, nodes: map[string]Node{}}
	for _, n := range s.Deployment.Nodes {
		in.nodes[n.Address] = n
	}
	_, gone := s.NotAvailable[probeOps]
	// No ops and no time: no source has answered yet (unknown, not idle).
	in.opsKnown = !gone && s.Stale["ops"] == "" && (!s.OpsAsOf.IsZero() || len(s.Ops) > 0)
	return in
}

// up says whether a node answers (slow nodes do: their fresh figures count;
// the probes already drop the stale ones).
func (in *findingInput) up(addr string) bool {
	n, ok := in.nodes[addr]
	return ok && n.State != StateDown && n.Up
}

// shardNodes lists a shard's members by role.
func (in *findingInput) shardNodes(shard string) (primary string, secondaries []string) {
	for _, n := range in.s.Deployment.Nodes {
		if n.Shard != shard && n.Set != shard {
			continue
		}
		switch n.Role {
		case RolePrimary:
			primary = n.Address
		case RoleSecondary:
			secondaries = append(secondaries, n.Address)
		}
	}
	return primary, secondaries
}

// interval is the polling interval (1 s when unknown).
func (in *findingInput) interval() time.Duration {
	if d := in.s.IntervalSeconds.D(); d > 0 {
		return d
	}
	return time.Second
}

// recent returns the points of k within the last d, oldest first (NaN
// where unknown); nil without a history.
func (in *findingInput) recent(k SeriesKey, d time.Duration) []float64 {
	if in.h == nil || in.h.Len() == 0 {
		return nil
	}
	n := min(int(d/in.interval())+2, in.h.Len())
	times := in.h.Times(n)
	from := in.now.Add(-d)
	skip := 0
	for skip < len(times) && !times[skip].After(from) {
		skip++
	}
	return in.h.Series(k, n)[skip:]
}

// recentMean is the mean of k's known points within the last d; ok is
// false when fewer than minCover of the points expected are known.
func (in *findingInput) recentMean(k SeriesKey, d time.Duration, minCover float64) (float64, bool) {
	pts := in.recent(k, d)
	expect := max(float64(d/in.interval()), 1)
	sum, n := 0.0, 0
	for _, v := range pts {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 || float64(n) < minCover*expect {
		return 0, false
	}
	return sum / float64(n), true
}

// median of the known values; NaN for none.
func median(vals []float64) float64 {
	var known []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			known = append(known, v)
		}
	}
	if len(known) == 0 {
		return math.NaN()
	}
	sort.Float64s(known)
	m := len(known) / 2
	if len(known)%2 == 1 {
		return known[m]
	}
	return (known[m-1] + known[m]) / 2
}

// tally counts names and lists them most frequent first.
type tally map[string]float64

func (t tally) add(name string, w float64) {
	if name != "" {
		t[name] += w
	}
}

// top lists at most n names, heaviest first, made printable.
func (t tally) top(n int) []string {
	names := make([]string, 0, len(t))
	for k := range t {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if t[names[i]] != t[names[j]] {
			return t[names[i]] > t[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) > n {
		names = names[:n]
	}
	for i := range names {
		names[i] = printable(names[i], 120)
	}
	return names
}

// printable strips control characters from server text (it is hostile:
// an app name can carry terminal escapes) and caps its length.
func printable(s string, limit int) string {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
	if r := []rune(clean); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return clean
}

// filterTerm makes a value usable as one term of the ops filter (which
// splits on spaces): it keeps the text up to the first space.
func filterTerm(s string) string {
	s = printable(s, 120)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		s = s[:i]
	}
	return s
}

// roundTo rounds v to the given number of decimals, for figures.
func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// plural writes a count with its noun: "1 op", "3 ops".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
