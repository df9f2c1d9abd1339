package simcluster

import (
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func strs(v bson.RawValue) []string {
	arr, _ := v.ArrayOK()
	vals, _ := arr.Values()
	var out []string
	for _, x := range vals {
		out = append(out, str(x))
	}
	return out
}

func TestMemberKinds(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Topology: ReplSet, Now: clk.now, MembersSpec: "data,data,priority0,hidden,delayed=3600,arbiter"})
	nodes := c.Nodes()
	addr := func(i int) string { return nodes[i].Address }
	if nodes[0].Role != "primary" || nodes[5].Role != "arbiter" || nodes[4].Member != "delayed" || nodes[3].Member != "hidden" {
		t.Fatalf("nodes = %+v", nodes)
	}
	prim := connect(t, "mongodb://"+addr(0)+"/?directConnection=true")
	h := runCmd(t, prim, "admin", bson.D{{Key: "hello", Value: 1}})
	if got := strings.Join(strs(h.Lookup("hosts")), ","); got != addr(0)+","+addr(1) {
		t.Errorf("hosts = %s", got)
	}
	if got := strs(h.Lookup("passives")); len(got) != 1 || got[0] != addr(2) {
		t.Errorf("passives = %v", got)
	}
	if got := strs(h.Lookup("arbiters")); len(got) != 1 || got[0] != addr(5) {
		t.Errorf("arbiters = %v", got)
	}
	hidden := runCmd(t, connect(t, "mongodb://"+addr(3)+"/?directConnection=true"), "admin", bson.D{{Key: "hello", Value: 1}})
	if !hidden.Lookup("hidden").Boolean() || !hidden.Lookup("passive").Boolean() {
		t.Errorf("hidden member hello = %v", hidden)
	}
	delayed := connect(t, "mongodb://"+addr(4)+"/?directConnection=true")
	if d, _ := runCmd(t, delayed, "admin", bson.D{{Key: "hello", Value: 1}}).Lookup("secondaryDelaySecs").AsInt64OK(); d != 3600 {
		t.Errorf("delayed member hello secondaryDelaySecs = %d", d)
	}

	st := runCmd(t, prim, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if st.Lookup("votingMembersCount").Int32() != 6 || st.Lookup("writableVotingMembersCount").Int32() != 5 || st.Lookup("majorityVoteCount").Int32() != 4 {
		t.Errorf("vote counts: %v %v %v", st.Lookup("votingMembersCount"), st.Lookup("writableVotingMembersCount"), st.Lookup("majorityVoteCount"))
	}
	if !has(st, "optimes", "readConcernMajorityWallTime") || !has(st, "electionCandidateMetrics", "lastCommittedOpTimeAtElection") ||
		!has(st, "electionCandidateMetrics", "wMajorityWriteAvailabilityDate") {
		t.Errorf("replSetGetStatus lacks readConcernMajorityWallTime or election metrics: %v", st)
	}
	ms := members(t, st)
	if str(ms[5].Lookup("stateStr")) != "ARBITER" || has(ms[5], "optime") {
		t.Errorf("arbiter entry = %v", ms[5])
	}
	lag := ms[0].Lookup("optimeDate").Time().Sub(ms[4].Lookup("optimeDate").Time())
	if lag.Seconds() < 3599 {
		t.Errorf("delayed member is %v behind", lag)
	}
	cfg := runCmd(t, prim, "admin", bson.D{{Key: "replSetGetConfig", Value: 1}})
	if !cfg.Lookup("config", "members", "5", "arbiterOnly").Boolean() || cfg.Lookup("config", "members", "4", "secondaryDelaySecs").Int64() != 3600 ||
		cfg.Lookup("config", "members", "2", "priority").Double() != 0 {
		t.Errorf("replSetGetConfig = %v", cfg)
	}

	// An arbiter holds no data: a read it opted into is refused.
	arb := connect(t, "mongodb://"+addr(5)+"/?directConnection=true&retryReads=false") // the driver retries 13436 until its deadline
	err := arb.Database("shop").Collection("orders").FindOne(ctxT(t), bson.D{}).Err()
	wantCode(t, "find on an arbiter", err, 13436, "node is not in primary or recovering state")

	// A stepdown leaves the set without a primary for a moment, then only
	// an electable member (not priority 0, hidden, delayed or arbiter) wins.
	if err := c.Fault(Fault{Kind: "stepDown", Node: addr(0)}); err != nil {
		t.Fatal(err)
	}
	if h := call(t, c, addr(1), "admin", bson.D{{Key: "hello", Value: 1}}); h.Lookup("isWritablePrimary").Boolean() || has(h, "primary") {
		t.Fatalf("a primary during the election: %v", h)
	}
	clk.advance(electionDuration)
	if p := nodeByRole(t, c, "primary", ""); p != addr(1) {
		t.Fatalf("elected %s, want the other data member %s", p, addr(1))
	}
	st = call(t, c, addr(1), "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if str(st.Lookup("electionCandidateMetrics", "lastElectionReason")) != "stepUpRequestSkipDryRun" {
		t.Errorf("election reason = %v", st.Lookup("electionCandidateMetrics", "lastElectionReason"))
	}
}

func TestSlaveDelayBefore50(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet, Version: "4.4", MembersSpec: "data,data,delayed=60"})
	cfg := call(t, c, c.Nodes()[0].Address, "admin", bson.D{{Key: "replSetGetConfig", Value: 1}})
	if cfg.Lookup("config", "members", "2", "slaveDelay").Int64() != 60 || has(cfg, "config", "members", "2", "secondaryDelaySecs") {
		t.Fatalf("4.4 config member = %v", cfg.Lookup("config", "members", "2"))
	}
	if err := CheckMembersSpec("arbiter,hidden"); err == nil {
		t.Fatal("a spec without a data member was accepted")
	}
}

func TestAdminCommandsAnswered(t *testing.T) {
	c := startSim(t, Config{Shards: 2})
	mongos := connect(t, c.URI())
	pool := runCmd(t, mongos, "admin", bson.D{{Key: "connPoolStats", Value: 1}})
	if hosts, _ := pool.Lookup("replicaSets", "shard0", "hosts").ArrayOK(); len(hosts) == 0 || !has(pool, "totalInUse") {
		t.Fatalf("connPoolStats = %v", pool)
	}
	me := runCmd(t, mongos, "admin", bson.D{{Key: "whatsmyuri", Value: 1}})
	if !strings.HasPrefix(str(me.Lookup("you")), "127.0.0.1:") {
		t.Fatalf("whatsmyuri = %v", me)
	}
	shard := connect(t, "mongodb://"+nodeByRole(t, c, "primary", "shard1")+"/?directConnection=true")
	ss := runCmd(t, shard, "admin", bson.D{{Key: "shardingState", Value: 1}})
	if !ss.Lookup("enabled").Boolean() || str(ss.Lookup("shardName")) != "shard1" || !strings.HasPrefix(str(ss.Lookup("configServer")), "configRepl/") {
		t.Fatalf("shardingState = %v", ss)
	}
}

func TestMigrationCoordinatorDuringAMigration(t *testing.T) {
	clk := newFakeClock()
	c := startSim(t, Config{Now: clk.now, Shards: 2})
	donor := nodeByRole(t, c, "primary", "shard0")
	find := func() []bson.Raw {
		return batch(t, call(t, c, donor, "config", bson.D{{Key: "find", Value: "migrationCoordinators"}}))
	}
	if docs := find(); len(docs) != 0 {
		t.Fatalf("coordinators before any migration: %v", docs)
	}
	clk.advance((roundEvery + 1) * time.Second) // into the first round, which moves a chunk off the hot shard0
	docs := find()
	if len(docs) != 1 || str(docs[0].Lookup("donorShardId")) != "shard0" || str(docs[0].Lookup("nss")) != "shop.orders" {
		t.Fatalf("coordinators during the migration: %v", docs)
	}
	clk.advance(roundLength * time.Second)
	if docs := find(); len(docs) != 0 {
		t.Fatalf("coordinators after the migration: %v", docs)
	}
}

// A shard's connection string (listShards, config.shards) names the
// members its monitor keeps: hello's hosts and passives, never hidden
// members or arbiters, so mongostat --discover does not reach them either.
func TestShardHostOmitsHiddenAndArbiter(t *testing.T) {
	c := startSim(t, Config{Shards: 1, MembersSpec: "data,data,priority0,hidden,arbiter"})
	var want []string
	for _, n := range c.Nodes() {
		if n.Set == "shard0" && (n.Member == "data" || n.Member == "priority0") {
			want = append(want, n.Address)
		}
	}
	mongos := connect(t, c.URI())
	ls := runCmd(t, mongos, "admin", bson.D{{Key: "listShards", Value: 1}})
	wantHost := "shard0/" + strings.Join(want, ",")
	if got := str(ls.Lookup("shards", "0", "host")); got != wantHost {
		t.Errorf("listShards host = %s, want %s", got, wantHost)
	}
	doc, err := mongos.Database("config").Collection("shards").FindOne(ctxT(t), bson.D{}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if got := str(doc.Lookup("host")); got != wantHost {
		t.Errorf("config.shards host = %s, want %s", got, wantHost)
	}
}
