package probes

import (
	"cmp"
	"fmt"
	"time"
)

// PerSecond is the rate between two readings of a cumulative counter. A
// counter that went down (the server restarted, or it wrapped) or a
// non-positive gap yields no rate rather than a negative or huge spike.
func PerSecond(prev, cur int64, dt time.Duration) (float64, bool) {
	if dt <= 0 || cur < prev || prev < 0 {
		return 0, false
	}
	return float64(cur-prev) / dt.Seconds(), true
}

// CounterRates turns two opcounters readings into rates; any counter going
// backwards voids the whole sample (a restart resets them all).
func CounterRates(prev, cur Counters, dt time.Duration) (Rates, bool) {
	var r Rates
	pairs := []struct {
		p, c int64
		out  *float64
	}{{prev.Insert, cur.Insert, &r.Insert}, {prev.Query, cur.Query, &r.Query}, {prev.Update, cur.Update, &r.Update},
		{prev.Delete, cur.Delete, &r.Delete}, {prev.Getmore, cur.Getmore, &r.Getmore}, {prev.Command, cur.Command, &r.Command}}
	for _, p := range pairs {
		v, ok := PerSecond(p.p, p.c, dt)
		if !ok {
			return Rates{}, false
		}
		*p.out = v
	}
	return r, true
}

// Add sums rates (per shard, per cluster).
func (r Rates) Add(o Rates) Rates {
	return Rates{r.Insert + o.Insert, r.Query + o.Query, r.Update + o.Update, r.Delete + o.Delete, r.Getmore + o.Getmore, r.Command + o.Command}
}

// Total is all operations per second.
func (r Rates) Total() float64 {
	return r.Insert + r.Query + r.Update + r.Delete + r.Getmore + r.Command
}

// rateGap says why two samples of one address give no rate ("" when they
// do): another process answered (a restart, or two servers behind one load
// balancer), a counter went backwards or wrapped, or the server's clock moved
// by a different amount than ours (a rate over a wrong time is a wrong rate).
func rateGap(prev, cur *statusSample) string {
	a, b := prev.s, cur.s
	if why := cmp.Or(b.badIn("opcounters"), a.badIn("opcounters")); why != "" {
		return why + ": no rate"
	}
	switch {
	case a.Host != b.Host || a.Pid != b.Pid || a.Process != b.Process:
		return fmt.Sprintf("another process answered (host %q pid %d, was %q pid %d): no rate across it", b.Host, b.Pid, a.Host, a.Pid)
	case b.Uptime < a.Uptime:
		return "the server restarted (uptime went back): no rate across it"
	}
	// The server's two moments lie within our send/receive windows, so the
	// time between them is at least cur.sent-prev.recv and at most
	// cur.recv-prev.sent on our clock; a busy client widens the windows, it
	// never makes a sound pair look wrong.
	serverDt := cur.at.Sub(prev.at)
	least, most := cur.sent.Sub(prev.recv), cur.recv.Sub(prev.sent)
	if serverDt <= 0 || serverDt > 2*most || 2*serverDt < least {
		return fmt.Sprintf("the server's clock moved %s while ours moved %s: no rate", roundDur(serverDt), roundDur(cur.recv.Sub(prev.recv)))
	}
	if _, ok := CounterRates(a.Opcounters, b.Opcounters, serverDt); !ok {
		return "a counter went backwards or wrapped: no rate"
	}
	return ""
}

// statusTotals builds the per-node and summed figures of one snapshot.
type statusTotals struct {
	opc        *OpcounterRates
	netw       *NetworkRates
	conns      *ConnectionStats
	queues     *QueueStats
	docs       *documentTotals
	clusterWhy string
	shardWhy   map[string]string
	anyRate    bool
}

func newStatusTotals() *statusTotals {
	return &statusTotals{
		opc:      &OpcounterRates{Cluster: &Rates{}, Shards: map[string]Rates{}, Nodes: map[string]Rates{}, Repl: map[string]Rates{}},
		netw:     &NetworkRates{Nodes: map[string]NetworkRate{}},
		conns:    &ConnectionStats{Nodes: map[string]NodeConnections{}},
		queues:   &QueueStats{Nodes: map[string]NodeQueues{}},
		docs:     newDocumentTotals(),
		shardWhy: map[string]string{},
	}
}

// missing records that a node has no fresh figures, voiding the totals it
// belongs to.
func (t *statusTotals) missing(n Node, st *state, why string) {
	if countsForCluster(st.dep.Kind, n.Role) && t.clusterWhy == "" {
		t.clusterWhy = n.Address + ": " + why
	}
	if n.Role == RolePrimary && n.Shard != "" && n.Shard != "config" {
		t.shardWhy[n.Shard] = n.Address + ": " + why
	}
	t.docs.missing(st.dep.Kind, n, why)
}

func (t *statusTotals) add(n Node, st *state, pair *statusPair) {
	cur := pair.cur.s
	if why := cur.badIn("connections"); why == "" {
		t.conns.Nodes[n.Address] = nodeConnections(cur, pair)
	}
	q := nodeQueues(cur, pair)
	dateTickets(&q, st, pair.cur, n.Address)
	t.queues.Nodes[n.Address] = q
	if pair.prev == nil || pair.gap != "" || cur.badIn("opcounters") != "" {
		t.missing(n, st, cmp.Or(pair.gap, cur.badIn("opcounters"), "rates need two samples"))
		return
	}
	prev, dt := pair.prev.s, pair.cur.at.Sub(pair.prev.at)
	r, _ := CounterRates(prev.Opcounters, cur.Opcounters, dt)
	t.anyRate = true
	t.opc.Nodes[n.Address] = r
	if n.Shard != "" && n.Shard != "config" {
		t.opc.Shards[n.Shard] = t.opc.Shards[n.Shard].Add(r)
	}
	if countsForCluster(st.dep.Kind, n.Role) {
		*t.opc.Cluster = t.opc.Cluster.Add(r)
	}
	if dr, ok := documentRates(prev, cur, dt); ok {
		t.docs.add(st.dep.Kind, n, dr)
	} else {
		t.docs.missing(st.dep.Kind, n, "no metrics.document rate (missing, or a counter went back)")
	}
	if cur.OpcountersRepl != nil && prev.OpcountersRepl != nil {
		if rr, ok := CounterRates(*prev.OpcountersRepl, *cur.OpcountersRepl, dt); ok {
			t.opc.Repl[n.Address] = rr
		}
	}
	if cur.badIn("network") == "" && prev.badIn("network") == "" {
		in, ok1 := PerSecond(prev.Network.BytesIn, cur.Network.BytesIn, dt)
		out, ok2 := PerSecond(prev.Network.BytesOut, cur.Network.BytesOut, dt)
		reqs, ok3 := PerSecond(prev.Network.NumRequests, cur.Network.NumRequests, dt)
		if ok1 && ok2 && ok3 {
			t.netw.Nodes[n.Address] = NetworkRate{BytesInPerSec: in, BytesOutPerSec: out, RequestsPerSec: reqs}
		}
	}
}

// into puts the totals in the snapshot: rates need two samples, so before
// any node has them the streams are nil (unknown), not zero.
func (t *statusTotals) into(snap *Snapshot) {
	for shard, why := range t.shardWhy {
		delete(t.opc.Shards, shard)
		t.opc.ShardsWhy = setWhy(t.opc.ShardsWhy, shard, why)
	}
	if t.clusterWhy != "" {
		t.opc.Cluster, t.opc.ClusterWhy = nil, t.clusterWhy
	}
	snap.Connections, snap.Queues = t.conns, t.queues
	t.docs.into(snap, t.opc.Repl)
	if !t.anyRate {
		snap.NotAvailable["opcounters"] = cmp.Or(t.clusterWhy, "rates need two samples")
		return
	}
	snap.Opcounters, snap.Network = t.opc, t.netw
}

func setWhy(m map[string]string, k, why string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = why
	return m
}

func nodeConnections(cur ServerStatus, pair *statusPair) NodeConnections {
	c := cur.Connections
	nc := NodeConnections{Current: c.Current, Available: c.Available, Active: c.Active, TotalCreated: c.TotalCreated, Rejected: c.Rejected}
	if total := nc.Current + nc.Available; total > 0 {
		nc.PercentUsed = float64(nc.Current) / float64(total) * 100
	}
	if pair.prev != nil && pair.gap == "" {
		if r, ok := PerSecond(pair.prev.s.Connections.TotalCreated, c.TotalCreated, pair.cur.at.Sub(pair.prev.at)); ok {
			nc.CreatedPerSec = &r
		}
	}
	return nc
}

func nodeQueues(cur ServerStatus, pair *statusPair) NodeQueues {
	q := NodeQueues{}
	if g := cur.GlobalLock; g != nil {
		q.ReadersQueued, q.WritersQueued, q.ActiveReaders, q.ActiveWriters = g.QueueReaders, g.QueueWriters, g.ActiveReaders, g.ActiveWriters
	}
	if tk := cur.Tickets; tk != nil {
		q.ReadTicketsOut, q.ReadTicketsTotal, q.WriteTicketsOut, q.WriteTicketsTotal = tk.ReadOut, tk.ReadTotal, tk.WriteOut, tk.WriteTotal
	}
	if cur.ReplBufferCount != nil {
		q.ReplBufferCount = *cur.ReplBufferCount
	}
	if pair.prev != nil && pair.gap == "" && cur.ReplApplyOps != nil && pair.prev.s.ReplApplyOps != nil {
		if r, ok := PerSecond(*pair.prev.s.ReplApplyOps, *cur.ReplApplyOps, pair.cur.at.Sub(pair.prev.at)); ok {
			q.ReplApplyOpsPerSec = r
		}
	}
	return q
}

// dateTickets gives ticket counts their time: held ones (read in an
// earlier poll, before 8.0) their age, and ones older than the cadence
// they are read at allows a staleness note, for judgments to leave them.
func dateTickets(q *NodeQueues, st *state, cur *statusSample, addr string) {
	at := cur.ticketsAt
	if at.IsZero() {
		return
	}
	q.TicketsAsOf = at
	age := max(st.now().Sub(at), 0)
	if at.Before(cur.recv) {
		secs := age.Seconds()
		q.TicketsAgeSeconds = &secs
	}
	if age > st.staleAfterPolls(everyFewPolls) {
		q.TicketsStale = staleText(at, age, addr, st.lateWhy(probeStatus, addr, "no ticket counts since"))
	}
}

// countsForCluster: the cluster's user traffic is what the routers see on
// a sharded cluster, the primary's on a replica set.
func countsForCluster(kind Kind, role Role) bool {
	switch kind {
	case KindSharded:
		return role == RoleMongos
	case KindReplicaSet:
		return role == RolePrimary
	}
	return true
}
