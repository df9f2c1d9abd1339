package probes

import (
	"context"
	"time"
)

// A probe is one kind of request mongoscope sends: which nodes it asks on a
// poll, how it asks one of them and decodes the answer, and what it adds to
// a snapshot. Each probe lives in one file with its decoder, and keeps its
// own latest results; the poller only schedules it and tracks freshness.
//
// ask returns the typed result already bound into an apply function, so the
// result reaches the probe's state without passing through `any`; apply and
// fill run with the poller's lock held and must not do IO.
type probe interface {
	name() string
	// every is the probe's cadence in polls (1: every poll).
	every(st *state) int
	// due lists the nodes to ask on this poll.
	due(st *state) []string
	// ask sends one request to one node.
	ask(ctx context.Context, n nodeCall) (apply func(st *state), err error)
	// fill adds what the probe knows to the snapshot being assembled.
	fill(snap *Snapshot, st *state)
}

// nodeCall is what a probe needs to ask one node: its client, what the
// poller knows of it, and the configuration.
type nodeCall struct {
	node  Node
	conn  *nodeConn
	cfg   *Config
	now   time.Time // wall time (Config.Now) when the request was sent
	cycle int       // the poll it belongs to
	seed  bool      // the node reached through the address the user gave
}

// Probe names: at most one request of each is in flight per node.
const (
	probeStatus      = "serverStatus"
	probeOps         = "currentOp"
	probeRepl        = "replication"
	probeTop         = "top"
	probeBalancer    = "balancer"
	probeBalSettings = "balancerSettings"
	probeMigrations  = "migrations"
	probeChunks      = "chunks"
	probeRangeDel    = "rangeDeletions"
	probeConns       = "connectionBreakdown"
)

// Cadences, in polls. The cheap per-node reads run every poll; config reads
// every few; counting chunks and range deletions is slow on big clusters, so
// about every 30 s.
const (
	everyPoll     = 1
	everyFewPolls = 5
	oplogEvery    = 10
	slowCadence   = 30 * time.Second
)

// newProbes lists every probe in the order their results are assembled.
func newProbes() []probe {
	ops := newOpsProbe()
	return []probe{newStatusProbe(), ops, newReplProbe(), newTopProbe(),
		newBalancerProbe(), newBalancerSettingsProbe(), newMigrationsProbe(ops), newChunksProbe(),
		newRangeDeletionsProbe(), newConnBreakdownProbe()}
}

// compile-time checks that every probe implements the interface.
var (
	_ probe = (*statusProbe)(nil)
	_ probe = (*opsProbe)(nil)
	_ probe = (*replProbe)(nil)
	_ probe = (*topProbe)(nil)
	_ probe = (*balancerProbe)(nil)
	_ probe = (*balancerSettingsProbe)(nil)
	_ probe = (*migrationsProbe)(nil)
	_ probe = (*chunksProbe)(nil)
	_ probe = (*rangeDeletionsProbe)(nil)
	_ probe = (*connBreakdownProbe)(nil)
)
