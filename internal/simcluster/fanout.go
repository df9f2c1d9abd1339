package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// The simulated mongos answers from the cluster's state directly, but a
// real one sends requests to the shards and config servers for its
// clients. Each is charged to the node that would have served it, under
// the client's appName, so per-node load (simStats, metrics.commands) is
// what a real deployment would see.

// opMsgOverhead is an OP_MSG's header, flags and section kind.
const opMsgOverhead = 16 + 4 + 1

// chargeFanoutLocked records on t one request named name with the given
// command and reply; c.mu is held.
func (t *node) chargeFanoutLocked(app, name string, cmd, reply bson.D) {
	t.countServedLocked(name, false)
	t.srv.Charge(app, name, opMsgOverhead+bsonSize(cmd), opMsgOverhead+bsonSize(reply))
}

func bsonSize(d bson.D) int {
	b, err := bson.Marshal(d)
	if err != nil {
		return 0
	}
	return len(b)
}

// chargeCurrentOp charges each node the mongos asked for $currentOp: its
// aggregate with fromMongos, answered with its own ops after the stages a
// mongos pushes down to the shards ($match, $project and the like).
// The documents' bytes are settled once the reply is encoded (settleFanout):
// encoding them twice would double the simulator's own cost.
func (n *node) chargeCurrentOp(r *request, docs []bson.D, rest []bson.D) {
	pushed := pushedDownStages(rest)
	for _, t := range r.targets {
		var mine []bson.D
		for _, d := range docs {
			if host, _ := lookupD(d, "host").(string); host == t.addr {
				mine = append(mine, d)
			}
		}
		if out, err := qAggregate(mine, pushed); err == nil {
			mine = out
		}
		r.fanout = append(r.fanout, fanoutCharge{node: t, docs: len(mine)})
	}
}

// fanoutCharge is a $currentOp a shard node answered for the mongos.
type fanoutCharge struct {
	node *node
	docs int
}

// settleFanout charges the $currentOp fan-out once the mongos's reply is
// encoded: the request is the client's plus fromMongos and needsMerge, each
// node's reply its documents at the reply's average size per document.
func (n *node) settleFanout(r *request, raw bson.Raw) {
	if len(r.fanout) == 0 {
		return
	}
	const envelope, perOpDoc, extraFields = 120, 700, 32
	batch, _ := raw.Lookup("cursor", "firstBatch").ArrayOK()
	vals, _ := batch.Values()
	per := perOpDoc
	if len(vals) > 0 {
		per = len(batch) / len(vals)
	}
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	for _, f := range r.fanout {
		f.node.countServedLocked("aggregate", false)
		f.node.srv.Charge(r.appName, "aggregate", opMsgOverhead+len(r.body)+extraFields, opMsgOverhead+envelope+per*f.docs)
	}
}

// pushedDownStages are the leading stages a mongos runs on the shards.
func pushedDownStages(pipeline []bson.D) []bson.D {
	var out []bson.D
	for _, st := range pipeline {
		if len(st) != 1 {
			break
		}
		switch st[0].Key {
		case "$match", "$project", "$addFields", "$set", "$unset":
			out = append(out, st)
			continue
		}
		break
	}
	return out
}

// configForwards names what the mongos sends the config server primary for
// a command it answers: balancer control goes as _configsvr commands,
// reads and writes of the config database as themselves.
var configForwards = map[string]string{
	"balancerStatus": "_configsvrBalancerStatus", "balancerStart": "_configsvrBalancerStart", "balancerStop": "_configsvrBalancerStop",
	"listShards": "find",
}

// chargeRouted charges the nodes a real mongos would have asked for a
// command it answered: the config primary for config reads, writes and
// balancer control, every shard for listDatabases, a shard primary for a
// killOp of one of its ops.
func (n *node) chargeRouted(r *request, name string, reply bson.D) {
	if name == "listDatabases" {
		n.chargeEveryShard(r, name, func(*replSet) bson.D { return reply })
		return
	}
	forward, toConfig := configForwards[name]
	if !toConfig && r.db == "config" {
		switch name {
		case "find", "count", "aggregate", "update", "findAndModify", "insert", "delete", "listCollections":
			forward, toConfig = name, true
		}
	}
	var cmd bson.D
	_ = bson.Unmarshal(r.body, &cmd)
	c := n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if toConfig && c.configRS != nil {
		if p := c.configRS.primaryNode(); p != nil {
			p.chargeFanoutLocked(r.appName, forward, cmd, reply)
		}
		return
	}
	op, isString := r.body.Lookup("op").StringValueOK()
	if name != "killOp" || !isString {
		return
	}
	if shard, opid, ok := parseShardOpID(op); ok {
		if rs := c.shardByName(shard); rs != nil && rs.primaryNode() != nil {
			fwd := bson.D{{Key: "killOp", Value: int32(1)}, {Key: "op", Value: opid}, {Key: "$db", Value: "admin"}}
			rs.primaryNode().chargeFanoutLocked(r.appName, "killOp", fwd, bson.D{{Key: "info", Value: "attempting to kill op"}, {Key: "ok", Value: 1.0}})
		}
	}
}

// chargeEveryShard charges each shard primary one request named name, with
// reply per shard: listDatabases and $shardedDataDistribution ask them all.
func (n *node) chargeEveryShard(r *request, name string, reply func(rs *replSet) bson.D) {
	var cmd bson.D
	_ = bson.Unmarshal(r.body, &cmd)
	c := n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range c.shards {
		if p := rs.primaryNode(); p != nil && p.up() {
			p.chargeFanoutLocked(r.appName, name, cmd, reply(rs))
		}
	}
}
