package query

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The pipelines below are the ones mongosh 2.x sends (shell-api helpers.ts,
// getPrintableShardStatus and rs.printSecondaryReplicationInfo), run on
// small collections shaped like the simulated cluster's.

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func date(ago time.Duration) bson.DateTime { return bson.NewDateTimeFromTime(now.Add(-ago)) }

func changelog() []bson.D {
	return []bson.D{
		d("_id", "c1", "time", date(time.Hour), "what", "moveChunk.from", "details", d("from", "shard0", "to", "shard1", "note", "success")),
		d("_id", "c2", "time", date(2*time.Hour), "what", "moveChunk.from", "details", d("from", "shard0", "to", "shard2", "note", "success")),
		d("_id", "c3", "time", date(3*time.Hour), "what", "moveChunk.from", "details", d("from", "shard0", "to", "shard1", "errmsg", "migration aborted: timeout", "note", "aborted")),
		d("_id", "c4", "time", date(4*time.Hour), "what", "moveChunk.from", "details", d("from", "shard1", "to", "shard2", "note", "aborted")),
		d("_id", "c5", "time", date(48*time.Hour), "what", "moveChunk.from", "details", d("from", "shard0", "to", "shard1", "note", "success")),
		d("_id", "c6", "time", date(time.Hour), "what", "moveChunk.commit", "details", d("from", "shard0", "to", "shard1")),
	}
}

func TestShStatusMigrationPipelines(t *testing.T) {
	yesterday := date(24 * time.Hour)
	succeeded, err := Aggregate(changelog(), []bson.D{
		d("$match", d("time", d("$gt", yesterday), "what", "moveChunk.from",
			"details.errmsg", d("$exists", false), "details.note", "success")),
		d("$group", d("_id", d("msg", "$details.errmsg"), "count", d("$sum", int32(1)))),
		d("$project", d("_id", d("$ifNull", a("$_id.msg", "Success")), "count", "$count")),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, succeeded, []bson.D{d("_id", "Success", "count", int32(2))})

	failed, err := Aggregate(changelog(), []bson.D{
		d("$match", d("time", d("$gt", yesterday), "what", "moveChunk.from",
			"$or", a(d("details.errmsg", d("$exists", true)), d("details.note", d("$ne", "success"))))),
		d("$group", d("_id", d("msg", "$details.errmsg", "from", "$details.from", "to", "$details.to"),
			"count", d("$sum", int32(1)))),
		d("$project", d("_id", d("$ifNull", a("$_id.msg", "aborted")), "from", "$_id.from", "to", "$_id.to", "count", "$count")),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, failed, []bson.D{
		d("_id", "migration aborted: timeout", "from", "shard0", "to", "shard1", "count", int32(1)),
		d("_id", "aborted", "from", "shard1", "to", "shard2", "count", int32(1)),
	})
}

func TestShStatusMongosAndChunks(t *testing.T) {
	mongos := []bson.D{
		d("_id", "h1:27017", "ping", date(10*time.Second), "mongoVersion", "7.0.14"),
		d("_id", "h2:27017", "ping", date(20*time.Second), "mongoVersion", "7.0.14"),
		d("_id", "h3:27017", "ping", date(time.Minute), "mongoVersion", "7.0.12"),
		d("_id", "old:27017", "ping", date(2*time.Hour), "mongoVersion", "6.0.1"),
	}
	recent, err := Find(mongos, nil, d("ping", int32(-1)), nil, 0, 1)
	if err != nil || len(recent) != 1 || recent[0][0].Value != "h1:27017" {
		t.Fatalf("most recent mongos: %v %v", recent, err)
	}
	versions, err := Aggregate(mongos, []bson.D{
		d("$match", d("ping", d("$gt", date(10*time.Minute)))),
		d("$group", d("_id", "$mongoVersion", "num", d("$sum", int32(1)))),
		d("$sort", d("num", int32(-1))),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, versions, []bson.D{d("_id", "7.0.14", "num", int32(2)), d("_id", "7.0.12", "num", int32(1))})

	uuid := bson.Binary{Subtype: 4, Data: []byte("0123456789abcdef")}
	other := bson.Binary{Subtype: 4, Data: []byte("fedcba9876543210")}
	chunks := []bson.D{
		d("_id", int32(1), "uuid", uuid, "shard", "shard1"),
		d("_id", int32(2), "uuid", uuid, "shard", "shard0"),
		d("_id", int32(3), "uuid", uuid, "shard", "shard1"),
		d("_id", int32(4), "uuid", other, "shard", "shard2"),
		d("_id", int32(5), "ns", "shop.orders", "shard", "shard2"),
	}
	// buildConfigChunksCollectionMatch: uuid on 5.0+, ns before; mongosh asks for both with $or.
	perShard, err := Aggregate(chunks, []bson.D{
		d("$match", d("$or", a(d("uuid", uuid), d("ns", "shop.orders")))),
		d("$group", d("_id", "$shard", "cnt", d("$sum", int32(1)))),
		d("$project", d("_id", int32(0), "shard", "$_id", "nChunks", "$cnt")),
		d("$sort", d("shard", int32(1))),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, perShard, []bson.D{
		d("shard", "shard0", "nChunks", int32(1)),
		d("shard", "shard1", "nChunks", int32(2)),
		d("shard", "shard2", "nChunks", int32(1)),
	})
}

func TestCountDocumentsPipeline(t *testing.T) {
	replset := []bson.D{d("_id", "rs0", "version", int32(3)), d("_id", "rs1", "version", int32(1))}
	pipeline := []bson.D{d("$match", d()), d("$group", d("_id", int32(1), "n", d("$sum", int32(1))))}
	got, err := Aggregate(replset, pipeline)
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, got, []bson.D{d("_id", int32(1), "n", int32(2))})

	got, err = Aggregate(nil, pipeline)
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, got, []bson.D{}) // countDocuments reads an empty batch as 0
}

func TestCurrentOpFilterPipeline(t *testing.T) {
	// db.currentOp({secs_running: {$gte: 10}, "client.app": "analytics"}) after $currentOp.
	got, err := Aggregate(opsLike(), []bson.D{
		d("$match", d("secs_running", d("$gte", int32(10)), "ns", d("$regex", "^shop\\."))),
		d("$sort", d("secs_running", int32(-1))),
		d("$limit", int64(5)),
		d("$project", d("opid", int32(1), "secs", "$secs_running")),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, got, []bson.D{d("opid", int32(2), "secs", int64(40)), d("opid", int32(4), "secs", int64(12))})
}
