package simcluster

import (
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// namespace is one simulated collection: its documents at this moment.
type namespace struct {
	docs   []bson.D
	capped bool
}

// collectionsLocked lists the collections a node has in db, sorted.
func (n *node) collectionsLocked(db string) []string {
	var names []string
	switch db {
	case "config":
		if n.c.configRS == nil {
			return nil
		}
		if n.kind == kindShard {
			names = []string{"rangeDeletions", "system.sessions", "migrationCoordinators"}
		} else {
			names = []string{"actionlog", "changelog", "chunks", "collections", "databases", "locks", "migrations", "mongos", "settings", "shards", "system.sessions", "tags", "version"}
		}
	case "local":
		if n.rs != nil {
			names = []string{"oplog.rs", "replset.election", "replset.minvalid", "startup_log", "system.replset"}
		} else if n.kind == kindStandalone {
			names = []string{"startup_log"}
		}
	case "admin":
		names = []string{"system.version"}
	case "shop":
		if n.kind != kindConfig {
			names = []string{"customers", "events", "orders"}
		}
	case "analytics":
		if n.kind != kindConfig {
			names = []string{"daily_rollups"}
		}
	}
	sort.Strings(names)
	return names
}

func (n *node) databasesLocked() []string {
	dbs := []string{"admin", "config"}
	if n.kind != kindMongos {
		dbs = append(dbs, "local")
	}
	if n.kind != kindConfig {
		dbs = append(dbs, "analytics", "shop")
	}
	sort.Strings(dbs)
	return dbs
}

// namespaceLocked returns the documents of db.coll on this node.
func (n *node) namespaceLocked(db, coll string, now time.Time) (namespace, bool) {
	found := false
	for _, name := range n.collectionsLocked(db) {
		if name == coll {
			found = true
		}
	}
	if !found {
		return namespace{}, false
	}
	c := n.c
	switch db + "." + coll {
	case "config.settings":
		c.bal.advanceLocked(now)
		return namespace{docs: []bson.D{c.bal.settings}}, true
	case "config.shards":
		var docs []bson.D
		for _, rs := range c.shards {
			docs = append(docs, shardDoc(c, rs))
		}
		return namespace{docs: docs}, true
	case "config.mongos":
		m := c.mongos
		return namespace{docs: []bson.D{{{Key: "_id", Value: m.name()}, {Key: "advisoryHostFQDNs", Value: bson.A{}},
			{Key: "created", Value: bson.NewDateTimeFromTime(c.wallZero.Add(-time.Duration(m.load.uptime0) * time.Second))},
			{Key: "mongoVersion", Value: c.serverVersion()}, {Key: "ping", Value: bson.NewDateTimeFromTime(now.Truncate(30 * time.Second))},
			{Key: "up", Value: int64(m.load.uptime0 + c.elapsed(now))}, {Key: "waiting", Value: true}}}}, true
	case "config.version":
		return namespace{docs: []bson.D{{{Key: "_id", Value: int32(1)}, {Key: "clusterId", Value: objectIDFor(c.cfg.Seed, 1)}}}}, true
	case "config.databases":
		var docs []bson.D
		for i, db := range []string{"analytics", "shop"} {
			docs = append(docs, bson.D{{Key: "_id", Value: db}, {Key: "primary", Value: c.shards[(i+1)%len(c.shards)].name},
				{Key: "version", Value: bson.D{{Key: "uuid", Value: uuidFor(c.cfg.Seed, 500+i)}, {Key: "timestamp", Value: tsOf(c.wallZero.Add(-41 * 24 * time.Hour))}, {Key: "lastMod", Value: int32(1)}}}})
		}
		return namespace{docs: docs}, true
	case "config.collections":
		var docs []bson.D
		for _, sc := range c.bal.colls {
			d := bson.D{{Key: "_id", Value: sc.ns}, {Key: "lastmodEpoch", Value: sc.epoch}, {Key: "lastmod", Value: bson.NewDateTimeFromTime(sc.created)}}
			if c.atLeast(5, 0) { // the timestamp that tells clients chunks are keyed by uuid (fixture config.collections-5.0plus…)
				d = append(d, bson.E{Key: "timestamp", Value: tsOf(sc.created)})
			}
			docs = append(docs, append(d, bson.E{Key: "uuid", Value: sc.uuid}, bson.E{Key: "key", Value: bson.D{{Key: "_id", Value: int32(1)}}},
				bson.E{Key: "unique", Value: false}, bson.E{Key: "noBalance", Value: false}))
		}
		return namespace{docs: docs}, true
	case "config.chunks":
		c.bal.advanceLocked(now)
		return namespace{docs: c.bal.chunkDocs()}, true
	case "config.changelog":
		c.bal.advanceLocked(now)
		return namespace{docs: c.bal.changelog, capped: true}, true
	case "config.actionlog":
		c.bal.advanceLocked(now)
		return namespace{docs: c.bal.actionlog, capped: true}, true
	case "config.migrations":
		c.bal.advanceLocked(now)
		if c.bal.moving != nil {
			return namespace{docs: []bson.D{c.bal.moving}}, true
		}
		return namespace{}, true
	case "config.rangeDeletions", "config.migrationCoordinators":
		c.bal.advanceLocked(now)
		return namespace{docs: n.shardMigrationDocsLocked(coll)}, true
	case "local.oplog.rs":
		return namespace{docs: n.oplogEntriesLocked(now), capped: true}, true
	case "local.system.replset":
		return namespace{docs: []bson.D{n.replConfigLocked()}}, true
	case "shop.orders":
		return namespace{docs: sampleOrders(c.cfg.Seed)}, true
	}
	return namespace{}, true
}

// oplogEntriesLocked is the first and the last oplog entry: all that
// tools read ($natural sort, limit 1) to compute the window.
func (n *node) oplogEntriesLocked(now time.Time) []bson.D {
	first, last := n.oplogBoundsLocked(now)
	entry := func(at time.Time, op string) bson.D {
		return bson.D{{Key: "op", Value: op}, {Key: "ns", Value: "shop.orders"}, {Key: "ui", Value: uuidFor(n.c.cfg.Seed, 0)},
			{Key: "o", Value: bson.D{{Key: "_id", Value: objectIDFor(n.c.cfg.Seed, int(at.Unix()%100000))}}},
			{Key: "ts", Value: tsOf(at)}, {Key: "t", Value: n.rs.term}, {Key: "v", Value: int64(2)}, {Key: "wall", Value: bson.NewDateTimeFromTime(at)}}
	}
	return []bson.D{entry(first, "i"), entry(last, "u")}
}

func (n *node) replConfigLocked() bson.D {
	rs := n.rs
	members := bson.A{}
	for i, m := range rs.members {
		members = append(members, n.c.memberConfigDoc(i, m))
	}
	d := bson.D{{Key: "_id", Value: rs.name}, {Key: "version", Value: rs.setVersion}, {Key: "term", Value: rs.term}, {Key: "members", Value: members},
		{Key: "protocolVersion", Value: int64(1)}, {Key: "writeConcernMajorityJournalDefault", Value: true},
		{Key: "settings", Value: bson.D{{Key: "chainingAllowed", Value: true}, {Key: "heartbeatIntervalMillis", Value: int32(2000)},
			{Key: "heartbeatTimeoutSecs", Value: int32(10)}, {Key: "electionTimeoutMillis", Value: int32(electionTimeout / time.Millisecond)},
			{Key: "catchUpTimeoutMillis", Value: int32(-1)}, {Key: "catchUpTakeoverDelayMillis", Value: int32(30000)},
			{Key: "getLastErrorModes", Value: bson.D{}}, {Key: "getLastErrorDefaults", Value: bson.D{{Key: "w", Value: int32(1)}, {Key: "wtimeout", Value: int32(0)}}},
			{Key: "replicaSetId", Value: objectIDFor(n.c.cfg.Seed, 600+rs.shardIdx)}}}}
	if rs.kind == kindConfig {
		d = append(d, bson.E{Key: "configsvr", Value: true})
	}
	return d
}

// chunkDocs is config.chunks: keyed by uuid from 5.0, by ns (with
// lastmodEpoch) before; onCurrentShardSince from 6.3 (MONGODB-INTERFACE.md §5.2).
func (b *balancer) chunkDocs() []bson.D {
	c := b.c
	var docs []bson.D
	for _, sc := range b.colls {
		key := bson.E{Key: "uuid", Value: sc.uuid}
		if !c.atLeast(5, 0) {
			key = bson.E{Key: "ns", Value: sc.ns}
		}
		for _, ch := range sc.chunks {
			d := bson.D{{Key: "_id", Value: ch.id}, key,
				{Key: "min", Value: bson.D{{Key: "_id", Value: boundValue(ch.min)}}}, {Key: "max", Value: bson.D{{Key: "_id", Value: boundValue(ch.max)}}},
				{Key: "shard", Value: ch.shard}, {Key: "lastmod", Value: ch.lastmod}}
			if !c.atLeast(5, 0) {
				d = append(d, bson.E{Key: "lastmodEpoch", Value: sc.epoch})
			}
			if c.atLeast(7, 0) {
				d = append(d, bson.E{Key: "onCurrentShardSince", Value: ch.since})
			}
			docs = append(docs, append(d, bson.E{Key: "history", Value: bson.A{bson.D{{Key: "validAfter", Value: ch.since}, {Key: "shard", Value: ch.shard}}}}))
		}
	}
	return docs
}

// boundValue renders the open ends of the key space as MinKey/MaxKey.
func boundValue(v int64) any {
	switch v {
	case -1 << 63:
		return bson.MinKey{}
	case 1<<63 - 1:
		return bson.MaxKey{}
	}
	return v
}

func sampleOrders(seed int64) []bson.D {
	var docs []bson.D
	for i := 0; i < 5; i++ {
		docs = append(docs, bson.D{{Key: "_id", Value: objectIDFor(seed, 300+i)}, {Key: "customer", Value: fmt.Sprintf("c%03d", i*7)},
			{Key: "status", Value: []string{"new", "paid", "shipped"}[i%3]}, {Key: "total", Value: float64(10*i) + 9.99}})
	}
	return docs
}

// coordinatorDocs is config.migrationCoordinators on a shard: the donor
// primary records the migration it coordinates while it runs
// (MigrationCoordinatorDocument: nss, collectionUuid, donor and recipient,
// range, preMigrationChunkVersion).
func (b *balancer) coordinatorDocs(n *node) []bson.D {
	if b.moving == nil || n.rs == nil || n.rs.name != b.movingFrom || !n.isPrimaryLocked() {
		return nil
	}
	coll := b.colls[0]
	id := uuidFor(b.c.cfg.Seed, 80000+int(b.migrations))
	return []bson.D{{{Key: "_id", Value: id}, {Key: "migrationSessionId", Value: fmt.Sprintf("%s_%s_%s", b.movingFrom, b.movingTo, objectIDFor(b.c.cfg.Seed, 81000+int(b.migrations)).Hex())},
		{Key: "lsid", Value: bson.D{{Key: "id", Value: uuidFor(b.c.cfg.Seed, 82000+int(b.migrations))}, {Key: "uid", Value: bson.Binary{Data: make([]byte, 32)}}}},
		{Key: "txnNumber", Value: b.migrations + 1}, {Key: "nss", Value: coll.ns}, {Key: "collectionUuid", Value: coll.uuid},
		{Key: "donorShardId", Value: b.movingFrom}, {Key: "recipientShardId", Value: b.movingTo},
		{Key: "range", Value: bson.D{{Key: "min", Value: lookupD(b.moving, "min")}, {Key: "max", Value: lookupD(b.moving, "max")}}},
		{Key: "preMigrationChunkVersion", Value: bson.D{{Key: "e", Value: coll.epoch}, {Key: "t", Value: tsOf(coll.created)}, {Key: "v", Value: bson.Timestamp{T: uint32(len(coll.chunks)), I: 0}}}}}}
}

// shardMigrationDocsLocked are a shard's own records of migrations: its
// pending range deletions, and the migration it coordinates as donor.
func (n *node) shardMigrationDocsLocked(coll string) []bson.D {
	b := n.c.bal
	if coll == "migrationCoordinators" {
		return b.coordinatorDocs(n)
	}
	var docs []bson.D
	for _, d := range b.deletions {
		if d.shard == n.rs.name {
			docs = append(docs, d.doc)
		}
	}
	return append(docs, n.c.scn.story.rangeDeletions(n, n.c.tau(n.c.cfg.Now()))...)
}
