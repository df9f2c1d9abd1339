package probes

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// missing-index: collection scans on one namespace, remembered over a
// window so a job that scans every ten minutes (the first field report's
// analytics queries) stays one finding instead of ten short ones.
const (
	// scanWindow: sightings are kept 15 minutes, longer than the 10-minute
	// period of the first field report's analytics job, so its scans keep
	// one finding open between runs.
	scanWindow = 15 * time.Minute
	// slowScanSecs is MongoDB's slowms default (100 ms,
	// operationProfiling.slowOpThresholdMs): a scan quicker than that is
	// a small collection, not a missing index.
	slowScanSecs = 0.1
	// scanStartSecs: five seconds of scanning on one namespace within the
	// window, seen at two polls at least, is past any small lookup table.
	scanStartSecs = 5.0
	// scanCritSecs: one scan running a minute is mongoscope's "long" op
	// (OpSource.LongOpSecs default); users wait on it.
	scanCritSecs = 60.0
	// scanCritConcurrent: five scans of one collection at once compete for
	// the cache and the disk with everything else.
	scanCritConcurrent = 5
)

type scanSighting struct {
	first, last       time.Time
	secs              float64
	polls             int
	opid, node, shard string
	app               string
	coll              string
	shape             QueryShape
	shapeKnown        bool
}

type missingIndex struct {
	byNS map[string]map[string]*scanSighting // ns -> node/opid -> sighting
}

func newMissingIndex() *missingIndex {
	return &missingIndex{byNS: map[string]map[string]*scanSighting{}}
}

func (*missingIndex) kind() string { return FindingMissingIndex }
func (*missingIndex) timing() timing {
	return timing{startAfter: 5 * time.Second, endAfter: time.Minute}
}

func (d *missingIndex) check(in *findingInput) ([]condition, bool) {
	if !in.opsKnown {
		return nil, false
	}
	for _, op := range in.s.Ops {
		if isUserScan(op) {
			d.see(op, in.now)
		}
	}
	var out []condition
	for _, ns := range sortedKeys(d.byNS) {
		sights := d.byNS[ns]
		for k, sg := range sights {
			if in.now.Sub(sg.last) > scanWindow {
				delete(sights, k)
			}
		}
		if len(sights) == 0 {
			delete(d.byNS, ns)
			continue
		}
		if c, ok := scanCondition(ns, sights, in.now); ok {
			out = append(out, c)
		}
	}
	return out, true
}

// isUserScan: a client's collection scan slower than slowms on a user
// namespace (internal threads and local/admin/config are not the app's).
func isUserScan(op Op) bool {
	if op.System || op.SecsRunning < slowScanSecs || !opHas(op, FlagCollscan) {
		return false
	}
	db, _, _ := strings.Cut(op.NS, ".")
	return db != "" && db != "local" && db != "admin" && db != "config"
}

func (d *missingIndex) see(op Op, now time.Time) {
	sights := d.byNS[op.NS]
	if sights == nil {
		sights = map[string]*scanSighting{}
		d.byNS[op.NS] = sights
	}
	key := op.Node + "/" + op.OpID
	sg := sights[key]
	if sg == nil {
		sg = &scanSighting{first: now, opid: op.OpID, node: op.Node, shard: op.Shard, app: op.AppName}
		sg.coll, sg.shape, sg.shapeKnown = ParseQueryShape(op.Command)
		sights[key] = sg
	}
	if sg.last != now {
		sg.polls++
	}
	sg.last, sg.secs = now, math.Max(sg.secs, op.SecsRunning)
}

// scanCondition judges one namespace's scans in the window. A namespace
// whose every scan reads the whole collection (no filter, no sort) has no
// index to suggest and no finding.
func scanCondition(ns string, sights map[string]*scanSighting, now time.Time) (condition, bool) {
	var total, longest float64
	polls, running := 0, 0
	first := now
	apps, shapes, nodes, shards := tally{}, map[string]*shapeWeight{}, tally{}, tally{}
	var opids []string
	allEmpty := true
	for _, sg := range sights {
		total, longest, polls = total+sg.secs, math.Max(longest, sg.secs), polls+sg.polls
		if sg.first.Before(first) {
			first = sg.first
		}
		if sg.last.Equal(now) {
			running++
			opids = append(opids, sg.opid)
		}
		apps.add(orNone(sg.app), sg.secs)
		nodes.add(sg.node, sg.secs)
		shards.add(sg.shard, sg.secs)
		allEmpty = allEmpty && sg.shapeKnown && sg.shape.Empty()
		weighShape(shapes, sg)
	}
	if allEmpty {
		return condition{}, false
	}
	lv := levelHold
	if total >= scanStartSecs && polls >= 2 {
		lv = levelStart
	}
	sev := Warn
	if longest >= scanCritSecs || running >= scanCritConcurrent {
		sev = Crit
	}
	sort.Strings(opids)
	ev := Evidence{Namespaces: []string{printable(ns, 200)}, Apps: apps.top(3), Members: nodes.top(5), Shards: shards.top(5), OpIDs: firstN(opids, 10),
		Figures: []Figure{{"collection scans", float64(len(sights)), "ops"}, {"scanning", roundTo(total, 1), "s"},
			{"longest", roundTo(longest, 1), "s"}, {"running now", float64(running), "ops"}}}
	inc := Finding{Severity: sev, Evidence: ev, Action: Action{Pane: PaneOps, Key: "/", Filter: "ns:" + filterTerm(ns) + " collscan"}}
	best := heaviestShape(shapes)
	scans := fmt.Sprintf("%s: %d collection scans (%.0f s) in the last %.0f min", ns, len(sights), total, scanWindow.Minutes())
	if best == nil {
		inc.Summary = scans + " (query shape unreadable)"
		inc.Action.Hint = "the scans' commands could not be read; open one (enter) to see its filter"
	} else {
		ev.Shape = best.shape.String()
		cmds := make([]string, 0, 2)
		for _, keys := range best.shape.Candidates() {
			cmds = append(cmds, CreateIndexCommand(nsFor(ns, best.coll), keys))
		}
		inc.Summary = scans + "; an index " + candidateText(best.shape) + " may help (suggestion)"
		inc.Action.Copy = strings.Join(cmds, "; ")
		inc.Action.Hint = "a suggestion by the equality-sort-range rule from the running query's shape: review it against the existing indexes and build it in a quiet hour; mongoscope never runs it"
	}
	inc.Evidence = ev
	return condition{subject: ns, level: lv, since: first, inc: inc}, true
}

type shapeWeight struct {
	shape QueryShape
	coll  string
	secs  float64
}

// weighShape adds a sighting's seconds to its shape (shapes with a
// candidate only).
func weighShape(shapes map[string]*shapeWeight, sg *scanSighting) {
	if !sg.shapeKnown || len(sg.shape.Candidates()) == 0 {
		return
	}
	k := sg.shape.String()
	if shapes[k] == nil {
		shapes[k] = &shapeWeight{shape: sg.shape, coll: sg.coll}
	}
	shapes[k].secs += sg.secs
}

func heaviestShape(shapes map[string]*shapeWeight) *shapeWeight {
	var best *shapeWeight
	for _, k := range sortedKeys(shapes) {
		if w := shapes[k]; best == nil || w.secs > best.secs {
			best = w
		}
	}
	return best
}

// candidateText is the suggested keys in a line: { status: 1, created: -1 }
// (a $or names each clause's).
func candidateText(q QueryShape) string {
	cands := q.Candidates()
	parts := make([]string, len(cands))
	for i, keys := range cands {
		parts[i] = keysText(keys)
	}
	return strings.Join(parts, " + ")
}

// nsFor names the collection to index: the op's namespace, or db + the
// collection the command names when the namespace is the db's $cmd.
func nsFor(ns, coll string) string {
	db, c, _ := strings.Cut(ns, ".")
	if (c == "" || c == "$cmd") && coll != "" {
		return db + "." + coll
	}
	return ns
}

func opHas(op Op, flag string) bool {
	for _, f := range op.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstN(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}
