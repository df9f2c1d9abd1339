package simcluster

import (
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// OpInfo is one in-progress simulated operation on a node.
type OpInfo struct {
	OpID        int32
	Op          string
	NS          string
	AppName     string
	Desc        string
	SecsRunning float64
	KillPending bool
}

// simOp is an operation of the workload (or of a real client connection),
// from which both OpInfo and the $currentOp document are made.
type simOp struct {
	opid           int32
	desc           string
	op             string
	ns             string
	appName        string
	client         string
	connID         int64
	user, userDB   string
	system         bool // internal thread: no client, no connectionId
	active         bool
	secs           float64
	command        bson.D
	planSummary    string
	msg            string
	done, total    int64
	waitingForLock bool
	lsid           *bson.Binary
	killPending    bool
	driver         string    // clientMetadata.driver.name of a workload client
	idleSession    bool      // an inactive session holding a transaction open
	real           bool      // one of the listener's real client connections
	meta           bson.Raw  // a real connection's handshake metadata, verbatim
	latchSince     time.Time // an awaitable hello waiting since then (waitingForLatch)
}

type killState struct {
	at time.Time
}

// killPendingFor is how long a killed op keeps running (killPending) before
// it reaches an interrupt point and disappears.
const killPendingFor = 500 * time.Millisecond

// opidFor is a stable positive int32 opid for the k-th instance of a story.
func opidFor(n *node, story string, k int64) int32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d/%s/%d", n.c.cfg.Seed, n.idx, story, k)
	return int32(h.Sum32()%2000000000) + 10000
}

func lsidFor(n *node, story string, k int64) *bson.Binary {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%s/%d", n.c.cfg.Seed, n.idx, story, k)
	u := uuidFor(int64(h.Sum64()), int(k))
	return &u
}

// workloadOpsLocked is the node's simulated op list at now: a pure
// function of workload time, before kills are applied.
func (n *node) workloadOpsLocked(now time.Time) []simOp {
	c := n.c
	tau := c.tau(now)
	var ops []simOp
	sys := func(opid int32, desc string) simOp {
		return simOp{opid: opid, desc: desc, op: "none", system: true, active: true, user: "__system", userDB: "local"}
	}
	switch {
	case n.kind == kindMongos || n.mcfg.arbiter: // an arbiter holds no data
		return nil
	case n.rs != nil && !n.isPrimaryLocked():
		ops = append(ops, sys(2, "ReplBatcher"), sys(3, "OplogApplier-0"), sys(5, "monitoring-keys-for-HMAC"))
		ops = append(ops, c.scn.story.ops(n, tau)...)
		if n.rs.shardIdx == indexBuildShard(c) && c.scn.indexBuild {
			ops = append(ops, n.indexBuildOps(tau, true)...)
		}
		return ops
	}
	// A primary or a standalone.
	ops = append(ops, sys(2, "waitForMajority"), sys(5, "monitoring-keys-for-HMAC"), sys(36, "WT-OplogTruncaterThread-local.oplog.rs"))
	if n.rs != nil {
		ops = append(ops, sys(7, "NoopWriter"))
		for i, m := range n.rs.members {
			if i == n.rs.primary || !m.up() || m.mcfg.arbiter {
				continue
			}
			// Each secondary tails the oplog through a long-lived getmore.
			op := simOp{opid: opidFor(n, "fetcher", int64(i)), desc: fmt.Sprintf("conn%d", 3+i), op: "getmore", ns: "local.oplog.rs",
				client: m.addr, connID: int64(3 + i), user: "__system", userDB: "local", active: true, secs: 1.2,
				appName: "OplogFetcher", driver: "NetworkInterfaceTL", planSummary: "COLLSCAN", system: true,
				command: bson.D{{Key: "getMore", Value: int64(8016721009601370168)}, {Key: "collection", Value: "oplog.rs"}, {Key: "batchSize", Value: int32(13981010)}, {Key: "maxTimeMS", Value: int64(5000)}, {Key: "$db", Value: "local"}}}
			ops = append(ops, op)
		}
	}
	if n.kind == kindConfig {
		if c.bal != nil && c.bal.inRound {
			ops = append(ops, simOp{opid: opidFor(n, "balancer", c.bal.rounds), desc: "Balancer", op: "none", system: true, active: true,
				secs: tau - c.bal.roundStart, user: "__system", userDB: "local"})
		}
		return ops
	}
	shard := 0
	if n.rs != nil {
		shard = n.rs.shardIdx
	}
	ops = append(ops, n.shortOps(tau)...)
	ops = append(ops, c.scn.story.ops(n, tau)...)
	if shard == 0 && c.scn.analytics {
		ops = append(ops, n.analyticsOps(tau)...)
	}
	if shard == indexBuildShard(c) && c.scn.indexBuild {
		ops = append(ops, n.indexBuildOps(tau, false)...)
	}
	ops = append(ops, n.ttlOps(tau)...)
	ops = append(ops, n.migrationOpsLocked(tau)...)
	if shard == 0 {
		ops = append(ops, n.idleTransaction(tau))
	}
	return ops
}

// idleTransaction is a web request that opened a transaction and went
// quiet: $currentOp shows it as an idleSession (idleSessions defaults to true).
func (n *node) idleTransaction(tau float64) simOp {
	const cycle = 50.0
	k := math.Floor(tau / cycle)
	op := n.clientOp("idletxn", int64(k), 120, "web-frontend")
	op.active, op.idleSession, op.desc, op.secs = false, true, "inactive transaction", tau-k*cycle
	return op
}

// indexBuildShard is where the index build runs: shard1 when there is one.
func indexBuildShard(c *Cluster) int {
	if len(c.shards) > 1 {
		return 1
	}
	return 0
}

func (n *node) clientOp(story string, k int64, conn int64, app string) simOp {
	return simOp{opid: opidFor(n, story, k), desc: fmt.Sprintf("conn%d", conn), connID: conn, appName: app,
		client: fmt.Sprintf("10.0.%d.%d:%d", 1+n.idx%200, 10+conn%200, 40000+conn), user: "app", userDB: "admin",
		active: true, lsid: lsidFor(n, story, k), driver: "mongo-go-driver"}
}

// shortOps are the web tier's queries and updates: new ones every couple of
// seconds, each a few milliseconds old when seen.
func (n *node) shortOps(tau float64) []simOp {
	k := int64(tau / 2)
	var ops []simOp
	for i := int64(0); i < 3; i++ {
		q := n.clientOp("query", k*3+i, 100+i, "web-frontend")
		q.op, q.ns, q.secs, q.planSummary = "query", "shop.orders", 0.003*float64(i+1), "IXSCAN { customer: 1 }"
		q.command = bson.D{{Key: "find", Value: "orders"}, {Key: "filter", Value: bson.D{{Key: "customer", Value: fmt.Sprintf("c%03d", (k+i)%500)}}}, {Key: "$db", Value: "shop"}}
		ops = append(ops, q)
	}
	u := n.clientOp("update", k, 110, "web-frontend")
	u.op, u.ns, u.secs, u.planSummary = "update", "shop.orders", 0.002, "IXSCAN { _id: 1 }"
	u.command = bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: objectIDFor(n.c.cfg.Seed, int(k%1000))}}}, {Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: "paid"}}}}}}
	return append(ops, u)
}

// analyticsOps is the long COLLSCAN aggregation that starts with every
// analytics spike and runs four minutes; one is already running at Start.
func (n *node) analyticsOps(tau float64) []simOp {
	const runs = 240.0
	k := math.Floor((tau - spikeOffset) / spikePeriod)
	start := spikeOffset + k*spikePeriod
	if tau < spikeOffset {
		k, start = -1, -150
	}
	if tau-start >= runs {
		return nil
	}
	op := n.clientOp("analytics", int64(k), 200, "analytics")
	op.op, op.ns, op.secs, op.planSummary = "command", "shop.orders", tau-start, "COLLSCAN"
	op.user = "analyst"
	op.command = bson.D{{Key: "aggregate", Value: "orders"}, {Key: "pipeline", Value: bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{"paid", "shipped"}}}}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$customer"}, {Key: "total", Value: bson.D{{Key: "$sum", Value: "$total"}}}}}},
	}}, {Key: "allowDiskUse", Value: true}, {Key: "cursor", Value: bson.D{}}, {Key: "$db", Value: "shop"}}
	return []simOp{op}
}

// indexBuildOps is a createIndexes on shop.events that takes 15 minutes of
// every 20, a third done at Start; an op waiting for its lock queues behind it.
func (n *node) indexBuildOps(tau float64, secondary bool) []simOp {
	const cycle, runs, offset = 1200.0, 900.0, 300.0
	k := math.Floor((tau + offset) / cycle)
	at := tau + offset - k*cycle
	if at >= runs {
		return nil
	}
	const total = 5126153
	done := int64(float64(total) * at / runs)
	msg := fmt.Sprintf("Index Build: scanning collection: %d/%d %d%%", done, int64(total), done*100/total)
	if secondary {
		return []simOp{{opid: opidFor(n, "indexbuild", int64(k)), desc: "IndexBuildsCoordinatorMongod-0", op: "command", ns: "shop.events",
			system: true, active: true, secs: at, msg: msg, done: done, total: total, user: "__system", userDB: "local",
			command: bson.D{{Key: "createIndexes", Value: "events"}, {Key: "indexes", Value: bson.A{bson.D{{Key: "key", Value: bson.D{{Key: "ts", Value: int32(1)}}}, {Key: "name", Value: "ts_1"}}}}}}}
	}
	build := n.clientOp("indexbuild", int64(k), 300, "mongosh 2.3.8")
	build.driver = "nodejs|mongosh"
	build.op, build.ns, build.secs, build.msg, build.done, build.total = "command", "shop.events", at, msg, done, total
	build.user = "admin"
	build.command = bson.D{{Key: "createIndexes", Value: "events"}, {Key: "indexes", Value: bson.A{bson.D{{Key: "key", Value: bson.D{{Key: "ts", Value: int32(1)}}}, {Key: "name", Value: "ts_1"}}}}, {Key: "$db", Value: "shop"}}
	wait := n.clientOp("collmod", int64(k), 301, "ops-scripts")
	wait.op, wait.ns, wait.secs, wait.waitingForLock = "command", "shop.events", math.Min(at, 42+math.Mod(at, 30)), true
	wait.command = bson.D{{Key: "collMod", Value: "events"}, {Key: "validationLevel", Value: "moderate"}, {Key: "$db", Value: "shop"}}
	return []simOp{build, wait}
}

// ttlOps is the TTL monitor deleting expired sessions for 5 s every minute
// (longer in a scenario's mass expiry).
func (n *node) ttlOps(tau float64) []simOp {
	k := math.Floor(tau / 60)
	at := tau - k*60
	if at >= n.c.scn.story.ttlPass(n, k) {
		return nil
	}
	return []simOp{{opid: opidFor(n, "ttl", int64(k)), desc: "TTLMonitor", op: "remove", ns: "shop.sessions", system: true, active: true,
		secs: at, user: "__system", userDB: "local", planSummary: "IXSCAN { lastSeen: 1 }",
		command: bson.D{{Key: "q", Value: bson.D{{Key: "lastSeen", Value: bson.D{{Key: "$lt", Value: "expiry"}}}}}, {Key: "limit", Value: int32(0)}}}}
}

// migrationOpsLocked shows the balancer's migration in flight: the donor's
// command from the config server's balancer, running as long as the
// migration, and the recipient's migrateThread.
func (n *node) migrationOpsLocked(tau float64) []simOp {
	b := n.c.bal
	if b == nil || b.moving == nil || n.rs == nil {
		return nil
	}
	secs := tau - b.roundStart
	ns, _ := lookupD(b.moving, "ns").(string)
	switch n.rs.name {
	case b.movingFrom:
		op := simOp{opid: opidFor(n, "moveRange", b.migrations), desc: "conn2", connID: 2, op: "command", ns: ns,
			client: b.configPrimaryAddr(), user: "__system", userDB: "local", system: true, active: true, secs: secs,
			appName: "", driver: "NetworkInterfaceTL", msg: "step 4 of 6", command: b.donorCommandLocked()}
		return []simOp{op}
	case b.movingTo:
		return []simOp{{opid: opidFor(n, "migrateThread", b.migrations), desc: "migrateThread", op: "none", ns: ns,
			system: true, active: true, secs: secs, user: "__system", userDB: "local", msg: "step 3 of 6"}}
	}
	return nil
}

// donorCommandLocked is the command the balancer sends the donor shard's
// primary: moveChunk up to 5.x (MoveChunkRequest::appendAsCommand),
// _shardsvrMoveRange from 6.0 (ShardsvrMoveRange). Each names the
// collection first, which is the op's ns too (parseNsFullyQualified, and
// the typed command's ns()), and the donor and recipient shards.
func (b *balancer) donorCommandLocked() bson.D {
	coll := b.colls[0]
	ns, _ := lookupD(b.moving, "ns").(string)
	rng := bson.D{{Key: "min", Value: lookupD(b.moving, "min")}, {Key: "max", Value: lookupD(b.moving, "max")}}
	version := bson.A{bson.Timestamp{T: uint32(len(coll.chunks)), I: 0}, coll.epoch}
	if !b.c.atLeast(6, 0) {
		cmd := bson.D{{Key: "moveChunk", Value: ns}, {Key: "shardVersion", Value: version},
			{Key: "configdb", Value: b.c.configRS.connString()}, {Key: "fromShard", Value: b.movingFrom}, {Key: "toShard", Value: b.movingTo}}
		return append(append(cmd, rng...), bson.E{Key: "maxChunkSizeBytes", Value: int64(128 << 20)}, bson.E{Key: "waitForDelete", Value: false},
			bson.E{Key: "takeDistLock", Value: false}, bson.E{Key: "$db", Value: "admin"})
	}
	cmd := append(bson.D{{Key: "_shardsvrMoveRange", Value: ns}, {Key: "toShard", Value: b.movingTo}}, rng...)
	return append(cmd, bson.E{Key: "waitForDelete", Value: false}, bson.E{Key: "epoch", Value: coll.epoch},
		bson.E{Key: "collectionTimestamp", Value: tsOf(coll.created)}, bson.E{Key: "fromShard", Value: b.movingFrom},
		bson.E{Key: "maxChunkSizeBytes", Value: int64(128 << 20)}, bson.E{Key: "forceJumbo", Value: "doNotForceJumbo"},
		bson.E{Key: "writeConcern", Value: bson.D{{Key: "w", Value: "majority"}, {Key: "wtimeout", Value: int32(60000)}}}, bson.E{Key: "$db", Value: "admin"})
}
