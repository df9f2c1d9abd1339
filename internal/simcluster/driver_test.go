package simcluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// connect opens a v2 driver client and disconnects it at cleanup. It polls
// like mongoscope: a streaming monitor's Disconnect can race its first
// awaitable hello and wait out the heartbeat (driver topology/server.go:
// the non-blocking listener drops a stop that comes before Listen).
func connect(t *testing.T, uri string, opts ...*options.ClientOptions) *mongo.Client {
	t.Helper()
	o := options.Client().ApplyURI(uri).SetAppName("simtest").SetServerSelectionTimeout(5 * time.Second).SetConnectTimeout(5 * time.Second).
		SetServerMonitoringMode(options.ServerMonitoringModePoll)
	cl, err := mongo.Connect(append([]*options.ClientOptions{o}, opts...)...)
	if err != nil {
		t.Fatalf("connect %s: %v", uri, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = cl.Disconnect(ctx)
	})
	return cl
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func runCmd(t *testing.T, cl *mongo.Client, db string, cmd bson.D) bson.Raw {
	t.Helper()
	raw, err := cl.Database(db).RunCommand(ctxT(t), cmd).Raw()
	if err != nil {
		t.Fatalf("%s: %v", cmd[0].Key, err)
	}
	return raw
}

func TestDriverShardedCluster(t *testing.T) {
	c := startSim(t, Config{Seed: 3})
	cl := connect(t, c.URI())
	hello := runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}})
	if str(hello.Lookup("msg")) != "isdbgrid" {
		t.Fatalf("hello via driver = %v", hello)
	}
	ss := runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if ss.Lookup("opcounters", "query").Type != bson.TypeInt64 || ss.Lookup("connections", "current").Type != bson.TypeInt32 {
		t.Fatalf("serverStatus types: %v / %v", ss.Lookup("opcounters", "query").Type, ss.Lookup("connections", "current").Type)
	}
	if str(ss.Lookup("process")) != "mongos" {
		t.Fatal("serverStatus through the mongos must come from the mongos")
	}
	cur, err := cl.Database("admin").Aggregate(ctxT(t), mongo.Pipeline{
		{{Key: "$currentOp", Value: bson.D{{Key: "allUsers", Value: true}, {Key: "idleConnections", Value: false}}}},
		{{Key: "$match", Value: bson.D{{Key: "appName", Value: "analytics"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ops []bson.M
	if err := cur.All(ctxT(t), &ops); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 || ops[0]["shard"] != "shard0" {
		t.Fatalf("analytics ops through mongos = %v", ops)
	}
	opid, _ := ops[0]["opid"].(string)
	kill := runCmd(t, cl, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: opid}})
	if str(kill.Lookup("shard")) != "shard0" {
		t.Fatalf("killOp via mongos = %v", kill)
	}
	st := runCmd(t, cl, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	if str(st.Lookup("mode")) != "full" {
		t.Fatalf("balancerStatus = %v", st)
	}
	var shard bson.M
	if err := cl.Database("config").Collection("shards").FindOne(ctxT(t), bson.D{{Key: "_id", Value: "shard1"}}).Decode(&shard); err != nil {
		t.Fatal(err)
	}
	// A shard member directly: replication status and its own ops.
	prim := nodeByRole(t, c, "primary", "shard0")
	direct := connect(t, "mongodb://"+prim+"/?directConnection=true")
	rs := runCmd(t, direct, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if str(rs.Lookup("set")) != "shard0" {
		t.Fatalf("replSetGetStatus = %v", rs)
	}
	err = direct.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "listShards", Value: 1}}).Err()
	var ce mongo.CommandError
	if !errors.As(err, &ce) || ce.Code != 59 {
		t.Fatalf("listShards on a shard: %v", err)
	}
	// Accounting sees our own requests.
	stats, ok := c.Stats(c.Nodes()[0].Address)
	if !ok || stats.Commands["serverStatus"] < 1 || stats.ByApp["simtest"].Commands < 3 {
		t.Fatalf("served stats = %+v", stats)
	}
	sim := runCmd(t, cl, "admin", bson.D{{Key: "simStats", Value: 1}})
	if n, _ := sim.Lookup("servedCommands", "serverStatus").AsInt64OK(); n < 1 {
		t.Fatalf("simStats = %v", sim)
	}
}

func TestDriverReplicaSetDiscovery(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	cl := connect(t, c.URI())
	var doc bson.M
	if err := cl.Database("local").Collection("system.replset").FindOne(ctxT(t), bson.D{}).Decode(&doc); err != nil {
		t.Fatalf("find on the discovered primary: %v", err)
	}
	if doc["_id"] != "rs0" {
		t.Fatalf("replset config = %v", doc)
	}
	n, err := cl.Database("local").Collection("system.replset").CountDocuments(ctxT(t), bson.D{})
	if err != nil || n != 1 {
		t.Fatalf("countDocuments = %d, %v", n, err)
	}
}

func TestSimFaultOverTheWire(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	cl := connect(t, "mongodb://"+prim+"/?directConnection=true")
	runCmd(t, cl, "admin", bson.D{{Key: "simFault", Value: "fail"}, {Key: "command", Value: "killOp"}, {Key: "code", Value: 11600}})
	err := cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: 5}}).Err()
	var ce mongo.CommandError
	if !errors.As(err, &ce) || ce.Code != 11600 {
		t.Fatalf("failing killOp: %v", err)
	}
	runCmd(t, cl, "admin", bson.D{{Key: "simFault", Value: "clear"}, {Key: "node", Value: prim}})
	runCmd(t, cl, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: 5}})
	runCmd(t, cl, "admin", bson.D{{Key: "simFault", Value: "stepDown"}, {Key: "node", Value: prim}})
	waitFor(t, "another primary after stepDown over the wire", func() bool {
		for _, n := range c.Nodes() {
			if n.Role == "primary" {
				return n.Address != prim
			}
		}
		return false
	})
	if err := c.Fault(Fault{Kind: "bogus", Node: prim}); err == nil {
		t.Fatal("unknown fault kind accepted")
	}
}
