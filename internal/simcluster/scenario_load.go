package simcluster

import (
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Stories told by load: a connection storm and a periodic job.

// connectionStormStory: 10 s in, a checkout worker fleet restarts with a
// pool per thread against a mongos (or primary) capped at 1,000
// connections (net.maxIncomingConnections): it opens 200 connections a
// second, most of them timing out and reopening, and the connections held
// climb 80 a second until the node holds 880 (88 % of the limit), where
// they stay. Its requests crowd each shard primary through the mongos's
// pool.
type connectionStormStory struct{ quiet }

const (
	stormFrom      = 10.0
	stormClimb     = 80.0  // connections held: more a second…
	stormTotal     = 880.0 // …until the node holds this many
	stormShardRamp = 25.0  // the storm holds one more request on each shard primary per this many connections
	stormOpened    = 200.0 // connections opened a second
	stormLimit     = 1000
	stormShardOps  = 30   // the storm's requests in flight on each shard primary
	stormConnIDs   = 440  // the requests' connections, among the workload's
	stormIdleIDs   = 5000 // the held ones: above the idle pool's, below real connections
	stormAppName   = "checkout-worker"
)

// stormHeld is how many connections the storm holds on the entry node.
func stormHeld(n *node, tau float64) float64 {
	return ramp(tau, stormFrom, stormClimb, stormTotal-n.load.connBase)
}

func (connectionStormStory) connLimit(n *node) int64 {
	if n.entryLocked() {
		return stormLimit
	}
	return 0
}

// inFlight is how many of the storm's requests run on a data primary.
func (connectionStormStory) inFlight(n *node, tau float64) int {
	if !n.dataPrimaryLocked() {
		return 0
	}
	return min(int(ramp(tau, stormFrom, stormClimb, stormTotal)/stormShardRamp), stormShardOps)
}

func (s connectionStormStory) conns(n *node, tau float64) float64 {
	held := 0.0
	if n.entryLocked() {
		held = stormHeld(n, tau)
	}
	if n.c.mongos != nil {
		held += float64(s.inFlight(n, tau)) // the mongos's pool to the shard grows with them
	}
	return held
}

// idleConns are the connections the storm holds on the node where the
// applications connect, between requests.
func (connectionStormStory) idleConns(n *node, tau float64) []simOp {
	if !n.entryLocked() {
		return nil
	}
	held := int(stormHeld(n, tau))
	out := make([]simOp, held)
	for i := range out {
		id := int64(stormIdleIDs + i)
		out[i] = simOp{desc: fmt.Sprintf("conn%d", id), connID: id, client: fmt.Sprintf("10.0.9.%d:%d", 21+i%4, 50000+i),
			appName: stormAppName, user: "app", userDB: "admin", driver: "mongo-java-driver"}
	}
	return out
}

func (connectionStormStory) created(n *node, tau float64) float64 {
	if n.entryLocked() {
		return stormOpened * after(tau, stormFrom)
	}
	return 0
}

// ops: the storm's requests on a data primary, each on its own connection
// (from the mongos's pool in a sharded cluster).
func (s connectionStormStory) ops(n *node, tau float64) []simOp {
	count := s.inFlight(n, tau)
	out := make([]simOp, 0, count)
	for i := 0; i < count; i++ {
		k := int64(tau*4) + int64(i)
		op := n.clientOp("storm", k, stormConnIDs+int64(i), stormAppName)
		op.op, op.ns, op.secs, op.planSummary = "query", "shop.customers", 0.05+0.01*float64(i%7), "IXSCAN { _id: 1 }"
		op.command = bson.D{{Key: "find", Value: "customers"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: fmt.Sprintf("c%03d", k%500)}}},
			{Key: "limit", Value: int32(1)}, {Key: "$db", Value: "shop"}}
		if m := n.c.mongos; m != nil {
			host, _ := splitHostPort(m.addr)
			op.client = fmt.Sprintf("%s:%d", host, 42500+i)
		}
		out = append(out, op)
	}
	return out
}

// periodicSpikeStory: an analytics job runs every 5 minutes (from 1
// minute in) for a minute: reads, getmores, commands and the network jump
// on every shard and through the mongos, and its aggregation over
// shop.events runs on every shard primary while it lasts. It uses an index
// and the tickets keep up: only its rhythm is the story.
type periodicSpikeStory struct{ quiet }

var analyticsJob = schedule{offset: 60, period: 300, length: 60}

// jobRates is what the job adds on each shard primary, per second.
var jobRates = [numOpKinds]float64{opInsert: 5, opQuery: 300, opUpdate: 10, opGetmore: 120, opCommand: 40}

func (periodicSpikeStory) burst(tau float64) float64 { return analyticsJob.progress(tau) }

func (periodicSpikeStory) counts(n *node, tau float64) [numOpKinds]float64 {
	var out [numOpKinds]float64
	shards := 0.0
	switch {
	case n.kind == kindMongos:
		shards = float64(len(n.c.shards))
	case n.dataPrimaryLocked():
		shards = 1
	}
	in := analyticsJob.timeIn(tau)
	for i, r := range jobRates {
		out[i] = shards * r * in
	}
	return out
}

func (periodicSpikeStory) replCounts(n *node, tau float64) [numOpKinds]float64 {
	var out [numOpKinds]float64
	if n.kind == kindShard && !n.isPrimaryLocked() && !n.mcfg.arbiter {
		in := analyticsJob.timeIn(tau)
		for _, i := range []int{opInsert, opUpdate, opDelete} {
			out[i] = jobRates[i] * in
		}
	}
	return out
}

func (periodicSpikeStory) ops(n *node, tau float64) []simOp {
	if !n.dataPrimaryLocked() || !analyticsJob.in(tau) {
		return nil
	}
	start, k := analyticsJob.start(tau)
	op := n.clientOp("analyticsjob", int64(k), 210, "analytics")
	op.op, op.ns, op.secs, op.planSummary = "command", "shop.events", tau-start, "IXSCAN { type: 1, ts: 1 }"
	op.user = "analyst"
	day := n.c.wallZero.Add(-24 * time.Hour).Truncate(24 * time.Hour)
	op.command = bson.D{{Key: "aggregate", Value: "events"}, {Key: "pipeline", Value: bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "type", Value: "purchase"}, {Key: "ts", Value: bson.D{{Key: "$gte", Value: bson.NewDateTimeFromTime(day)}}}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$sku"}, {Key: "units", Value: bson.D{{Key: "$sum", Value: "$qty"}}}}}},
	}}, {Key: "cursor", Value: bson.D{}}, {Key: "$db", Value: "shop"}}
	return []simOp{op}
}
