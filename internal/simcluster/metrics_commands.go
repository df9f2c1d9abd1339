package simcluster

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// servedCount is one metrics.commands entry of what a node really served.
type servedCount struct{ total, failed int64 }

// mongosOnlyCommands are the router's own commands, in its list only.
var mongosOnlyCommands = []string{"addShard", "balancerStart", "balancerStatus", "balancerStop", "enableSharding", "listShards",
	"moveChunk", "movePrimary", "removeShard", "shardCollection", "split"}

// commandNamesFor is the sorted metrics.commands list of a release on a
// mongod, or on a mongos (no shard, config server or replication internals).
func commandNamesFor(c *Cluster, mongos bool) []string {
	var names []string
	if c.atLeast(6, 0) {
		names = append(names, commands60...)
	} else {
		names = without(append(append([]string(nil), commands42...), addedIn44...), removedIn44)
		if c.atLeast(5, 0) {
			names = without(names, removedIn50)
		}
	}
	if c.atLeast(7, 0) {
		names = append(names, addedIn70...)
	}
	if c.atLeast(8, 0) {
		names = without(append(names, addedIn80...), removedIn80)
	}
	if mongos {
		var routed []string
		for _, n := range names {
			if !strings.HasPrefix(n, "_") && !strings.HasPrefix(n, "replSet") && n != "applyOps" && n != "appendOplogNote" {
				routed = append(routed, n)
			}
		}
		names = append(routed, mongosOnlyCommands...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func without(names, drop []string) []string {
	return slices.DeleteFunc(names, func(n string) bool { return slices.Contains(drop, n) })
}

// countServedLocked records one command the node answered.
func (n *node) countServedLocked(name string, failed bool) {
	if n.served == nil {
		n.served = map[string]*servedCount{}
	}
	cc := n.served[name]
	if cc == nil {
		cc = &servedCount{}
		n.served[name] = cc
	}
	cc.total++
	if failed {
		cc.failed++
	}
}

// metricsCommands is metrics.commands: the workload's share of each
// command over the node's uptime plus what the node really served, so the
// counters grow with every request (hello included).
func metricsCommands(s *statusCtx) bson.D {
	base := commandBaseline(s)
	d := bson.D{{Key: "<UNKNOWN>", Value: s.served["<UNKNOWN>"].total}}
	names := s.n.c.cmdNames[0]
	if s.n.kind == kindMongos {
		names = s.n.c.cmdNames[1]
	}
	for _, name := range names {
		cc := s.served[name]
		total, failed := base[name]+cc.total, cc.failed
		entry := bson.D{{Key: "failed", Value: failed}, {Key: "total", Value: total}}
		if name == "update" || name == "findAndModify" {
			entry = bson.D{{Key: "arrayFilters", Value: int64(0)}, {Key: "failed", Value: failed}, {Key: "pipeline", Value: int64(0)}, {Key: "total", Value: total}}
		}
		d = append(d, bson.E{Key: name, Value: entry})
	}
	return d
}

// commandBaseline spreads the workload's counters over the commands a
// real node of this kind serves (fixture serverStatus-6.0.12: find equals
// opcounters.query, getMore opcounters.getmore; monitoring and replication
// commands tick with uptime).
func commandBaseline(s *statusCtx) map[string]int64 {
	o, up := s.ops, int64(s.uptime)
	base := map[string]int64{
		"find": o[opQuery], "getMore": o[opGetmore], "insert": o[opInsert] / 8, "update": o[opUpdate], "delete": o[opDelete],
		"aggregate": o[opCommand] / 40, "count": o[opCommand] / 400, "hello": up / 5, "isMaster": up / 10, "ping": up / 2,
		"serverStatus": up / 10, "buildInfo": up / 60, "endSessions": up / 30, "listDatabases": up / 60, "dbStats": up / 20,
		"collStats": up / 60, "getParameter": up / 60, "listCollections": up / 300, "listIndexes": up / 600,
	}
	if s.n.rs != nil {
		others := int64(len(s.n.rs.members) - 1)
		base["replSetHeartbeat"] = up / 2 * others
		base["replSetGetRBID"], base["replSetGetConfig"] = 2, 2
		if s.primary {
			base["replSetUpdatePosition"] = o[opGetmore]
		}
	}
	return base
}

// servedSnapshotLocked copies what the node served, for statusCtx.
func (n *node) servedSnapshotLocked() map[string]servedCount {
	out := make(map[string]servedCount, len(n.served))
	for k, v := range n.served {
		out[k] = *v
	}
	return out
}
