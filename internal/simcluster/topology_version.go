package simcluster

import (
	"context"
	"encoding/binary"
	"errors"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// topoState is a node's topologyVersion: a processId fixed for the life of
// the process and a counter bumped whenever its hello reply changes (its
// state, or the primary it knows), which wakes awaitable hellos.
type topoState struct {
	processID bson.ObjectID
	counter   int64
	changed   chan struct{} // closed on the next bump
	restarts  int
	awaiting  atomic.Int64 // hellos waiting for a change: connections.awaitingTopologyChanges
}

// topoPollEvery is how often a waiting hello lets elections due by the
// clock happen: they are advanced lazily, when someone looks.
const topoPollEvery = 200 * time.Millisecond

// newProcessLocked gives the node a new process: a new processId, counter 0.
func (n *node) newProcessLocked(now time.Time) {
	t := &n.topo
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[0:4], uint32(now.Unix()))
	binary.BigEndian.PutUint32(id[4:8], uint32(n.c.cfg.Seed)*2654435761+uint32(n.idx))
	binary.BigEndian.PutUint32(id[8:12], uint32(t.restarts)<<16|uint32(n.idx))
	t.processID, t.counter, t.restarts = id, 0, t.restarts+1
	if t.changed != nil {
		close(t.changed)
	}
	t.changed = make(chan struct{})
}

// bumpTopologyLocked marks a change of the node's hello reply.
func (n *node) bumpTopologyLocked() {
	n.topo.counter++
	close(n.topo.changed)
	n.topo.changed = make(chan struct{})
}

func (n *node) topologyVersionLocked() bson.D {
	return bson.D{{Key: "processId", Value: n.topo.processID}, {Key: "counter", Value: n.topo.counter}}
}

// awaitableHello is a hello's topologyVersion and maxAwaitTimeMS.
type awaitableHello struct {
	processID bson.ObjectID
	counter   int64
	maxAwait  time.Duration
}

// parseAwaitable validates the awaitable hello fields: both or neither,
// a non-negative counter (replication_info.cpp on mongod, 31368/31372;
// cluster_hello_cmd.cpp on mongos, 51760/51758/51759).
func (n *node) parseAwaitable(body bson.Raw) (*awaitableHello, error) {
	tv, hasTV := body.Lookup("topologyVersion").DocumentOK()
	maxV, errMax := body.LookupErr("maxAwaitTimeMS")
	codeBoth, codeCounter := int32(31368), int32(31372)
	if n.kind == kindMongos {
		codeBoth, codeCounter = 51760, 51758
	}
	if !hasTV || errMax != nil {
		if hasTV {
			return nil, locationError(codeBoth, "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'")
		}
		if errMax == nil {
			return nil, locationError(codeBoth, "A request with 'maxAwaitTimeMS' must include a 'topologyVersion'")
		}
		return nil, nil
	}
	a := &awaitableHello{}
	a.processID, _ = tv.Lookup("processId").ObjectIDOK()
	a.counter, _ = tv.Lookup("counter").AsInt64OK()
	if a.counter < 0 {
		return nil, locationError(codeCounter, "topologyVersion must have a non-negative counter")
	}
	ms, ok := maxV.AsInt64OK()
	if !ok || ms < 0 {
		return nil, locationError(map[bool]int32{true: 51759, false: 31373}[n.kind == kindMongos], "maxAwaitTimeMS must be a non-negative integer")
	}
	a.maxAwait = time.Duration(ms) * time.Millisecond
	return a, nil
}

func locationError(code int32, msg string) error {
	return &queryError{code: code, codeName: "Location" + itoa(int64(code)), msg: msg}
}

// awaitTopologyChange blocks an awaitable hello until the node's
// topologyVersion differs from the client's or maxAwaitTimeMS passes, as
// the server's awaitHelloResponse does. A client that knows a newer
// counter than the server's own is refused (31382).
func (n *node) awaitTopologyChange(r *request, a *awaitableHello) error {
	n.topo.awaiting.Add(1)
	defer n.topo.awaiting.Add(-1)
	deadline := time.NewTimer(a.maxAwait)
	defer deadline.Stop()
	poll := time.NewTicker(topoPollEvery)
	defer poll.Stop()
	for {
		n.c.mu.Lock()
		n.c.maintainLocked(n.c.cfg.Now())
		t := &n.topo
		changed, same, ahead := t.changed, t.processID == a.processID, a.counter > t.counter
		current := t.counter
		n.c.mu.Unlock()
		if same && ahead {
			return locationError(31382, "Received a topology version with counter: "+itoa(a.counter)+
				" which is greater than the server topology version counter: "+itoa(current))
		}
		if !same || a.counter < current {
			return nil
		}
		select {
		case <-changed:
		case <-poll.C:
		case <-deadline.C:
			return nil
		case <-r.ctx.Done():
			return interruption(r)
		}
	}
}

// interruption is the error a request ended early answers: Interrupted when
// killOp interrupted it, InterruptedAtShutdown when the node went away.
func interruption(r *request) error {
	if errors.Is(context.Cause(r.ctx), wire.ErrKilled) {
		return &queryError{code: 11601, codeName: "Interrupted", msg: "operation was interrupted"}
	}
	return &queryError{code: 11600, codeName: "InterruptedAtShutdown", msg: "interrupted at shutdown"}
}
