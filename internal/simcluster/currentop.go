package simcluster

import (
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// Ops lists the in-progress simulated operations on the node at addr,
// internal threads included.
func (c *Cluster) Ops(addr string) []OpInfo {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.byAddr[addr]
	if n == nil {
		return nil
	}
	var out []OpInfo
	for _, op := range n.liveOpsLocked(now) {
		if op.idleConn() {
			continue
		}
		out = append(out, OpInfo{OpID: op.opid, Op: op.op, NS: op.ns, AppName: op.appName, Desc: op.desc, SecsRunning: op.secs, KillPending: op.killPending})
	}
	return out
}

// liveOpsLocked is the workload's ops with kills applied, plus the real
// client connections, idle or running what they run.
func (n *node) liveOpsLocked(now time.Time) []simOp {
	return append(n.workloadLiveLocked(now), n.connectionOpsLocked(now)...)
}

// workloadLiveLocked is the workload's ops with kills applied.
func (n *node) workloadLiveLocked(now time.Time) []simOp {
	c := n.c
	c.maintainLocked(now)
	if c.bal != nil {
		c.bal.advanceLocked(now)
	}
	var out []simOp
	for _, op := range n.workloadOpsLocked(now) {
		if k, ok := c.kills[killKey(n.addr, op.opid)]; ok {
			if now.Sub(k.at) >= killPendingFor {
				continue
			}
			op.killPending = true
		}
		if op.lsid != nil {
			if at, ok := c.ended[lsidKey(*op.lsid)]; ok {
				if now.Sub(at) >= killPendingFor {
					continue
				}
				op.killPending = true
			}
		}
		out = append(out, op)
	}
	return out
}

// connectionOpsLocked turns the listener's real connections into ops: a
// connection running a request shows it (the asking one included), the
// others are idle.
func (n *node) connectionOpsLocked(now time.Time) []simOp {
	var out []simOp
	for _, ci := range n.srv.Conns() {
		user, db, _ := ci.Auth()
		op := simOp{desc: fmt.Sprintf("conn%d", ci.ID), connID: ci.ID, client: ci.Remote,
			appName: ci.AppName, user: user, userDB: db, real: true, meta: ci.ClientMetadata}
		if req, since, opid, running := ci.Running(); running {
			op.active, op.opid, op.secs, op.killPending = true, opid, time.Since(since).Seconds(), ci.KillPending()
			op.op, op.ns = opKindOf(req)
			_ = bson.Unmarshal(req.Body, &op.command)
			if isAwaitableHello(req) {
				// Waiting for a topology change (fixture currentOp-inprog-6.0.12…).
				op.latchSince = since
			}
		}
		out = append(out, op)
	}
	return out
}

// opKindOf is the op and ns $currentOp gives a command.
func opKindOf(req *wire.Request) (op, ns string) {
	coll, _ := req.Body.Lookup(req.Name).StringValueOK()
	switch req.Name {
	case "find":
		return "query", req.DB + "." + coll
	case "insert", "update":
		return req.Name, req.DB + "." + coll
	case "delete":
		return "remove", req.DB + "." + coll
	case "getMore":
		coll, _ = req.Body.Lookup("collection").StringValueOK()
		return "getmore", req.DB + "." + coll
	case "aggregate":
		if coll == "" {
			return "command", req.DB + ".$cmd.aggregate"
		}
		return "command", req.DB + "." + coll
	}
	return "command", req.DB + ".$cmd"
}

func isAwaitableHello(req *wire.Request) bool {
	_, err := req.Body.LookupErr("maxAwaitTimeMS")
	return err == nil && (req.Name == "hello" || req.Name == "isMaster" || req.Name == "ismaster")
}

func killKey(addr string, opid int32) string { return fmt.Sprintf("%s/%d", addr, opid) }

func lsidKey(b bson.Binary) string { return fmt.Sprintf("%x", b.Data) }

// opDoc renders an op as $currentOp does on a mongod
// (CurOp::reportCurrentOpForClient): an idle connection stops after its
// client fields, as it has no operation to report.
func (n *node) opDoc(op simOp, now time.Time) bson.D {
	typ := "op"
	if op.idleSession {
		typ = "idleSession"
	}
	d := bson.D{{Key: "type", Value: typ}, {Key: "host", Value: n.name()}, {Key: "desc", Value: op.desc}}
	d = append(d, n.clientFields(op)...)
	d = append(d, bson.E{Key: "active", Value: op.active}, bson.E{Key: "currentOpTime", Value: now.UTC().Format("2006-01-02T15:04:05.000-07:00")})
	if op.idleConn() {
		return append(d, bson.E{Key: "threaded", Value: true})
	}
	if op.user != "" {
		d = append(d, bson.E{Key: "effectiveUsers", Value: bson.A{bson.D{{Key: "user", Value: op.user}, {Key: "db", Value: op.userDB}}}})
	}
	d = append(d, bson.E{Key: "threaded", Value: true}, bson.E{Key: "opid", Value: op.opid})
	if op.lsid != nil {
		d = append(d, bson.E{Key: "lsid", Value: bson.D{{Key: "id", Value: *op.lsid}, {Key: "uid", Value: bson.Binary{Subtype: 0, Data: make([]byte, 32)}}}})
	}
	if op.idleSession {
		d = append(d, bson.E{Key: "transaction", Value: idleTransactionDoc(op, now)})
	}
	if op.active {
		d = append(d, bson.E{Key: "secs_running", Value: int64(op.secs)}, bson.E{Key: "microsecs_running", Value: int64(op.secs * 1e6)})
	}
	d = append(d, opStateFields(op)...)
	if !n.c.atLeast(7, 0) { // queryFramework came with 6.2 (MONGODB-INTERFACE.md §1.3)
		d = dropPath(d, []string{"queryFramework"})
	}
	return d
}

// idleConn is a client connection with nothing running on it.
func (op simOp) idleConn() bool { return !op.active && !op.idleSession && op.connID != 0 }

// clientFields are connectionId, client, appName and clientMetadata of an
// op on a client connection. A real connection shows what its handshake
// sent, verbatim. The workload's application ops reach a shard of a
// sharded cluster through the mongos, which is then the client, the
// application's address going in clientMetadata.mongos.
func (n *node) clientFields(op simOp) bson.D {
	if op.connID == 0 {
		return nil
	}
	routed := n.c.mongos != nil && n.kind == kindShard && !op.system && !op.real
	client := op.client
	if routed {
		client = n.c.mongos.addr
	}
	d := bson.D{{Key: "connectionId", Value: int32(op.connID)}, {Key: "client", Value: client}}
	if op.appName != "" {
		d = append(d, bson.E{Key: "appName", Value: op.appName})
	}
	switch {
	case op.meta != nil:
		d = append(d, bson.E{Key: "clientMetadata", Value: op.meta})
	case !op.real:
		meta := workloadMetadata(op, n.c.serverVersion())
		if routed {
			meta = append(meta, bson.E{Key: "mongos", Value: bson.D{{Key: "host", Value: n.c.mongos.addr}, {Key: "client", Value: op.client}, {Key: "version", Value: n.c.serverVersion()}}})
		}
		d = append(d, bson.E{Key: "clientMetadata", Value: meta})
	}
	return d
}

// workloadMetadata is the handshake metadata the workload's clients would
// have sent, shaped like the drivers' (fixture currentOp-inprog-6.0.12…).
func workloadMetadata(op simOp, version string) bson.D {
	var meta bson.D
	if op.appName != "" && op.appName != "OplogFetcher" {
		meta = append(meta, bson.E{Key: "application", Value: bson.D{{Key: "name", Value: op.appName}}})
	}
	switch {
	case strings.HasPrefix(op.driver, "NetworkInterfaceTL"):
		return append(meta, bson.E{Key: "driver", Value: bson.D{{Key: "name", Value: op.driver}, {Key: "version", Value: version}}},
			bson.E{Key: "os", Value: bson.D{{Key: "type", Value: "Linux"}, {Key: "name", Value: "Ubuntu"}, {Key: "architecture", Value: "x86_64"}, {Key: "version", Value: "22.04"}}})
	case op.driver == "nodejs|mongosh":
		return append(meta, bson.E{Key: "driver", Value: bson.D{{Key: "name", Value: op.driver}, {Key: "version", Value: "6.12.0|2.3.8"}}},
			bson.E{Key: "platform", Value: "Node.js v20.18.1, LE"},
			bson.E{Key: "os", Value: bson.D{{Key: "name", Value: "linux"}, {Key: "architecture", Value: "x64"}, {Key: "version", Value: "6.8.0-1017-aws"}, {Key: "type", Value: "Linux"}}})
	}
	return append(meta, bson.E{Key: "driver", Value: bson.D{{Key: "name", Value: "mongo-go-driver"}, {Key: "version", Value: "2.2.2"}}},
		bson.E{Key: "os", Value: bson.D{{Key: "type", Value: "linux"}, {Key: "architecture", Value: "amd64"}}},
		bson.E{Key: "platform", Value: "go1.24.4"})
}

func idleTransactionDoc(op simOp, now time.Time) bson.D {
	opened := now.Add(-time.Duration(op.secs * float64(time.Second)))
	return bson.D{
		{Key: "parameters", Value: bson.D{{Key: "txnNumber", Value: int64(1)}, {Key: "autocommit", Value: false}, {Key: "readConcern", Value: bson.D{{Key: "level", Value: "snapshot"}}}}},
		{Key: "readTimestamp", Value: tsOf(opened)},
		{Key: "startWallClockTime", Value: opened.UTC().Format("2006-01-02T15:04:05.000-07:00")},
		{Key: "timeOpenMicros", Value: int64(op.secs * 1e6)},
		{Key: "timeActiveMicros", Value: int64(1200)},
		{Key: "timeInactiveMicros", Value: int64(op.secs*1e6) - 1200},
		{Key: "expiryTime", Value: opened.Add(60 * time.Second).UTC().Format("2006-01-02T15:04:05.000-07:00")},
	}
}

// opStateFields are what CurOp::reportState adds for an operation.
func opStateFields(op simOp) bson.D {
	cmd := op.command
	if cmd == nil {
		cmd = bson.D{}
	}
	d := bson.D{{Key: "op", Value: orDefault(op.op, "none")}, {Key: "ns", Value: op.ns}, {Key: "redacted", Value: false},
		{Key: "command", Value: cmd}}
	if op.planSummary != "" {
		d = append(d, bson.E{Key: "planSummary", Value: op.planSummary})
	}
	if op.msg != "" {
		d = append(d, bson.E{Key: "msg", Value: op.msg})
	}
	if op.total > 0 {
		d = append(d, bson.E{Key: "progress", Value: bson.D{{Key: "done", Value: op.done}, {Key: "total", Value: op.total}}})
	}
	if op.killPending {
		d = append(d, bson.E{Key: "killPending", Value: true})
	}
	d = append(d, bson.E{Key: "numYields", Value: int32(op.secs * 10)})
	if !op.latchSince.IsZero() {
		d = append(d, bson.E{Key: "waitingForLatch", Value: bson.D{{Key: "timestamp", Value: bson.NewDateTimeFromTime(op.latchSince)}, {Key: "captureName", Value: "AnonymousLockable"}}})
	}
	locks := bson.D{}
	if op.waitingForLock {
		locks = bson.D{{Key: "FeatureCompatibilityVersion", Value: "w"}, {Key: "Global", Value: "w"}, {Key: "Database", Value: "w"}, {Key: "Collection", Value: "X"}}
	}
	return append(d, bson.E{Key: "queryFramework", Value: "classic"},
		bson.E{Key: "locks", Value: locks}, bson.E{Key: "waitingForLock", Value: op.waitingForLock}, bson.E{Key: "lockStats", Value: bson.D{}},
		bson.E{Key: "waitingForFlowControl", Value: false}, bson.E{Key: "flowControlStats", Value: bson.D{}})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// wantOp applies the allUsers/idleConnections options to one op.
func wantOp(op simOp, r *request, o currentOpOptions) bool {
	if op.idleSession {
		return o.idleSessions && (o.allUsers || !r.authOn || op.user == r.user && op.userDB == r.userDB)
	}
	if !op.active && !o.idleConnections {
		return false
	}
	if !o.allUsers && r.authOn && !(op.user == r.user && op.userDB == r.userDB) {
		return false
	}
	return true
}

// currentOpStage answers {$currentOp: spec} checking what the server
// checks, in its order: the lite parse, the privilege, the namespace, then
// the full parse of the options.
func (n *node) currentOpStage(r *request, spec any, isColl bool) ([]bson.D, error) {
	d, err := liteParseCurrentOp(spec)
	if err != nil {
		return nil, err
	}
	var lite currentOpOptions
	for _, e := range d {
		if b, _ := e.Value.(bool); b && (e.Key == "allUsers" || e.Key == "localOps") {
			lite.set(e.Key, true)
		}
	}
	if err := n.currentOpAuth(r, lite); err != nil {
		return nil, err
	}
	if isColl || r.db != "admin" {
		return nil, &queryError{code: 73, codeName: "InvalidNamespace", msg: "$currentOp must be run against the 'admin' database with {aggregate: 1}"}
	}
	o, err := n.c.parseCurrentOpSpec(d, n.kind == kindMongos)
	if err != nil {
		return nil, err
	}
	return n.currentOpDocs(r, o)
}

// currentOpAuth is LiteParsed::requiredPrivileges: inprog for allUsers,
// and always on a mongos asking the shards (not for its localOps).
func (n *node) currentOpAuth(r *request, o currentOpOptions) error {
	if (o.allUsers || n.kind == kindMongos && !o.localOps) && !r.can("inprog", Resource{Cluster: true}) {
		return &queryError{code: 13, codeName: "Unauthorized", msg: unauthorizedMsg("admin", r.body)}
	}
	return nil
}

// currentOpDocs is the output of {$currentOp: o} on this node, before the
// following stages.
func (n *node) currentOpDocs(r *request, o currentOpOptions) ([]bson.D, error) {
	if err := n.currentOpAuth(r, o); err != nil {
		return nil, err
	}
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.kind != kindMongos || o.localOps {
		var docs []bson.D
		for _, op := range n.opsForLocked(now, o) {
			if wantOp(op, r, o) {
				docs = append(docs, n.opDoc(op, now))
			}
		}
		return docs, nil
	}
	// Through mongos: one node per shard (the primary) unless targetAllNodes,
	// with shard-qualified string opids and the client renamed client_s.
	var docs []bson.D
	for _, rs := range c.shards {
		targets := []*node{rs.primaryNode()}
		if o.targetAllNodes { // the data-bearing members the mongos knows (hello hosts and passives)
			targets = nil
			for _, m := range rs.dataBearing() {
				if !m.mcfg.hidden {
					targets = append(targets, m)
				}
			}
		}
		for _, t := range targets {
			if t == nil || !t.up() {
				continue
			}
			r.targets = append(r.targets, t)
			ops := append(t.opsForLocked(now, o), forwardedSelfOp(t, n, r))
			for _, op := range ops {
				if wantOp(op, r, o) {
					docs = append(docs, mongosView(t.opDoc(op, now), rs.name, n.addr))
				}
			}
		}
	}
	return docs, nil
}

// opsForLocked are the node's live ops, with its idle pooled connections
// when the options ask for idle connections.
func (n *node) opsForLocked(now time.Time, o currentOpOptions) []simOp {
	live := n.liveOpsLocked(now)
	if o.idleConnections {
		live = append(live, n.idleFillersLocked(live, now)...)
	}
	return live
}

// forwardedSelfOp is the $currentOp the mongos itself runs on each shard on
// behalf of the asking client: a currentOp shows itself.
func forwardedSelfOp(shardNode, mongos *node, r *request) simOp {
	op := simOp{opid: opidFor(shardNode, "forwarded", connIDOf(r)), desc: fmt.Sprintf("conn%d", 50+shardNode.idx), connID: int64(50 + shardNode.idx),
		client: mongos.addr, appName: r.appName, user: r.user, userDB: r.userDB, active: true, op: "command", ns: "admin.$cmd.aggregate"}
	if r.user == "" {
		op.user, op.userDB = "", ""
	}
	op.command = bson.D{{Key: "aggregate", Value: int32(1)}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$currentOp", Value: bson.D{{Key: "allUsers", Value: true}}}}}}, {Key: "$db", Value: "admin"}}
	return op
}

func connIDOf(r *request) int64 {
	if r.conn == nil {
		return 0
	}
	return r.conn.ID
}

func mongosView(d bson.D, shard, mongosAddr string) bson.D {
	out := bson.D{{Key: "shard", Value: shard}}
	for _, e := range d {
		switch e.Key {
		case "opid":
			e.Value = fmt.Sprintf("%s:%d", shard, e.Value.(int32))
		case "client":
			e = bson.E{Key: "client_s", Value: mongosAddr}
		}
		out = append(out, e)
	}
	return out
}

// cmdCurrentOp is the legacy command: {currentOp: 1, $all, $ownOps, <filter>}.
func cmdCurrentOp(n *node, r *request) bson.D {
	all, _ := r.body.Lookup("$all").BooleanOK()
	own, _ := r.body.Lookup("$ownOps").BooleanOK()
	o := currentOpOptions{allUsers: !own, idleConnections: all, idleSessions: all}
	if !own && !r.can("inprog", Resource{Cluster: true}) {
		return errorReply(13, "Unauthorized", unauthorizedMsg(r.db, r.body))
	}
	docs, err := n.currentOpDocs(r, o)
	if err != nil {
		return queryReply(err)
	}
	var filter bson.D
	var body bson.D
	_ = bson.Unmarshal(r.body, &body)
	for _, e := range body {
		if e.Key == "currentOp" || strings.HasPrefix(e.Key, "$") || e.Key == "lsid" || e.Key == "comment" || e.Key == "maxTimeMS" {
			continue
		}
		filter = append(filter, e)
	}
	if !all && len(filter) > 0 {
		if docs, err = qFind(docs, filter, nil, nil, 0, 0); err != nil {
			return queryReply(err)
		}
	}
	inprog := bson.A{}
	for _, d := range docs {
		inprog = append(inprog, d)
	}
	return bson.D{{Key: "inprog", Value: inprog}}
}
