package probes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// opSample is one $currentOp document as a node served it, with the source
// the poller decodes it with.
type opSample struct {
	doc  bson.Raw
	src  OpSource
	from string // release, topology, node and moment, for failure messages
}

// simOpSamples asks the simulated releases, in each topology and in the
// stories that start ops of their own, for $currentOp as the poller does
// (a mongos with localOps false, every data-bearing member directly), at
// moments before, during and after the workload's analytics spike.
func simOpSamples(tb testing.TB) []opSample {
	tb.Helper()
	var out []opSample
	for _, v := range []string{"4.4", "5.0", "6.0", "7.0", "8.0"} {
		out = append(out, simClusterOps(tb, simcluster.Config{Version: v, Shards: 2})...)
	}
	for _, v := range []string{"4.4", "8.0"} {
		out = append(out, simClusterOps(tb, simcluster.Config{Version: v, Topology: simcluster.ReplSet})...)
		out = append(out, simClusterOps(tb, simcluster.Config{Version: v, Topology: simcluster.Standalone})...)
	}
	for _, sc := range []string{"index-build", "ttl-deletes", "range-deletions", "connection-storm", "missing-index", "hot-shard"} {
		out = append(out, simClusterOps(tb, simcluster.Config{Shards: 2, Scenario: sc})...)
	}
	return out
}

// simClusterOps starts one simulated cluster, reads its ops at four
// moments of simulated time, and stops it.
func simClusterOps(tb testing.TB, cfg simcluster.Config) []opSample {
	tb.Helper()
	sim, clock := startSampleSim(tb, cfg)
	defer sim.Close()
	type polled struct {
		cl  *mongo.Client
		src OpSource
		who string
	}
	var nodes []polled
	for _, n := range sim.Nodes() {
		switch n.Role {
		case "mongos", "primary", "secondary", "standalone":
		default:
			continue
		}
		cl, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + n.Address + "/?directConnection=true").SetAppName("mongoscope"))
		if err != nil {
			tb.Fatal(err)
		}
		defer cl.Disconnect(context.Background())
		src := OpSource{Node: n.Address, Shard: n.Shard, SelfAppName: "mongoscope", LongOpSecs: 60, CommandCap: -1}
		if n.Role == "mongos" {
			src.ViaMongos, src.Mongos, src.Shard = true, n.Address, ""
		}
		nodes = append(nodes, polled{cl, src, n.Role + " " + n.Address})
	}
	var out []opSample
	for i, step := range []time.Duration{0, time.Minute, 100 * time.Second, 5 * time.Minute} {
		clock.Advance(step)
		for _, n := range nodes {
			from := fmt.Sprintf("%s %s %s: %s at moment %d", cfg.Version, cfg.Topology, cfg.Scenario, n.who, i)
			for _, d := range currentOpDocs(tb, n.cl, n.src.ViaMongos) {
				out = append(out, opSample{doc: d, src: n.src, from: from})
			}
		}
	}
	return out
}

// currentOpDocs runs the poller's $currentOp stage on one node.
func currentOpDocs(tb testing.TB, cl *mongo.Client, viaMongos bool) []bson.Raw {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cur, err := cl.Database("admin").Aggregate(ctx, bson.A{currentOpStage(viaMongos, false)})
	if err != nil {
		tb.Fatal(err)
	}
	defer cur.Close(ctx)
	var docs []bson.Raw
	for cur.Next(ctx) {
		docs = append(docs, append(bson.Raw(nil), cur.Current...))
	}
	if err := cur.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

// withOpID copies doc with its opid replaced by n (a mongos's "shard:n"
// keeps its shard), so that copies of one document are distinct ops.
func withOpID(doc bson.Raw, n int) bson.Raw {
	idx, out := bsoncore.AppendDocumentStart(nil)
	elems, _ := doc.Elements()
	for _, e := range elems {
		if e.Key() != "opid" {
			out = append(out, e...)
			continue
		}
		if s, ok := e.Value().StringValueOK(); ok {
			shard, _, _ := strings.Cut(s, ":")
			out = bsoncore.AppendStringElement(out, "opid", shard+":"+strconv.Itoa(n))
		} else {
			out = bsoncore.AppendInt32Element(out, "opid", int32(n))
		}
	}
	out, _ = bsoncore.AppendDocumentEnd(out, idx)
	return out
}

// startSampleSim starts a simulated cluster with seed 7 on a simulated
// clock at scenarioStart, for the decoders' benchmark and comparison
// samples; the caller closes it and advances the clock.
func startSampleSim(tb testing.TB, cfg simcluster.Config) (*simcluster.Cluster, *fakeClock) {
	tb.Helper()
	clock := &fakeClock{now: scenarioStart}
	cfg.Seed, cfg.Now = 7, clock.Now
	sim, err := simcluster.Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return sim, clock
}
