package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// cmdTop is per-collection time spent, from the workload (mongod only).
func cmdTop(n *node, r *request) bson.D {
	now := n.c.cfg.Now()
	n.c.mu.Lock()
	ops := n.countersLocked(n.c.tau(now))
	n.c.mu.Unlock()
	entry := func(count, micros int64) bson.D {
		return bson.D{{Key: "time", Value: count * micros}, {Key: "count", Value: count}}
	}
	coll := func(reads, writes, other int64) bson.D {
		return bson.D{
			{Key: "total", Value: entry(reads+writes+other, 300)},
			{Key: "readLock", Value: entry(reads, 250)},
			{Key: "writeLock", Value: entry(writes, 400)},
			{Key: "queries", Value: entry(reads, 250)},
			{Key: "getmore", Value: entry(reads/10, 90)},
			{Key: "insert", Value: entry(writes/3, 300)},
			{Key: "update", Value: entry(writes/2, 450)},
			{Key: "remove", Value: entry(writes/10, 200)},
			{Key: "commands", Value: entry(other, 150)},
		}
	}
	totals := bson.D{{Key: "note", Value: "all times in microseconds"}}
	names := []string{"shop.orders", "shop.events", "shop.customers", "analytics.daily_rollups", "local.oplog.rs"}
	shares := []float64{0.7, 0.2, 0.08, 0.02, 0}
	for i, ns := range names {
		f := shares[i]
		writes := int64(f * float64(ops[opInsert]+ops[opUpdate]+ops[opDelete]))
		if ns == "shop.orders" {
			writes = int64(f * float64(ops[opUpdate]+ops[opQuery]) * 0.45)
		}
		totals = append(totals, bson.E{Key: ns, Value: coll(int64(f*float64(ops[opQuery])), writes, int64(f*float64(ops[opCommand])))})
	}
	return bson.D{{Key: "totals", Value: totals}}
}
