package simcluster

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestAwaitableHello(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	sec := nodeByRole(t, c, "secondary", "")
	cl := connect(t, "mongodb://"+sec+"/?directConnection=true", options.Client().SetServerMonitoringMode(options.ServerMonitoringModePoll))
	h := runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}})
	pid, ok := h.Lookup("topologyVersion", "processId").ObjectIDOK()
	counter, isLong := h.Lookup("topologyVersion", "counter").Int64OK()
	if !ok || !isLong {
		t.Fatalf("hello topologyVersion = %v", h.Lookup("topologyVersion"))
	}
	tv := bson.D{{Key: "processId", Value: pid}, {Key: "counter", Value: counter}}

	_, err := cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "hello", Value: 1}, {Key: "topologyVersion", Value: tv}}).Raw()
	wantCode(t, "topologyVersion without maxAwaitTimeMS", err, 31368, "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'")
	// Nothing changes: the reply comes when maxAwaitTimeMS has passed, same version.
	r := runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}, {Key: "topologyVersion", Value: tv}, {Key: "maxAwaitTimeMS", Value: int64(50)}})
	if got, _ := r.Lookup("topologyVersion", "counter").Int64OK(); got != counter {
		t.Fatalf("an idle wait changed the counter: %d -> %d", counter, got)
	}

	// A long wait ends when the topology changes: a stepdown elects another primary.
	woke := make(chan bson.Raw, 1)
	go func() {
		raw, _ := cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "hello", Value: 1}, {Key: "topologyVersion", Value: tv}, {Key: "maxAwaitTimeMS", Value: int64(600000)}}).Raw()
		woke <- raw
	}()
	other := connect(t, "mongodb://"+sec+"/?directConnection=true", options.Client().SetServerMonitoringMode(options.ServerMonitoringModePoll))
	waitFor(t, "the awaiting hello in $currentOp and serverStatus", func() bool {
		ss := runCmd(t, other, "admin", bson.D{{Key: "serverStatus", Value: 1}})
		ops, err := aggregateCurrentOp(t, other, bson.D{{Key: "allUsers", Value: true}})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			if _, err := op.LookupErr("command", "maxAwaitTimeMS"); err == nil && str(op.Lookup("waitingForLatch", "captureName")) == "AnonymousLockable" &&
				str(op.Lookup("ns")) == "admin.$cmd" && op.Lookup("active").Boolean() {
				n, _ := ss.Lookup("connections", "awaitingTopologyChanges").AsInt64OK()
				return n >= 1
			}
		}
		return false
	})
	if err := c.Fault(Fault{Kind: "stepDown", Node: nodeByRole(t, c, "primary", "")}); err != nil {
		t.Fatal(err)
	}
	raw := <-woke
	if got, _ := raw.Lookup("topologyVersion", "counter").Int64OK(); got <= counter {
		t.Fatalf("the awaitable hello did not wake on the election: %v", raw)
	}
}

func TestStreamingMonitorIsExhaust(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	// The default (streaming) monitor switches to exhaust hellos once it saw a topologyVersion.
	streaming := connect(t, "mongodb://"+prim+"/?directConnection=true", options.Client().SetHeartbeatInterval(500*time.Millisecond).
		SetServerMonitoringMode(options.ServerMonitoringModeStream))
	if err := streaming.Ping(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	poller := connect(t, "mongodb://"+prim+"/?directConnection=true", options.Client().SetServerMonitoringMode(options.ServerMonitoringModePoll))
	waitFor(t, "connections.exhaustHello", func() bool {
		ss := runCmd(t, poller, "admin", bson.D{{Key: "serverStatus", Value: 1}})
		n, _ := ss.Lookup("connections", "exhaustHello").AsInt64OK()
		return n >= 1
	})
	// The streamed replies keep the monitor's view current: it still selects the server.
	if err := streaming.Ping(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
