package probes

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Probe names: one request of each may be in flight per node.
const (
	probeStatus      = "serverStatus"
	probeOps         = "currentOp"
	probeRepl        = "replication"
	probeTop         = "top"
	probeBalancer    = "balancer"
	probeBalSettings = "balancerSettings"
	probeMigrations  = "migrations"
	probeChunks      = "chunks"
	probeRangeDel    = "rangeDeletions"
	probeConns       = "connectionBreakdown"
)

// Cadences, in polls. serverStatus, $currentOp, replSetGetStatus (on one
// member per set), top (on primaries) and balancerStatus (on one mongos) run
// every poll; config reads run every few polls; counting chunks and range
// deletions is slow on big clusters, so they run about every 30 s.
const (
	// requestCap bounds a polling request. It is long on purpose: a node
	// that is slow to answer keeps its one request rather than getting a
	// new one every tick; Timeout only decides when it is shown slow.
	requestCap    = 2 * time.Minute
	everyFewPolls = 5
	oplogEvery    = 10
	slowCadence   = 30 * time.Second
)

// dueJobsLocked lists the requests this tick should send.
func (p *Poller) dueJobsLocked(now time.Time) []job {
	var jobs []job
	slowEvery := max(1, int(slowCadence/p.Interval()))
	first, few, slow := p.cycle == 1, p.cycle%everyFewPolls == 1, p.cycle%slowEvery == 1
	add := func(ns *nodeState, probe string, run func(ctx context.Context) (any, error)) {
		if ns.busy {
			ns.slow = true // still waiting for its last answer: skip, never queue
			return
		}
		if now.Before(ns.nextTry) {
			return // backing off after a failure
		}
		jobs = append(jobs, job{node: ns.node.Address, probe: probe, run: run})
	}
	kind := p.dep.Kind
	primaries := map[string]*nodeState{} // set -> a member to ask for replication status
	var mongos *nodeState
	for _, ns := range p.nodes {
		n := ns.node
		wantOplog := (n.Role == RolePrimary || n.Role == RoleConfig) && (first || p.cycle%oplogEvery == 1)
		add(ns, probeStatus, p.statusJob(n.Address, n.Role, wantOplog))
		switch {
		case n.Role == RoleMongos:
			if mongos == nil || n.Address == p.seedName() {
				mongos = ns
			}
		case n.Set != "":
			if cur, ok := primaries[n.Set]; !ok || (n.Role == RolePrimary && cur.node.Role != RolePrimary) ||
				(cur.err != "" && ns.err == "" && cur.node.Role != RolePrimary) {
				primaries[n.Set] = ns
			}
		}
		// Through mongos, $currentOp sees one node per shard (the primary);
		// what runs on secondaries (secondary reads, index builds, the
		// applier) needs each of them asked directly, and killed there.
		// On a sharded cluster that is every few polls: every poll doubled
		// the poller's CPU at 60 secondaries (BENCHMARKS.md).
		dataBearing := n.Role == RolePrimary || n.Role == RoleStandalone || n.Role == RoleSecondary
		switch {
		case kind != KindSharded && dataBearing:
			add(ns, probeOps, p.opsJob(n.Address, false, ""))
		case n.Role == RoleSecondary && n.Shard != "config" && (first || few):
			add(ns, probeOps, p.opsJob(n.Address, false, ""))
		}
		if (n.Role == RolePrimary && n.Shard != "config") || n.Role == RoleStandalone {
			add(ns, probeTop, p.topJob(n.Address))
		}
		if kind == KindSharded && n.Role == RolePrimary && n.Shard != "config" && (first || slow) {
			add(ns, probeRangeDel, p.rangeDeletionsJob(n.Address, n.Shard))
		}
	}
	for _, ns := range primaries {
		add(ns, probeRepl, p.replJob(ns.node.Address, ns.node.Shard))
	}
	if mongos != nil {
		addr := mongos.node.Address
		add(mongos, probeOps, p.opsJob(addr, true, addr))
		add(mongos, probeBalancer, p.balancerStatusJob(addr))
		if first || few {
			add(mongos, probeBalSettings, p.balancerSettingsJob(addr))
			add(mongos, probeMigrations, p.migrationsJob(addr))
		}
		if first || slow {
			add(mongos, probeChunks, p.chunksJob(addr))
		}
	}
	if p.connBrk.Load() && (first || few) {
		target := mongos
		for _, ns := range primaries {
			if target == nil && ns.node.Shard == "" {
				target = ns
			}
		}
		for _, ns := range p.nodes {
			if target == nil && ns.node.Role == RoleStandalone {
				target = ns
			}
		}
		if target != nil {
			add(target, probeConns, p.connBreakdownJob(target.node.Address))
		}
	}
	return jobs
}

func (p *Poller) run(addr string, db string, cmd bson.D) func(ctx context.Context) (bson.Raw, error) {
	return func(ctx context.Context) (bson.Raw, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		return runCommand(ctx, c, requestCap, db, cmd)
	}
}

func (p *Poller) statusJob(addr string, role Role, wantOplog bool) func(context.Context) (any, error) {
	process := "mongod"
	if role == RoleMongos {
		process = "mongos"
	}
	call := p.run(addr, "admin", ServerStatusCommand(process, wantOplog))
	return func(ctx context.Context) (any, error) {
		raw, err := call(ctx)
		if err != nil {
			return nil, err
		}
		s, err := DecodeServerStatus(raw)
		if err != nil {
			return nil, err
		}
		at := s.LocalTime
		if at.IsZero() {
			at = p.now()
		}
		return &statusSample{s: s, at: at}, nil
	}
}

// opsResult is one $currentOp read: the ops kept and how many there were.
type opsResult struct {
	ops   []Op
	total int
}

// currentOpStage asks for running operations only: idle connections and
// sessions would swamp the list, and truncateOps keeps big commands small.
func currentOpStage(viaMongos, idleConnections bool) bson.D {
	opts := bson.D{{Key: "allUsers", Value: true}, {Key: "idleConnections", Value: idleConnections},
		{Key: "idleSessions", Value: false}, {Key: "truncateOps", Value: true}}
	if viaMongos {
		opts = append(opts, bson.E{Key: "localOps", Value: false})
	}
	return bson.D{{Key: "$currentOp", Value: opts}}
}

// maxOpDocs bounds how many op documents one poll reads from a node.
const maxOpDocs = 20000

func (p *Poller) opsJob(addr string, viaMongos bool, mongosAddr string) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		docs, err := aggregateAll(ctx, c, requestCap, "admin", "", bson.A{currentOpStage(viaMongos, false)}, maxOpDocs)
		if err != nil {
			return nil, err
		}
		src := OpSource{Node: addr, ViaMongos: viaMongos, Mongos: mongosAddr, SelfAppName: p.cfg.AppName,
			LongOpSecs: p.cfg.LongOpSecs, CommandCap: -1}
		p.mu.Lock()
		if ns, ok := p.nodes[addr]; ok {
			src.Shard = ns.node.Shard
		}
		p.mu.Unlock()
		ops := make([]Op, 0, len(docs))
		for _, d := range docs {
			if op, ok := DecodeOp(d, src); ok {
				ops = append(ops, op)
			}
		}
		kept := TopOps(ops, p.cfg.MaxOps)
		RenderCommands(kept, 2048)
		return opsResult{ops: kept, total: len(ops)}, nil
	}
}

func (p *Poller) replJob(addr, shard string) func(context.Context) (any, error) {
	call := p.run(addr, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	return func(ctx context.Context) (any, error) {
		raw, err := call(ctx)
		if err != nil {
			return nil, err
		}
		rs, _, err := DecodeReplSetGetStatus(raw)
		rs.Shard = shard
		return rs, err
	}
}

type topSample struct {
	totals TopTotals
	at     time.Time
}

func (p *Poller) topJob(addr string) func(context.Context) (any, error) {
	call := p.run(addr, "admin", bson.D{{Key: "top", Value: 1}})
	return func(ctx context.Context) (any, error) {
		raw, err := call(ctx)
		if err != nil {
			return nil, err
		}
		t, err := DecodeTop(raw)
		return topSample{t, p.now()}, err
	}
}

type balancerStatus struct {
	mode    string
	inRound bool
	rounds  int64
}

func (p *Poller) balancerStatusJob(addr string) func(context.Context) (any, error) {
	call := p.run(addr, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	return func(ctx context.Context) (any, error) {
		raw, err := call(ctx)
		if err != nil {
			return nil, err
		}
		mode, inRound, rounds, err := DecodeBalancerStatus(raw)
		return balancerStatus{mode, inRound, rounds}, err
	}
}

type balancerSettings struct {
	enabled bool
	window  *Window
}

func (p *Poller) balancerSettingsJob(addr string) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		docs, err := findAll(ctx, c, requestCap, "config", "settings", bson.D{{Key: "_id", Value: "balancer"}})
		if err != nil {
			return nil, err
		}
		var raw bson.Raw
		if len(docs) > 0 {
			raw = docs[0]
		}
		enabled, window, err := DecodeBalancerSettings(raw)
		return balancerSettings{enabled, window}, err
	}
}

type migrationsResult struct {
	inFlight []Migration
	recent   []MigrationEvent
}

func (p *Poller) migrationsJob(addr string) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		var res migrationsResult
		now := p.now()
		running, err := findAll(ctx, c, requestCap, "config", "migrations", bson.D{})
		if err != nil {
			return nil, err
		}
		for _, d := range running {
			if m, ok := DecodeMigrationsDoc(d, now); ok {
				res.inFlight = append(res.inFlight, m)
			}
		}
		filter := bson.D{{Key: "what", Value: bson.D{{Key: "$in", Value: bson.A{"moveChunk.from", "moveChunk.error"}}}}}
		opts := options.Find().SetSort(bson.D{{Key: "time", Value: -1}}).SetLimit(20)
		events, err := findAll(ctx, c, requestCap, "config", "changelog", filter, opts)
		if err != nil {
			return nil, err
		}
		for _, d := range events {
			if ev, ok := DecodeChangelogMigration(d); ok {
				res.recent = append(res.recent, ev)
			}
		}
		return res, nil
	}
}

type chunksResult struct {
	perShard map[string]int
	jumbo    int
}

func (p *Poller) chunksJob(addr string) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		group := bson.A{bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$shard"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}}}
		docs, err := aggregateAll(ctx, c, requestCap, "config", "chunks", group, 0)
		if err != nil {
			return nil, err
		}
		res := chunksResult{perShard: map[string]int{}}
		for _, d := range docs {
			n, _ := getInt(d, "n")
			res.perShard[getString(d, "_id")] = int(n)
		}
		jumbo := bson.A{bson.D{{Key: "$match", Value: bson.D{{Key: "jumbo", Value: true}}}}, bson.D{{Key: "$count", Value: "n"}}}
		if docs, err := aggregateAll(ctx, c, requestCap, "config", "chunks", jumbo, 0); err == nil && len(docs) > 0 {
			n, _ := getInt(docs[0], "n")
			res.jumbo = int(n)
		}
		return res, nil
	}
}

type rangeDeletions struct {
	shard string
	n     int
}

func (p *Poller) rangeDeletionsJob(addr, shard string) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		docs, err := aggregateAll(ctx, c, requestCap, "config", "rangeDeletions", bson.A{bson.D{{Key: "$count", Value: "n"}}}, 0)
		if err != nil {
			return nil, err
		}
		res := rangeDeletions{shard: shard}
		if len(docs) > 0 {
			n, _ := getInt(docs[0], "n")
			res.n = int(n)
		}
		return res, nil
	}
}

func (p *Poller) connBreakdownJob(addr string) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		c, err := p.nodeClient(addr)
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		viaMongos := p.nodes[addr] != nil && p.nodes[addr].node.Role == RoleMongos
		p.mu.Unlock()
		pipeline := bson.A{currentOpStage(viaMongos, true),
			bson.D{{Key: "$project", Value: bson.D{{Key: "appName", Value: 1}, {Key: "client", Value: 1},
				{Key: "client_s", Value: 1}, {Key: "effectiveUsers", Value: 1}, {Key: "connectionId", Value: 1}}}}}
		docs, err := aggregateAll(ctx, c, requestCap, "admin", "", pipeline, maxOpDocs)
		if err != nil {
			return nil, err
		}
		b := &ConnectionBreakdown{ByApp: map[string]int{}, ByHost: map[string]int{}, ByUser: map[string]int{}}
		for _, d := range docs {
			if _, ok := lookup(d, "connectionId"); !ok {
				continue
			}
			app := getString(d, "appName")
			if app == "" {
				app = "(none)"
			}
			b.ByApp[app]++
			client := getString(d, "client")
			if client == "" {
				client = getString(d, "client_s")
			}
			host, _, _ := cutLast(client, ":")
			b.ByHost[host]++
			user := "(none)"
			if users := getArray(d, "effectiveUsers"); len(users) > 0 {
				if u, ok := users[0].DocumentOK(); ok {
					user = getString(u, "user") + "@" + getString(u, "db")
				}
			}
			b.ByUser[user]++
		}
		return b, nil
	}
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
