package simcluster

import (
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type currentOpOptions struct {
	allUsers, idleConnections, idleSessions, localOps, targetAllNodes bool
}

func currentOpOptionsFrom(d bson.D) currentOpOptions {
	o := currentOpOptions{idleSessions: true}
	for _, e := range d {
		b := truthy(e.Value)
		switch e.Key {
		case "allUsers":
			o.allUsers = b
		case "idleConnections":
			o.idleConnections = b
		case "idleSessions":
			o.idleSessions = b
		case "localOps":
			o.localOps = b
		case "targetAllNodes":
			o.targetAllNodes = b
		}
	}
	return o
}

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
	for _, op := range n.liveOpsLocked(now, nil) {
		out = append(out, OpInfo{OpID: op.opid, Op: op.op, NS: op.ns, AppName: op.appName, Desc: op.desc, SecsRunning: op.secs, KillPending: op.killPending})
	}
	return out
}

// liveOpsLocked is the workload's ops with kills applied, plus the real
// client connections (self is the request asking, shown running).
func (n *node) liveOpsLocked(now time.Time, self *request) []simOp {
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
	return append(out, n.connectionOpsLocked(self)...)
}

// connectionOpsLocked turns the listener's real connections into ops:
// the asking connection is active, the others idle.
func (n *node) connectionOpsLocked(self *request) []simOp {
	var out []simOp
	for _, ci := range n.srv.Conns() {
		user, db, _ := ci.Auth()
		op := simOp{opid: int32(ci.ID%1000000) + 1000, desc: fmt.Sprintf("conn%d", ci.ID), connID: ci.ID, client: ci.Remote,
			appName: ci.AppName, user: user, userDB: db, driver: driverName(ci.ClientMetadata)}
		if self != nil && self.conn != nil && self.conn.ID == ci.ID {
			op.active = true
			op.op, op.ns = "command", self.db+".$cmd."+self.name
			op.command = bson.D{{Key: self.name, Value: int32(1)}, {Key: "$db", Value: self.db}}
		}
		out = append(out, op)
	}
	return out
}

func driverName(meta bson.Raw) string {
	s, _ := meta.Lookup("driver", "name").StringValueOK()
	return s
}

func killKey(addr string, opid int32) string { return fmt.Sprintf("%s/%d", addr, opid) }

func lsidKey(b bson.Binary) string { return fmt.Sprintf("%x", b.Data) }

// opDoc renders an op as $currentOp does on a mongod.
func (n *node) opDoc(op simOp, now time.Time) bson.D {
	typ := "op"
	if op.idleSession {
		typ = "idleSession"
	}
	d := bson.D{{Key: "type", Value: typ}, {Key: "host", Value: n.name()}, {Key: "desc", Value: op.desc}}
	// In a sharded cluster applications reach a shard through the mongos:
	// the shard sees the mongos as its client, the real one in clientMetadata.mongos.
	routed := n.c.mongos != nil && n.kind == kindShard && op.connID != 0 && !op.system
	if op.connID != 0 {
		client := op.client
		if routed {
			client = n.c.mongos.addr
		}
		d = append(d, bson.E{Key: "connectionId", Value: int32(op.connID)}, bson.E{Key: "client", Value: client})
		if op.appName != "" {
			d = append(d, bson.E{Key: "appName", Value: op.appName})
		}
		meta := bson.D{}
		if op.appName != "" {
			meta = append(meta, bson.E{Key: "application", Value: bson.D{{Key: "name", Value: op.appName}}})
		}
		drv := op.driver
		if drv == "" {
			drv = "mongo-go-driver"
		}
		meta = append(meta, bson.E{Key: "driver", Value: bson.D{{Key: "name", Value: drv}, {Key: "version", Value: "2.9.3"}}},
			bson.E{Key: "os", Value: bson.D{{Key: "type", Value: "linux"}, {Key: "architecture", Value: "amd64"}}})
		if routed {
			meta = append(meta, bson.E{Key: "mongos", Value: bson.D{{Key: "host", Value: n.c.mongos.addr}, {Key: "client", Value: op.client}, {Key: "version", Value: serverVersion}}})
		}
		d = append(d, bson.E{Key: "clientMetadata", Value: meta})
	}
	d = append(d, bson.E{Key: "active", Value: op.active}, bson.E{Key: "currentOpTime", Value: now.UTC().Format("2006-01-02T15:04:05.000-07:00")})
	if op.user != "" {
		d = append(d, bson.E{Key: "effectiveUsers", Value: bson.A{bson.D{{Key: "user", Value: op.user}, {Key: "db", Value: op.userDB}}}})
	}
	d = append(d, bson.E{Key: "threaded", Value: true}, bson.E{Key: "opid", Value: op.opid})
	if op.lsid != nil {
		d = append(d, bson.E{Key: "lsid", Value: bson.D{{Key: "id", Value: *op.lsid}, {Key: "uid", Value: bson.Binary{Subtype: 0, Data: make([]byte, 32)}}}})
	}
	if op.idleSession {
		opened := now.Add(-time.Duration(op.secs * float64(time.Second)))
		d = append(d, bson.E{Key: "transaction", Value: bson.D{
			{Key: "parameters", Value: bson.D{{Key: "txnNumber", Value: int64(1)}, {Key: "autocommit", Value: false}, {Key: "readConcern", Value: bson.D{{Key: "level", Value: "snapshot"}}}}},
			{Key: "readTimestamp", Value: tsOf(opened)},
			{Key: "startWallClockTime", Value: opened.UTC().Format("2006-01-02T15:04:05.000-07:00")},
			{Key: "timeOpenMicros", Value: int64(op.secs * 1e6)},
			{Key: "timeActiveMicros", Value: int64(1200)},
			{Key: "timeInactiveMicros", Value: int64(op.secs*1e6) - 1200},
			{Key: "expiryTime", Value: opened.Add(60 * time.Second).UTC().Format("2006-01-02T15:04:05.000-07:00")},
		}})
	}
	if op.active {
		d = append(d, bson.E{Key: "secs_running", Value: int64(op.secs)}, bson.E{Key: "microsecs_running", Value: int64(op.secs * 1e6)})
	}
	cmd := op.command
	if cmd == nil {
		cmd = bson.D{}
	}
	d = append(d, bson.E{Key: "op", Value: orDefault(op.op, "none")}, bson.E{Key: "ns", Value: op.ns}, bson.E{Key: "redacted", Value: false},
		bson.E{Key: "command", Value: cmd})
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
	locks := bson.D{}
	if op.waitingForLock {
		locks = bson.D{{Key: "FeatureCompatibilityVersion", Value: "w"}, {Key: "Global", Value: "w"}, {Key: "Database", Value: "w"}, {Key: "Collection", Value: "X"}}
	}
	d = append(d, bson.E{Key: "numYields", Value: int32(op.secs * 10)}, bson.E{Key: "queryFramework", Value: "classic"},
		bson.E{Key: "locks", Value: locks}, bson.E{Key: "waitingForLock", Value: op.waitingForLock}, bson.E{Key: "lockStats", Value: bson.D{}},
		bson.E{Key: "waitingForFlowControl", Value: false}, bson.E{Key: "flowControlStats", Value: bson.D{}})
	return d
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

// currentOpDocs is the output of {$currentOp: o} on this node, before the
// following stages.
func (n *node) currentOpDocs(r *request, o currentOpOptions) ([]bson.D, error) {
	if (o.allUsers || n.kind == kindMongos) && !r.allowed(actMonitor) {
		return nil, &queryError{code: 13, codeName: "Unauthorized", msg: unauthorizedMsg("admin", r.body)}
	}
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.kind != kindMongos || o.localOps {
		var docs []bson.D
		for _, op := range n.liveOpsLocked(now, r) {
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
		if o.targetAllNodes {
			targets = rs.members
		}
		for _, t := range targets {
			if t == nil || !t.up() {
				continue
			}
			ops := t.liveOpsLocked(now, nil)
			ops = append(ops, forwardedSelfOp(t, n, r))
			for _, op := range ops {
				if wantOp(op, r, o) {
					docs = append(docs, mongosView(t.opDoc(op, now), rs.name, n.addr))
				}
			}
		}
	}
	return docs, nil
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
	if !own && !r.allowed(actMonitor) {
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
