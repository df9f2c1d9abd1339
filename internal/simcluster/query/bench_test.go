package query

import (
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// currentOpDocs builds n documents shaped like $currentOp output.
func currentOpDocs(n int) []bson.D {
	docs := make([]bson.D, n)
	apps := []string{"web", "analytics", "worker", "MongoDB Internal Client"}
	for i := range docs {
		docs[i] = d(
			"type", "op", "host", "shard0-a:27018", "desc", fmt.Sprintf("conn%d", i),
			"connectionId", int32(i), "client", fmt.Sprintf("10.0.0.%d:5%04d", i%250, i),
			"appName", apps[i%len(apps)], "active", i%3 != 0, "opid", int32(i),
			"secs_running", int64(i%97), "microsecs_running", int64(i%97)*1000003,
			"op", "query", "ns", fmt.Sprintf("shop.c%d", i%20),
			"command", d("find", fmt.Sprintf("c%d", i%20), "filter", d("status", "paid"), "$db", "shop"),
			"planSummary", "COLLSCAN", "numYields", int32(i%50),
			"locks", d("Global", "r"), "waitingForLock", i%211 == 0,
		)
	}
	return docs
}

// BenchmarkCurrentOpPipeline is the op list's request: active user ops
// running for a while, longest first, top 50.
func BenchmarkCurrentOpPipeline(b *testing.B) {
	docs := currentOpDocs(10000)
	pipeline := []bson.D{
		d("$match", d("active", true, "appName", d("$ne", "MongoDB Internal Client"), "secs_running", d("$gte", int32(5)))),
		d("$sort", d("microsecs_running", int32(-1))),
		d("$limit", int32(50)),
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := Aggregate(docs, pipeline)
		if err != nil || len(out) != 50 {
			b.Fatalf("got %d docs, %v", len(out), err)
		}
	}
}

func BenchmarkCurrentOpGroup(b *testing.B) {
	docs := currentOpDocs(10000)
	pipeline := []bson.D{
		d("$match", d("active", true)),
		d("$group", d("_id", d("ns", "$ns", "app", "$appName"), "n", d("$sum", int32(1)), "secs", d("$max", "$secs_running"))),
		d("$sort", d("n", int32(-1))),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Aggregate(docs, pipeline); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindSorted(b *testing.B) {
	docs := currentOpDocs(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Find(docs, d("ns", bson.Regex{Pattern: "^shop\\.c1"}), d("secs_running", int32(-1), "opid", int32(1)), d("opid", int32(1)), 0, 20); err != nil {
			b.Fatal(err)
		}
	}
}
