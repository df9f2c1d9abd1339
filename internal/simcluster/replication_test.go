package simcluster

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func members(t *testing.T, status bson.Raw) []bson.Raw {
	t.Helper()
	arr, ok := status.Lookup("members").ArrayOK()
	if !ok {
		t.Fatalf("no members in %v", status)
	}
	vals, _ := arr.Values()
	out := make([]bson.Raw, 0, len(vals))
	for _, v := range vals {
		out = append(out, v.Document())
	}
	return out
}

func TestReplSetGetStatusAndLagSpike(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	st := call(t, c, prim, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if str(st.Lookup("set")) != "rs0" || st.Lookup("myState").Int32() != 1 || st.Lookup("term").Int64() != 1 {
		t.Fatalf("status = %v", st)
	}
	ms := members(t, st)
	if len(ms) != 3 || str(ms[0].Lookup("stateStr")) != "PRIMARY" || !ms[0].Lookup("self").Boolean() {
		t.Fatalf("members = %v", ms)
	}
	if str(ms[1].Lookup("syncSourceHost")) != prim || ms[1].Lookup("health").Double() != 1 {
		t.Fatalf("secondary entry = %v", ms[1])
	}
	if _, err := ms[1].LookupErr("pingMs"); err != nil {
		t.Fatal("remote members carry pingMs")
	}
	if _, err := ms[0].LookupErr("pingMs"); err == nil {
		t.Fatal("self has no pingMs")
	}
	lagOf := func() float64 {
		ms := members(t, call(t, c, prim, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}}))
		p := ms[0].Lookup("lastAppliedWallTime").Time()
		s := ms[2].Lookup("lastAppliedWallTime").Time()
		return p.Sub(s).Seconds()
	}
	if l := lagOf(); l > 1 {
		t.Fatalf("lag at start = %.1f s, want < 1", l)
	}
	// The lagging member peaks at ~10 s lagRise seconds into an episode.
	clk.advance(time.Duration(lagEpisodeStart+lagRise) * time.Second)
	if l := lagOf(); l < 9 || l > 11 {
		t.Fatalf("lag at episode peak = %.1f s, want ~10", l)
	}
	clk.advance(time.Duration(lagFall+5) * time.Second)
	if l := lagOf(); l > 1 {
		t.Fatalf("lag after recovery = %.1f s", l)
	}
	// The lag fault pins a secondary.
	sec := str(ms[1].Lookup("name"))
	if err := c.Fault(Fault{Kind: "lag", Node: sec, Seconds: 30}); err != nil {
		t.Fatal(err)
	}
	ms = members(t, call(t, c, prim, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}}))
	lag := ms[0].Lookup("optimeDate").Time().Sub(ms[1].Lookup("optimeDate").Time()).Seconds()
	if lag < 29 || lag > 31 {
		t.Fatalf("faulted lag = %.1f", lag)
	}
}

func TestStepDownElectsSecondary(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Topology: ReplSet})
	old := nodeByRole(t, c, "primary", "")
	if err := c.Fault(Fault{Kind: "stepDown", Node: old}); err != nil {
		t.Fatal(err)
	}
	// The election takes a moment, during which nobody is primary.
	for _, n := range c.Nodes() {
		if n.Role == "primary" {
			t.Fatalf("%s is primary during the election", n.Address)
		}
	}
	if h := call(t, c, old, "admin", bson.D{{Key: "hello", Value: 1}}); h.Lookup("isWritablePrimary").Boolean() || has(h, "primary") {
		t.Fatalf("hello during the election = %v", h)
	}
	clk.advance(electionDuration)
	now := nodeByRole(t, c, "primary", "")
	if now == old {
		t.Fatal("primary did not change")
	}
	h := call(t, c, old, "admin", bson.D{{Key: "hello", Value: 1}})
	if h.Lookup("isWritablePrimary").Boolean() || str(h.Lookup("primary")) != now {
		t.Fatalf("old primary hello = %v", h)
	}
	st := call(t, c, now, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if st.Lookup("term").Int64() != 2 {
		t.Fatalf("term = %v", st.Lookup("term"))
	}
	// Counters stay monotonic across the role change.
	before := call(t, c, old, "admin", bson.D{{Key: "serverStatus", Value: 1}}).Lookup("opcounters", "query").Int64()
	clk.advance(10 * time.Second)
	after := call(t, c, old, "admin", bson.D{{Key: "serverStatus", Value: 1}}).Lookup("opcounters", "query").Int64()
	if after < before {
		t.Fatalf("counter went backwards: %d -> %d", before, after)
	}
}

func TestOplogReads(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	first := call(t, c, prim, "local", bson.D{{Key: "find", Value: "oplog.rs"}, {Key: "sort", Value: bson.D{{Key: "$natural", Value: 1}}}, {Key: "limit", Value: 1}})
	last := call(t, c, prim, "local", bson.D{{Key: "find", Value: "oplog.rs"}, {Key: "sort", Value: bson.D{{Key: "$natural", Value: -1}}}, {Key: "limit", Value: 1}})
	ts := func(r bson.Raw) uint32 {
		arr := r.Lookup("cursor", "firstBatch").Array()
		vals, _ := arr.Values()
		if len(vals) != 1 {
			t.Fatalf("want 1 entry, got %v", r)
		}
		tt, _ := vals[0].Document().Lookup("ts").Timestamp()
		return tt
	}
	if w := ts(last) - ts(first); w < 29*3600 {
		t.Fatalf("oplog window = %d s", w)
	}
	stats := call(t, c, prim, "local", bson.D{{Key: "collStats", Value: "oplog.rs"}})
	maxSize, _ := stats.Lookup("maxSize").AsInt64OK()
	size, _ := stats.Lookup("size").AsInt64OK()
	if maxSize != oplogMaxSize || size <= 0 || size > maxSize || !stats.Lookup("capped").Boolean() {
		t.Fatalf("collStats = %v", stats)
	}
	agg := call(t, c, prim, "local", bson.D{{Key: "aggregate", Value: "oplog.rs"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$collStats", Value: bson.D{{Key: "storageStats", Value: bson.D{}}}}}}}, {Key: "cursor", Value: bson.D{}}})
	if v, _ := agg.Lookup("cursor", "firstBatch", "0", "storageStats", "maxSize").AsInt64OK(); v != oplogMaxSize {
		t.Fatalf("$collStats = %v", agg)
	}
	lc := call(t, c, prim, "local", bson.D{{Key: "listCollections", Value: 1}, {Key: "filter", Value: bson.D{{Key: "name", Value: "oplog.rs"}}}})
	if str(lc.Lookup("cursor", "firstBatch", "0", "name")) != "oplog.rs" {
		t.Fatalf("listCollections = %v", lc)
	}
	cnt := call(t, c, prim, "local", bson.D{{Key: "aggregate", Value: "system.replset"}, {Key: "pipeline", Value: bson.A{
		bson.D{{Key: "$match", Value: bson.D{}}}, bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: 1}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}}}}, {Key: "cursor", Value: bson.D{}}})
	if n, _ := cnt.Lookup("cursor", "firstBatch", "0", "n").AsInt64OK(); n != 1 {
		t.Fatalf("countDocuments(system.replset) = %v", cnt)
	}
}
