package simcluster

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func batch(t *testing.T, r bson.Raw) []bson.Raw {
	t.Helper()
	arr, ok := r.Lookup("cursor", "firstBatch").ArrayOK()
	if !ok {
		t.Fatalf("no cursor in %v", r)
	}
	vals, _ := arr.Values()
	out := make([]bson.Raw, 0, len(vals))
	for _, v := range vals {
		out = append(out, v.Document())
	}
	return out
}

func currentOp(t *testing.T, c *Cluster, addr string, opts bson.D, more ...bson.D) []bson.Raw {
	t.Helper()
	pipe := bson.A{bson.D{{Key: "$currentOp", Value: opts}}}
	for _, m := range more {
		pipe = append(pipe, m)
	}
	// A client connected directly to a member sends primaryPreferred, as the
	// Go driver does, so this works on secondaries too.
	return batch(t, call(t, c, addr, "admin", bson.D{{Key: "aggregate", Value: 1}, {Key: "pipeline", Value: pipe}, {Key: "cursor", Value: bson.D{}},
		{Key: "$readPreference", Value: bson.D{{Key: "mode", Value: "primaryPreferred"}}}}))
}

func TestCurrentOpStoriesOnMongod(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now})
	hot := nodeByRole(t, c, "primary", "shard0")
	ops := currentOp(t, c, hot, bson.D{{Key: "allUsers", Value: true}})
	var analytics, ttl, fetcher bool
	for _, op := range ops {
		if op.Lookup("opid").Type != bson.TypeInt32 {
			t.Fatalf("mongod opid must be int32: %v", op.Lookup("opid"))
		}
		switch {
		case str(op.Lookup("appName")) == "analytics":
			analytics = str(op.Lookup("planSummary")) == "COLLSCAN" && op.Lookup("secs_running").Int64() >= 100
		case str(op.Lookup("desc")) == "TTLMonitor":
			ttl = str(op.Lookup("op")) == "remove"
		case str(op.Lookup("ns")) == "local.oplog.rs":
			fetcher = true
		}
	}
	for _, op := range ops {
		if str(op.Lookup("appName")) == "analytics" {
			if str(op.Lookup("client")) != nodeByRole(t, c, "mongos", "") || str(op.Lookup("clientMetadata", "mongos", "client")) == "" {
				t.Fatalf("a routed op names the mongos as client and the app in clientMetadata.mongos: %v", op)
			}
		}
	}
	if !analytics || !ttl || !fetcher {
		t.Fatalf("missing stories: analytics=%v ttl=%v fetcher=%v in %d ops", analytics, ttl, fetcher, len(ops))
	}
	build := nodeByRole(t, c, "primary", "shard1")
	ops = currentOp(t, c, build, bson.D{{Key: "allUsers", Value: true}}, bson.D{{Key: "$match", Value: bson.D{{Key: "progress", Value: bson.D{{Key: "$exists", Value: true}}}}}})
	if len(ops) != 1 || !strings.HasPrefix(str(ops[0].Lookup("msg")), "Index Build: scanning collection") {
		t.Fatalf("index build = %v", ops)
	}
	if done := ops[0].Lookup("progress", "done").Int64(); done <= 0 || done >= ops[0].Lookup("progress", "total").Int64() {
		t.Fatalf("progress = %v", ops[0].Lookup("progress"))
	}
	waiting := currentOp(t, c, build, bson.D{{Key: "allUsers", Value: true}}, bson.D{{Key: "$match", Value: bson.D{{Key: "waitingForLock", Value: true}}}})
	if len(waiting) != 1 {
		t.Fatalf("want one op waiting for a lock, got %d", len(waiting))
	}
	sec := nodeByRole(t, c, "secondary", "shard1")
	descs := map[string]bool{}
	for _, op := range currentOp(t, c, sec, bson.D{{Key: "allUsers", Value: true}}) {
		descs[str(op.Lookup("desc"))] = true
	}
	if !descs["ReplBatcher"] || !descs["IndexBuildsCoordinatorMongod-0"] {
		t.Fatalf("secondary threads = %v", descs)
	}
}

func TestKillOpOnMongodAndMongos(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now})
	hot := nodeByRole(t, c, "primary", "shard0")
	find := func(addr string) bson.Raw {
		for _, op := range currentOp(t, c, addr, bson.D{{Key: "allUsers", Value: true}}) {
			if str(op.Lookup("appName")) == "analytics" {
				return op
			}
		}
		return nil
	}
	op := find(hot)
	opid := op.Lookup("opid").Int32()
	r := call(t, c, hot, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: opid}})
	if str(r.Lookup("info")) != "attempting to kill op" || r.Lookup("ok").Double() != 1 {
		t.Fatalf("killOp = %v", r)
	}
	if op = find(hot); op == nil || !op.Lookup("killPending").Boolean() {
		t.Fatalf("after kill, op = %v", op)
	}
	if ops := c.Ops(hot); len(ops) == 0 {
		t.Fatal("Ops lists nothing")
	}
	clk.advance(time.Second)
	if op = find(hot); op != nil {
		t.Fatalf("killed op still there: %v", op)
	}
	r = call(t, c, hot, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: int32(424242)}})
	if r.Lookup("ok").Double() != 1 {
		t.Fatalf("unknown opid kill = %v", r)
	}

	// Through mongos: shard-qualified string opids, forwarded kills.
	clk.advance((spikeOffset + spikePeriod) * time.Second) // into the next analytics run
	mongos := nodeByRole(t, c, "mongos", "")
	var target bson.Raw
	for _, op := range currentOp(t, c, mongos, bson.D{{Key: "allUsers", Value: true}}) {
		if op.Lookup("opid").Type != bson.TypeString || str(op.Lookup("shard")) == "" {
			t.Fatalf("mongos op = %v", op)
		}
		if _, err := op.LookupErr("client"); err == nil {
			t.Fatalf("mongos renames client to client_s: %v", op)
		}
		if str(op.Lookup("appName")) == "analytics" {
			target = op
		}
	}
	if target == nil {
		t.Fatal("analytics op not visible through mongos")
	}
	sid := str(target.Lookup("opid"))
	r = call(t, c, mongos, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: sid}})
	if str(r.Lookup("shard")) != "shard0" || r.Lookup("ok").Double() != 1 || !strings.HasSuffix(sid, ":"+itoa32(r.Lookup("shardid").Int32())) {
		t.Fatalf("mongos killOp = %v", r)
	}
	if op := find(hot); op == nil || !op.Lookup("killPending").Boolean() {
		t.Fatalf("forwarded kill not applied: %v", op)
	}
}

func itoa32(v int32) string { return strconv.Itoa(int(v)) }

func TestKillSessionsAndCurrentOpCommand(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	r := call(t, c, prim, "admin", bson.D{{Key: "currentOp", Value: 1}, {Key: "appName", Value: "analytics"}})
	arr := r.Lookup("inprog").Array()
	vals, _ := arr.Values()
	if len(vals) != 1 {
		t.Fatalf("filtered currentOp = %v", r)
	}
	st, data := vals[0].Document().Lookup("lsid", "id").Binary()
	r = call(t, c, prim, "admin", bson.D{{Key: "killSessions", Value: bson.A{bson.D{{Key: "id", Value: bson.Binary{Subtype: st, Data: data}}}}}})
	if r.Lookup("ok").Double() != 1 {
		t.Fatalf("killSessions = %v", r)
	}
	clk.advance(time.Second)
	r = call(t, c, prim, "admin", bson.D{{Key: "currentOp", Value: 1}, {Key: "appName", Value: "analytics"}})
	vals, _ = r.Lookup("inprog").Array().Values()
	if len(vals) != 0 {
		t.Fatalf("session's op survived killSessions: %v", r)
	}
	top := call(t, c, prim, "admin", bson.D{{Key: "top", Value: 1}})
	if top.Lookup("totals", "shop.orders", "total", "count").Int64() <= 0 {
		t.Fatalf("top = %v", top)
	}
}

func TestIdleSessionsOption(t *testing.T) {
	c := startSim(t, Config{})
	hot := nodeByRole(t, c, "primary", "shard0")
	idle := func(opts bson.D) int {
		n := 0
		for _, op := range currentOp(t, c, hot, opts) {
			if str(op.Lookup("type")) == "idleSession" {
				if op.Lookup("active").Boolean() || op.Lookup("transaction", "timeOpenMicros").Type != bson.TypeInt64 {
					t.Fatalf("idle session doc = %v", op)
				}
				n++
			}
		}
		return n
	}
	if n := idle(bson.D{{Key: "allUsers", Value: true}}); n != 1 {
		t.Fatalf("idleSessions defaults to true: got %d", n)
	}
	if n := idle(bson.D{{Key: "allUsers", Value: true}, {Key: "idleSessions", Value: false}}); n != 0 {
		t.Fatalf("idleSessions:false still shows %d", n)
	}
}

func TestOpsDeterministicForSeed(t *testing.T) {
	ops := func(seed int64) []OpInfo {
		clk := newFakeClock()
		c := startSim(t, Config{Now: clk.now, Seed: seed, Speed: 3})
		clk.advance(47 * time.Second)
		return c.Ops(nodeByRole(t, c, "primary", "shard0"))
	}
	a, b, other := ops(9), ops(9), ops(10)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("op lists differ in length: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("op %d differs between runs: %+v vs %+v", i, a[i], b[i])
		}
	}
	same := true
	for i := range a {
		if i < len(other) && a[i].OpID != other[i].OpID {
			same = false
		}
	}
	if same {
		t.Fatal("a different seed gave the same opids")
	}
}
