package simcluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestStoppedPrimaryIsReplacedAfterElectionTimeout(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Topology: ReplSet})
	old := nodeByRole(t, c, "primary", "")
	if err := c.Fault(Fault{Kind: "stop", Node: old}); err != nil {
		t.Fatal(err)
	}
	var other string
	for _, n := range c.Nodes() {
		if n.Address != old {
			other = n.Address
			break
		}
	}
	st := call(t, c, other, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	for _, m := range members(t, st) {
		if str(m.Lookup("name")) == old {
			if m.Lookup("health").Double() != 0 || str(m.Lookup("stateStr")) != "(not reachable/healthy)" || m.Lookup("optimeDate").Time().Unix() != 0 {
				t.Fatalf("stopped member seen as %v", m)
			}
		}
	}
	clk.advance(electionTimeout + electionDuration)
	call(t, c, other, "admin", bson.D{{Key: "hello", Value: 1}})
	if p := nodeByRole(t, c, "primary", ""); p == old {
		t.Fatal("no election after the primary stopped")
	}
	if err := c.Fault(Fault{Kind: "start", Node: old}); err != nil {
		t.Fatal(err)
	}
	cl := connect(t, "mongodb://"+old+"/?directConnection=true")
	h := runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}})
	if h.Lookup("isWritablePrimary").Boolean() {
		t.Fatal("the restarted old primary must come back as a secondary")
	}
}

func TestConnectionFaults(t *testing.T) {
	c := startSim(t, Config{Topology: Standalone})
	addr := c.Nodes()[0].Address
	cl := connect(t, c.URI(), options.Client().SetTimeout(300*time.Millisecond))
	if err := c.Fault(Fault{Kind: "hang", Node: addr}); err != nil {
		t.Fatal(err)
	}
	err := cl.Database("admin").RunCommand(context.Background(), bson.D{{Key: "ping", Value: 1}}).Err()
	if !mongo.IsTimeout(err) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung node answered: %v", err)
	}
	if err := c.Fault(Fault{Kind: "clear"}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Ping(ctxT(t), nil); err != nil {
		t.Fatalf("after clear: %v", err)
	}
	if err := c.Fault(Fault{Kind: "fail", Node: addr, Command: "serverStatus", Code: 13}); err != nil {
		t.Fatal(err)
	}
	err = cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "serverStatus", Value: 1}}).Err()
	var ce mongo.CommandError
	if !errors.As(err, &ce) || ce.Code != 13 || ce.Name != "Unauthorized" {
		t.Fatalf("failing serverStatus: %v", err)
	}
	if err := c.Fault(Fault{Kind: "stop", Node: "127.0.0.1:1"}); err == nil {
		t.Fatal("fault on an unknown node accepted")
	}
}

func TestAddShardGetsChunks(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Shards: 2, Members: 1, ConfigMembers: 1})
	if err := c.Fault(Fault{Kind: "addShard"}); err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes()) != 1+2+1+1 {
		t.Fatalf("nodes after addShard: %v", c.Nodes())
	}
	mongos := nodeByRole(t, c, "mongos", "")
	clk.advance(5 * time.Minute)
	if got := chunksPerShard(t, c, mongos); got["shard2"] == 0 {
		t.Fatalf("the new shard received no chunks: %v", got)
	}
}

func TestCurrentOpOptionsOnMongos(t *testing.T) {
	c := startSim(t, Config{Shards: 1})
	cl := connect(t, c.URI())
	run := func(opts bson.D) []bson.M {
		cur, err := cl.Database("admin").Aggregate(ctxT(t), bson.A{bson.D{{Key: "$currentOp", Value: opts}}})
		if err != nil {
			t.Fatal(err)
		}
		var out []bson.M
		if err := cur.All(ctxT(t), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	local := run(bson.D{{Key: "allUsers", Value: true}, {Key: "localOps", Value: true}})
	self := false
	for _, op := range local {
		if op["appName"] == "simtest" && op["active"] == true {
			self = true
		}
		if _, isInt := op["opid"].(int32); !isInt {
			t.Fatalf("localOps opids are mongos-local integers: %v", op["opid"])
		}
	}
	if !self {
		t.Fatalf("localOps does not show the asking connection: %v", local)
	}
	all := run(bson.D{{Key: "allUsers", Value: true}, {Key: "targetAllNodes", Value: true}})
	hosts := map[any]bool{}
	for _, op := range all {
		hosts[op["host"]] = true
	}
	if len(hosts) != 3 {
		t.Fatalf("targetAllNodes covered %d hosts, want 3", len(hosts))
	}
}
