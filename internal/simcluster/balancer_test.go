package simcluster

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func chunksPerShard(t *testing.T, c *Cluster, mongos string) map[string]int64 {
	t.Helper()
	uuidDoc := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "collections"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "shop.orders"}}}}))
	st, data := uuidDoc[0].Lookup("uuid").Binary()
	res := batch(t, call(t, c, mongos, "config", bson.D{{Key: "aggregate", Value: "chunks"}, {Key: "pipeline", Value: bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "uuid", Value: bson.Binary{Subtype: st, Data: data}}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$shard"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}}, {Key: "cursor", Value: bson.D{}}}))
	out := map[string]int64{}
	for _, d := range res {
		n, _ := d.Lookup("n").AsInt64OK()
		out[str(d.Lookup("_id"))] = n
	}
	return out
}

func TestBalancerRoundsMigrationsAndStop(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now})
	mongos := nodeByRole(t, c, "mongos", "")
	settings := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "settings"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "balancer"}}}}))
	if len(settings) != 1 || str(settings[0].Lookup("mode")) != "full" || str(settings[0].Lookup("activeWindow", "start")) == "" {
		t.Fatalf("settings = %v", settings)
	}
	before := chunksPerShard(t, c, mongos)
	if before["shard0"] != 40 || before["shard1"] != 10 {
		t.Fatalf("initial chunks = %v", before)
	}
	clk.advance(35 * time.Second) // inside round 1 (30 s .. 38 s)
	st := call(t, c, mongos, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	if !st.Lookup("inBalancerRound").Boolean() || st.Lookup("numBalancerRounds").Int64() != 1 || str(st.Lookup("mode")) != "full" {
		t.Fatalf("balancerStatus = %v", st)
	}
	migr := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "migrations"}}))
	if len(migr) != 1 || str(migr[0].Lookup("fromShard")) != "shard0" {
		t.Fatalf("config.migrations = %v", migr)
	}
	donor := currentOp(t, c, nodeByRole(t, c, "primary", "shard0"), bson.D{{Key: "allUsers", Value: true}},
		bson.D{{Key: "$match", Value: bson.D{{Key: "command._shardsvrMoveRange", Value: bson.D{{Key: "$exists", Value: true}}}}}})
	if len(donor) != 1 {
		t.Fatalf("donor moveRange op missing")
	}
	to := str(migr[0].Lookup("toShard"))
	recipient := currentOp(t, c, nodeByRole(t, c, "primary", to), bson.D{{Key: "allUsers", Value: true}},
		bson.D{{Key: "$match", Value: bson.D{{Key: "desc", Value: "migrateThread"}}}})
	if len(recipient) != 1 {
		t.Fatalf("recipient migrateThread missing on %s", to)
	}
	// balancerStop waits for the round; the fake clock stands still, so it times out.
	r := call(t, c, mongos, "admin", bson.D{{Key: "balancerStop", Value: 1}, {Key: "maxTimeMS", Value: 50}})
	if r.Lookup("code").Int32() != 50 || str(r.Lookup("codeName")) != "MaxTimeMSExpired" {
		t.Fatalf("balancerStop in a round = %v", r)
	}
	if c.BalancerEnabled() {
		t.Fatal("balancer still enabled after balancerStop")
	}
	clk.advance(5 * time.Second) // the round ends at 38 s
	r = call(t, c, mongos, "admin", bson.D{{Key: "balancerStop", Value: 1}, {Key: "maxTimeMS", Value: 1000}})
	if r.Lookup("ok").Double() != 1 {
		t.Fatalf("balancerStop after the round = %v", r)
	}
	after := chunksPerShard(t, c, mongos)
	if after["shard0"] != 39 {
		t.Fatalf("chunks after one migration = %v", after)
	}
	from := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "changelog"}, {Key: "filter", Value: bson.D{{Key: "what", Value: "moveChunk.from"}}},
		{Key: "sort", Value: bson.D{{Key: "time", Value: -1}}}, {Key: "limit", Value: 1}}))
	if len(from) != 1 || str(from[0].Lookup("details", "note")) != "success" || from[0].Lookup("details", "step 4 of 6").Type != bson.TypeInt32 {
		t.Fatalf("changelog = %v", from)
	}
	rd := batch(t, call(t, c, nodeByRole(t, c, "primary", "shard0"), "config", bson.D{{Key: "find", Value: "rangeDeletions"}}))
	if len(rd) != 1 || str(rd[0].Lookup("nss")) != "shop.orders" {
		t.Fatalf("rangeDeletions = %v", rd)
	}
	// Stopped: no more rounds.
	clk.advance(5 * time.Minute)
	if n := call(t, c, mongos, "admin", bson.D{{Key: "balancerStatus", Value: 1}}).Lookup("numBalancerRounds").Int64(); n != 1 {
		t.Fatalf("rounds while stopped = %d", n)
	}
	if r := call(t, c, mongos, "admin", bson.D{{Key: "balancerStart", Value: 1}}); r.Lookup("ok").Double() != 1 || !c.BalancerEnabled() {
		t.Fatalf("balancerStart = %v", r)
	}
	clk.advance(10 * time.Minute)
	errs := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "changelog"}, {Key: "filter", Value: bson.D{{Key: "what", Value: "moveChunk.error"}}}}))
	if len(errs) == 0 {
		t.Fatal("no migration error in ten minutes of rounds")
	}
	if got := chunksPerShard(t, c, mongos); got["shard0"] >= 39 {
		t.Fatalf("balancer did not move chunks off the hot shard: %v", got)
	}
}

func TestSettingsUpdateAndRefusals(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now})
	mongos := nodeByRole(t, c, "mongos", "")
	r := call(t, c, mongos, "config", bson.D{{Key: "update", Value: "settings"}, {Key: "updates", Value: bson.A{bson.D{
		{Key: "q", Value: bson.D{{Key: "_id", Value: "balancer"}}},
		{Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "activeWindow", Value: bson.D{{Key: "start", Value: "23:00"}, {Key: "stop", Value: "06:00"}}}}}}},
		{Key: "upsert", Value: true}}}}})
	if r.Lookup("nModified").Int32() != 1 {
		t.Fatalf("update = %v", r)
	}
	doc := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "settings"}}))
	if str(doc[0].Lookup("activeWindow", "start")) != "23:00" {
		t.Fatalf("settings after update = %v", doc)
	}
	// 12:00 is outside 23:00-06:00: no rounds.
	clk.advance(2 * time.Minute)
	if n := call(t, c, mongos, "admin", bson.D{{Key: "balancerStatus", Value: 1}}).Lookup("numBalancerRounds").Int64(); n != 0 {
		t.Fatalf("round count = %d, want none outside the window", n)
	}
	if before := chunksPerShard(t, c, mongos); before["shard0"] != 40 {
		t.Fatalf("migrations outside the window: %v", before)
	}
	shards := call(t, c, mongos, "admin", bson.D{{Key: "listShards", Value: 1}})
	if str(shards.Lookup("shards", "0", "_id")) != "shard0" || str(shards.Lookup("shards", "0", "host")) == "" {
		t.Fatalf("listShards = %v", shards)
	}
	sm := call(t, c, mongos, "admin", bson.D{{Key: "getShardMap", Value: 1}})
	if str(sm.Lookup("map", "config")) == "" {
		t.Fatalf("getShardMap = %v", sm)
	}
	for _, coll := range []string{"version", "mongos", "shards", "databases", "collections"} {
		if docs := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: coll}})); len(docs) == 0 {
			t.Errorf("config.%s is empty", coll)
		}
	}
	dist := batch(t, call(t, c, mongos, "admin", bson.D{{Key: "aggregate", Value: 1}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$shardedDataDistribution", Value: bson.D{}}}}}, {Key: "cursor", Value: bson.D{}}}))
	if len(dist) != 2 || str(dist[0].Lookup("ns")) != "shop.orders" {
		t.Fatalf("$shardedDataDistribution = %v", dist)
	}
}

// A day of simulated time in big steps: counters stay monotonic, the
// balancer keeps working, and state stays bounded.
func TestLongRunStaysBounded(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Shards: 2, Members: 2, ConfigMembers: 1, Speed: 10})
	mongos := nodeByRole(t, c, "mongos", "")
	hot := nodeByRole(t, c, "primary", "shard0")
	last := int64(0)
	for i := 0; i < 24*6; i++ {
		clk.advance(10 * time.Minute)
		q := call(t, c, hot, "admin", bson.D{{Key: "serverStatus", Value: 1}, {Key: "wiredTiger", Value: 0}}).Lookup("opcounters", "query").Int64()
		if q < last {
			t.Fatalf("counter went backwards at step %d: %d < %d", i, q, last)
		}
		last = q
		currentOp(t, c, hot, bson.D{{Key: "allUsers", Value: true}})
	}
	c.mu.Lock()
	chunks, changes := len(c.bal.colls[0].chunks), len(c.bal.changelog)
	c.mu.Unlock()
	if chunks > maxChunks || changes > changelogCap {
		t.Fatalf("unbounded state: %d chunks, %d changelog entries", chunks, changes)
	}
	recent := batch(t, call(t, c, mongos, "config", bson.D{{Key: "find", Value: "changelog"}, {Key: "sort", Value: bson.D{{Key: "time", Value: -1}}}, {Key: "limit", Value: 1}}))
	if len(recent) != 1 || recent[0].Lookup("time").Time().Before(clk.now().Add(-time.Hour)) {
		t.Fatalf("the balancer stopped working after a day: %v", recent)
	}
}
