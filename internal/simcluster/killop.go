package simcluster

import (
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// cmdKillOp: numeric opids on mongod (and mongos-local), "shard:opid" on
// mongos, forwarded to that shard's primary. Like real servers, killing an
// op that does not exist still answers ok.
func cmdKillOp(n *node, r *request) bson.D {
	v, err := r.body.LookupErr("op")
	if err != nil {
		return errorReply(4, "NoSuchKey", "Missing required field \"op\"")
	}
	c := n.c
	now := c.cfg.Now()
	if !r.can("killop", Resource{Cluster: true}) && !n.ownsOp(r, v, now) {
		return errorReply(13, "Unauthorized", unauthorizedMsg(r.db, r.body))
	}
	if s, ok := v.StringValueOK(); ok {
		if n.kind != kindMongos {
			return errorReply(14, "TypeMismatch", "Expected field \"op\" to have numeric type, but found string")
		}
		shard, opid, ok := parseShardOpID(s)
		if !ok {
			return errorReply(28625, "Location28625", "The op argument to killOp must be of the format shardid:opid but found \""+s+"\"")
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		rs := c.shardByName(shard)
		if rs == nil {
			return errorReply(70, "ShardNotFound", "shard "+shard+" not found")
		}
		if p := rs.primaryNode(); p != nil && p.up() {
			c.recordKillLocked(p, opid, now)
		}
		return bson.D{{Key: "shard", Value: shard}, {Key: "shardid", Value: opid}}
	}
	opid, ok := v.AsInt64OK()
	if !ok {
		return errorReply(14, "TypeMismatch", "Expected field \"op\" to have numeric type, but found "+v.Type.String())
	}
	c.mu.Lock()
	c.recordKillLocked(n, int32(opid), now)
	c.mu.Unlock()
	return bson.D{{Key: "info", Value: "attempting to kill op"}}
}

func parseShardOpID(s string) (string, int32, bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, false
	}
	var opid int32
	if _, err := fmt.Sscanf(s[i+1:], "%d", &opid); err != nil {
		return "", 0, false
	}
	return s[:i], opid, true
}

func (c *Cluster) recordKillLocked(n *node, opid int32, now time.Time) {
	if n.srv.Interrupt(opid) { // a real client's request
		return
	}
	key := killKey(n.addr, opid)
	if _, ok := c.kills[key]; !ok {
		c.kills[key] = killState{at: now}
	}
	if len(c.kills) > 100000 { // bound memory on endless soak runs
		c.kills = map[string]killState{key: {at: now}}
	}
}

// cmdKillSessions ends the ops of the given sessions ({killSessions: [{id: UUID}]}).
func cmdKillSessions(n *node, r *request) bson.D {
	arr, ok := r.body.Lookup("killSessions").ArrayOK()
	if !ok {
		return errorReply(14, "TypeMismatch", "killSessions takes an array of session ids such as [{id: UUID(...)}]")
	}
	vals, _ := arr.Values()
	now := n.c.cfg.Now()
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			continue
		}
		if st, data, ok := doc.Lookup("id").BinaryOK(); ok {
			key := lsidKey(bson.Binary{Subtype: st, Data: data})
			if _, seen := n.c.ended[key]; !seen {
				n.c.ended[key] = now
			}
		}
	}
	return bson.D{}
}

// ownsOp says whether a numeric opid on this mongod is the asking user's
// own op: users may kill their own ops without the killop privilege.
func (n *node) ownsOp(r *request, v bson.RawValue, now time.Time) bool {
	opid, ok := v.AsInt64OK()
	if !ok || n.kind == kindMongos || r.user == "" {
		return false
	}
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	for _, op := range n.liveOpsLocked(now) {
		if int64(op.opid) == opid {
			return op.user == r.user && op.userDB == r.userDB
		}
	}
	return false
}
