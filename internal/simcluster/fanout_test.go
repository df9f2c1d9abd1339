package simcluster

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// simStatsOf is simStats of one node, asked through the mongos.
func simStatsOf(t *testing.T, c *Cluster, addr string) bson.Raw {
	t.Helper()
	return call(t, c, c.Nodes()[0].Address, "admin", bson.D{{Key: "simStats", Value: 1}, {Key: "node", Value: addr}})
}

func appCommands(stats bson.Raw, app string) (cmds, in, out int64) {
	cmds, _ = stats.Lookup("byApp", app, "commands").AsInt64OK()
	in, _ = stats.Lookup("byApp", app, "bytesIn").AsInt64OK()
	out, _ = stats.Lookup("byApp", app, "bytesOut").AsInt64OK()
	return cmds, in, out
}

func TestMongosFanOutIsChargedToTheNodesItWouldAsk(t *testing.T) {
	c := startSim(t, Config{Shards: 2})
	cl := connect(t, c.URI())
	cfgPrim := c.Nodes()[len(c.Nodes())-3].Address
	prims := []string{nodeByRole(t, c, "primary", "shard0"), nodeByRole(t, c, "primary", "shard1")}
	sec := nodeByRole(t, c, "secondary", "shard0")

	if _, err := aggregateCurrentOp(t, cl, bson.D{{Key: "allUsers", Value: true}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range prims {
		cmds, in, out := appCommands(simStatsOf(t, c, p), "simtest")
		if cmds != 1 || in <= 0 || out <= in {
			t.Fatalf("shard primary %s charged %d commands, %d bytes in, %d out for one $currentOp", p, cmds, in, out)
		}
		if n, _ := simStatsOf(t, c, p).Lookup("servedCommands", "aggregate").AsInt64OK(); n != 1 {
			t.Fatalf("shard primary %s served aggregate %d times", p, n)
		}
	}
	if cmds, _, _ := appCommands(simStatsOf(t, c, sec), "simtest"); cmds != 0 {
		t.Fatalf("a secondary was charged for a $currentOp that targets primaries: %d", cmds)
	}
	// With localOps the mongos answers alone.
	if _, err := aggregateCurrentOp(t, cl, bson.D{{Key: "localOps", Value: true}}); err != nil {
		t.Fatal(err)
	}
	if cmds, _, _ := appCommands(simStatsOf(t, c, prims[0]), "simtest"); cmds != 1 {
		t.Fatalf("localOps reached a shard: %d", cmds)
	}

	runCmd(t, cl, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	if err := cl.Database("config").Collection("settings").FindOne(ctxT(t), bson.D{{Key: "_id", Value: "balancer"}}).Err(); err != nil {
		t.Fatal(err)
	}
	cfg := simStatsOf(t, c, cfgPrim)
	if n, _ := cfg.Lookup("servedCommands", "_configsvrBalancerStatus").AsInt64OK(); n != 1 {
		t.Fatalf("config primary served _configsvrBalancerStatus %d times: %v", n, cfg)
	}
	if n, _ := cfg.Lookup("servedCommands", "find").AsInt64OK(); n != 1 {
		t.Fatalf("config primary served the config.settings find %d times", n)
	}
	if cmds, _, out := appCommands(cfg, "simtest"); cmds != 2 || out <= 0 {
		t.Fatalf("config primary charged %d commands, %d bytes out for the client", cmds, out)
	}
	// The shard's own metrics.commands counts what it served for the mongos.
	ss := runCmd(t, connect(t, "mongodb://"+cfgPrim+"/?directConnection=true"), "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if n, _ := ss.Lookup("metrics", "commands", "_configsvrBalancerStatus", "total").AsInt64OK(); n != 1 {
		t.Fatalf("config primary metrics.commands._configsvrBalancerStatus = %d", n)
	}
}
