package simcluster

import (
	"encoding/binary"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// BalancerEnabled says whether the balancer is on (config.settings not stopped).
func (c *Cluster) BalancerEnabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bal != nil && c.bal.enabledLocked()
}

func cmdListShards(n *node, r *request) bson.D {
	c := n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	shards := bson.A{}
	for _, rs := range c.shards {
		shards = append(shards, shardDoc(c, rs))
	}
	return bson.D{{Key: "shards", Value: shards}}
}

func shardDoc(c *Cluster, rs *replSet) bson.D {
	return bson.D{{Key: "_id", Value: rs.name}, {Key: "host", Value: rs.connString()}, {Key: "state", Value: int32(1)},
		{Key: "topologyTime", Value: tsOf(c.wallZero.Add(-40 * 24 * time.Hour))}, {Key: "replSetConfigVersion", Value: int64(-1)}}
}

func cmdGetShardMap(n *node, r *request) bson.D {
	c := n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.configRS == nil {
		return errorReply(203, "ShardingStateNotInitialized", "sharding is not enabled on this node; getShardMap needs a sharded cluster")
	}
	m, hosts, conn := bson.D{}, bson.D{}, bson.D{}
	for _, rs := range append(append([]*replSet(nil), c.shards...), c.configRS) {
		name := rs.name
		if rs == c.configRS {
			name = "config"
		}
		m = append(m, bson.E{Key: name, Value: rs.connString()})
		conn = append(conn, bson.E{Key: rs.connString(), Value: name})
		for _, mem := range rs.members {
			hosts = append(hosts, bson.E{Key: mem.name(), Value: name})
		}
	}
	return bson.D{{Key: "map", Value: m}, {Key: "hosts", Value: hosts}, {Key: "connStrings", Value: conn}}
}

func cmdBalancerStatus(n *node, r *request) bson.D {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.bal
	b.advanceLocked(now)
	mode := "full"
	if !b.enabledLocked() {
		mode = "off"
	}
	d := bson.D{{Key: "mode", Value: mode}, {Key: "inBalancerRound", Value: b.inRound}, {Key: "numBalancerRounds", Value: b.rounds}}
	if c.atLeast(7, 0) { // term is in the newer 7.x/8.x replies (MONGODB-INTERFACE.md §5.1)
		d = append(d, bson.E{Key: "term", Value: c.configRS.term})
	}
	return d
}

func cmdBalancerStart(n *node, r *request) bson.D {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bal.advanceLocked(now)
	c.bal.settings = setD(setD(c.bal.settings, "mode", "full"), "stopped", false)
	return bson.D{}
}

// cmdBalancerStop turns the balancer off, then waits for the round in
// progress to end, like the real one, within maxTimeMS (default 60 s).
func cmdBalancerStop(n *node, r *request) bson.D {
	c := n.c
	c.mu.Lock()
	c.bal.advanceLocked(c.cfg.Now())
	c.bal.settings = setD(setD(c.bal.settings, "mode", "off"), "stopped", true)
	wake := c.bal.wakeCh
	c.mu.Unlock()

	maxMS, ok := r.body.Lookup("maxTimeMS").AsInt64OK()
	if !ok || maxMS <= 0 {
		maxMS = 60000
	}
	deadline := time.NewTimer(time.Duration(maxMS) * time.Millisecond)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		c.mu.Lock()
		c.bal.advanceLocked(c.cfg.Now())
		busy := c.bal.inRound
		c.mu.Unlock()
		if !busy {
			return bson.D{}
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			return errorReply(50, "MaxTimeMSExpired", "operation exceeded time limit")
		case <-r.ctx.Done():
			return queryReply(interruption(r))
		case <-wake:
			return errorReply(11600, "InterruptedAtShutdown", "interrupted at shutdown")
		}
	}
}

// setD returns d with key set to v (appended if missing).
func setD(d bson.D, key string, v any) bson.D {
	out := append(bson.D(nil), d...)
	for i := range out {
		if out[i].Key == key {
			out[i].Value = v
			return out
		}
	}
	return append(out, bson.E{Key: key, Value: v})
}

// objectIDFor is a deterministic ObjectID for the i-th generated document.
func objectIDFor(seed int64, i int) bson.ObjectID {
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[0:4], 0x65000000+uint32(i))
	binary.BigEndian.PutUint32(id[4:8], uint32(seed))
	binary.BigEndian.PutUint32(id[8:12], uint32(i)*2654435761)
	return id
}

// uuidFor is a deterministic version-4-looking UUID (BSON binary subtype 4).
func uuidFor(seed int64, i int) bson.Binary {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[0:8], uint64(seed)*0x9E3779B97F4A7C15+uint64(i))
	binary.BigEndian.PutUint64(b[8:16], uint64(i)*0xBF58476D1CE4E5B9+uint64(seed))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return bson.Binary{Subtype: 4, Data: b}
}
