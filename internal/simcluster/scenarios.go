package simcluster

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Scenarios make the simulated cluster tell one incident story on demand
// (Config.Scenario, `mongoscope sim --scenario NAME`), so each of
// mongoscope's findings can be reproduced end to end and an operator can
// practise on it. A scenario is the calm cluster (the default workload
// without its stories: no hot shard, reads well above updates, no
// analytics spike, no collection scan, no index build, no lag episodes)
// plus one story, served over the wire as a real deployment would show it.
// Stories run on workload time, like the rest of the workload: a pure
// function of Seed, Speed and the clock. Most begin within seconds of
// Start; Speed makes them play faster.
//
// Without a scenario the cluster runs the default demo workload, where
// several stories overlap.

// ScenarioCalm is a healthy cluster with no story.
const ScenarioCalm = "calm"

// ScenarioNames lists the names Config.Scenario accepts: calm, then one per
// story (named after the finding it tells).
var ScenarioNames = []string{ScenarioCalm, "missing-index", "needless-updates", "connection-storm", "index-build",
	"ttl-deletes", "range-deletions", "hot-shard", "lagging-secondary", "balancer-window-closing",
	"oplog-window-short", "tickets-exhausted", "periodic-spike"}

// scenario is what the workload consults: which of the default workload's
// stories run, and the scenario's own story.
type scenario struct {
	// hotFactor is shard0's traffic against the others' (1: none is hot).
	hotFactor float64
	// readScale, when set, multiplies a primary's reads; updateShare, when
	// set, makes its updates this share of its reads (with the reads'
	// wobble). 0 keeps the default mix.
	readScale, updateShare float64
	spikes                 bool // the analytics spike every 10 minutes, in rates, queues and connections
	analytics              bool // its long COLLSCAN aggregation on shard0
	indexBuild             bool // the createIndexes on shop.events, with an op waiting for its lock
	lagEpisodes            bool // a shard0 secondary falling 10 s behind every 5 minutes
	story                  story
	needs                  needs
}

// needs is the deployment a story needs.
type needs struct {
	sharded   bool // a mongos, a balancer, shards to compare
	secondary bool // a replica set with a secondary
}

// defaultScenario is the demo workload: every story at once.
func defaultScenario() *scenario {
	return &scenario{hotFactor: 3, spikes: true, analytics: true, indexBuild: true, lagEpisodes: true, story: quiet{}}
}

// calmScenario is a healthy cluster: updates a quarter of the reads, every
// shard its share, nothing running long.
func calmScenario(st story) *scenario {
	return &scenario{hotFactor: 1, updateShare: 0.25, story: st}
}

// scenarioFor resolves Config.Scenario.
func scenarioFor(cfg Config) (*scenario, error) {
	var sc *scenario
	switch cfg.Scenario {
	case "":
		return defaultScenario(), nil
	case ScenarioCalm:
		sc = calmScenario(quiet{})
	case "missing-index":
		sc = calmScenario(missingIndexStory{})
	case "needless-updates":
		sc = calmScenario(needlessUpdatesStory{})
		sc.readScale, sc.updateShare = 2, 0.95 // a busy order page
	case "connection-storm":
		sc = calmScenario(connectionStormStory{})
	case "index-build":
		sc = calmScenario(quiet{})
		sc.indexBuild = true
	case "ttl-deletes":
		sc = calmScenario(ttlDeletesStory{})
	case "range-deletions":
		sc = calmScenario(rangeDeletionsStory{})
		sc.needs.sharded = true
	case "hot-shard":
		sc = calmScenario(quiet{})
		sc.hotFactor, sc.needs.sharded = hotShardFactor(cfg.Shards), true
	case "lagging-secondary":
		sc = calmScenario(laggingSecondaryStory{})
		sc.needs.secondary = true
	case "balancer-window-closing":
		sc = calmScenario(windowClosingStory{})
		sc.needs.sharded = true
	case "oplog-window-short":
		sc = calmScenario(oplogWindowStory{})
		sc.needs.secondary = true
	case "tickets-exhausted":
		sc = calmScenario(ticketsStory{})
	case "periodic-spike":
		sc = calmScenario(periodicSpikeStory{})
	default:
		return nil, fmt.Errorf("simcluster: unknown scenario %q: use one of %s", cfg.Scenario, strings.Join(ScenarioNames, ", "))
	}
	return sc, sc.needs.check(cfg)
}

// CheckScenario says whether cfg.Scenario is a scenario ("" is the default
// workload) that cfg's deployment can tell, for command lines to refuse a
// mistake before starting.
func CheckScenario(cfg Config) error {
	_, err := scenarioFor(withDefaults(cfg))
	return err
}

func (nd needs) check(cfg Config) error {
	dataMembers := cfg.Members
	if cfg.MembersSpec != "" {
		dataMembers = 0
		for _, kind := range strings.Split(cfg.MembersSpec, ",") {
			if strings.TrimSpace(kind) != "arbiter" {
				dataMembers++
			}
		}
	}
	switch {
	case nd.sharded && (cfg.Topology != Sharded || cfg.Shards < 2):
		return fmt.Errorf("simcluster: scenario %s needs a sharded cluster of 2 shards or more", cfg.Scenario)
	case nd.secondary && (cfg.Topology == Standalone || dataMembers < 2):
		return fmt.Errorf("simcluster: scenario %s needs replica sets of 2 members or more that hold data", cfg.Scenario)
	}
	return nil
}

// hotShardFactor is shard0's traffic against each other shard's: with 3
// shards or more 6× (three quarters of the operations), with two 20×
// (95 %), so that shard0 takes more than the share mongoscope calls hot
// (1.8 × its fair share: 60 % of 3 shards, 90 % of 2) at every moment of
// the workload's 97 s wobble (±25 % per shard, out of phase), not only on
// average: at 4× its share swung from 56 % to 72 %.
func hotShardFactor(shards int) float64 {
	if shards == 2 {
		return 20
	}
	return 6
}

// shardFactor is a shard's traffic relative to a plain shard's.
func (sc *scenario) shardFactor(shard int) float64 {
	if shard == 0 {
		return sc.hotFactor
	}
	return 1
}

// mix adjusts a primary's traffic shapes to the scenario: no spike when
// the analytics spikes are off, updates a set share of the reads.
func (sc *scenario) mix(shapes [numOpKinds]rateShape) [numOpKinds]rateShape {
	if !sc.spikes {
		for i := range shapes {
			shapes[i].spike = 0
		}
	}
	if sc.readScale > 0 {
		shapes[opQuery] = shapes[opQuery].scaled(sc.readScale)
	}
	if sc.updateShare > 0 {
		shapes[opUpdate] = shapes[opQuery].scaled(sc.updateShare)
	}
	return shapes
}

// hot is how far into a burst a primary is, 0..1: it fills queues, the
// cache and cursors.
func (sc *scenario) hot(tau float64) float64 {
	if sc.spikes {
		return spikeProgress(tau)
	}
	return sc.story.burst(tau)
}

// connSpike scales the connections the analytics spike opens.
func (sc *scenario) connSpike(conns float64) float64 {
	if sc.spikes {
		return conns
	}
	return 0
}

// queued is how many readers and writers wait for a ticket on a node.
func (sc *scenario) queued(s *statusCtx) (readers, writers int32, decided bool) {
	if sc.spikes {
		return 0, 0, false // the default: queues build through each spike
	}
	r, w := sc.story.queued(s.n, s.tau)
	return r, w, true
}

// story is one incident, told through hooks in the workload. Every hook
// runs with Cluster.mu held and must be a pure function of its arguments
// (and the cluster's fixed shape), like the rest of the workload.
type story interface {
	// ops are in-progress operations the story adds on a node.
	ops(n *node, tau float64) []simOp
	// counts are operations the node counted in opcounters since Start,
	// in workload time (divided by Speed to become counts), beyond the
	// workload's rates; replCounts likewise in opcountersRepl.
	counts(n *node, tau float64) [numOpKinds]float64
	replCounts(n *node, tau float64) [numOpKinds]float64
	// ttlDeleted is documents the TTL monitor deleted, in workload time.
	ttlDeleted(n *node, tau float64) float64
	// updateShares are the shares of the update statements a primary
	// serves that match a document (metrics.document.updated counts the
	// documents matched) and that modify one (only those write an oplog
	// entry, which the secondaries count in opcountersRepl.update).
	updateShares() (matched, modified float64)
	// conns are client connections the node holds beyond the workload's;
	// created is connections opened since Start, in workload time.
	conns(n *node, tau float64) float64
	created(n *node, tau float64) float64
	// idleConns are, among conns, the story's idle connections as
	// $currentOp lists them with idleConnections: true.
	idleConns(n *node, tau float64) []simOp
	// connLimit is the node's connection limit (0: the default).
	connLimit(n *node) int64
	// queued is what waits for a ticket on the node.
	queued(n *node, tau float64) (readers, writers int32)
	// burst is how far into a burst of the story's the cluster is, 0..1.
	burst(tau float64) float64
	// lag overrides a member's replication lag, in seconds.
	lag(rs *replSet, member int, tau float64) (float64, bool)
	// replBuffer overrides a secondary's apply buffer (ops fetched, not applied).
	replBuffer(n *node, tau, lag float64) (int64, bool)
	// oplogWindow overrides a member's oplog window.
	oplogWindow(n *node, tau float64) (time.Duration, bool)
	// ttlPass is how long the TTL monitor's k-th pass runs on a node (s).
	ttlPass(n *node, k float64) float64
	// rangeDeletions are config.rangeDeletions documents on a shard primary.
	rangeDeletions(n *node, tau float64) []bson.D
	// balancerWindow is the balancer's active window, given when the
	// cluster started; migrationSecs how long each migration takes.
	balancerWindow(start time.Time) (open, shut string, ok bool)
	migrationSecs() float64
}

// quiet is the story of a calm cluster: every hook leaves the workload as
// it is. Stories embed it and tell their part.
type quiet struct{}

func (quiet) ops(*node, float64) []simOp                       { return nil }
func (quiet) counts(*node, float64) [numOpKinds]float64        { return [numOpKinds]float64{} }
func (quiet) replCounts(*node, float64) [numOpKinds]float64    { return [numOpKinds]float64{} }
func (quiet) ttlDeleted(*node, float64) float64                { return 0 }
func (quiet) updateShares() (float64, float64)                 { return 1, 1 }
func (quiet) conns(*node, float64) float64                     { return 0 }
func (quiet) created(*node, float64) float64                   { return 0 }
func (quiet) idleConns(*node, float64) []simOp                 { return nil }
func (quiet) connLimit(*node) int64                            { return 0 }
func (quiet) queued(*node, float64) (int32, int32)             { return 0, 0 }
func (quiet) burst(float64) float64                            { return 0 }
func (quiet) lag(*replSet, int, float64) (float64, bool)       { return 0, false }
func (quiet) replBuffer(*node, float64, float64) (int64, bool) { return 0, false }
func (quiet) oplogWindow(*node, float64) (time.Duration, bool) { return 0, false }
func (quiet) ttlPass(*node, float64) float64                   { return defaultTTLPass }
func (quiet) rangeDeletions(*node, float64) []bson.D           { return nil }
func (quiet) balancerWindow(time.Time) (string, string, bool)  { return "", "", false }
func (quiet) migrationSecs() float64                           { return roundLength }

// defaultTTLPass: a TTL monitor pass with little to expire takes seconds.
const defaultTTLPass = 5.0

// defaultConnLimit is connections.current + available when nothing caps
// them (838860, what a mongod reports without net.maxIncomingConnections).
const defaultConnLimit = 838860

// connLimit is a node's connection limit.
func (sc *scenario) connLimit(n *node) int64 {
	if l := sc.story.connLimit(n); l > 0 {
		return l
	}
	return defaultConnLimit
}

// schedule is an episode recurring in workload time: from offset, for
// length seconds of every period.
type schedule struct{ offset, period, length float64 }

// analyticsSpikes is the default workload's analytics job.
var analyticsSpikes = schedule{offset: spikeOffset, period: spikePeriod, length: spikeLength}

func (s schedule) in(tau float64) bool {
	return tau >= s.offset && math.Mod(tau-s.offset, s.period) < s.length
}

// start is when the episode running at tau (or the last one) began, and
// its number; k is -1 before the first.
func (s schedule) start(tau float64) (at, k float64) {
	if tau < s.offset {
		return 0, -1
	}
	k = math.Floor((tau - s.offset) / s.period)
	return s.offset + k*s.period, k
}

// progress climbs 0→1 through an episode and is 0 outside one.
func (s schedule) progress(tau float64) float64 {
	if !s.in(tau) {
		return 0
	}
	return math.Mod(tau-s.offset, s.period) / s.length
}

// timeIn is how long tau has spent inside episodes since 0.
func (s schedule) timeIn(tau float64) float64 {
	if tau <= s.offset {
		return 0
	}
	full := math.Floor((tau - s.offset) / s.period)
	return full*s.length + math.Min(math.Mod(tau-s.offset, s.period), s.length)
}

// ramp climbs from 0 at from by rate a second up to top.
func ramp(tau, from, rate, top float64) float64 {
	return math.Min(math.Max(tau-from, 0)*rate, top)
}

// after is the time since from, 0 before it.
func after(tau, from float64) float64 { return math.Max(tau-from, 0) }

// Where the stories happen.

// dataPrimaryLocked: a shard (or the replica set's) primary, or a standalone.
func (n *node) dataPrimaryLocked() bool {
	return n.kind == kindStandalone || n.kind == kindShard && n.isPrimaryLocked()
}

// onShard says whether the node is in the story's shard: the i-th, or the
// last when there are fewer.
func (n *node) onShard(i int) bool {
	return n.kind == kindShard && n.rs.shardIdx == min(i, len(n.c.shards)-1) || n.kind == kindStandalone
}

// entryLocked is where the applications connect: the mongos, else the
// replica set's primary, else the standalone.
func (n *node) entryLocked() bool {
	if n.c.mongos != nil {
		return n == n.c.mongos
	}
	return n.dataPrimaryLocked()
}

// secondaryOfLocked: a data-bearing secondary of the story's shard.
func (n *node) secondaryOfLocked(shard int) bool {
	return n.kind == kindShard && n.onShard(shard) && !n.isPrimaryLocked() && !n.mcfg.arbiter
}

// systemOp is an internal thread's operation (no client, no connection).
func systemOp(opid int32, desc, op, ns string, secs float64) simOp {
	return simOp{opid: opid, desc: desc, op: op, ns: ns, system: true, active: true, secs: secs, user: "__system", userDB: "local"}
}
