package simcluster

import (
	"fmt"
	"math"
	"time"
)

// A node's client connections are what connections.current counts and
// what $currentOp lists with idleConnections: true, one document each:
// the workload's client ops hold some, idle pooled connections make up the
// simulated total, and the listener's real connections come on top.

// idleConnBase is where the connection ids of idle pooled connections
// start: above the workload's conn ids, below the listener's (realConnBase).
const (
	idleConnBase = 500
	realConnBase = 10000
)

// simConnTarget is how many simulated client connections the node has at
// tau, climbing during spikes.
func (n *node) simConnTarget(tau float64) int {
	sim := n.load.connBase + n.load.connSpike*spikeProgress(tau) + n.c.scn.story.conns(n, tau)
	sim *= 1 + 0.05*math.Sin(2*math.Pi*tau/wobblePer)
	return int(sim)
}

// idleConnectionOps fills the simulated connections that the workload's
// ops (busy distinct connection ids) do not hold with idle ones.
func (n *node) idleConnectionOps(tau float64, busy int) []simOp {
	out := n.c.scn.story.idleConns(n, tau) // a scenario's, then the pool's
	want := n.simConnTarget(tau) - busy - len(out)
	if want <= 0 {
		return out
	}
	for k := 0; k < want; k++ {
		out = append(out, n.idlePooledConn(k))
	}
	return out
}

// idlePooledConn is the k-th idle connection: in a sharded cluster a shard
// or config member's pooled connections come from the mongos (internal,
// __system); elsewhere from the application's driver pool.
func (n *node) idlePooledConn(k int) simOp {
	id := int64(idleConnBase + k)
	op := simOp{desc: fmt.Sprintf("conn%d", id), connID: id}
	if m := n.c.mongos; m != nil && n != m {
		host, _ := splitHostPort(m.addr)
		op.client = fmt.Sprintf("%s:%d", host, 42000+k)
		op.user, op.userDB, op.system, op.driver = "__system", "local", true, "NetworkInterfaceTL-TaskExecutorPool-0"
		return op
	}
	op.client = fmt.Sprintf("10.0.%d.%d:%d", 1+k%4, 10+k%200, 43000+k)
	op.appName, op.user, op.userDB, op.driver = "web-frontend", "app", "admin", "mongo-go-driver"
	return op
}

// idleFillersLocked are the idle pooled connections next to the live ops
// (built only for idleConnections: true; connectionsLocked just counts them).
func (n *node) idleFillersLocked(live []simOp, now time.Time) []simOp {
	return n.idleConnectionOps(n.c.tau(now), workloadConns(live))
}

// workloadConns counts the simulated connections the live ops sit on.
func workloadConns(live []simOp) int {
	ids := connIDs(live)
	for id := range ids {
		if id >= realConnBase {
			delete(ids, id)
		}
	}
	return len(ids)
}

// connIDs is the set of client connections that ops sit on (idle sessions
// are not connections: their client went back to its pool).
func connIDs(ops []simOp) map[int64]bool {
	ids := map[int64]bool{}
	for _, op := range ops {
		if op.connID != 0 && !op.idleSession {
			ids[op.connID] = true
		}
	}
	return ids
}

// connectionsLocked is connections.current: every connection $currentOp
// would list with idleConnections: true.
func (n *node) connectionsLocked(now time.Time) int64 {
	target := n.simConnTarget(n.c.tau(now))
	busy := 0
	if n.rs == nil || target < maxWorkloadConns+len(n.rs.members) {
		busy = workloadConns(n.workloadLiveLocked(now)) // rarely: the workload could hold more than the pool
	}
	return int64(len(n.srv.Conns()) + max(busy, target))
}

// maxWorkloadConns bounds the connections the workload's ops sit on (the
// web tier's queries and update, analytics, an index build and the op
// queued behind it, a migration), besides one oplog fetcher per member.
const maxWorkloadConns = 10
