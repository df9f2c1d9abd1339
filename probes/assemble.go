package probes

import (
	"fmt"
	"sort"
	"time"
)

// assemble turns the latest per-node results into a Snapshot.
func (p *Poller) assemble() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	snap := Snapshot{TakenAt: now, NotAvailable: map[string]string{}}
	snap.Deployment = Deployment{Kind: p.dep.Kind, Name: p.dep.Name, Version: p.dep.Version, Changes: p.changes}
	p.changes = nil

	opc := &OpcounterRates{Shards: map[string]Rates{}, Nodes: map[string]Rates{}, Repl: map[string]Rates{}}
	netw := &NetworkRates{Nodes: map[string]NetworkRate{}}
	conns := &ConnectionStats{Nodes: map[string]NodeConnections{}, Breakdown: p.stream.breakdown}
	queues := &QueueStats{Nodes: map[string]NodeQueues{}}
	applyRate := map[string]float64{}

	for _, dn := range p.dep.Nodes { // discovery order: routers, shards, config
		addr := dn.Address
		ns, ok := p.nodes[addr]
		if !ok {
			continue
		}
		n := ns.node
		n.Up, n.Error, n.Slow, n.LastOK = ns.err == "" && ns.cur != nil, ns.err, ns.slow, ns.lastOK
		if waited := time.Since(ns.busySince); ns.busy && waited > p.cfg.Timeout && ns.err == "" {
			n.Up, n.Slow = false, true
			n.Error = fmt.Sprintf("no answer for %s; waiting for it before asking again", waited.Round(100*time.Millisecond))
		} else if ns.err == "" && ns.cur == nil && n.Error == "" {
			n.Error = "no answer yet"
		}
		snap.Deployment.Nodes = append(snap.Deployment.Nodes, n)
		if ns.cur == nil || ns.err != "" || !n.Up {
			continue
		}
		cur := ns.cur.s
		nc := NodeConnections{Current: cur.Connections.Current, Available: cur.Connections.Available,
			Active: cur.Connections.Active, TotalCreated: cur.Connections.TotalCreated, Rejected: cur.Connections.Rejected}
		if total := nc.Current + nc.Available; total > 0 {
			nc.PercentUsed = float64(nc.Current) / float64(total) * 100
		}
		q := NodeQueues{}
		if g := cur.GlobalLock; g != nil {
			q.ReadersQueued, q.WritersQueued, q.ActiveReaders, q.ActiveWriters = g.QueueReaders, g.QueueWriters, g.ActiveReaders, g.ActiveWriters
		}
		if t := cur.Tickets; t != nil {
			q.ReadTicketsOut, q.ReadTicketsTotal, q.WriteTicketsOut, q.WriteTicketsTotal = t.ReadOut, t.ReadTotal, t.WriteOut, t.WriteTotal
		}
		if cur.ReplBufferCount != nil {
			q.ReplBufferCount = *cur.ReplBufferCount
		}
		if prev := ns.prev; prev != nil {
			dt := ns.cur.at.Sub(prev.at)
			if r, ok := CounterRates(prev.s.Opcounters, cur.Opcounters, dt); ok {
				opc.Nodes[addr] = r
				if n.Shard != "" && n.Shard != "config" {
					opc.Shards[n.Shard] = opc.Shards[n.Shard].Add(r)
				}
				if countsForCluster(p.dep.Kind, n.Role) {
					opc.Cluster = opc.Cluster.Add(r)
				}
			}
			if cur.OpcountersRepl != nil && prev.s.OpcountersRepl != nil {
				if r, ok := CounterRates(*prev.s.OpcountersRepl, *cur.OpcountersRepl, dt); ok {
					opc.Repl[addr] = r
				}
			}
			in, ok1 := PerSecond(prev.s.Network.BytesIn, cur.Network.BytesIn, dt)
			out, ok2 := PerSecond(prev.s.Network.BytesOut, cur.Network.BytesOut, dt)
			reqs, ok3 := PerSecond(prev.s.Network.NumRequests, cur.Network.NumRequests, dt)
			if ok1 && ok2 && ok3 {
				netw.Nodes[addr] = NetworkRate{BytesInPerSec: in, BytesOutPerSec: out, RequestsPerSec: reqs}
			}
			nc.CreatedPerSec, _ = PerSecond(prev.s.Connections.TotalCreated, cur.Connections.TotalCreated, dt)
			if cur.ReplApplyOps != nil && prev.s.ReplApplyOps != nil {
				if r, ok := PerSecond(*prev.s.ReplApplyOps, *cur.ReplApplyOps, dt); ok {
					q.ReplApplyOpsPerSec = r
					applyRate[addr] = r
				}
			}
		}
		conns.Nodes[addr] = nc
		queues.Nodes[addr] = q
	}
	snap.Opcounters, snap.Network, snap.Connections, snap.Queues = opc, netw, conns, queues
	if len(opc.Nodes) == 0 { // rates need two samples: none yet is "unknown", not zero
		snap.Opcounters, snap.Network = nil, nil
	}
	p.assembleOps(&snap)
	p.assembleRepl(&snap, applyRate)
	p.assembleTop(&snap)
	p.assembleBalancer(&snap, now)
	p.assembleOverhead(&snap, now)
	for probe, why := range p.stream.unavailable {
		snap.NotAvailable[probe] = why
	}
	if len(snap.NotAvailable) == 0 {
		snap.NotAvailable = nil
	}
	return snap
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

func (p *Poller) assembleOps(snap *Snapshot) {
	if _, gone := p.stream.unavailable[probeOps]; gone {
		return
	}
	var all []Op
	total := 0
	for addr, r := range p.stream.ops {
		if ns, ok := p.nodes[addr]; !ok || ns.err != "" {
			continue // a node that is down shows no stale ops
		}
		all = append(all, r.ops...)
		total += r.total
	}
	snap.Ops = TopOps(all, p.cfg.MaxOps)
	if snap.Ops == nil {
		snap.Ops = []Op{}
	}
	snap.OpsTotal = total
}

func (p *Poller) assembleRepl(snap *Snapshot, applyRate map[string]float64) {
	if p.dep.Kind == KindStandalone {
		snap.NotAvailable["replication"] = "not a replica set (standalone)"
		return
	}
	if why, gone := p.stream.unavailable[probeRepl]; gone && len(p.stream.repl) == 0 {
		snap.NotAvailable["replication"] = why
		return
	}
	names := make([]string, 0, len(p.stream.repl))
	for name := range p.stream.repl {
		names = append(names, name)
	}
	// Shards first, the config servers last: lag matters most on data.
	sort.Slice(names, func(i, j int) bool {
		ci, cj := p.stream.repl[names[i]].Shard == "config", p.stream.repl[names[j]].Shard == "config"
		if ci != cj {
			return cj
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		rs := p.stream.repl[name]
		rs.Members = append([]Member(nil), rs.Members...)
		for i := range rs.Members {
			rs.Members[i].ApplyOpsPerSec = applyRate[rs.Members[i].Address]
		}
		if ns, ok := p.nodes[rs.Primary]; ok && ns.cur != nil {
			rs.OplogWindowHours = OplogWindowHours(ns.cur.s.OplogEarliest, ns.cur.s.OplogLatest)
		}
		snap.Replication = append(snap.Replication, rs)
	}
}

func (p *Poller) assembleTop(snap *Snapshot) {
	if _, gone := p.stream.unavailable[probeTop]; gone {
		return // nil, with the reason in NotAvailable
	}
	prev, cur := map[string]TopTotals{}, map[string]TopTotals{}
	var dt time.Duration
	for addr, pair := range p.stream.top {
		if pair[0].totals == nil || pair[1].totals == nil {
			continue
		}
		prev[addr], cur[addr] = pair[0].totals, pair[1].totals
		dt = max(dt, pair[1].at.Sub(pair[0].at))
	}
	snap.HotCollections = HotCollections(prev, cur, dt, 20)
	if snap.HotCollections == nil {
		snap.HotCollections = []HotCollection{}
	}
}

func (p *Poller) assembleBalancer(snap *Snapshot, now time.Time) {
	if p.dep.Kind != KindSharded {
		snap.NotAvailable["balancer"] = "not a sharded cluster"
		return
	}
	st := p.stream.balStatus
	if st == nil {
		return
	}
	b := &Balancer{Mode: st.mode, InRound: st.inRound, Rounds: st.rounds, Enabled: st.mode != "off",
		Migrations: []Migration{}, RecentMigrations: []MigrationEvent{}, ChunksPerShard: map[string]int{},
		RangeDeletionsPending: map[string]int{}}
	if s := p.stream.balSettings; s != nil {
		b.Enabled = b.Enabled && s.enabled
		b.Window = s.window
	}
	b.InsideWindow, b.UntilWindowChange = InsideWindow(b.Window, now.Local())
	if b.Window == nil {
		b.UntilWindowChange = 0
	}
	if m := p.stream.migrations; m != nil {
		b.Migrations = append(b.Migrations, m.inFlight...)
		b.RecentMigrations = append(b.RecentMigrations, m.recent...)
	}
	if c := p.stream.chunks; c != nil {
		for k, v := range c.perShard {
			b.ChunksPerShard[k] = v
		}
		b.JumboChunks, b.ChunksAt = c.jumbo, p.stream.chunksAt
	}
	for k, v := range p.stream.rangeDel {
		b.RangeDeletionsPending[k] = v
	}
	snap.Balancer = b
}

// assembleOverhead measures our own load over the last polls (a sliding
// window: one late poll followed by a prompt one would otherwise read as a
// spike).
func (p *Poller) assembleOverhead(snap *Snapshot, now time.Time) {
	cur := costPoint{at: now, commands: p.meter.commands.Load(), bytes: p.meter.bytes.Load()}
	p.costWindow = append(p.costWindow, cur)
	if len(p.costWindow) > overheadWindow {
		p.costWindow = p.costWindow[len(p.costWindow)-overheadWindow:]
	}
	first := p.costWindow[0]
	dt := cur.at.Sub(first.at).Seconds()
	polls := len(p.costWindow) - 1
	if dt <= 0 || polls == 0 {
		return
	}
	snap.Overhead.CommandsPerSec = float64(cur.commands-first.commands) / dt
	snap.Overhead.BytesPerSec = float64(cur.bytes-first.bytes) / dt
	if n := len(p.nodes); n > 0 {
		snap.Overhead.CommandsPerNodePoll = float64(cur.commands-first.commands) / float64(polls) / float64(n)
	}
}

// overheadWindow is how many polls the overhead figures average over.
const overheadWindow = 10

type costPoint struct {
	at              time.Time
	commands, bytes int64
}
