package probes

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// serverStatusReply is one serverStatus reply as a node served it.
type serverStatusReply struct {
	doc  bson.Raw
	from string // release, topology, node, request and moment, for failure messages
	full bool   // the whole reply, not what the poller asks
}

// simStatusReplies asks every node of the simulated releases 4.4–8.0 (a
// sharded cluster each, and a replica set and a standalone of the oldest
// and newest) for serverStatus the ways the poller does (with and without
// the oplog and wiredTiger sections) and in full, at two moments of
// simulated time: distinct documents of the shapes and sizes they serve.
func simStatusReplies(tb testing.TB) []serverStatusReply {
	tb.Helper()
	var out []serverStatusReply
	for _, v := range []string{"4.4", "5.0", "6.0", "7.0", "8.0"} {
		out = append(out, simClusterStatus(tb, simcluster.Config{Version: v, Shards: 2, Members: 2, ConfigMembers: 1})...)
	}
	for _, v := range []string{"4.4", "8.0"} {
		out = append(out, simClusterStatus(tb, simcluster.Config{Version: v, Topology: simcluster.ReplSet})...)
		out = append(out, simClusterStatus(tb, simcluster.Config{Version: v, Topology: simcluster.Standalone})...)
	}
	return out
}

// statusRequests are the serverStatus commands asked of a node: the
// poller's four variants and the full reply.
func statusRequests(process string) map[string]bson.D {
	reqs := map[string]bson.D{"full": {{Key: "serverStatus", Value: 1}}}
	for _, oplog := range []bool{false, true} {
		for _, wt := range []bool{false, true} {
			reqs[fmt.Sprintf("oplog=%v wiredTiger=%v", oplog, wt)] = ServerStatusCommand(process, oplog, wt)
		}
	}
	return reqs
}

// simClusterStatus starts one simulated cluster, reads every node's
// serverStatus at two moments, and stops it.
func simClusterStatus(tb testing.TB, cfg simcluster.Config) []serverStatusReply {
	tb.Helper()
	sim, clock := startSampleSim(tb, cfg)
	defer sim.Close()
	clients := map[string]*mongo.Client{}
	defer func() {
		for _, cl := range clients {
			cl.Disconnect(context.Background())
		}
	}()
	var out []serverStatusReply
	for i, step := range []time.Duration{0, 100 * time.Second} {
		clock.Advance(step)
		for _, n := range sim.Nodes() {
			if n.Role == "arbiter" {
				continue
			}
			process := "mongod"
			if n.Role == "mongos" {
				process = "mongos"
			}
			cl := clients[n.Address]
			if cl == nil {
				cl = directClient(tb, n.Address)
				clients[n.Address] = cl
			}
			for name, cmd := range statusRequests(process) {
				from := fmt.Sprintf("%s %s: %s %s, %s at moment %d", cfg.Version, cfg.Topology, n.Role, n.Address, name, i)
				out = append(out, serverStatusReply{doc: runStatus(tb, cl, cmd), from: from, full: name == "full"})
			}
		}
	}
	return out
}

func directClient(tb testing.TB, addr string) *mongo.Client {
	tb.Helper()
	cl, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/?directConnection=true"))
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}

// runStatus runs one command on a node.
func runStatus(tb testing.TB, cl *mongo.Client, cmd bson.D) bson.Raw {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := cl.Database("admin").RunCommand(ctx, cmd).Raw()
	if err != nil {
		tb.Fatal(err)
	}
	return append(bson.Raw(nil), raw...)
}
