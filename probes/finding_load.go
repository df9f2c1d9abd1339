package probes

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Load findings: the workload's shape (one shard taking the load; updates
// that do nothing are in finding_updates.go) and its pressure on the
// servers (connection storms, tickets out).

// connection-storm: connections opened far faster than the node's own
// normal, or a node near its connection limit (the second field report:
// an application that ate the connection pool broke the cluster's own
// intra-cluster connections).
const (
	// stormFactor and stormMargin: a storm opens connections four times as
	// fast as the node's median of the last 10 minutes, plus 20/s (a node
	// that normally opens 0.5/s needs 22/s), and at least ChurnWarnPerSec.
	stormFactor   = 4.0
	stormMargin   = 20.0
	stormBaseline = 10 * time.Minute
	stormNow      = 15 * time.Second
	// stormMinHistory: a normal needs two minutes of history.
	stormMinHistory = 2 * time.Minute
	// stormNormalEvery: the normal is a median of minutes; refreshing it
	// every 15 s is plenty (and spares sorting 600 points per node a poll).
	stormNormalEvery = 15 * time.Second
	// connHoldPercent: once found near the limit (ConnCritPercent, the
	// Atlas guidance's 80 %), the finding holds until use falls below 70 %.
	connHoldPercent = 70.0
	// stormHoldPerSec: once found opening connections fast, a storm holds
	// while the node opens half ChurnWarnPerSec (and twice its normal).
	stormHoldPerSec = ChurnWarnPerSec / 2
)

// connectionsStormy says whether a node's connections are at the levels the
// connection-storm finding judges by themselves: where it may start
// (ConnCritPercent of the limit in use, ChurnWarnPerSec opened a second) or,
// for a node already stormy, still hold (connHoldPercent, stormHoldPerSec).
// Meanwhile the poller reads who holds the connections (connBreakdownProbe),
// for the finding to name the apps and hosts opening them.
func connectionsStormy(nc NodeConnections, was bool) bool {
	rate := math.Inf(-1) // unknown: judged by the share of the limit alone
	if nc.CreatedPerSec != nil {
		rate = *nc.CreatedPerSec
	}
	if nc.PercentUsed >= ConnCritPercent || rate >= ChurnWarnPerSec {
		return true
	}
	return was && (nc.PercentUsed >= connHoldPercent || rate >= stormHoldPerSec)
}

type connectionStorm struct {
	storming map[string]bool    // node -> in a storm: its normal is frozen
	normal   map[string]float64 // node -> median connections created/s
	normalAt map[string]time.Time
	calm     *ConnectionBreakdown
}

func newConnectionStorm() *connectionStorm {
	return &connectionStorm{storming: map[string]bool{}, normal: map[string]float64{}, normalAt: map[string]time.Time{}}
}

func (*connectionStorm) kind() string { return FindingConnectionStorm }
func (*connectionStorm) timing() timing {
	return timing{startAfter: 20 * time.Second, endAfter: time.Minute}
}

// nodeStorm is one node's judgment.
type nodeStorm struct {
	addr          string
	lv            level
	rate, normal  float64
	rateKnown     bool
	current       int64
	percent       float64
	nearLimit     bool
	rejectedCount int64
}

func (d *connectionStorm) check(in *findingInput) ([]condition, bool) {
	c := in.s.Connections
	if c == nil || len(c.Nodes) == 0 {
		return nil, false
	}
	for addr := range d.normalAt { // nodes that left
		if _, ok := c.Nodes[addr]; !ok {
			delete(d.normal, addr)
			delete(d.normalAt, addr)
			delete(d.storming, addr)
		}
	}
	var hit []nodeStorm
	worst := level(0)
	for _, addr := range sortedKeys(c.Nodes) {
		if !in.up(addr) {
			continue
		}
		ns := d.judge(in, addr, c.Nodes[addr])
		if ns.lv > 0 {
			hit = append(hit, ns)
			worst = max(worst, ns.lv)
		}
	}
	if worst == 0 {
		if c.Breakdown != nil {
			d.calm = c.Breakdown // who normally holds the connections
		}
		return nil, true
	}
	return []condition{{subject: "cluster", level: worst, inc: d.incident(hit, c.Breakdown)}}, true
}

func (d *connectionStorm) judge(in *findingInput, addr string, nc NodeConnections) nodeStorm {
	ns := nodeStorm{addr: addr, current: nc.Current, percent: nc.PercentUsed}
	switch {
	case nc.PercentUsed >= ConnCritPercent:
		ns.lv, ns.nearLimit = levelStart, true
	case nc.PercentUsed >= connHoldPercent:
		ns.lv = levelHold
	}
	if nc.Rejected != nil {
		ns.rejectedCount = *nc.Rejected
	}
	if nc.CreatedPerSec == nil {
		return ns
	}
	key := SeriesKey{Scope: ScopeNode, Name: addr, Metric: MetricConnCreated}
	rate, ok := in.recentMean(key, stormNow, 0.5)
	if !ok || !d.updateNormal(in, addr, key) {
		return ns
	}
	normal := d.normal[addr]
	start := rate >= ChurnWarnPerSec && rate >= stormFactor*normal+stormMargin
	hold := rate >= stormHoldPerSec && rate >= 2*normal+stormMargin/2
	d.storming[addr] = start || (d.storming[addr] && hold)
	ns.rate, ns.normal, ns.rateKnown = rate, normal, true
	switch {
	case start:
		ns.lv = levelStart
	case hold && ns.lv == 0:
		ns.lv = levelHold
	}
	return ns
}

// updateNormal refreshes a node's normal rate (the median of the last 10
// minutes) every stormNormalEvery, unless it is in a storm; false until
// there is enough history to know a normal.
func (d *connectionStorm) updateNormal(in *findingInput, addr string, key SeriesKey) bool {
	if d.storming[addr] {
		return true
	}
	if at, ok := d.normalAt[addr]; ok && in.now.Sub(at) < stormNormalEvery && !in.now.Before(at) {
		return true
	}
	hist := in.recent(key, stormBaseline)
	if float64(knownCount(hist)) < float64(stormMinHistory/in.interval()) {
		delete(d.normal, addr)
		delete(d.normalAt, addr)
		return false
	}
	d.normal[addr], d.normalAt[addr] = median(hist), in.now
	return true
}

func (d *connectionStorm) incident(hit []nodeStorm, now *ConnectionBreakdown) Finding {
	sort.Slice(hit, func(i, j int) bool {
		if hit[i].rate != hit[j].rate {
			return hit[i].rate > hit[j].rate
		}
		return hit[i].percent > hit[j].percent
	})
	w := hit[0]
	inc := Finding{Severity: Warn, Action: Action{Pane: PaneConnections,
		Hint: "the connections pane shows who holds them (read while it is open, and during a storm)"}}
	ev := &inc.Evidence
	for _, ns := range hit {
		ev.Members = append(ev.Members, ns.addr)
		if ns.nearLimit || ns.rejectedCount > 0 {
			inc.Severity = Crit
		}
	}
	if w.rateKnown {
		ev.Figures = append(ev.Figures, Figure{"new connections", math.Round(w.rate), "/s"}, Figure{"normal", roundTo(w.normal, 1), "/s"})
		inc.Summary = fmt.Sprintf("connection storm: %s opens %.0f connections/s (normal %.1f/s), %d open", w.addr, w.rate, w.normal, w.current)
	} else {
		inc.Summary = fmt.Sprintf("%s holds %d connections, %.0f%% of its limit", w.addr, w.current, w.percent)
	}
	ev.Figures = append(ev.Figures, Figure{"connections", float64(w.current), ""}, Figure{"of the limit", roundTo(w.percent, 1), "%"})
	if len(hit) > 1 {
		inc.Summary += fmt.Sprintf(" (and %d more nodes)", len(hit)-1)
	}
	if now != nil {
		ev.Apps, ev.Hosts = growth(now.ByApp, d.calmCounts(now, func(b *ConnectionBreakdown) map[string]int { return b.ByApp })),
			growth(now.ByHost, d.calmCounts(now, func(b *ConnectionBreakdown) map[string]int { return b.ByHost }))
	}
	if len(ev.Apps) > 0 {
		inc.Summary += ", mostly from " + ev.Apps[0]
		inc.Action.Key, inc.Action.Filter = "/", "app:"+filterTerm(ev.Apps[0])
	}
	return inc
}

// calmCounts are the calm breakdown's counts, when it counted the same
// connections as now's (a storm on a mongos is read as its own connections,
// the calm pane's as the shards').
func (d *connectionStorm) calmCounts(now *ConnectionBreakdown, pick func(*ConnectionBreakdown) map[string]int) map[string]int {
	if d.calm == nil || d.calm.Of != now.Of {
		return nil
	}
	return pick(d.calm)
}

// stormGrowthMin: an app or host holding a few more connections than when
// calm is pool noise, not who opens the storm.
const stormGrowthMin = 10

// growth lists who holds more connections now than when calm, most first.
func growth(now, calm map[string]int) []string {
	t := tally{}
	for k, n := range now {
		if g := n - calm[k]; g >= stormGrowthMin {
			t.add(k, float64(g))
		}
	}
	return t.top(3)
}

func knownCount(vals []float64) int {
	n := 0
	for _, v := range vals {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// hot-shard: one shard taking far more than its share of the operations
// (the second field report: a shard key by language sent three times the
// others' load to the English shard).
const (
	// hotShardWindow: shares are of 30 s means, and start after holding
	// 20 s more: a shard taking 1.8× its share for most of a minute is
	// a shard key's skew, not a burst (a burst lifts every shard, or lasts
	// seconds; the calm cluster's shares stay within a few percent).
	hotShardWindow = 30 * time.Second
	// hotShardHoldFactor: found at HotShardFactor × the fair share, it
	// holds until the shard's share falls under 1.4 ×.
	hotShardHoldFactor = 1.4
)

var dataMetrics = []Metric{MetricInsert, MetricQuery, MetricUpdate, MetricDelete, MetricGetmore}

type hotShard struct{}

func (hotShard) kind() string   { return FindingHotShard }
func (hotShard) timing() timing { return timing{startAfter: 20 * time.Second, endAfter: time.Minute} }

func (hotShard) check(in *findingInput) ([]condition, bool) {
	oc := in.s.Opcounters
	if oc == nil || len(oc.ShardsWhy) > 0 {
		return nil, false
	}
	shards := sortedKeys(oc.Shards)
	if len(shards) < 2 {
		return nil, true
	}
	load := map[string]float64{}
	total := 0.0
	for _, sh := range shards {
		for _, m := range dataMetrics { // commands include heartbeats and monitoring, not the app's load
			v, ok := in.recentMean(SeriesKey{Scope: ScopeShard, Name: sh, Metric: m}, hotShardWindow, 0.8)
			if !ok {
				return nil, false
			}
			load[sh] += v
		}
		total += load[sh]
	}
	if total < BusyQueryPerSec {
		return nil, true // shares of a quiet cluster are noise
	}
	n := float64(len(shards))
	var out []condition
	for _, sh := range shards {
		share := load[sh] / total
		lv := levelHold
		switch {
		case share > HotShardFactor/n:
			lv = levelStart
		case share <= hotShardHoldFactor/n:
			continue
		}
		out = append(out, hotShardCondition(in, sh, share, load[sh], n, lv))
	}
	return out, true
}

func hotShardCondition(in *findingInput, shard string, share, load, n float64, lv level) condition {
	ev := Evidence{Shards: []string{shard}, Figures: []Figure{{"share of operations", math.Round(share * 100), "%"},
		{"fair share", math.Round(100 / n), "%"}, {"operations", math.Round(load), "/s"}}}
	if p, _ := in.shardNodes(shard); p != "" {
		ev.Members = []string{p}
	}
	if in.opsKnown {
		nss, apps := tally{}, tally{}
		for _, op := range in.s.Ops {
			if op.Shard == shard && !op.System {
				nss.add(op.NS, 1)
				apps.add(orNone(op.AppName), 1)
			}
		}
		ev.Namespaces, ev.Apps = nss.top(3), apps.top(3)
	}
	inc := Finding{Severity: Warn, Evidence: ev,
		Summary: fmt.Sprintf("%s takes %.0f%% of the operations (fair share %.0f%%), %.0f ops/s, over the last %s",
			shard, share*100, 100/n, load, roundDur(hotShardWindow)),
		Action: Action{Pane: PaneThroughput, Key: "/", Filter: filterTerm(shard),
			Hint: "a shard key with few or skewed values concentrates the load; the balancer moves chunks, not load"}}
	return condition{subject: shard, level: lv, inc: inc}
}

// tickets-exhausted: every read or write ticket out and the queue growing.
// Tickets bound the operations inside the storage engine (128 each before
// MongoDB 7.0; adjusted dynamically since); past them operations queue in
// globalLock.currentQueue, the Atlas guidance's "operations queued" alert.
const (
	ticketsWindow = 15 * time.Second
	// ticketsHoldRatio: once found, it holds while 90 % of the tickets
	// are out or anything is queued.
	ticketsHoldRatio = 0.9
)

type ticketsExhausted struct{}

func (ticketsExhausted) kind() string { return FindingTicketsExhausted }
func (ticketsExhausted) timing() timing {
	return timing{startAfter: 10 * time.Second, endAfter: 30 * time.Second}
}

func (ticketsExhausted) check(in *findingInput) ([]condition, bool) {
	q := in.s.Queues
	if q == nil {
		return nil, false
	}
	var out []condition
	for _, addr := range sortedKeys(q.Nodes) {
		nq := q.Nodes[addr]
		if !in.up(addr) || nq.ReadTicketsTotal+nq.WriteTicketsTotal == 0 {
			continue
		}
		if !TicketsCurrent(nq) {
			out = append(out, condition{subject: addr, level: levelUnknown})
			continue
		}
		readOut := nq.ReadTicketsTotal > 0 && nq.ReadTicketsOut >= nq.ReadTicketsTotal && nq.ReadersQueued > 0
		writeOut := nq.WriteTicketsTotal > 0 && nq.WriteTicketsOut >= nq.WriteTicketsTotal && nq.WritersQueued > 0
		var lv level
		switch {
		case (readOut || writeOut) && queueGrowing(in, addr):
			lv = levelStart
		case nq.ReadersQueued+nq.WritersQueued > 0 || ticketsNearOut(nq):
			lv = levelHold
		default:
			continue
		}
		out = append(out, ticketsCondition(in, addr, nq, lv))
	}
	return out, true
}

func ticketsNearOut(nq NodeQueues) bool {
	return float64(nq.ReadTicketsOut) >= ticketsHoldRatio*float64(nq.ReadTicketsTotal) && nq.ReadTicketsTotal > 0 ||
		float64(nq.WriteTicketsOut) >= ticketsHoldRatio*float64(nq.WriteTicketsTotal) && nq.WriteTicketsTotal > 0
}

// queueGrowing: the node's queue is no shorter now than ticketsWindow ago.
func queueGrowing(in *findingInput, addr string) bool {
	r := in.recent(SeriesKey{Scope: ScopeNode, Name: addr, Metric: MetricQueueR}, ticketsWindow)
	w := in.recent(SeriesKey{Scope: ScopeNode, Name: addr, Metric: MetricQueueW}, ticketsWindow)
	var first, last float64
	found := false
	for i := range min(len(r), len(w)) {
		v := r[i] + w[i]
		if math.IsNaN(v) {
			continue
		}
		if !found {
			first, found = v, true
		}
		last = v
	}
	return found && last > 0 && last >= first
}

func ticketsCondition(in *findingInput, addr string, nq NodeQueues, lv level) condition {
	kind, out, total, queued := "read", nq.ReadTicketsOut, nq.ReadTicketsTotal, nq.ReadersQueued
	if nq.WriteTicketsTotal > 0 && nq.WriteTicketsOut >= nq.WriteTicketsTotal && nq.WritersQueued >= nq.ReadersQueued {
		kind, out, total, queued = "write", nq.WriteTicketsOut, nq.WriteTicketsTotal, nq.WritersQueued
	}
	ev := Evidence{Members: []string{addr}, Figures: []Figure{{"read tickets out", float64(nq.ReadTicketsOut), ""}, {"read tickets", float64(nq.ReadTicketsTotal), ""},
		{"write tickets out", float64(nq.WriteTicketsOut), ""}, {"write tickets", float64(nq.WriteTicketsTotal), ""},
		{"readers queued", float64(nq.ReadersQueued), "ops"}, {"writers queued", float64(nq.WritersQueued), "ops"}}}
	if n := in.nodes[addr]; n.Shard != "" {
		ev.Shards = []string{n.Shard}
	}
	if in.opsKnown {
		ev.Namespaces, ev.Apps, ev.OpIDs = longestOps(in.s.Ops, addr, 3)
	}
	inc := Finding{Severity: Crit, Evidence: ev,
		Summary: fmt.Sprintf("%s is out of %s tickets (%d/%d) with %d queued and growing", addr, kind, out, total, queued),
		Action: Action{Pane: PaneOps, Key: "/", Filter: filterTerm(addr),
			Hint: "the longest operations on the node hold the tickets (often a collection scan): kill one (k) or let it finish"}}
	return condition{subject: addr, level: lv, inc: inc}
}

// longestOps names the namespaces, apps and op ids of a node's longest
// running client operations.
func longestOps(ops []Op, node string, n int) (nss, apps, opids []string) {
	var mine []Op
	for _, op := range ops {
		if op.Node == node && !op.System {
			mine = append(mine, op)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool { return mine[i].SecsRunning > mine[j].SecsRunning })
	nsT, appT := tally{}, tally{}
	for i, op := range mine {
		if i >= n {
			break
		}
		nsT.add(op.NS, op.SecsRunning+1)
		appT.add(orNone(op.AppName), op.SecsRunning+1)
		opids = append(opids, printable(op.OpID, 60))
	}
	return nsT.top(n), appT.top(n), opids
}
