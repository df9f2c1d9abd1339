package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// cmdAggregate evaluates the first-stage-only stages itself ($currentOp,
// $shardedDataDistribution, $collStats) and hands the rest of the pipeline
// to the query engine.
func cmdAggregate(n *node, r *request) bson.D {
	pipeline, err := pipelineOf(r.body)
	if err != nil {
		return errorReply(14, "TypeMismatch", "'pipeline' option must be specified as an array")
	}
	coll, isColl := r.body.Lookup("aggregate").StringValueOK()
	nsName := r.db + "." + coll
	if !isColl {
		nsName = r.db + ".$cmd.aggregate"
	}
	var docs []bson.D
	first := ""
	if len(pipeline) > 0 && len(pipeline[0]) == 1 {
		first = pipeline[0][0].Key
	}
	switch first {
	case "$currentOp":
		docs, err = n.currentOpStage(r, pipeline[0][0].Value, isColl)
		if err != nil {
			return queryReply(err)
		}
		pipeline = pipeline[1:]
		n.chargeCurrentOp(r, docs, pipeline)
	case "$shardedDataDistribution":
		if !n.c.atLeast(6, 0) { // the stage exists from 6.0.3 (MONGODB-INTERFACE.md §5.1)
			return errorReply(40324, "Location40324", "Unrecognized pipeline stage name: '$shardedDataDistribution'")
		}
		if n.kind != kindMongos {
			return errorReply(6789101, "Location6789101", "The $shardedDataDistribution stage can only be run on router")
		}
		docs = n.shardedDataDistribution()
		pipeline = pipeline[1:]
		// Each shard reports its collections' stats ($_internalAllCollectionStats).
		n.chargeEveryShard(r, "aggregate", func(*replSet) bson.D { return cursorReply("admin.$cmd.aggregate", docs) })
	case "$collStats":
		opts, _ := pipeline[0][0].Value.(bson.D)
		d, ok := n.collStatsDoc(r.db, coll, opts)
		if !ok {
			return errorReply(26, "NamespaceNotFound", "Unable to retrieve storageStats in $collStats stage :: caused by :: Collection ["+nsName+"] not found.")
		}
		docs = []bson.D{d}
		pipeline = pipeline[1:]
	default:
		if !isColl {
			return errorReply(73, "InvalidNamespace", "{aggregate: 1} is not valid for '"+first+"'; run it on a collection")
		}
		ns, _ := n.readNamespace(r.db, coll)
		docs = ns.docs
	}
	out, err := qAggregate(docs, pipeline)
	if err != nil {
		return queryReply(err)
	}
	return cursorReply(nsName, out)
}

func pipelineOf(body bson.Raw) ([]bson.D, error) {
	v, err := body.LookupErr("pipeline")
	if err != nil || v.Type != bson.TypeArray {
		return nil, errNotArray
	}
	var stages []bson.D
	vals, _ := v.Array().Values()
	for _, sv := range vals {
		var d bson.D
		if doc, ok := sv.DocumentOK(); ok && bson.Unmarshal(doc, &d) == nil {
			stages = append(stages, d)
		}
	}
	return stages, nil
}

var errNotArray = badValue("'pipeline' option must be specified as an array")

func (n *node) shardedDataDistribution() []bson.D {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bal.advanceLocked(now)
	var out []bson.D
	for _, sc := range c.bal.colls {
		counts := map[string]int64{}
		for _, ch := range sc.chunks {
			counts[ch.shard]++
		}
		orphans := map[string]int64{}
		for _, d := range c.bal.deletions {
			if v, _ := lookupD(d.doc, "nss").(string); v == sc.ns {
				orphans[d.shard] += sc.docsEach
			}
		}
		shards := bson.A{}
		for _, rs := range c.shards {
			owned := counts[rs.name] * sc.docsEach
			shards = append(shards, bson.D{{Key: "shardName", Value: rs.name}, {Key: "numOrphanedDocs", Value: orphans[rs.name]},
				{Key: "numOwnedDocuments", Value: owned}, {Key: "ownedSizeBytes", Value: owned * 512}, {Key: "orphanedSizeBytes", Value: orphans[rs.name] * 512}})
		}
		out = append(out, bson.D{{Key: "ns", Value: sc.ns}, {Key: "shards", Value: shards}})
	}
	return out
}

// appendNumber mirrors the server's BSONObjBuilder::appendNumber: int32
// when the value fits, int64 otherwise.
func appendNumber(v int64) any {
	if v >= -(1<<31) && v < 1<<31 {
		return int32(v)
	}
	return v
}

// collStats is the storage view of a collection; only the oplog has real
// numbers (tools read maxSize, size and count to size the oplog window).
func (n *node) collStatsFields(db, coll string) (bson.D, bool) {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	ns, ok := n.namespaceLocked(db, coll, now)
	if !ok {
		return nil, false
	}
	size, count := int64(len(ns.docs))*300, int64(len(ns.docs))
	d := bson.D{}
	if db == "local" && coll == "oplog.rs" {
		size, count = n.oplogStatsLocked()
	}
	avg := int64(0)
	if count > 0 {
		avg = size / count
	}
	d = append(d, bson.E{Key: "size", Value: appendNumber(size)}, bson.E{Key: "count", Value: appendNumber(count)},
		bson.E{Key: "avgObjSize", Value: appendNumber(avg)}, bson.E{Key: "numOrphanDocs", Value: int32(0)},
		bson.E{Key: "storageSize", Value: appendNumber(size / 3)}, bson.E{Key: "freeStorageSize", Value: appendNumber(size / 50)},
		bson.E{Key: "capped", Value: ns.capped})
	if db == "local" && coll == "oplog.rs" {
		d = append(d, bson.E{Key: "max", Value: int64(-1)}, bson.E{Key: "maxSize", Value: appendNumber(oplogMaxSize)})
	}
	d = append(d, bson.E{Key: "nindexes", Value: int32(1)}, bson.E{Key: "indexBuilds", Value: bson.A{}},
		bson.E{Key: "totalIndexSize", Value: appendNumber(count * 12)}, bson.E{Key: "totalSize", Value: appendNumber(size/3 + count*12)},
		bson.E{Key: "indexSizes", Value: bson.D{{Key: "_id_", Value: appendNumber(count * 12)}}}, bson.E{Key: "scaleFactor", Value: int32(1)})
	return d, true
}

func cmdCollStats(n *node, r *request) bson.D {
	coll := stringField(r.body, "collStats")
	fields, ok := n.collStatsFields(r.db, coll)
	if !ok {
		return errorReply(26, "NamespaceNotFound", "Collection ["+r.db+"."+coll+"] not found.")
	}
	return append(bson.D{{Key: "ns", Value: r.db + "." + coll}}, fields...)
}

func (n *node) collStatsDoc(db, coll string, opts bson.D) (bson.D, bool) {
	fields, ok := n.collStatsFields(db, coll)
	if !ok {
		return nil, false
	}
	d := bson.D{{Key: "ns", Value: db + "." + coll}, {Key: "host", Value: n.addr}, {Key: "localTime", Value: bson.NewDateTimeFromTime(n.c.cfg.Now())}}
	if _, ok := lookupD(opts, "storageStats").(bson.D); ok {
		d = append(d, bson.E{Key: "storageStats", Value: fields})
	}
	if n.kind == kindShard && n.c.cfg.Topology == Sharded {
		d = append(bson.D{{Key: "shard", Value: n.rs.name}}, d...)
	}
	return d, true
}

func cmdListDatabases(n *node, r *request) bson.D {
	n.c.mu.Lock()
	dbs := n.databasesLocked()
	n.c.mu.Unlock()
	nameOnly, _ := r.body.Lookup("nameOnly").BooleanOK()
	list := bson.A{}
	total := int64(0)
	for i, db := range dbs {
		if nameOnly {
			list = append(list, bson.D{{Key: "name", Value: db}})
			continue
		}
		size := int64(1+i*7) << 20
		if db == "local" {
			size = oplogMaxSize / 3
		}
		total += size
		list = append(list, bson.D{{Key: "name", Value: db}, {Key: "sizeOnDisk", Value: size}, {Key: "empty", Value: false}})
	}
	if nameOnly {
		return bson.D{{Key: "databases", Value: list}}
	}
	return bson.D{{Key: "databases", Value: list}, {Key: "totalSize", Value: total}, {Key: "totalSizeMb", Value: total >> 20}}
}

func cmdListCollections(n *node, r *request) bson.D {
	n.c.mu.Lock()
	names := n.collectionsLocked(r.db)
	n.c.mu.Unlock()
	var docs []bson.D
	for i, name := range names {
		opts := bson.D{}
		if r.db == "local" && name == "oplog.rs" || r.db == "config" && (name == "changelog" || name == "actionlog") {
			opts = bson.D{{Key: "capped", Value: true}, {Key: "size", Value: oplogMaxSize}}
		}
		docs = append(docs, bson.D{{Key: "name", Value: name}, {Key: "type", Value: "collection"}, {Key: "options", Value: opts},
			{Key: "info", Value: bson.D{{Key: "readOnly", Value: false}, {Key: "uuid", Value: uuidFor(n.c.cfg.Seed, 800+i)}}},
			{Key: "idIndex", Value: bson.D{{Key: "v", Value: int32(2)}, {Key: "key", Value: bson.D{{Key: "_id", Value: int32(1)}}}, {Key: "name", Value: "_id_"}}}})
	}
	out, err := qFind(docs, docField(r.body, "filter"), nil, nil, 0, 0)
	if err != nil {
		return queryReply(err)
	}
	if nameOnly, _ := r.body.Lookup("nameOnly").BooleanOK(); nameOnly {
		if out, err = qFind(out, nil, nil, bson.D{{Key: "name", Value: 1}, {Key: "type", Value: 1}, {Key: "_id", Value: 0}}, 0, 0); err != nil {
			return queryReply(err)
		}
	}
	return cursorReply(r.db+".$cmd.listCollections", out)
}
