package simcluster

import (
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Stories told by the operations in flight.

// missingIndexStory: a report page queries shop.orders by status and
// amount, newest first, and no index serves it: every request scans the
// collection on every shard for 24 s, a new one every 8 s.
type missingIndexStory struct{ quiet }

const (
	reportEvery = 8.0
	reportRuns  = 24.0
)

func (missingIndexStory) ops(n *node, tau float64) []simOp {
	if !n.dataPrimaryLocked() {
		return nil
	}
	var out []simOp
	for k := math.Floor(tau / reportEvery); k >= 0 && tau-k*reportEvery < reportRuns; k-- {
		op := n.clientOp("report", int64(k), 400+int64(k)%3, "report-service")
		op.op, op.ns, op.secs, op.planSummary = "query", "shop.orders", tau-k*reportEvery, "COLLSCAN"
		since := n.c.wallZero.Add(-30 * 24 * time.Hour).Truncate(24 * time.Hour)
		op.command = bson.D{{Key: "find", Value: "orders"},
			{Key: "filter", Value: bson.D{{Key: "status", Value: "pending"}, {Key: "total", Value: bson.D{{Key: "$gte", Value: int32(500)}}},
				{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: bson.NewDateTimeFromTime(since)}}}}},
			{Key: "sort", Value: bson.D{{Key: "createdAt", Value: int32(-1)}}}, {Key: "limit", Value: int32(100)}, {Key: "$db", Value: "shop"}}
		out = append(out, op)
	}
	return out
}

// needlessUpdatesStory: the order page marks the order as seen on every
// view, whether it was or not: updates run at 95 % of reads (the scenario's
// updateShare), each guarded by seen: {$ne: true}, so only the first view
// of an order (one in 25) matches, and modifies, a document; the rest
// match nothing. The primaries' metrics.document.updated grows by a 25th
// of their opcounters.update, and so does their secondaries'
// opcountersRepl.update (only a modification writes an oplog entry).
type needlessUpdatesStory struct{ quiet }

// needlessTouched is the share of the story's update statements that
// match (and modify) a document.
const needlessTouched = 1.0 / 25

func (needlessUpdatesStory) ops(n *node, tau float64) []simOp {
	if !n.dataPrimaryLocked() {
		return nil
	}
	k := int64(tau / 2)
	out := make([]simOp, 0, 2)
	for i := int64(0); i < 2; i++ {
		u := n.clientOp("seen", k*2+i, 111+i, "web-frontend")
		u.op, u.ns, u.secs, u.planSummary = "update", "shop.orders", 0.002*float64(i+1), "IXSCAN { _id: 1 }"
		u.command = bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: objectIDFor(n.c.cfg.Seed, int((k+i)%1000))},
			{Key: "seen", Value: bson.D{{Key: "$ne", Value: true}}}}},
			{Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "seen", Value: true}}}}}}
		out = append(out, u)
	}
	return out
}

func (needlessUpdatesStory) updateShares() (float64, float64) {
	return needlessTouched, needlessTouched
}

// ttlDeletesStory: a launch's sessions all expire at once. For the first
// 20 minutes every TTL pass on the last shard runs 50 s of each minute
// (instead of a few seconds) and its secondaries apply 2,400 deletes a
// second while it does.
type ttlDeletesStory struct{ quiet }

const (
	ttlStoryShard   = 2
	ttlStoryRate    = 2400.0 // documents deleted a second during a pass
	ttlStoryBacklog = 1200.0 // seconds of mass expiry
)

var ttlStoryPasses = schedule{offset: 0, period: 60, length: 50}

func (ttlDeletesStory) ttlPass(n *node, k float64) float64 {
	if n.onShard(ttlStoryShard) && k*ttlStoryPasses.period < ttlStoryBacklog {
		return ttlStoryPasses.length
	}
	return defaultTTLPass
}

func (ttlDeletesStory) deleted(tau float64) float64 {
	return ttlStoryRate * ttlStoryPasses.timeIn(math.Min(tau, ttlStoryBacklog))
}

func (s ttlDeletesStory) ttlDeleted(n *node, tau float64) float64 {
	if n.dataPrimaryLocked() && n.onShard(ttlStoryShard) {
		return s.deleted(tau)
	}
	return 0
}

func (s ttlDeletesStory) replCounts(n *node, tau float64) [numOpKinds]float64 {
	var out [numOpKinds]float64
	if n.secondaryOfLocked(ttlStoryShard) {
		out[opDelete] = s.deleted(tau)
	}
	return out
}

// rangeDeletionsStory: after the balancer moved most of shard0's chunks
// away, 180 ranges of orphaned documents wait for deletion there; the
// range deleter clears one every 15 s and the secondaries apply 1,500
// deletes a second meanwhile.
type rangeDeletionsStory struct{ quiet }

const (
	rangeBacklog  = 180
	rangeEach     = 15.0 // seconds to delete one range
	rangeDelRate  = 1500.0
	rangeDocsEach = 22500 // orphaned documents per range
)

func rangesLeft(tau float64) int {
	return max(rangeBacklog-int(tau/rangeEach), 0)
}

func (rangeDeletionsStory) ops(n *node, tau float64) []simOp {
	if !n.dataPrimaryLocked() || !n.onShard(0) || rangesLeft(tau) == 0 {
		return nil
	}
	k := math.Floor(tau / rangeEach)
	op := systemOp(opidFor(n, "rangedel", int64(k)), "range-deleter", "remove", "shop.orders", tau-k*rangeEach)
	op.planSummary = "IXSCAN { _id: 1 }"
	op.command = bson.D{{Key: "delete", Value: "orders"}, {Key: "$db", Value: "shop"}}
	return []simOp{op}
}

func (rangeDeletionsStory) replCounts(n *node, tau float64) [numOpKinds]float64 {
	var out [numOpKinds]float64
	if n.secondaryOfLocked(0) {
		out[opDelete] = rangeDelRate * math.Min(tau, rangeBacklog*rangeEach)
	}
	return out
}

func (rangeDeletionsStory) rangeDeletions(n *node, tau float64) []bson.D {
	if !n.onShard(0) || n.c.bal == nil {
		return nil
	}
	coll := n.c.bal.colls[0]
	moved := n.c.wallZero.Add(-20 * time.Minute)
	var docs []bson.D
	for i := rangeBacklog - rangesLeft(tau); i < rangeBacklog; i++ {
		lo := int64(i) << 32
		docs = append(docs, bson.D{{Key: "_id", Value: uuidFor(n.c.cfg.Seed, 80000+i)}, {Key: "nss", Value: coll.ns},
			{Key: "collectionUuid", Value: coll.uuid}, {Key: "donorShardId", Value: n.rs.name},
			{Key: "range", Value: rangeDoc(lo, lo+1<<32)}, {Key: "whenToClean", Value: "delayed"},
			{Key: "timestamp", Value: tsOf(moved.Add(time.Duration(i) * time.Second))}, {Key: "numOrphanDocs", Value: int64(rangeDocsEach)}})
	}
	return docs
}

// ticketsStory: an export job reads shop.orders on shard1 through long
// index scans; from 5 s in, every read ticket is out and readers queue
// behind them, three more a second, up to 150.
type ticketsStory struct{ quiet }

const ticketsShard = 1

func (ticketsStory) queued(n *node, tau float64) (readers, writers int32) {
	if !n.dataPrimaryLocked() || !n.onShard(ticketsShard) {
		return 0, 0
	}
	return int32(ramp(tau, 5, 3, 150)), 0
}

func (ticketsStory) ops(n *node, tau float64) []simOp {
	if !n.dataPrimaryLocked() || !n.onShard(ticketsShard) {
		return nil
	}
	out := make([]simOp, 0, 6)
	for i := int64(0); i < 6; i++ {
		op := n.clientOp("export", i, 430+i, "export-job")
		op.op, op.ns, op.secs, op.planSummary = "query", "shop.orders", 30+15*float64(i)+tau, "IXSCAN { createdAt: 1 }"
		op.command = bson.D{{Key: "find", Value: "orders"}, {Key: "filter", Value: bson.D{{Key: "createdAt", Value: bson.D{
			{Key: "$gte", Value: bson.NewDateTimeFromTime(n.c.wallZero.Add(-time.Duration(90+30*i) * 24 * time.Hour).Truncate(24 * time.Hour))}}}}},
			{Key: "batchSize", Value: int32(10000)}, {Key: "$db", Value: "shop"}}
		out = append(out, op)
	}
	return out
}
