package probes

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func BenchmarkDecodeServerStatus(b *testing.B) {
	raw := loadFixture(b, "serverStatus-4.2.8-rs-primary-percona_mongodb_exporter.json")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for range b.N {
		if _, err := DecodeServerStatus(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOps10k decodes and classifies a $currentOp batch of
// 10,000 ops and keeps the 500 longest, as one poll of a busy cluster does.
func BenchmarkDecodeOps10k(b *testing.B) {
	docs := make([]bson.Raw, 10000)
	for i := range docs {
		d, _ := bson.Marshal(bson.D{{Key: "type", Value: "op"}, {Key: "shard", Value: fmt.Sprintf("shard%d", i%30)},
			{Key: "desc", Value: fmt.Sprintf("conn%d", i)}, {Key: "connectionId", Value: int32(i)}, {Key: "client_s", Value: "10.0.0.1:5000"},
			{Key: "appName", Value: "api"}, {Key: "active", Value: true}, {Key: "opid", Value: fmt.Sprintf("shard%d:%d", i%30, i)},
			{Key: "secs_running", Value: int64(i % 500)}, {Key: "microsecs_running", Value: int64(i%500) * 1e6},
			{Key: "op", Value: "query"}, {Key: "ns", Value: "app.orders"}, {Key: "planSummary", Value: "IXSCAN { user: 1 }"},
			{Key: "command", Value: bson.D{{Key: "find", Value: "orders"}, {Key: "filter", Value: bson.D{{Key: "user", Value: i}}}}},
			{Key: "effectiveUsers", Value: bson.A{bson.D{{Key: "user", Value: "app"}, {Key: "db", Value: "admin"}}}}})
		docs[i] = d
	}
	src := OpSource{ViaMongos: true, Mongos: "mongos:27017", SelfAppName: "mongoscope", LongOpSecs: 60, CommandCap: -1}
	b.ReportAllocs()
	for range b.N {
		ops := make([]Op, 0, len(docs))
		for _, d := range docs {
			if op, ok := DecodeOp(d, src); ok {
				ops = append(ops, op)
			}
		}
		kept := TopOps(ops, 500)
		RenderCommands(kept, 2048)
		if len(kept) != 500 || kept[0].Command == "" {
			b.Fatal("TopOps")
		}
	}
}

func BenchmarkCounterRates(b *testing.B) {
	prev := Counters{1, 2, 3, 4, 5, 6}
	cur := Counters{11, 22, 33, 44, 55, 66}
	b.ReportAllocs()
	for range b.N {
		if _, ok := CounterRates(prev, cur, time.Second); !ok {
			b.Fatal("no rate")
		}
	}
}

// BenchmarkHistoryAdd appends one 94-node snapshot to a full history.
func BenchmarkHistoryAdd(b *testing.B) {
	h := NewHistory(3600, 600)
	snap := bigSnapshot(94)
	b.ReportAllocs()
	for i := range b.N {
		snap.TakenAt = time.Unix(int64(i), 0)
		h.Add(snap)
	}
}
