package simcluster

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// fakeClock is a settable clock for deterministic tests.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }
func startSim(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// call runs one command on a node directly, without the network.
func call(t *testing.T, c *Cluster, addr, db string, cmd bson.D) bson.Raw {
	t.Helper()
	n := c.node(addr)
	if n == nil {
		t.Fatalf("no node %s", addr)
	}
	body, err := bson.Marshal(append(cmd, bson.E{Key: "$db", Value: db}))
	if err != nil {
		t.Fatal(err)
	}
	return n.Handle(context.Background(), &wire.Request{DB: db, Name: cmd[0].Key, Body: body})
}

func nodeByRole(t *testing.T, c *Cluster, role, shard string) string {
	t.Helper()
	for _, n := range c.Nodes() {
		if n.Role == role && (shard == "" || n.Shard == shard) {
			return n.Address
		}
	}
	t.Fatalf("no %s node in shard %q", role, shard)
	return ""
}

func TestTopologyAndNodes(t *testing.T) {
	c := startSim(t, Config{})
	nodes := c.Nodes()
	if len(nodes) != 1+3*3+3 {
		t.Fatalf("got %d nodes, want 13", len(nodes))
	}
	counts := map[string]int{}
	for _, n := range nodes {
		counts[n.Role]++
	}
	if counts["mongos"] != 1 || counts["primary"] != 3 || counts["secondary"] != 6 || counts["config"] != 3 {
		t.Fatalf("roles = %v", counts)
	}
	if c.URI() != "mongodb://"+nodes[0].Address+"/" {
		t.Fatalf("URI = %s", c.URI())
	}
	rs := startSim(t, Config{Topology: ReplSet, Members: 2})
	if got := rs.URI(); got != "mongodb://"+rs.Nodes()[0].Address+","+rs.Nodes()[1].Address+"/?replicaSet=rs0" {
		t.Fatalf("replset URI = %s", got)
	}
}

func TestHelloShapes(t *testing.T) {
	c := startSim(t, Config{})
	mongos := nodeByRole(t, c, "mongos", "")
	h := call(t, c, mongos, "admin", bson.D{{Key: "isMaster", Value: 1}, {Key: "helloOk", Value: true}})
	if str(h.Lookup("msg")) != "isdbgrid" || !h.Lookup("ismaster").Boolean() || !h.Lookup("helloOk").Boolean() {
		t.Fatalf("mongos hello = %v", h)
	}
	if h.Lookup("maxWireVersion").Int32() != 25 || h.Lookup("logicalSessionTimeoutMinutes").Int32() != 30 {
		t.Fatalf("wire versions/session timeout wrong: %v", h)
	}
	if _, ok := h.Lookup("topologyVersion", "processId").ObjectIDOK(); !ok || h.Lookup("topologyVersion", "counter").Type != bson.TypeInt64 {
		t.Fatalf("hello carries topologyVersion {processId: ObjectId, counter: long}: %v", h)
	}
	prim := nodeByRole(t, c, "primary", "shard1")
	h = call(t, c, prim, "admin", bson.D{{Key: "hello", Value: 1}})
	if str(h.Lookup("setName")) != "shard1" || !h.Lookup("isWritablePrimary").Boolean() || str(h.Lookup("me")) != prim {
		t.Fatalf("primary hello = %v", h)
	}
	if _, _, ok := h.Lookup("lastWrite", "opTime", "ts").TimestampOK(); !ok {
		t.Fatalf("lastWrite.opTime.ts missing: %v", h)
	}
	if _, err := h.LookupErr("helloOk"); err == nil {
		t.Fatal("helloOk must only be echoed when asked")
	}
	if _, _, ok := h.Lookup("$clusterTime", "clusterTime").TimestampOK(); !ok {
		t.Fatal("member replies carry $clusterTime")
	}
	sec := nodeByRole(t, c, "secondary", "shard1")
	h = call(t, c, sec, "admin", bson.D{{Key: "hello", Value: 1}})
	if h.Lookup("isWritablePrimary").Boolean() || !h.Lookup("secondary").Boolean() || str(h.Lookup("primary")) != prim {
		t.Fatalf("secondary hello = %v", h)
	}
}

func TestUnknownCommandAndRefusals(t *testing.T) {
	c := startSim(t, Config{})
	mongos := nodeByRole(t, c, "mongos", "")
	r := call(t, c, mongos, "admin", bson.D{{Key: "frobnicate", Value: 1}})
	if r.Lookup("code").Int32() != 59 || str(r.Lookup("errmsg")) != "no such command: 'frobnicate'" || str(r.Lookup("codeName")) != "CommandNotFound" {
		t.Fatalf("unknown = %v", r)
	}
	if r.Lookup("ok").Double() != 0 {
		t.Fatal("ok must be 0")
	}
	r = call(t, c, mongos, "admin", bson.D{{Key: "top", Value: 1}})
	if r.Lookup("code").Int32() != 59 {
		t.Fatalf("top on mongos = %v", r)
	}
	prim := nodeByRole(t, c, "primary", "shard0")
	r = call(t, c, prim, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	if r.Lookup("code").Int32() != 59 {
		t.Fatalf("balancerStatus on shard = %v", r)
	}
	sa := startSim(t, Config{Topology: Standalone})
	r = call(t, sa, sa.Nodes()[0].Address, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if r.Lookup("code").Int32() != 76 {
		t.Fatalf("replSetGetStatus on standalone = %v", r)
	}
	if _, err := r.LookupErr("$clusterTime"); err == nil {
		t.Fatal("a standalone does not gossip $clusterTime")
	}
}

func TestServerStatusShapeAndProjection(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Seed: 7})
	prim := nodeByRole(t, c, "primary", "shard0")
	clk.advance(30 * time.Second)
	full := call(t, c, prim, "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if len(full) < 30000 {
		t.Fatalf("full serverStatus is %d bytes, want tens of KB", len(full))
	}
	for _, path := range [][]string{{"opcounters", "insert"}, {"opcounters", "query"}, {"network", "bytesIn"}, {"uptimeMillis"}, {"pid"}, {"metrics", "ttl", "passes"}} {
		if v := full.Lookup(path...); v.Type != bson.TypeInt64 {
			t.Errorf("%v is %v, want int64", path, v.Type)
		}
	}
	for _, path := range [][]string{{"connections", "current"}, {"connections", "available"}, {"globalLock", "currentQueue", "readers"}, {"mem", "resident"}, {"repl", "setVersion"}} {
		if v := full.Lookup(path...); v.Type != bson.TypeInt32 {
			t.Errorf("%v is %v, want int32", path, v.Type)
		}
	}
	if full.Lookup("uptime").Type != bson.TypeDouble || full.Lookup("localTime").Type != bson.TypeDateTime {
		t.Error("uptime must be a double and localTime a date")
	}
	if str(full.Lookup("process")) != "mongod" || str(full.Lookup("version")) != "8.0.4" {
		t.Errorf("identity wrong: %v %v", full.Lookup("process"), full.Lookup("version"))
	}
	if _, err := full.LookupErr("wiredTiger", "cache", "bytes currently in the cache"); err != nil {
		t.Error("wiredTiger.cache missing")
	}
	if _, err := full.LookupErr("metrics", "repl", "buffer", "apply", "maxCount"); err != nil {
		t.Error("8.0 metrics.repl.buffer.apply missing")
	}
	for _, optIn := range []string{"oplog", "mirroredReads"} {
		if _, err := full.LookupErr(optIn); err == nil {
			t.Errorf("%s is opt-in", optIn)
		}
	}
	slim := call(t, c, prim, "admin", bson.D{{Key: "serverStatus", Value: 1}, {Key: "wiredTiger", Value: 0}, {Key: "repl", Value: 0}, {Key: "oplog", Value: 1}})
	if len(slim) >= len(full)-10000 {
		t.Fatalf("excluding wiredTiger saved too little: %d vs %d", len(slim), len(full))
	}
	if _, err := slim.LookupErr("repl"); err == nil {
		t.Error("repl:0 ignored")
	}
	first, _, _ := slim.Lookup("oplog", "earliestOptime").TimestampOK()
	last, _, _ := slim.Lookup("oplog", "latestOptime").TimestampOK()
	if window := last - first; window < 29*3600 || window > 40*3600 {
		t.Errorf("oplog window %d s, want ~30 h", window)
	}
	mongos := call(t, c, nodeByRole(t, c, "mongos", ""), "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if str(mongos.Lookup("process")) != "mongos" {
		t.Error("mongos process")
	}
	for _, absent := range []string{"wiredTiger", "repl", "opcountersRepl", "globalLock", "locks"} {
		if _, err := mongos.LookupErr(absent); err == nil {
			t.Errorf("mongos must not have %s", absent)
		}
	}
	if _, err := mongos.LookupErr("sharding", "configsvrConnectionString"); err != nil {
		t.Error("mongos sharding section missing")
	}
}

func TestCountersDeterministicAndHotShard(t *testing.T) {
	series := func() []int64 {
		clk := newFakeClock()
		c := startSim(t, Config{Now: clk.now, Seed: 42, Speed: 10})
		var out []int64
		for i := 0; i < 5; i++ {
			clk.advance(7 * time.Second)
			ss := call(t, c, nodeByRole(t, c, "primary", "shard0"), "admin", bson.D{{Key: "serverStatus", Value: 1}, {Key: "wiredTiger", Value: 0}})
			out = append(out, ss.Lookup("opcounters", "query").Int64(), ss.Lookup("network", "bytesOut").Int64())
		}
		return out
	}
	a, b := series(), series()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run 1 %v != run 2 %v", a, b)
		}
	}
	for i := 2; i < len(a); i += 2 {
		if a[i] <= a[i-2] {
			t.Fatalf("query counter not increasing: %v", a)
		}
	}
	// The hot shard serves about 3x the others.
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Seed: 1})
	rate := func(shard string) float64 {
		addr := nodeByRole(t, c, "primary", shard)
		q := func() int64 {
			return call(t, c, addr, "admin", bson.D{{Key: "serverStatus", Value: 1}}).Lookup("opcounters", "query").Int64()
		}
		before := q()
		clk.advance(60 * time.Second)
		after := q()
		clk.advance(-60 * time.Second)
		return float64(after - before)
	}
	hot, cold := rate("shard0"), rate("shard1")
	if ratio := hot / cold; ratio < 2 || ratio > 4.5 {
		t.Fatalf("hot/cold query rate = %.2f (%v/%v), want about 3", ratio, hot, cold)
	}
}

// str is a string field's value, or "" when it is missing or not a string.
func str(v bson.RawValue) string {
	s, _ := v.StringValueOK()
	return s
}

func TestAdminCommands(t *testing.T) {
	c := startSim(t, Config{})
	mongos := nodeByRole(t, c, "mongos", "")
	prim := nodeByRole(t, c, "primary", "shard2")
	if v := call(t, c, prim, "admin", bson.D{{Key: "buildInfo", Value: 1}}); str(v.Lookup("version")) != "8.0.4" || v.Lookup("versionArray", "0").Int32() != 8 {
		t.Fatalf("buildInfo = %v", v)
	}
	if v := call(t, c, prim, "admin", bson.D{{Key: "hostInfo", Value: 1}}); v.Lookup("system", "numCores").Int32() <= 0 {
		t.Fatalf("hostInfo = %v", v)
	}
	if v := call(t, c, mongos, "admin", bson.D{{Key: "getCmdLineOpts", Value: 1}}); !strings.HasPrefix(str(v.Lookup("parsed", "sharding", "configDB")), "configRepl/") {
		t.Fatalf("mongos getCmdLineOpts = %v", v)
	}
	if v := call(t, c, prim, "admin", bson.D{{Key: "getCmdLineOpts", Value: 1}}); str(v.Lookup("parsed", "replication", "replSet")) != "shard2" {
		t.Fatalf("shard getCmdLineOpts = %v", v)
	}
	if v := call(t, c, prim, "admin", bson.D{{Key: "getParameter", Value: 1}, {Key: "featureCompatibilityVersion", Value: 1}}); str(v.Lookup("featureCompatibilityVersion", "version")) != "8.0" {
		t.Fatalf("getParameter = %v", v)
	}
	if v := call(t, c, prim, "admin", bson.D{{Key: "getParameter", Value: 1}, {Key: "nope", Value: 1}}); v.Lookup("code").Int32() != 72 {
		t.Fatalf("unknown parameter = %v", v)
	}
	if v := call(t, c, prim, "admin", bson.D{{Key: "connectionStatus", Value: 1}, {Key: "showPrivileges", Value: true}}); v.Lookup("authInfo", "authenticatedUserPrivileges").Type != bson.TypeArray {
		t.Fatalf("connectionStatus = %v", v)
	}
	dbs := call(t, c, mongos, "admin", bson.D{{Key: "listDatabases", Value: 1}})
	if !strings.Contains(dbs.Lookup("databases").String(), `"shop"`) || strings.Contains(dbs.Lookup("databases").String(), `"local"`) {
		t.Fatalf("mongos listDatabases = %v", dbs)
	}
	if v := call(t, c, mongos, "admin", bson.D{{Key: "endSessions", Value: bson.A{}}}); v.Lookup("ok").Double() != 1 {
		t.Fatalf("endSessions = %v", v)
	}
	cols := batch(t, call(t, c, mongos, "config", bson.D{{Key: "listCollections", Value: 1}, {Key: "nameOnly", Value: true}}))
	if len(cols) < 10 || str(cols[0].Lookup("name")) != "actionlog" {
		t.Fatalf("config collections = %v", cols)
	}
}

func TestHandlerPanicAnswersInternalError(t *testing.T) {
	register([]string{"testPanic"}, 0, anyone, func(*node, *request) bson.D { panic("boom") })
	defer delete(commandTable, "testPanic")
	c := startSim(t, Config{Topology: Standalone})
	r := call(t, c, c.Nodes()[0].Address, "admin", bson.D{{Key: "testPanic", Value: 1}})
	if r.Lookup("code").Int32() != 1 || str(r.Lookup("codeName")) != "InternalError" || !strings.Contains(str(r.Lookup("errmsg")), "boom") {
		t.Fatalf("panic reply = %v", r)
	}
	if r := call(t, c, c.Nodes()[0].Address, "admin", bson.D{{Key: "ping", Value: 1}}); r.Lookup("ok").Double() != 1 {
		t.Fatal("node unusable after a handler panic")
	}
}
