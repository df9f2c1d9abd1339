package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

const minWireVersion = 0

// cmdHello answers hello and isMaster, with topologyVersion; an awaitable
// one (topologyVersion + maxAwaitTimeMS) waits for a topology change first,
// and the wire server streams it when the client allows exhaust.
func cmdHello(n *node, r *request) bson.D {
	a, err := n.parseAwaitable(r.body)
	if err != nil {
		return queryReply(err)
	}
	if a != nil {
		if err := n.awaitTopologyChange(r, a); err != nil {
			return queryReply(err)
		}
	}
	legacy := r.name != "hello"
	now := n.c.cfg.Now()
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	n.c.maintainLocked(now)

	writable := n.kind != kindShard && n.kind != kindConfig || n.isPrimaryLocked()
	var d bson.D
	tv := bson.E{Key: "topologyVersion", Value: n.topologyVersionLocked()}
	if n.rs != nil {
		d = append(d, tv) // a member's reply starts with it (HelloResponse::addToBSON)
		rs := n.rs
		hosts, _, _ := rs.helloLists()
		d = append(d, bson.E{Key: "hosts", Value: hosts})
		d = append(d, n.helloMemberFields()...)
		d = append(d, bson.E{Key: "setName", Value: rs.name}, bson.E{Key: "setVersion", Value: rs.setVersion})
	}
	if legacy {
		d = append(d, bson.E{Key: "ismaster", Value: writable})
	} else {
		d = append(d, bson.E{Key: "isWritablePrimary", Value: writable})
	}
	switch n.kind {
	case kindMongos:
		d = append(d, bson.E{Key: "msg", Value: "isdbgrid"})
	case kindStandalone:
		d = append(d, tv) // fixture hello-8.0.9-standalone
	}
	if n.rs != nil {
		rs := n.rs
		d = append(d, bson.E{Key: "secondary", Value: !writable && !n.mcfg.arbiter})
		d = append(d, n.helloSelfFlags()...)
		if p := rs.primaryNode(); p != nil {
			d = append(d, bson.E{Key: "primary", Value: p.name()})
		}
		d = append(d, bson.E{Key: "me", Value: n.name()})
		if writable {
			d = append(d, bson.E{Key: "electionId", Value: rs.electionID()})
		}
		applied := n.c.appliedLocked(rs, n.member, now)
		majority := n.c.majorityLocked(rs, now)
		d = append(d, bson.E{Key: "lastWrite", Value: bson.D{
			{Key: "opTime", Value: optime(applied, rs.term)},
			{Key: "lastWriteDate", Value: bson.NewDateTimeFromTime(applied.Truncate(1e9))},
			{Key: "majorityOpTime", Value: optime(majority, rs.term)},
			{Key: "majorityWriteDate", Value: bson.NewDateTimeFromTime(majority.Truncate(1e9))},
		}})
		if n.kind == kindConfig {
			d = append(d, bson.E{Key: "configsvr", Value: int32(2)})
		}
	}
	d = append(d,
		bson.E{Key: "maxBsonObjectSize", Value: int32(16777216)},
		bson.E{Key: "maxMessageSizeBytes", Value: int32(48000000)},
		bson.E{Key: "maxWriteBatchSize", Value: int32(100000)},
		bson.E{Key: "localTime", Value: bson.NewDateTimeFromTime(now)},
		bson.E{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		bson.E{Key: "connectionId", Value: connID(r)},
		bson.E{Key: "minWireVersion", Value: int32(minWireVersion)},
		bson.E{Key: "maxWireVersion", Value: n.c.release().wire},
	)
	if n.kind == kindMongos {
		d = append(d, tv) // fixture mongos-4.4.10…isMaster: after the wire versions
	}
	d = append(d, bson.E{Key: "readOnly", Value: false})
	if b, ok := r.body.Lookup("helloOk").BooleanOK(); ok && b {
		d = append(d, bson.E{Key: "helloOk", Value: true})
	}
	return d
}

func connID(r *request) int32 {
	if r.conn == nil {
		return 0
	}
	return int32(r.conn.ID)
}
