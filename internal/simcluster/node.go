package simcluster

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

type nodeKind int

const (
	kindMongos nodeKind = iota
	kindShard           // a member of a shard replica set (or of the lone replica set)
	kindConfig          // a config server replica set member
	kindStandalone
)

// node is one simulated mongod or mongos; it is the wire.Handler of its listener.
type node struct {
	c      *Cluster
	idx    int // position in port order; seeds the node's workload
	kind   nodeKind
	rs     *replSet
	member int       // index in rs.members
	mcfg   memberCfg // its replica set config entry
	addr   string
	pid    int64
	srv    *wire.Server
	fail   map[string]int32 // command name -> error code, from the fail fault
	load   nodeLoad
	spans  []roleSpan              // role history (replica set members), for monotonic counters
	topo   topoState               // hello's topologyVersion; guarded by c.mu but for awaiting
	served map[string]*servedCount // metrics.commands: what the node answered
}

var _ wire.Handler = (*node)(nil)

func (n *node) info() NodeInfo {
	ni := NodeInfo{Address: n.addr, Role: n.roleLocked()}
	if n.rs != nil {
		ni.Member = n.mcfg.kind()
		ni.Set = n.rs.name
		ni.Shard = n.rs.name
		if n.kind == kindConfig {
			ni.Shard = "config"
		}
	}
	return ni
}

// roleLocked is the node's role; c.mu must be held.
func (n *node) roleLocked() string {
	switch n.kind {
	case kindMongos:
		return "mongos"
	case kindStandalone:
		return "standalone"
	case kindConfig:
		return "config"
	}
	if n.isPrimaryLocked() {
		return "primary"
	}
	if n.mcfg.arbiter {
		return "arbiter"
	}
	return "secondary"
}

func (n *node) isPrimaryLocked() bool {
	return n.rs != nil && n.rs.primary == n.member
}

// request is one command as the handlers see it.
type request struct {
	ctx     context.Context
	db      string
	name    string
	body    bson.Raw
	conn    *wire.ConnInfo
	user    string
	userDB  string
	roles   []wire.Role
	authOn  bool
	appName string
	// secondaryOk: the client's read preference lets it read from a
	// secondary ($readPreference other than primary, or OP_QUERY's flag).
	secondaryOk bool
	// helloOk: the connection's handshake sent helloOk, so errors say
	// "primary" rather than "master".
	helloOk bool
	// targets are the nodes a mongos asked for $currentOp, to charge them.
	targets []*node
	// privs are the user's roles resolved to privileges.
	privs []Privilege
	// fanout is what the mongos's $currentOp asked each shard node.
	fanout []fanoutCharge
}

// Handle answers one command; the reply always carries ok. A bug in a
// handler answers InternalError instead of taking the whole simulator down.
func (n *node) Handle(ctx context.Context, wr *wire.Request) (reply bson.Raw) {
	defer func() {
		if p := recover(); p != nil {
			n.c.cfg.Logf("simcluster: %s: panic answering %s: %v", n.addr, wr.Name, p)
			reply, _ = bson.Marshal(errorReply(codeInternalError, "InternalError", fmt.Sprintf("simcluster failed answering %s: %v; please report it", wr.Name, p)))
		}
	}()
	r := &request{ctx: ctx, db: wr.DB, name: wr.Name, body: wr.Body, conn: wr.Conn, authOn: len(n.c.cfg.Users) > 0,
		secondaryOk: wr.SecondaryOk || readPrefAllowsSecondary(wr.Body)}
	if wr.Conn != nil {
		r.user, r.userDB, r.roles = wr.Conn.Auth()
		r.appName = wr.Conn.AppName
		r.helloOk = wr.Conn.SupportsHello()
		if r.authOn {
			r.privs = n.c.privilegesOf(r.roles)
		}
	}
	d := n.dispatch(r)
	n.countServed(wr.Name, d)
	raw, err := bson.Marshal(d)
	if err != nil {
		raw, _ = bson.Marshal(errorReply(codeInternalError, "InternalError", "simcluster could not encode its reply: "+err.Error()))
	}
	n.settleFanout(r, raw)
	return raw
}

// countServed counts a reply in metrics.commands under the command's
// registered name, unknown commands under "<UNKNOWN>".
func (n *node) countServed(name string, reply bson.D) {
	spec, ok := commandTable[name]
	if !ok {
		spec, ok = commandTable[strings.ToLower(name)]
	}
	switch {
	case !ok:
		name = "<UNKNOWN>"
	case strings.HasPrefix(spec.name, "sim"):
		return // the simulator's own commands are not MongoDB's
	default:
		name = spec.name
	}
	ok0, _ := lookupD(reply, "ok").(float64)
	n.c.mu.Lock()
	n.countServedLocked(name, ok0 != 1)
	n.c.mu.Unlock()
}

func (n *node) dispatch(r *request) bson.D {
	spec, ok := commandTable[r.name]
	if !ok {
		spec, ok = commandTable[strings.ToLower(r.name)]
	}
	if !ok {
		return n.finish(errorReply(59, "CommandNotFound", "no such command: '"+r.name+"'"))
	}
	n.c.mu.Lock()
	code, failing := n.fail[spec.name]
	if !failing {
		code, failing = n.fail[r.name]
	}
	n.c.mu.Unlock()
	if failing {
		return n.finish(faultReply(code, spec.name))
	}
	if spec.nodes != 0 && spec.nodes&n.kindBit() == 0 {
		return n.finish(spec.refusal(n, r))
	}
	if err := checkMaxTimeMS(spec.name, r.body); err != nil {
		return n.finish(queryReply(err))
	}
	if msg := n.authorize(r, spec); msg != "" {
		return n.finish(errorReply(13, "Unauthorized", msg))
	}
	if refusal := n.notPrimaryRefusal(r, spec); refusal != nil {
		return n.finish(refusal)
	}
	reply := spec.fn(n, r)
	if n.kind == kindMongos {
		n.chargeRouted(r, spec.name, reply)
	}
	return n.finish(reply)
}

// finish adds what every real reply carries: ok, and on replica set members
// and mongos the operationTime and $clusterTime a driver gossips back.
func (n *node) finish(reply bson.D) bson.D {
	if !hasKey(reply, "ok") {
		reply = append(reply, bson.E{Key: "ok", Value: 1.0})
	}
	n.c.mu.Lock()
	ts := n.c.clusterTimeLocked()
	if code, _ := lookupD(reply, "code").(int32); topologyErrorCodes[code] {
		// appendErrorLabelsAndTopologyVersion: drivers compare it with the
		// one they know to tell a stale error from a new state.
		reply = append(reply, bson.E{Key: "topologyVersion", Value: n.topologyVersionLocked()})
	}
	n.c.mu.Unlock()
	if n.kind == kindStandalone {
		return reply
	}
	return append(reply,
		bson.E{Key: "$clusterTime", Value: bson.D{
			{Key: "clusterTime", Value: ts},
			{Key: "signature", Value: bson.D{
				{Key: "hash", Value: bson.Binary{Subtype: 0, Data: make([]byte, 20)}},
				{Key: "keyId", Value: int64(0)},
			}},
		}},
		bson.E{Key: "operationTime", Value: ts},
	)
}

func (n *node) kindBit() nodeMask {
	switch n.kind {
	case kindMongos:
		return onMongos
	case kindConfig:
		return onConfig
	case kindStandalone:
		return onStandalone
	}
	return onShard
}

func hasKey(d bson.D, k string) bool {
	for _, e := range d {
		if e.Key == k {
			return true
		}
	}
	return false
}

const codeInternalError = 1

// topologyErrorCodes are the NotPrimaryError and ShutdownError categories
// (error_codes.yml), whose replies carry the server's topologyVersion.
var topologyErrorCodes = map[int32]bool{10107: true, 13435: true, 13436: true, 11602: true, 189: true, 11600: true, 91: true}

func errorReply(code int32, codeName, msg string) bson.D {
	return bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: msg}, {Key: "code", Value: code}, {Key: "codeName", Value: codeName}}
}

// faultReply is the error an injected fail fault returns, named as the
// server would name that code.
func faultReply(code int32, cmd string) bson.D {
	name, msg := "Error", "simulated failure of "+cmd
	switch code {
	case 13:
		name, msg = "Unauthorized", "not authorized on admin to execute command { "+cmd+": 1 }"
	case 11600:
		name, msg = "InterruptedAtShutdown", "interrupted at shutdown"
	case 50:
		name, msg = "MaxTimeMSExpired", "operation exceeded time limit"
	case 10107:
		name, msg = "NotWritablePrimary", "not primary"
	case 189:
		name, msg = "PrimarySteppedDown", "Primary stepped down while waiting for replication"
	case 91:
		name, msg = "ShutdownInProgress", "The server is in quiesce mode and will shut down"
	}
	return errorReply(code, name, msg)
}
