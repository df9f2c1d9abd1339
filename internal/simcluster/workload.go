package simcluster

import (
	"math"
	"math/rand/v2"
	"time"
)

// The workload runs on "workload time" tau = wall seconds since Start ×
// Speed. Counters are integrals of rate functions of tau, in closed form, so
// a counter is a pure function of (Seed, Speed, clock): two runs with the same
// seed and speed give the same series, and no goroutine ticks in the
// background. Speed makes the stories (spikes, lag episodes, balancer rounds)
// come faster while rates per wall second keep realistic magnitudes.

const (
	spikePeriod = 600.0 // an analytics spike every 10 workload minutes…
	spikeOffset = 120.0 // …the first one two minutes in, so a demo shows it early
	spikeLength = 90.0
	wobblePer   = 97.0 // seconds; a slow sine so rates are never flat
)

// Opcounter indexes, in serverStatus order.
const (
	opInsert = iota
	opQuery
	opUpdate
	opDelete
	opGetmore
	opCommand
	numOpKinds
)

var opNames = [numOpKinds]string{"insert", "query", "update", "delete", "getmore", "command"}

// rateShape is r(tau) = base·(1 + wobble·sin(2π·tau/wobblePer + phase)) + spike·inSpike(tau).
type rateShape struct {
	base, wobble, phase, spike float64
}

// integral is ∫₀^tau r.
func (s rateShape) integral(tau float64) float64 {
	w := 2 * math.Pi / wobblePer
	sine := s.wobble / w * (math.Cos(s.phase) - math.Cos(w*tau+s.phase))
	return s.base*(tau+sine) + s.spike*spikeTime(tau)
}

func (s rateShape) scaled(f float64) rateShape {
	return rateShape{base: s.base * f, wobble: s.wobble, phase: s.phase, spike: s.spike * f}
}

// spikeProgress is 0 outside a spike and climbs 0→1 through one, for
// quantities (connections, queues) that build up during the spike.
func spikeProgress(tau float64) float64 { return analyticsSpikes.progress(tau) }

// spikeTime is how long tau has spent inside spikes since 0.
func spikeTime(tau float64) float64 { return analyticsSpikes.timeIn(tau) }

// nodeLoad is one node's workload, fixed at Start from the seed.
type nodeLoad struct {
	primary   [numOpKinds]rateShape // while the node is primary (or standalone/mongos)
	secondary [numOpKinds]rateShape // while it is a secondary
	initial   [numOpKinds]float64   // counters at Start, as if the node had run for a while
	// initialRepl is opcountersRepl at Start: a member that starts as a
	// secondary has been applying its primary's writes all its uptime.
	initialRepl [numOpKinds]float64
	uptime0     float64 // seconds the node had been up at Start
	connBase    float64
	connSpike   float64
}

// primaryShapes is a data-bearing primary's traffic: updates nearly as
// frequent as reads (one hot collection), a read-heavy analytics spike.
func primaryShapes(rng *rand.Rand, factor float64) [numOpKinds]rateShape {
	base := [numOpKinds]float64{40, 120, 105, 8, 15, 60}
	spike := [numOpKinds]float64{5, 260, 20, 0, 90, 30}
	var out [numOpKinds]rateShape
	for i := range out {
		j := 0.85 + 0.3*rng.Float64()
		out[i] = rateShape{base: base[i] * factor * j, wobble: 0.25, phase: rng.Float64() * 2 * math.Pi, spike: spike[i] * factor * j}
	}
	return out
}

func secondaryShapes(rng *rand.Rand) [numOpKinds]rateShape {
	var out [numOpKinds]rateShape
	out[opQuery] = rateShape{base: 4 + rng.Float64()*2, wobble: 0.3, phase: rng.Float64() * 6}
	out[opCommand] = rateShape{base: 18 + rng.Float64()*4, wobble: 0.1, phase: rng.Float64() * 6}
	out[opGetmore] = rateShape{base: 1, wobble: 0.1}
	return out
}

func newLoad(seed int64, n *node, nShards int) nodeLoad {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(n.idx)+1))
	var l nodeLoad
	l.uptime0 = 86400*3 + rng.Float64()*86400
	switch n.kind {
	case kindMongos:
		for s := 0; s < nShards; s++ {
			sh := n.c.scn.mix(primaryShapes(rand.New(rand.NewPCG(uint64(seed), uint64(1000+s))), n.c.scn.shardFactor(s)))
			for i := range l.primary {
				l.primary[i].base += sh[i].base
				l.primary[i].spike += sh[i].spike
				l.primary[i].wobble = 0.2
			}
		}
		l.connBase, l.connSpike = 120, 180
	case kindConfig:
		for i := range l.primary {
			l.primary[i] = rateShape{base: []float64{1, 12, 2, 0.5, 3, 35}[i], wobble: 0.1, phase: rng.Float64() * 6}
		}
		l.secondary = secondaryShapes(rng)
		l.connBase, l.connSpike = 25, 5
	default:
		shard := 0
		if n.rs != nil {
			shard = n.rs.shardIdx
		}
		l.primary = n.c.scn.mix(primaryShapes(rand.New(rand.NewPCG(uint64(seed), uint64(1000+shard))), n.c.scn.shardFactor(shard)))
		l.secondary = secondaryShapes(rng)
		l.connBase, l.connSpike = 40*n.c.scn.shardFactor(shard), 60*n.c.scn.shardFactor(shard)
	}
	l.connSpike = n.c.scn.connSpike(l.connSpike)
	for i := range l.initial {
		l.initial[i] = math.Floor(l.uptime0 * l.primary[i].base * 0.8)
	}
	if n.mcfg.arbiter { // heartbeats and monitoring only
		l.primary, l.secondary, l.initial = [numOpKinds]rateShape{}, [numOpKinds]rateShape{}, [numOpKinds]float64{}
		l.secondary[opCommand] = rateShape{base: 2, wobble: 0.1}
		l.connBase, l.connSpike = 6, 0
		return l
	}
	if n.rs != nil && n.member != 0 { // member 0 starts as primary
		for _, i := range []int{opInsert, opUpdate, opDelete} {
			l.initialRepl[i] = math.Floor(l.uptime0 * l.primary[i].base * 0.8)
		}
		l.initialRepl[opCommand] = math.Floor(l.uptime0 / 60) // DDL and no-op writes
	}
	return l
}

// roleSpan records from which workload time a member was primary or not, so
// counters stay monotonic across stepdowns.
type roleSpan struct {
	from    float64
	primary bool
}

// elapsed is wall seconds since Start, never negative.
func (c *Cluster) elapsed(now time.Time) float64 {
	e := now.Sub(c.wallZero).Seconds()
	if e < 0 {
		return 0
	}
	return e
}

func (c *Cluster) tau(now time.Time) float64 { return c.elapsed(now) * c.cfg.Speed }

// counters returns the node's opcounters at tau: the integral of whichever
// shape applied in each role span, converted back to wall seconds.
func (n *node) countersLocked(tau float64) [numOpKinds]int64 {
	var out [numOpKinds]int64
	spans := n.spans
	if len(spans) == 0 {
		spans = []roleSpan{{0, true}}
	}
	story := n.c.scn.story.counts(n, tau)
	for i := range out {
		total := n.load.initial[i] + story[i]/n.c.cfg.Speed
		for k, sp := range spans {
			end := tau
			if k+1 < len(spans) {
				end = math.Min(tau, spans[k+1].from)
			}
			if end <= sp.from {
				continue
			}
			shape := n.load.secondary[i]
			if sp.primary {
				shape = n.load.primary[i]
			}
			total += (shape.integral(end) - shape.integral(sp.from)) / n.c.cfg.Speed
		}
		out[i] = int64(total)
	}
	return out
}

// replCountersLocked is what a secondary applied: the primary's writes
// while this node was secondary (of its updates, those that modified a
// document: an update that changes nothing writes no oplog entry).
func (n *node) replCountersLocked(tau float64) [numOpKinds]int64 {
	var out [numOpKinds]int64
	story := n.c.scn.story.replCounts(n, tau)
	_, modified := n.c.scn.story.updateShares()
	share := [numOpKinds]float64{opInsert: 1, opQuery: 1, opUpdate: modified, opDelete: 1, opGetmore: 1, opCommand: 1}
	for i, v := range n.load.initialRepl {
		out[i] = int64(v*share[i] + story[i]/n.c.cfg.Speed)
	}
	for k, sp := range n.spans {
		if sp.primary {
			continue
		}
		end := tau
		if k+1 < len(n.spans) {
			end = math.Min(tau, n.spans[k+1].from)
		}
		if end <= sp.from {
			continue
		}
		for _, i := range []int{opInsert, opUpdate, opDelete} {
			s := n.load.primary[i]
			out[i] += int64((s.integral(end) - s.integral(sp.from)) * share[i] / n.c.cfg.Speed)
		}
	}
	return out
}

func (n *node) totalCreatedLocked(tau float64) int64 {
	created := rateShape{base: 0.4, spike: n.load.connSpike / spikeLength}
	return int64(n.load.connBase*20 + (created.integral(tau)+n.c.scn.story.created(n, tau))/n.c.cfg.Speed)
}
