package probes

import (
	"container/heap"
	"context"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// OpSource says where a $currentOp document came from, which decides how
// its opid must be killed and how it is classified.
type OpSource struct {
	Node, Shard string
	ViaMongos   bool
	Mongos      string
	SelfAppName string
	LongOpSecs  float64
	// CommandCap bounds Command's length (0: 4 KiB); negative defers the
	// rendering to RenderCommands.
	CommandCap int
}

// RenderCommands fills Command for ops decoded with a negative CommandCap.
func RenderCommands(ops []Op, limit int) {
	for i := range ops {
		if ops[i].Command == "" && ops[i].cmd != nil {
			ops[i].setCommand(commandJSON(ops[i].cmd, limit))
		}
		ops[i].cmd = nil
	}
}

func commandJSON(cmd bson.Raw, limit int) string {
	if len(cmd) == 0 {
		return ""
	}
	js, err := bson.MarshalExtJSON(cmd, false, false)
	if err != nil {
		return ""
	}
	if limit <= 0 {
		limit = 4096
	}
	if len(js) > limit {
		return string(js[:limit]) + "…"
	}
	return string(js)
}

// SortOps orders ops longest-running first; ops that have run as long
// keep one order (by node, then opid) so that rows do not swap places
// between polls as the nodes' answers arrive in a different order.
func SortOps(ops []Op) {
	sort.Slice(ops, func(i, j int) bool { return opBefore(ops[i], ops[j]) })
}

// opBefore is SortOps' order.
func opBefore(a, b Op) bool {
	if a.SecsRunning != b.SecsRunning {
		return a.SecsRunning > b.SecsRunning
	}
	if a.Node != b.Node {
		return a.Node < b.Node
	}
	return a.OpID < b.OpID
}

// TopOps returns the k longest-running ops, longest first, in O(n log k).
func TopOps(ops []Op, k int) []Op {
	if k <= 0 || len(ops) <= k {
		out := append([]Op(nil), ops...)
		SortOps(out)
		return out
	}
	h := &opHeap{}
	for i := range ops {
		if h.Len() < k {
			heap.Push(h, ops[i])
		} else if opBefore(ops[i], (*h)[0]) {
			(*h)[0] = ops[i]
			heap.Fix(h, 0)
		}
	}
	out := []Op(*h)
	SortOps(out)
	return out
}

type opHeap []Op

func (h opHeap) Len() int           { return len(h) }
func (h opHeap) Less(i, j int) bool { return opBefore(h[j], h[i]) } // the root is the op to drop first
func (h opHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *opHeap) Push(x any)        { *h = append(*h, x.(Op)) }
func (h *opHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// numericOpID returns the opid to send to a mongod's killOp.
func numericOpID(opid string) (int64, bool) {
	n, err := strconv.ParseInt(opid, 10, 64)
	return n, err == nil
}

// currentOpStage asks for running operations only: idle connections and
// sessions would swamp the list, and truncateOps keeps big commands small.
func currentOpStage(viaMongos, idleConnections bool) bson.D {
	opts := bson.D{{Key: "allUsers", Value: true}, {Key: "idleConnections", Value: idleConnections},
		{Key: "idleSessions", Value: false}, {Key: "truncateOps", Value: true}}
	if viaMongos {
		opts = append(opts, bson.E{Key: "localOps", Value: false})
	}
	return bson.D{{Key: "$currentOp", Value: opts}}
}

// maxOpDocs bounds how many op documents one poll reads from a node.
const maxOpDocs = 20000

// opsProbe reads $currentOp. On a sharded cluster one mongos sees every
// shard primary's ops (localOps: false); what runs on shard secondaries
// (secondary reads, index builds, the applier) needs each of them asked
// directly, every few polls (every poll doubled the poller's CPU at 60
// secondaries: BENCHMARKS.md). Elsewhere every data-bearing node is asked.
type opsProbe struct {
	bySource map[string]opsResult
}

// opsResult is one $currentOp read: the ops kept, how many there were, when
// it was taken and the role its source had then.
type opsResult struct {
	ops    []Op
	total  int
	at     time.Time
	role   Role
	donors []donorMigration // every donor migration command, kept or not
}

// donorMigration is a chunk migration's command on its donor shard's
// primary: moveChunk up to 5.x, _shardsvrMoveRange from 6.0
// (MONGODB-INTERFACE §5.2). It runs as long as the migration, so its running
// time is the migration's elapsed time, which config.migrations lacks.
type donorMigration struct {
	ns, shard string
	secs      float64
}

// asDonorMigration reads a donor command from an op decoded with its raw
// command (a negative CommandCap). Both name the namespace as their first
// field; the shard is where the op runs, else the command's fromShard.
func asDonorMigration(o Op) (donorMigration, bool) {
	first := firstKey(o.cmd)
	if first != "moveChunk" && first != "_shardsvrMoveRange" {
		return donorMigration{}, false
	}
	d := donorMigration{ns: getString(o.cmd, first), shard: o.Shard, secs: o.SecsRunning}
	if d.ns == "" {
		d.ns = o.NS
	}
	if d.shard == "" {
		d.shard = getString(o.cmd, "fromShard")
	}
	d.ns, d.shard = safetext.Line(d.ns), safetext.Line(d.shard) // as Migration's, to compare
	return d, true
}

// firstKey is a document's first key: a command's name.
func firstKey(doc bson.Raw) string {
	if e, err := doc.IndexErr(0); err == nil {
		return e.Key()
	}
	return ""
}

func newOpsProbe() *opsProbe { return &opsProbe{bySource: map[string]opsResult{}} }

func (*opsProbe) name() string { return probeOps }

func (*opsProbe) every(st *state) int {
	if st.dep.Kind == KindSharded {
		return everyFewPolls // the slowest of its sources: shard secondaries
	}
	return everyPoll
}

func (*opsProbe) due(st *state) []string {
	if st.dep.Kind != KindSharded {
		return addresses(st.byRole(RolePrimary, RoleSecondary, RoleStandalone))
	}
	var out []string
	if m := st.mongos(); m != nil {
		out = append(out, m.node.Address)
	}
	if st.dueEvery(everyFewPolls) {
		for _, ns := range st.byRole(RoleSecondary) {
			out = append(out, ns.node.Address)
		}
	}
	return out
}

func (op *opsProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	viaMongos := n.node.Role == RoleMongos
	docs, err := n.conn.aggregate(ctx, n.cfg.DownAfter, "admin", "", bson.A{currentOpStage(viaMongos, false)}, maxOpDocs)
	if err != nil {
		return nil, err
	}
	src := OpSource{Node: n.node.Address, Shard: n.node.Shard, ViaMongos: viaMongos, SelfAppName: n.cfg.AppName,
		LongOpSecs: n.cfg.LongOpSecs, CommandCap: -1}
	if viaMongos {
		src.Mongos = n.node.Address
	}
	ops := make([]Op, 0, len(docs))
	var donors []donorMigration
	for _, d := range docs {
		if o, ok := DecodeOp(d, src); ok {
			ops = append(ops, o)
			if dm, ok := asDonorMigration(o); ok {
				donors = append(donors, dm)
			}
		}
	}
	kept := TopOps(ops, n.cfg.MaxOps)
	RenderCommands(kept, 2048)
	res := opsResult{ops: kept, total: len(ops), at: n.now, role: n.node.Role, donors: donors}
	addr := n.node.Address
	return func(*state) { op.bySource[addr] = res }, nil
}

// fill merges the sources that still count: a source that is down, gone,
// or no longer in the role it had (an old primary after an election) shows
// no ops. A stale source still shows its ops, with its age in Stale, so the
// operator sees how old the list is; OpsAsOf is its oldest source's time.
func (op *opsProbe) fill(snap *Snapshot, st *state) {
	if why, gone := st.unavailable[probeOps]; gone {
		snap.NotAvailable[probeOps] = why
		return
	}
	var all []Op
	total := 0
	var asOf time.Time
	for addr, r := range op.bySource {
		ns, ok := st.nodes[addr]
		if !ok || ns.node.Role != r.role || st.nodeDown(snap, addr) {
			delete(op.bySource, addr)
			continue
		}
		if why := st.staleness(op, r.at, addr); why != "" {
			snap.Stale = setWhy(snap.Stale, "ops", why)
		}
		all = append(all, r.ops...)
		total += r.total
		if asOf.IsZero() || r.at.Before(asOf) {
			asOf = r.at
		}
	}
	snap.Ops = TopOps(all, st.cfg.MaxOps)
	if snap.Ops == nil {
		snap.Ops = []Op{}
	}
	snap.OpsTotal, snap.OpsAsOf = total, asOf
}

// freshDonors lists the donor migration commands of the sources fill kept
// (it runs first) whose answer is fresh: a stale list cannot say that a
// migration still runs, nor for how long.
func (op *opsProbe) freshDonors(st *state) []donorMigration {
	var out []donorMigration
	for addr, r := range op.bySource {
		if st.staleness(op, r.at, addr) == "" {
			out = append(out, r.donors...)
		}
	}
	return out
}

func addresses(nodes []*nodeState) []string {
	out := make([]string, len(nodes))
	for i, ns := range nodes {
		out[i] = ns.node.Address
	}
	return out
}
