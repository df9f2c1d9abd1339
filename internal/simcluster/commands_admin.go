package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// cmdReplSetGetConfig is {replSetGetConfig: 1}: the replica set config
// (members with arbiterOnly, hidden, priority, delay, votes).
func cmdReplSetGetConfig(n *node, r *request) bson.D {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	return bson.D{{Key: "config", Value: n.replConfigLocked()}}
}

// cmdWhatsMyURI is {whatsmyuri: 1}: the client's address as the server sees it.
func cmdWhatsMyURI(n *node, r *request) bson.D {
	you := ""
	if r.conn != nil {
		you = r.conn.Remote
	}
	return bson.D{{Key: "you", Value: you}}
}

// cmdShardingState is {shardingState: 1} on a mongod: whether it is part of
// a sharded cluster, and which.
func cmdShardingState(n *node, r *request) bson.D {
	c := n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.configRS == nil || n.rs == nil {
		return bson.D{{Key: "enabled", Value: false}}
	}
	shard := n.rs.name
	if n.kind == kindConfig {
		shard = "config"
	}
	return bson.D{{Key: "enabled", Value: true}, {Key: "configServer", Value: c.configRS.connString()},
		{Key: "shardName", Value: shard}, {Key: "clusterId", Value: objectIDFor(c.cfg.Seed, 1)}}
}

// cmdConnPoolStats is {connPoolStats: 1}: the node's outgoing connection
// pools. A mongos has one per shard and config member and monitors every
// replica set (replicaSets[].hosts is its ReplicaSetMonitor view: no hidden
// members); a member talks to the other members of its set.
func cmdConnPoolStats(n *node, r *request) bson.D {
	c := n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var sets []*replSet
	switch {
	case n.kind == kindMongos:
		sets = c.sets()
	case n.rs != nil:
		sets = []*replSet{n.rs}
	}
	hosts, monitors := bson.D{}, bson.D{}
	var inUse, available, created int32
	for _, rs := range sets {
		var seen bson.A
		for i, m := range rs.members {
			if m == n || !m.up() {
				continue
			}
			use, avail := int32(i%2), int32(2+i%3)
			inUse, available, created = inUse+use, available+avail, created+use+avail
			hosts = append(hosts, bson.E{Key: m.addr, Value: bson.D{{Key: "inUse", Value: use}, {Key: "available", Value: avail},
				{Key: "leased", Value: int32(0)}, {Key: "created", Value: use + avail}, {Key: "refreshing", Value: int32(0)}, {Key: "refreshed", Value: int32(0)},
				{Key: "wasNeverUsed", Value: int32(0)}, {Key: "wasUsedOnce", Value: int32(0)}, {Key: "connectionsInUsePerPool", Value: int32(0)}}})
			if !m.mcfg.hidden {
				seen = append(seen, bson.D{{Key: "addr", Value: m.addr}, {Key: "ok", Value: true}, {Key: "ismaster", Value: i == rs.primary},
					{Key: "hidden", Value: false}, {Key: "secondary", Value: i != rs.primary && !m.mcfg.arbiter}, {Key: "pingTimeMillis", Value: int32(i % 2)}})
			}
		}
		name := rs.name
		if rs.kind == kindConfig {
			name = "config"
		}
		monitors = append(monitors, bson.E{Key: name, Value: bson.D{{Key: "hosts", Value: seen}}})
	}
	return bson.D{{Key: "numClientConnections", Value: int32(0)}, {Key: "numAScopedConnections", Value: int32(0)},
		{Key: "totalInUse", Value: inUse}, {Key: "totalAvailable", Value: available}, {Key: "totalLeased", Value: int32(0)},
		{Key: "totalCreated", Value: created}, {Key: "totalRefreshing", Value: int32(0)}, {Key: "totalRefreshed", Value: int32(0)},
		{Key: "replicaSetMatchingStrategy", Value: "automatic"}, {Key: "hosts", Value: hosts}, {Key: "replicaSets", Value: monitors},
		{Key: "numReplicaSetMonitorsCreated", Value: int32(len(sets))}}
}
