package probes

import (
	"fmt"
	"math"
	"sort"
	"testing"
	"time"
)

// scene builds the snapshots of a healthy sharded cluster, one per step of
// a second (two mongos, two shards of three members, a config server): a
// web shop's load with its TTL monitor, every number different at every
// step. A story mutates the snapshot of each step to tell one incident.
type scene struct {
	interval time.Duration
}

const (
	mongos1, mongos2 = "mongos-1:27017", "mongos-2:27017"
	cfgA             = "cfg-a:27019"
)

var sceneShards = []string{"shard1", "shard2"}

func member(shard, m string) string { return shard + "-" + m + ":27018" }

// jitter is a deterministic value in [-1, 1] for a step and a salt.
func jitter(step int, salt string) float64 {
	h := uint64(step)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	for _, c := range salt {
		h = (h ^ uint64(c)) * 0x100000001B3
	}
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return float64(h%20001)/10000 - 1
}

func vary(base float64, step int, salt string, frac float64) float64 {
	return base * (1 + frac*jitter(step, salt))
}

func (sc scene) at(step int) time.Time {
	iv := sc.interval
	if iv == 0 {
		iv = time.Second
	}
	return t0.Add(time.Duration(step) * iv)
}

func (sc scene) snap(step int) Snapshot {
	now := sc.at(step)
	s := Snapshot{TakenAt: now, IntervalSeconds: Seconds(max(sc.interval, time.Second)), OpsAsOf: now, HotCollectionsAsOf: now,
		NotAvailable: map[string]string{}}
	s.Deployment = sceneDeployment()
	s.Opcounters = sceneRates(step)
	s.Documents = sceneDocuments(step, s.Opcounters)
	s.Network, s.Connections, s.Queues = &NetworkRates{Nodes: map[string]NetworkRate{}}, &ConnectionStats{Nodes: map[string]NodeConnections{}}, &QueueStats{Nodes: map[string]NodeQueues{}}
	for _, n := range s.Deployment.Nodes {
		sceneNode(&s, n, step)
	}
	s.Replication = sceneReplication(step, now)
	s.Balancer = &Balancer{Mode: "full", Enabled: true, InsideWindow: true, AsOf: now, Migrations: []Migration{}, RecentMigrations: []MigrationEvent{},
		ChunksPerShard: map[string]int{"shard1": 412, "shard2": 409}, ChunksAt: now, RangeDeletionsPending: map[string]int{"shard1": 0, "shard2": 0}}
	s.Ops = sceneOps(step)
	s.OpsTotal = len(s.Ops)
	s.HotCollections = []HotCollection{
		{NS: "shop.orders", ReadMsPerSec: vary(140, step, "hr", 0.2), WriteMsPerSec: vary(45, step, "hw", 0.2), OpsPerSec: vary(900, step, "ho", 0.1)},
		{NS: "shop.sessions", ReadMsPerSec: vary(30, step, "sr", 0.2), WriteMsPerSec: vary(20, step, "sw", 0.2), OpsPerSec: vary(300, step, "so", 0.1)}}
	return s
}

func sceneDeployment() Deployment {
	d := Deployment{Kind: KindSharded, Name: mongos1, Version: "7.0.14"}
	up := func(addr string, role Role, shard string) Node {
		set := shard
		if role == RoleMongos {
			set = ""
		}
		return Node{Address: addr, Role: role, Shard: shard, Set: set, State: StateUp, Up: true, Version: "7.0.14"}
	}
	d.Nodes = append(d.Nodes, up(mongos1, RoleMongos, ""), up(mongos2, RoleMongos, ""))
	for _, sh := range sceneShards {
		d.Nodes = append(d.Nodes, up(member(sh, "a"), RolePrimary, sh), up(member(sh, "b"), RoleSecondary, sh), up(member(sh, "c"), RoleSecondary, sh))
	}
	d.Nodes = append(d.Nodes, up(cfgA, RoleConfig, "config"))
	return d
}

// sceneRates: ~2,100 ops/s through the routers, split evenly over the
// shards; the secondaries replicate the writes.
func sceneRates(step int) *OpcounterRates {
	oc := &OpcounterRates{Shards: map[string]Rates{}, Nodes: map[string]Rates{}, Repl: map[string]Rates{}}
	cluster := Rates{}
	for _, m := range []string{mongos1, mongos2} {
		r := Rates{Insert: vary(45, step, m+"i", 0.2), Query: vary(600, step, m+"q", 0.12), Update: vary(90, step, m+"u", 0.2),
			Delete: vary(5, step, m+"d", 0.5), Getmore: vary(20, step, m+"g", 0.3), Command: vary(300, step, m+"c", 0.1)}
		oc.Nodes[m] = r
		cluster = cluster.Add(r)
	}
	oc.Cluster = &cluster
	for _, sh := range sceneShards {
		p := Rates{Insert: cluster.Insert / 2 * (1 + 0.05*jitter(step, sh+"i")), Query: cluster.Query / 2 * (1 + 0.05*jitter(step, sh+"q")),
			Update: cluster.Update / 2 * (1 + 0.05*jitter(step, sh+"u")), Delete: cluster.Delete / 2, Getmore: cluster.Getmore / 2,
			Command: vary(150, step, sh+"c", 0.1)}
		oc.Nodes[member(sh, "a")] = p
		total := p
		for _, m := range []string{"b", "c"} {
			sec := Rates{Command: vary(12, step, sh+m, 0.2)}
			oc.Nodes[member(sh, m)] = sec
			oc.Repl[member(sh, m)] = Rates{Insert: p.Insert, Update: p.Update, Delete: p.Delete + vary(3, step, sh+m+"ttl", 0.5)}
			total = total.Add(sec)
		}
		oc.Shards[sh] = total
	}
	oc.Nodes[cfgA] = Rates{Query: vary(8, step, "cfgq", 0.3), Command: vary(40, step, "cfgc", 0.2)}
	return oc
}

// sceneDocuments: each shard primary's update statements match a document
// (a few percent none: an order already paid) and modify it; queries return
// a few documents each; the TTL monitor deletes sessions through its pass,
// as sceneOps shows it.
func sceneDocuments(step int, oc *OpcounterRates) *DocumentStats {
	d := &DocumentStats{Nodes: map[string]DocumentRates{}}
	applied := 0.0
	for _, sh := range sceneShards {
		p := oc.Nodes[member(sh, "a")]
		ttl, keys := 0.0, p.Query*1.2
		if step%60 < 5 {
			ttl = vary(300, step, sh+"ttl", 0.3)
		}
		r := DocumentRates{Inserted: p.Insert, Returned: p.Query * vary(4, step, sh+"ret", 0.3), Updated: p.Update * (0.98 + 0.02*jitter(step, sh+"m")),
			Deleted: p.Delete + ttl, UpdateStatements: p.Update, KeysExamined: &keys, TTLDeleted: &ttl}
		d.Nodes[member(sh, "a")] = r
		if d.Cluster == nil {
			d.Cluster = &r
		} else {
			*d.Cluster = d.Cluster.add(r)
		}
		zero := 0.0
		for _, m := range []string{"b", "c"} {
			d.Nodes[member(sh, m)] = DocumentRates{TTLDeleted: &zero}
		}
		applied += max(oc.Repl[member(sh, "b")].Update, oc.Repl[member(sh, "c")].Update)
	}
	d.UpdatesApplied = &applied
	return d
}

func sceneNode(s *Snapshot, n Node, step int) {
	a := n.Address
	created := vary(1.5, step, a+"cc", 0.6)
	current := int64(vary(180, step, a+"cur", 0.05))
	if n.Role == RoleMongos {
		created, current = vary(3, step, a+"cc", 0.6), int64(vary(420, step, a+"cur", 0.05))
	}
	avail := 51200 - current
	s.Connections.Nodes[a] = NodeConnections{Current: current, Available: avail, Active: current / 8, TotalCreated: int64(5000 + step*2),
		CreatedPerSec: &created, PercentUsed: float64(current) / 51200 * 100}
	s.Network.Nodes[a] = NetworkRate{BytesInPerSec: vary(350e3, step, a+"in", 0.15), BytesOutPerSec: vary(2.1e6, step, a+"out", 0.15),
		RequestsPerSec: vary(1100, step, a+"req", 0.1)}
	q := NodeQueues{ActiveReaders: int64(vary(3, step, a+"ar", 0.6)), ActiveWriters: int64(vary(2, step, a+"aw", 0.6)),
		ReadTicketsOut: int64(vary(4, step, a+"rt", 0.7)), ReadTicketsTotal: 128, WriteTicketsOut: int64(vary(2, step, a+"wt", 0.7)), WriteTicketsTotal: 128}
	if n.Role == RoleSecondary {
		q.ReplBufferCount = int64(vary(12, step, a+"buf", 0.8))
		q.ReplApplyOpsPerSec = vary(70, step, a+"apply", 0.2)
	}
	if n.Role == RoleMongos {
		q = NodeQueues{}
	}
	s.Queues.Nodes[a] = q
}

func sceneReplication(step int, now time.Time) []ReplicaSet {
	var out []ReplicaSet
	for _, sh := range sceneShards {
		win := vary(38, step/60, sh+"win", 0.02)
		rs := ReplicaSet{Set: sh, Shard: sh, Primary: member(sh, "a"), OplogWindowHours: &win, OplogWindowAsOf: now, AsOf: now}
		worst, worstM := 0.0, ""
		for _, m := range []string{"a", "b", "c"} {
			mem := Member{Address: member(sh, m), State: "SECONDARY", Health: 1, SyncSource: member(sh, "a"), UptimeSecs: int64(860000 + step)}
			if m == "a" {
				mem.State, mem.SyncSource = "PRIMARY", ""
			} else {
				lag := math.Round(math.Abs(jitter(step, sh+m+"lag"))*0.9*10) / 10 // optimes are whole seconds apart at most
				ping := vary(0.8, step, sh+m+"ping", 0.5)
				mem.LagSeconds, mem.PingMs, mem.ApplyOpsPerSec = &lag, &ping, vary(70, step, sh+m+"ap", 0.2)
				if lag >= worst {
					worst, worstM = lag, mem.Address
				}
			}
			rs.Members = append(rs.Members, mem)
		}
		rs.MaxLagSeconds, rs.MaxLagMember = &worst, worstM
		out = append(out, rs)
	}
	return out
}

// sceneOps: the web tier's short finds and updates, a getMore, and the TTL
// monitor purging sessions for 5 s of every minute on each shard.
func sceneOps(step int) []Op {
	var ops []Op
	for i, sh := range sceneShards {
		p := member(sh, "a")
		for k := 0; k < 3; k++ {
			id := step*10 + k
			ops = append(ops, Op{Node: p, Shard: sh, OpID: fmt.Sprintf("%s:%d", sh, 7000000+id), Op: "query", NS: "shop.orders",
				SecsRunning: 0.002 * float64(k+1), PlanSummary: "IXSCAN { customer: 1 }", AppName: "web-frontend", Client: fmt.Sprintf("10.0.1.%d:5%04d", 10+k, id%10000),
				User: "web@admin", Desc: fmt.Sprintf("conn%d", 100+k), ConnectionID: int64(100 + k),
				Command: fmt.Sprintf(`{"find":"orders","filter":{"customer":"c%03d"},"$db":"shop"}`, (step+k)%500)})
		}
		ops = append(ops, Op{Node: p, Shard: sh, OpID: fmt.Sprintf("%s:%d", sh, 8000000+step), Op: "update", NS: "shop.orders",
			SecsRunning: 0.003, PlanSummary: "IXSCAN { _id: 1 }", AppName: "web-frontend", User: "web@admin",
			Command: `{"q":{"_id":{"$oid":"65f000000000000000000001"}},"u":{"$set":{"status":"paid"}}}`})
		if sec := step % 60; sec < 5 {
			ops = append(ops, Op{Node: p, Shard: sh, OpID: fmt.Sprintf("%s:%d", sh, 9000000+step/60), Op: "remove", NS: "shop.sessions",
				SecsRunning: float64(sec) + 0.3*float64(i), PlanSummary: "IXSCAN { lastSeen: 1 }", Desc: "TTLMonitor", User: "__system@local",
				System: true, Flags: []string{FlagTTL}, Command: `{"q":{"lastSeen":{"$lt":{"$date":"2025-03-04T02:00:00Z"}}},"limit":0}`})
		}
	}
	return ops
}

// storyRun is what a run of a story produced.
type storyRun struct {
	started, ended []Finding
	active         []Finding // at the end
	firstStart     map[string]int
}

// run plays steps of the scene with the story applied, through a history
// and a tracker, as the TUI would.
func (sc scene) run(steps int, story func(step int, s *Snapshot)) storyRun {
	h := NewHistory(3600, 60)
	f := NewFindings()
	out := storyRun{firstStart: map[string]int{}}
	for step := 0; step < steps; step++ {
		s := sc.snap(step)
		if story != nil {
			story(step, &s)
		}
		h.Add(s)
		act, st, en := f.Update(s, h)
		for _, inc := range st {
			if _, ok := out.firstStart[inc.Kind]; !ok {
				out.firstStart[inc.Kind] = step
			}
		}
		out.started, out.ended, out.active = append(out.started, st...), append(out.ended, en...), act
	}
	return out
}

// only asserts that the run started findings of the wanted kind alone,
// and returns the first.
func (r storyRun) only(t *testing.T, kind string) Finding {
	t.Helper()
	var kinds []string
	for k := range r.firstStart {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if len(kinds) != 1 || kinds[0] != kind {
		for _, inc := range r.started {
			t.Logf("started %s: %s", inc.ID, inc.Summary)
		}
		t.Fatalf("want only %s findings, got %v", kind, kinds)
	}
	for _, inc := range r.started {
		if inc.Kind == kind {
			t.Logf("%s %s since %s: %s\n  evidence %+v\n  action %+v", inc.Severity, inc.ID, inc.Since.Format("15:04:05"), inc.Summary, inc.Evidence, inc.Action)
			return inc
		}
	}
	return Finding{}
}

// latest is the newest state of the finding with that ID (active, else
// as it ended).
func (r storyRun) latest(id string) (Finding, bool) {
	for _, inc := range r.active {
		if inc.ID == id {
			return inc, true
		}
	}
	for i := len(r.ended) - 1; i >= 0; i-- {
		if r.ended[i].ID == id {
			return r.ended[i], true
		}
	}
	return Finding{}, false
}

func TestFindingCalmClusterHasNone(t *testing.T) {
	r := scene{}.run(1800, nil) // 30 minutes at 1 s
	for _, inc := range r.started {
		t.Errorf("calm cluster started %s at %s: %s", inc.ID, inc.Since.Format("15:04:05"), inc.Summary)
	}
}

func figure(inc Finding, name string) float64 {
	for _, f := range inc.Evidence.Figures {
		if f.Name == name {
			return f.Value
		}
	}
	return math.NaN()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestFindingCalmClusterHasNoneOverHours(t *testing.T) {
	sc := scene{interval: 10 * time.Second}
	r := sc.run(int(3*time.Hour/sc.interval), nil) // the periodic-spike lookback, at 10 s
	for _, inc := range r.started {
		t.Errorf("calm cluster started %s at %s: %s", inc.ID, inc.Since.Format("15:04:05"), inc.Summary)
	}
}
