package simcluster

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

func aggregateCurrentOp(t *testing.T, cl *mongo.Client, opts bson.D) ([]bson.Raw, error) {
	t.Helper()
	cur, err := cl.Database("admin").Aggregate(ctxT(t), mongo.Pipeline{{{Key: "$currentOp", Value: opts}}})
	if err != nil {
		return nil, err
	}
	var out []bson.Raw
	for cur.Next(ctxT(t)) {
		out = append(out, append(bson.Raw(nil), cur.Current...))
	}
	return out, cur.Close(ctxT(t))
}

func TestCurrentOpRefusesUnknownAndMistypedOptions(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	cl := connect(t, "mongodb://"+nodeByRole(t, c, "primary", "")+"/?directConnection=true")
	cases := []struct {
		opts bson.D
		code int32
		msg  string
	}{
		{bson.D{{Key: "foo", Value: 1}}, 40415, "BSON field '$currentOp.foo' is an unknown field."},
		{bson.D{{Key: "allUsers", Value: "yes"}}, 14, "The 'allUsers' parameter of the $currentOp stage must be a boolean value, but found: string"},
		{bson.D{{Key: "idleConnections", Value: int32(1)}}, 14, "Field 'idleConnections' should be a boolean value, but found: int"},
		{bson.D{{Key: "targetAllNodes", Value: true}}, 9, "$currentOp supports targetAllNodes parameter only for sharded clusters"},
	}
	for _, tc := range cases {
		_, err := aggregateCurrentOp(t, cl, tc.opts)
		wantCode(t, "$currentOp "+tc.opts[0].Key, err, tc.code, tc.msg)
	}
	if _, err := aggregateCurrentOp(t, cl, bson.D{{Key: "allUsers", Value: true}, {Key: "idleCursors", Value: false}, {Key: "truncateOps", Value: false}}); err != nil {
		t.Fatalf("valid options refused: %v", err)
	}
	// Before 7.1 the stage parsed its options by hand and answered FailedToParse.
	old := startSim(t, Config{Topology: ReplSet, Version: "7.0"})
	cl70 := connect(t, "mongodb://"+nodeByRole(t, old, "primary", "")+"/?directConnection=true")
	_, err := aggregateCurrentOp(t, cl70, bson.D{{Key: "foo", Value: 1}})
	wantCode(t, "7.0 $currentOp foo", err, 9, "Unrecognized option 'foo' in $currentOp stage.")
}

func TestCurrentOpIdleConnectionsMatchConnectionsCurrent(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now})
	prim := nodeByRole(t, c, "primary", "shard1")
	cl := connect(t, "mongodb://"+prim+"/?directConnection=true")
	deadline := time.Now().Add(10 * time.Second)
	for {
		ops, err := aggregateCurrentOp(t, cl, bson.D{{Key: "allUsers", Value: true}, {Key: "idleConnections", Value: true}})
		if err != nil {
			t.Fatal(err)
		}
		ss := runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
		conns := map[int32]bool{}
		for _, op := range ops {
			if id, ok := op.Lookup("connectionId").Int32OK(); ok && str(op.Lookup("type")) == "op" {
				conns[id] = true
			}
		}
		current := ss.Lookup("connections", "current").Int32()
		if int32(len(conns)) == current && current > 20 {
			break
		}
		// The driver may open a pooled connection between the two commands.
		if time.Now().After(deadline) {
			t.Fatalf("$currentOp lists %d connections, connections.current says %d", len(conns), current)
		}
	}
}

func TestCurrentOpShowsADirectClientAsItIs(t *testing.T) {
	c := startSim(t, Config{})
	mongos := nodeByRole(t, c, "mongos", "")
	prim := nodeByRole(t, c, "primary", "shard0")
	cl := connect(t, "mongodb://"+prim+"/?directConnection=true")
	ops, err := aggregateCurrentOp(t, cl, bson.D{{Key: "allUsers", Value: true}, {Key: "idleConnections", Value: true}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, op := range ops {
		if str(op.Lookup("appName")) != "simtest" {
			continue
		}
		found = true
		client := str(op.Lookup("client"))
		if client == mongos || !strings.HasPrefix(client, "127.0.0.1:") {
			t.Fatalf("a direct client is shown as %q", client)
		}
		meta := op.Lookup("clientMetadata").Document()
		if _, err := meta.LookupErr("mongos"); err == nil {
			t.Fatalf("a direct client has clientMetadata.mongos: %v", meta)
		}
		if !strings.HasPrefix(str(meta.Lookup("platform")), "go") || str(meta.Lookup("os", "type")) != runtime.GOOS ||
			str(meta.Lookup("driver", "name")) != "mongo-go-driver" {
			t.Fatalf("driver metadata not kept as sent: %v", meta)
		}
	}
	if !found {
		t.Fatal("our own connection is not in $currentOp")
	}
}

func TestBalancerStopRefusesABadMaxTimeMS(t *testing.T) {
	c := startSim(t, Config{Shards: 2})
	cl := connect(t, c.URI())
	err := cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "balancerStop", Value: 1}, {Key: "maxTimeMS", Value: "abc"}}).Err()
	wantCode(t, "balancerStop maxTimeMS abc", err, 2, "maxTimeMS must be a number")
	if !c.BalancerEnabled() {
		t.Fatal("a refused balancerStop stopped the balancer")
	}
}
