package simcluster

import (
	"context"
	"runtime"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// benchNode connects the driver straight to one shard primary.
func benchNode(b *testing.B) (*Cluster, *mongo.Client) {
	b.Helper()
	c, err := Start(Config{Shards: 1})
	if err != nil {
		b.Fatal(err)
	}
	var prim string
	for _, n := range c.Nodes() {
		if n.Role == "primary" {
			prim = n.Address
		}
	}
	cl, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + prim + "/?directConnection=true"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cl.Disconnect(context.Background())
		_ = c.Close()
	})
	return c, cl
}

// BenchmarkServerStatus: full serverStatus documents one node serves per
// second through the driver (parallel clients).
func BenchmarkServerStatus(b *testing.B) {
	_, cl := benchNode(b)
	admin := cl.Database("admin")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := admin.RunCommand(context.Background(), bson.D{{Key: "serverStatus", Value: 1}}).Err(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

// BenchmarkCurrentOp: $currentOp aggregations one node serves per second.
func BenchmarkCurrentOp(b *testing.B) {
	_, cl := benchNode(b)
	admin := cl.Database("admin")
	pipe := mongo.Pipeline{{{Key: "$currentOp", Value: bson.D{{Key: "allUsers", Value: true}, {Key: "idleConnections", Value: false}}}}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			cur, err := admin.Aggregate(context.Background(), pipe)
			if err != nil {
				b.Error(err)
				return
			}
			for cur.Next(context.Background()) {
			}
			_ = cur.Close(context.Background())
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

// BenchmarkStart30Shards reports the heap and goroutine stacks a 30-shard
// cluster (94 nodes, idle) holds.
func BenchmarkStart30Shards(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := Start(Config{Shards: 30})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heapMiB")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/(1<<20), "stackMiB")
		b.ReportMetric(float64(len(c.Nodes())), "nodes")
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
