package simcluster

import (
	_ "embed"
	"math"
	"os"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The bulky sections nobody reads live (wiredTiger's hundreds of stats,
// locks, tcmalloc, metrics.commands…) come from a real capture, retyped to
// the BSON types 8.0 uses, so a full serverStatus weighs what a real one does
// and excluding sections measurably matters.
//
//go:embed assets/serverstatus-8.0-static.json
var staticStatusJSON []byte

var (
	staticOnce     sync.Once
	staticSections map[string]bson.Raw // top-level section -> document
	staticMetrics  bson.D              // metrics sub-sections from the capture
	staticWT       bson.D              // wiredTiger, cache patched live
)

func loadStatic() {
	staticOnce.Do(func() {
		var all bson.D
		if err := bson.UnmarshalExtJSON(staticStatusJSON, true, &all); err != nil {
			// The file is embedded and tested; failing here is a build bug.
			os.Stderr.WriteString("simcluster: embedded serverStatus template is invalid: " + err.Error() + "\n")
		}
		staticSections = map[string]bson.Raw{}
		for _, e := range all {
			d, _ := e.Value.(bson.D)
			switch e.Key {
			case "metrics":
				staticMetrics = d
			case "wiredTiger":
				staticWT = d
			default:
				raw, _ := bson.Marshal(d)
				staticSections[e.Key] = raw
			}
		}
	})
}

// statusSection builds one serverStatus section for a node, or returns nil
// when that node type has no such section.
type statusSection struct {
	name   string
	optIn  bool // only when asked for by name, like oplog and mirroredReads
	mongod bool // not on mongos
	member bool // replica set members only
	build  func(s *statusCtx) any
}

// statusCtx is what the section builders read, captured under the lock.
type statusCtx struct {
	n        *node
	r        *request
	now      time.Time
	tau      float64
	uptime   float64
	ops      [numOpKinds]int64
	repl     [numOpKinds]int64
	conns    int64
	created  int64
	active   int64
	primary  bool
	hot      float64 // spike progress on this node, 0..1
	replSect bson.D
	sharding bson.D
	oplog    bson.D
	lag      float64
	served   map[string]servedCount
	applied  time.Time // the node's last applied write (now, off replica sets)
	majority time.Time // its majority-committed point
}

var statusSections = []statusSection{
	{name: "asserts", build: sectAsserts},
	{name: "connections", build: sectConnections},
	{name: "electionMetrics", mongod: true, member: true, build: staticSection("electionMetrics")},
	{name: "extra_info", build: staticSection("extra_info")},
	{name: "flowControl", mongod: true, member: true, build: staticSection("flowControl")},
	{name: "globalLock", mongod: true, build: sectGlobalLock},
	{name: "locks", mongod: true, build: staticSection("locks")},
	{name: "logicalSessionRecordCache", build: patchedSection("logicalSessionRecordCache", liveSessionJobs)},
	{name: "mem", build: sectMem},
	{name: "metrics", build: sectMetrics},
	{name: "mirroredReads", optIn: true, mongod: true, build: sectMirroredReads},
	{name: "network", build: sectNetwork},
	{name: "opLatencies", build: sectOpLatencies},
	{name: "opReadConcernCounters", mongod: true, build: staticSection("opReadConcernCounters")},
	{name: "opcounters", build: func(s *statusCtx) any { return counterDoc(s.ops) }},
	{name: "opcountersRepl", mongod: true, member: true, build: func(s *statusCtx) any { return counterDoc(s.repl) }},
	{name: "oplog", optIn: true, mongod: true, member: true, build: func(s *statusCtx) any { return s.oplog }},
	{name: "oplogTruncation", mongod: true, member: true, build: staticSection("oplogTruncation")},
	{name: "queues", mongod: true, build: sectQueues},
	{name: "repl", mongod: true, member: true, build: func(s *statusCtx) any { return s.replSect }},
	{name: "sharding", build: func(s *statusCtx) any { return s.sharding }},
	{name: "shardingStatistics", build: staticSection("shardingStatistics")},
	{name: "storageEngine", mongod: true, build: patchedSection("storageEngine", liveStorageEngine)},
	{name: "tcmalloc", build: staticSection("tcmalloc")},
	{name: "transactions", build: staticSection("transactions")},
	{name: "transportSecurity", build: staticSection("transportSecurity")},
	{name: "twoPhaseCommitCoordinator", mongod: true, build: staticSection("twoPhaseCommitCoordinator")},
	{name: "wiredTiger", mongod: true, build: sectWiredTiger},
}

func staticSection(name string) func(*statusCtx) any {
	return func(*statusCtx) any { return staticSections[name] }
}

// patchedSection is a captured section whose time fields are made live: a
// capture's would be years old, and some are dates the capture kept as text.
func patchedSection(name string, live func(s *statusCtx) map[string]any) func(*statusCtx) any {
	return func(s *statusCtx) any {
		var d bson.D
		if err := bson.Unmarshal(staticSections[name], &d); err != nil {
			return staticSections[name]
		}
		vals := live(s)
		for i := range d {
			if v, ok := vals[d[i].Key]; ok {
				d[i].Value = v
			}
		}
		return d
	}
}

// liveSessionJobs: the session cache refresh and the transaction reaper run
// every 5 minutes (logicalSessionRefreshMillis); their times are dates
// (fixture serverStatus-6.0.12…: ISODate).
func liveSessionJobs(s *statusCtx) map[string]any {
	const every = 300.0
	last := bson.NewDateTimeFromTime(s.now.Add(-time.Duration(math.Mod(s.uptime, every) * float64(time.Second))))
	return map[string]any{"lastSessionsCollectionJobTimestamp": last, "lastTransactionReaperJobTimestamp": last}
}

// liveStorageEngine: the oldest timestamp needed for crash recovery trails
// the stable (majority) point, about 50 s behind in the 6.0.12 capture.
func liveStorageEngine(s *statusCtx) map[string]any {
	return map[string]any{"oldestRequiredTimestampForCrashRecovery": tsOf(s.majority.Add(-50 * time.Second))}
}

// sectionWanted applies {serverStatus: 1, repl: 0, oplog: 1}-style projection.
func sectionWanted(body bson.Raw, s statusSection) bool {
	v, err := body.LookupErr(s.name)
	if err != nil {
		return !s.optIn
	}
	if on, ok := v.AsInt64OK(); ok {
		return on != 0
	}
	if b, ok := v.BooleanOK(); ok {
		return b
	}
	return true // a document: a sub-projection such as opLatencies{histograms}
}

// subProjection drops the sub-sections a request excludes by name, as
// 6.0+ servers do for {serverStatus: 1, metrics: {commands: 0}}.
func subProjection(body bson.Raw, name string, v any) any {
	spec, ok := body.Lookup(name).DocumentOK()
	if !ok {
		return v
	}
	var d bson.D
	switch sec := v.(type) {
	case bson.D:
		d = sec
	case bson.Raw:
		if err := bson.Unmarshal(sec, &d); err != nil {
			return v
		}
	default:
		return v
	}
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		if x, err := spec.LookupErr(e.Key); err == nil {
			if on, ok := x.AsInt64OK(); ok && on == 0 {
				continue
			}
			if b, ok := x.BooleanOK(); ok && !b {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

func cmdServerStatus(n *node, r *request) bson.D {
	loadStatic()
	s := n.statusContext(r)
	process, service := "mongod", "shard"
	if n.kind == kindMongos {
		process, service = "mongos", "router"
	}
	d := bson.D{
		{Key: "host", Value: n.statusHost()},
		{Key: "version", Value: n.c.serverVersion()},
		{Key: "process", Value: process},
		{Key: "service", Value: bson.A{service}},
		{Key: "pid", Value: n.pid},
		{Key: "uptime", Value: float64(int64(s.uptime))},
		{Key: "uptimeMillis", Value: int64(s.uptime * 1000)},
		{Key: "uptimeEstimate", Value: int64(s.uptime)},
		{Key: "localTime", Value: bson.NewDateTimeFromTime(s.now)},
	}
	for _, sec := range statusSections {
		if sec.mongod && n.kind == kindMongos || sec.member && n.rs == nil || !sectionWanted(r.body, sec) {
			continue
		}
		if sec.name == "opLatencies" && n.kind == kindMongos && !n.c.atLeast(7, 0) {
			continue // a mongos reports opLatencies from 6.2 (MONGODB-INTERFACE.md §3.2)
		}
		v := subProjection(r.body, sec.name, sec.build(s))
		if isEmptySection(v) {
			continue
		}
		d = append(d, bson.E{Key: sec.name, Value: v})
	}
	return n.c.dropNewerFields(d)
}

// statusContext reads the live numbers under the lock once, so sections
// agree with each other.
func (n *node) statusContext(r *request) *statusCtx {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maintainLocked(now)
	tau := c.tau(now)
	s := &statusCtx{n: n, r: r, now: now, tau: tau, uptime: n.load.uptime0 + c.elapsed(now)}
	s.ops = n.countersLocked(tau)
	s.primary = n.rs == nil || n.isPrimaryLocked()
	if n.rs != nil {
		s.repl = n.replCountersLocked(tau)
		s.replSect = n.replSectionLocked(now)
		s.oplog = n.oplogSectionLocked(now)
		s.lag = c.lagLocked(n.rs, n.member, tau)
	}
	s.conns = n.connectionsLocked(now)
	s.created = n.totalCreatedLocked(tau)
	if s.primary {
		s.hot = c.scn.hot(tau)
	}
	s.active = 2 + int64(float64(s.conns)*0.05*(1+3*s.hot))
	s.sharding = n.shardingSectionLocked()
	s.served = n.servedSnapshotLocked()
	s.applied, s.majority = now, now
	if n.rs != nil {
		s.applied, s.majority = c.appliedLocked(n.rs, n.member, now), c.majorityLocked(n.rs, now)
	}
	return s
}

func counterDoc(v [numOpKinds]int64) bson.D {
	d := make(bson.D, 0, numOpKinds)
	for i, name := range opNames {
		d = append(d, bson.E{Key: name, Value: v[i]})
	}
	return d
}

func isEmptySection(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bson.D:
		return x == nil
	case bson.Raw:
		return x == nil
	}
	return false
}

// wanted says whether a sub-section survives {section: {sub: 0}}.
func wanted(body bson.Raw, section, sub string) bool {
	v, err := body.LookupErr(section, sub)
	if err != nil {
		return true
	}
	if on, ok := v.AsInt64OK(); ok {
		return on != 0
	}
	if b, ok := v.BooleanOK(); ok {
		return b
	}
	return true
}
