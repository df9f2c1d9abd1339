package probes

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Findings from the operations in flight: an index build holding a lock,
// and the deletions a shard does on its own (the TTL monitor, the range
// deleter after migrations), which the second field report found loading
// whole shards and their secondaries.

// index-build: the second field report's rebuild held a lock every write
// then queued behind.
const (
	// indexWaitSecs: an op caught waiting for a lock at one poll may be
	// a blip; one that has waited a second is blocked.
	indexWaitSecs = 1.0
	// indexCritWaiters, indexCritWaitSecs: five blocked ops, or one
	// blocked for 10 s, is users waiting.
	indexCritWaiters  = 5
	indexCritWaitSecs = 10.0
)

type indexBuild struct{}

func (indexBuild) kind() string { return FindingIndexBuild }
func (indexBuild) timing() timing {
	return timing{startAfter: 5 * time.Second, endAfter: 30 * time.Second}
}

func (indexBuild) check(in *findingInput) ([]condition, bool) {
	if !in.opsKnown {
		return nil, false
	}
	builds, waiters := map[string][]Op{}, map[string][]Op{}
	for _, op := range in.s.Ops {
		ns := opNamespace(op)
		switch {
		case opHas(op, FlagIndexBuild) && !op.KillPending:
			builds[ns] = append(builds[ns], op)
		case op.WaitingForLock || opHas(op, FlagLockWait):
			waiters[ns] = append(waiters[ns], op)
		}
	}
	var out []condition
	for _, ns := range sortedKeys(builds) {
		w := waiters[ns]
		if len(w) == 0 {
			continue
		}
		longest := 0.0
		for _, op := range w {
			longest = math.Max(longest, op.SecsRunning)
		}
		lv := levelHold
		if longest >= indexWaitSecs {
			lv = levelStart
		}
		out = append(out, indexBuildCondition(ns, builds[ns], w, longest, lv))
	}
	return out, true
}

func indexBuildCondition(ns string, builds, waiters []Op, longest float64, lv level) condition {
	b := builds[0]
	for _, op := range builds { // the client's createIndexes (killable) before the coordinator thread
		if !op.System && b.System || op.SecsRunning > b.SecsRunning && op.System == b.System {
			b = op
		}
	}
	apps, nodes, shards := tally{}, tally{}, tally{}
	opids := []string{printable(b.OpID, 60)}
	for _, op := range waiters {
		apps.add(orNone(op.AppName), op.SecsRunning+1)
		opids = append(opids, printable(op.OpID, 60))
	}
	for _, op := range builds {
		nodes.add(op.Node, 1)
		shards.add(op.Shard, 1)
	}
	ev := Evidence{Namespaces: []string{printable(ns, 200)}, Apps: apps.top(3), Members: nodes.top(5), Shards: shards.top(5), OpIDs: firstN(opids, 10),
		Figures: []Figure{{"waiting for its lock", float64(len(waiters)), "ops"}, {"longest wait", roundTo(longest, 1), "s"}, {"build running", math.Round(b.SecsRunning), "s"}}}
	done := ""
	if b.ProgressTotal > 0 {
		pct := b.ProgressDone / b.ProgressTotal * 100
		ev.Figures = append(ev.Figures, Figure{"build done", math.Round(pct), "%"})
		done = fmt.Sprintf(" (%.0f%% done)", pct)
	}
	sev := Warn
	if len(waiters) >= indexCritWaiters || longest >= indexCritWaitSecs {
		sev = Crit
	}
	inc := Finding{Severity: sev, Evidence: ev,
		Summary: fmt.Sprintf("an index build on %s%s blocks %s waiting for its lock, the longest %.0f s", ns, done, plural(len(waiters), "op"), longest),
		Action: Action{Pane: PaneOps, Key: "k", Filter: "ns:" + filterTerm(ns),
			Hint: "killing the createIndexes (k on it) aborts the build and frees the waiters; or let it finish"}}
	return condition{subject: ns, level: lv, inc: inc}
}

// cmdColl reads the collection a command names first: {"createIndexes":"events",…}.
var cmdColl = regexp.MustCompile(`^\{"[^"]+":"((?:[^"\\]|\\.)+)"`)

// opNamespace is an op's collection: its namespace, or for a command on
// the database (db.$cmd) the collection the command names.
func opNamespace(op Op) string {
	db, coll, _ := strings.Cut(op.NS, ".")
	if coll == "$cmd" || coll == "" {
		if m := cmdColl.FindStringSubmatch(op.Command); m != nil {
			return db + "." + m[1]
		}
	}
	return op.NS
}

// Deletions a shard does on its own.
const (
	// ttlLongPass: the TTL monitor wakes every 60 s (ttlMonitorSleepSecs)
	// and a normal pass ends in a second or two; one running 10 s with the
	// shard visibly loaded is a mass expiry ("for a few minutes you will
	// have an unworkable cluster", the second field report).
	ttlLongPass = 10.0
	// ttlVeryLongPass: a pass of 30 s is a mass expiry whatever the load.
	ttlVeryLongPass = 30.0
	// replDeletesLoad: secondaries applying a thousand deletes a second
	// are spending their apply threads on it.
	replDeletesLoad = 1000.0
	// rangeBacklog: ten ranges waiting for the range deleter on one shard
	// (the field report: thousands of chunks moved, then deleted en masse).
	rangeBacklog = 10
)

// shardLoad is what shows a shard straining under its own deletions.
type shardLoad struct {
	replDeletes float64 // the secondaries' deletes applied per second (max)
	queued      int64   // the primary's queued readers and writers
	lag         float64 // the worst secondary lag, s
	lagMember   string
}

func (l shardLoad) loaded() bool {
	return l.replDeletes >= replDeletesLoad || l.queued > 0 || l.lag >= LagWarn.Seconds()
}

func (l shardLoad) severity() Severity {
	if l.lag >= LagCrit.Seconds() {
		return Crit
	}
	return Warn
}

func (l shardLoad) figures() []Figure {
	var out []Figure
	if l.replDeletes > 0 {
		out = append(out, Figure{"deletes replicated", math.Round(l.replDeletes), "/s"})
	}
	out = append(out, Figure{"queued on the primary", float64(l.queued), "ops"}, Figure{"secondary lag", roundTo(l.lag, 1), "s"})
	return out
}

func (l shardLoad) text() string {
	var parts []string
	if l.replDeletes >= replDeletesLoad {
		parts = append(parts, fmt.Sprintf("secondaries apply %.0f deletes/s", l.replDeletes))
	}
	if l.lag >= LagWarn.Seconds() {
		parts = append(parts, fmt.Sprintf("%s lags %.0f s", l.lagMember, l.lag))
	}
	if l.queued > 0 {
		parts = append(parts, fmt.Sprintf("%d ops queued", l.queued))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// loadOf reads a shard's (or replica set's) strain from the snapshot.
func (in *findingInput) loadOf(shard string) shardLoad {
	var l shardLoad
	primary, secs := in.shardNodes(shard)
	if oc := in.s.Opcounters; oc != nil {
		for _, a := range secs {
			if r, ok := oc.Repl[a]; ok {
				l.replDeletes = math.Max(l.replDeletes, r.Delete)
			}
		}
	}
	if q := in.s.Queues; q != nil && primary != "" {
		nq := q.Nodes[primary]
		l.queued = nq.ReadersQueued + nq.WritersQueued
	}
	for _, rs := range in.s.Replication {
		if (rs.Shard == shard || rs.Set == shard) && rs.Stale == "" && rs.MaxLagSeconds != nil {
			l.lag, l.lagMember = *rs.MaxLagSeconds, rs.MaxLagMember
		}
	}
	return l
}

// opShard names the shard (or set) an op runs on.
func (in *findingInput) opShard(op Op) string {
	if op.Shard != "" {
		return op.Shard
	}
	if n, ok := in.nodes[op.Node]; ok && n.Set != "" {
		return n.Set
	}
	return op.Node
}

// The TTL monitor's pace, from metrics.ttl.deletedDocuments.
const (
	// ttlRateWindow: the monitor wakes every 60 s; a minute's mean of its
	// deletions covers a pass and the sleep after it.
	ttlRateWindow = time.Minute
	// ttlRateNow: the evidence's pace is of the last 10 s.
	ttlRateNow = 10 * time.Second
	// ttlMassRate: a thousand documents a second, a minute long (the pace
	// replDeletesLoad calls load on a secondary), is a mass expiry even
	// when each pass is too short to be seen running.
	ttlMassRate = 1000.0
)

type ttlDeletes struct{}

func (ttlDeletes) kind() string { return FindingTTLDeletes }

// timing: the pass itself must have run ttlLongPass (or the pace been a
// minute's mean); it holds across the monitor's 60 s sleep between passes.
func (ttlDeletes) timing() timing { return timing{startAfter: 0, endAfter: 90 * time.Second} }

// ttlPace is the TTL monitor's pace on a shard's (or set's) primary.
type ttlPace struct {
	node                  string
	minute, now           float64 // documents deleted a second: a minute's mean, the last 10 s
	minuteKnown, nowKnown bool
}

func (ttlDeletes) check(in *findingInput) ([]condition, bool) {
	byShard := map[string][]Op{}
	if in.opsKnown {
		for _, op := range in.s.Ops {
			if opHas(op, FlagTTL) {
				byShard[in.opShard(op)] = append(byShard[in.opShard(op)], op)
			}
		}
	}
	paces := in.ttlPaces()
	if !in.opsKnown && len(paces) == 0 {
		return nil, false
	}
	shards := sortedKeys(byShard)
	for sh := range paces {
		if _, ok := byShard[sh]; !ok {
			shards = append(shards, sh)
		}
	}
	sort.Strings(shards)
	var out []condition
	for _, shard := range shards {
		if c, ok := ttlCondition(in, shard, byShard[shard], paces[shard]); ok {
			out = append(out, c)
		}
	}
	return out, true
}

// ttlPaces reads every data-bearing primary's TTL deletions, by shard (or
// set, or the standalone's address: as opShard names them).
func (in *findingInput) ttlPaces() map[string]ttlPace {
	if in.s.Documents == nil {
		return nil
	}
	out := map[string]ttlPace{}
	for _, n := range in.s.Deployment.Nodes {
		if !dataPrimary(in.s.Deployment.Kind, n) || !in.up(n.Address) {
			continue
		}
		key := SeriesKey{Scope: ScopeNode, Name: n.Address, Metric: MetricTTLDeleted}
		p := ttlPace{node: n.Address}
		p.minute, p.minuteKnown = in.recentMean(key, ttlRateWindow, 0.5)
		p.now, p.nowKnown = in.recentMean(key, ttlRateNow, 0.5)
		if p.minuteKnown || p.nowKnown {
			out[cmp.Or(n.Shard, n.Set, n.Address)] = p
		}
	}
	return out
}

func ttlCondition(in *findingInput, shard string, ops []Op, pace ttlPace) (condition, bool) {
	longest, nss, nodes := 0.0, tally{}, tally{}
	var opids []string
	for _, op := range ops {
		longest = math.Max(longest, op.SecsRunning)
		nss.add(op.NS, op.SecsRunning+1)
		nodes.add(op.Node, 1)
		opids = append(opids, printable(op.OpID, 60))
	}
	if pace.node != "" {
		nodes.add(pace.node, 1)
	}
	load := in.loadOf(shard)
	massive := pace.minuteKnown && pace.minute >= ttlMassRate
	var lv level
	switch {
	case longest >= ttlVeryLongPass || (longest >= ttlLongPass || massive) && load.loaded():
		lv = levelStart
	case longest >= ttlLongPass/2 || len(ops) > 0 && load.loaded() || pace.minuteKnown && pace.minute >= ttlMassRate/2:
		lv = levelHold // a normal short pass does not hold it
	default:
		return condition{}, false
	}
	ev := Evidence{Namespaces: nss.top(3), Shards: []string{shard}, Members: nodes.top(3), OpIDs: firstN(opids, 5)}
	if len(ops) > 0 {
		ev.Figures = append(ev.Figures, Figure{"pass running", math.Round(longest), "s"})
	}
	ev.Figures = append(append(ev.Figures, pace.figures()...), load.figures()...)
	inc := Finding{Severity: load.severity(), Evidence: ev, Summary: ttlSummary(shard, ev.Namespaces, longest, pace, load),
		Action: Action{Pane: PaneOps, Key: "/", Filter: "ttl",
			Hint: "TTL deletes are system ops (a shows them) and are not throttled: spread the expiry times (a random offset) so documents do not expire at once"}}
	return condition{subject: shard, level: lv, inc: inc}, true
}

func (p ttlPace) figures() []Figure {
	var out []Figure
	if p.nowKnown {
		out = append(out, Figure{"deleted by the TTL monitor now", math.Round(p.now), "/s"})
	}
	if p.minuteKnown {
		out = append(out, Figure{"deleted by the TTL monitor, last minute", math.Round(p.minute), "/s"})
	}
	return out
}

func ttlSummary(shard string, nss []string, longest float64, pace ttlPace, load shardLoad) string {
	where := shard
	if len(nss) > 0 {
		where = strings.Join(nss, ", ") + " on " + shard
	}
	var s string
	switch {
	case longest > 0:
		s = fmt.Sprintf("the TTL monitor has been deleting expired documents from %s for %.0f s", where, longest)
		if pace.nowKnown {
			s += fmt.Sprintf(" (%.0f documents/s on %s)", pace.now, pace.node)
		}
	default:
		s = fmt.Sprintf("the TTL monitor deletes %.0f documents/s on %s (%s) over the last minute", pace.minute, pace.node, where)
	}
	return s + load.text()
}

type rangeDeletions struct{}

func (rangeDeletions) kind() string { return FindingRangeDeletions }
func (rangeDeletions) timing() timing {
	return timing{startAfter: 30 * time.Second, endAfter: time.Minute}
}

func (rangeDeletions) check(in *findingInput) ([]condition, bool) {
	b := in.s.Balancer
	if b == nil || b.Stale != "" {
		return nil, false
	}
	deleters := map[string][]Op{}
	if in.opsKnown {
		for _, op := range in.s.Ops {
			if isRangeDeleter(op) {
				deleters[in.opShard(op)] = append(deleters[in.opShard(op)], op)
			}
		}
	}
	var out []condition
	for _, shard := range sortedKeys(b.RangeDeletionsPending) {
		pending, ops := b.RangeDeletionsPending[shard], deleters[shard]
		if pending == 0 && len(ops) == 0 {
			continue
		}
		load := in.loadOf(shard)
		lv := levelHold
		if pending >= rangeBacklog && (len(ops) > 0 || load.loaded()) {
			lv = levelStart
		}
		out = append(out, rangeCondition(shard, pending, ops, load, lv))
	}
	return out, true
}

func isRangeDeleter(op Op) bool {
	return strings.HasPrefix(op.Desc, "range-deleter") || strings.HasPrefix(op.Desc, "RangeDeleter")
}

func rangeCondition(shard string, pending int, ops []Op, load shardLoad, lv level) condition {
	nss, nodes := tally{}, tally{}
	var opids []string
	for _, op := range ops {
		nss.add(op.NS, op.SecsRunning+1)
		nodes.add(op.Node, 1)
		opids = append(opids, printable(op.OpID, 60))
	}
	ev := Evidence{Namespaces: nss.top(3), Shards: []string{shard}, Members: nodes.top(3), OpIDs: firstN(opids, 5),
		Figures: append([]Figure{{"ranges pending deletion", float64(pending), ""}, {"deleting now", float64(len(ops)), "ops"}}, load.figures()...)}
	inc := Finding{Severity: load.severity(), Evidence: ev,
		Summary: fmt.Sprintf("%s has %d chunk ranges waiting for deletion after migrations%s", shard, pending, load.text()),
		Action: Action{Pane: PaneBalancer, Key: "b", Filter: "migration",
			Hint: "stopping the balancer (b) queues no more deletions (those pending still run); move chunks in a quiet window (w)"}}
	return condition{subject: shard, level: lv, inc: inc}
}
