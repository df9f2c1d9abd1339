package simcluster

import (
	"math"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// replSet is one simulated replica set: a shard, the lone replica set, or
// the config servers. Its fields are guarded by Cluster.mu.
type replSet struct {
	name       string
	kind       nodeKind
	shardIdx   int
	members    []*node
	primary    int // index in members; -1 while there is none
	term       int64
	electedAt  time.Time
	setVersion int32
	lagMember  int               // the member whose apply delay spikes now and then; -1 for none
	lagFault   map[int]float64   // member -> fixed lag in seconds, from the lag fault
	downSince  map[int]time.Time // member -> when its listener was stopped
	election   *pendingElection  // an election under way: no primary until it ends
	reason     string            // why the last election happened
}

const (
	electionTimeout = 10 * time.Second
	lagEpisodeEvery = 300.0 // workload seconds between apply-delay spikes
	lagEpisodeStart = 200.0
	lagRise         = 40.0 // workload seconds to climb to the peak…
	lagFall         = 20.0 // …and to recover
	lagPeak         = 10.0 // seconds of apply delay at the peak
)

func (c *Cluster) newSet(name string, kind nodeKind, members int) *replSet {
	rs := &replSet{name: name, kind: kind, shardIdx: len(c.shards), term: 1, setVersion: 1,
		lagMember: -1, lagFault: map[int]float64{}, downSince: map[int]time.Time{}, electedAt: c.wallZero}
	if kind == kindConfig {
		rs.shardIdx = -1
	}
	for i := 0; i < members; i++ {
		n := c.newNode(kind, rs, i)
		if kind == kindShard && i < len(c.memberCfgs) {
			n.mcfg = c.memberCfgs[i]
		}
		n.spans = []roleSpan{{0, i == 0}}
		rs.members = append(rs.members, n)
	}
	if kind == kindShard && rs.shardIdx == 0 && members > 1 && !rs.members[members-1].mcfg.arbiter && c.scn.lagEpisodes {
		rs.lagMember = members - 1
	}
	for _, n := range rs.members {
		n.load = newLoad(c.cfg.Seed, n, c.cfg.Shards)
	}
	return rs
}

// hostList is hello's hosts: the electable members, as a replica set
// connection string gives them (no arbiters, hidden or priority-0 members).
func (rs *replSet) hostList() string {
	hosts, _, _ := rs.helloLists()
	return joinNames(hosts)
}

// connString is "name/h1,h2,h3" as listShards, config.shards and
// getShardMap give it: the members the server's replica set monitor keeps,
// hello's hosts and passives. Hidden members and arbiters are not in it (a
// real 4.4.10 cluster with two hidden members per shard lists only its
// three data members: shared/fixtures/mongos-4.4.10-…-kubedb-docs.txt), so
// mongostat --discover never reaches them.
func (rs *replSet) connString() string {
	hosts, passives, _ := rs.helloLists()
	return rs.name + "/" + joinNames(append(hosts, passives...))
}

// joinNames joins helloLists' member names with commas.
func joinNames(names bson.A) string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, n.(string))
	}
	return strings.Join(out, ",")
}

func (rs *replSet) primaryNode() *node {
	if rs.primary < 0 {
		return nil
	}
	return rs.members[rs.primary]
}

// lagLocked is how far behind the primary a member applies, in seconds.
func (c *Cluster) lagLocked(rs *replSet, member int, tau float64) float64 {
	if member == rs.primary {
		return 0
	}
	if s, ok := rs.lagFault[member]; ok {
		return s
	}
	if s, ok := c.scn.story.lag(rs, member, tau); ok {
		return s
	}
	if d := rs.members[member].mcfg.delaySecs; d > 0 {
		return float64(d) + 0.2 // secondaryDelaySecs behind, plus the usual apply delay
	}
	// A healthy secondary trails by a fraction of a second.
	base := 0.15 + 0.25*math.Abs(math.Sin(tau/13+float64(member)))
	if member != rs.lagMember || tau < lagEpisodeStart {
		return base
	}
	x := math.Mod(tau-lagEpisodeStart, lagEpisodeEvery)
	switch {
	case x < lagRise:
		return base + lagPeak*x/lagRise
	case x < lagRise+lagFall:
		return base + lagPeak*(1-(x-lagRise)/lagFall)
	}
	return base
}

// appliedLocked is the wall time of the last op the member applied.
func (c *Cluster) appliedLocked(rs *replSet, member int, now time.Time) time.Time {
	lag := c.lagLocked(rs, member, c.tau(now))
	return now.Add(-time.Duration(lag * float64(time.Second))).Truncate(time.Millisecond)
}

func optime(wall time.Time, term int64) bson.D {
	return bson.D{{Key: "ts", Value: tsOf(wall)}, {Key: "t", Value: term}}
}

// tsOf is the oplog timestamp of a write at wall: seconds, and an increment
// that orders writes within the second.
func tsOf(wall time.Time) bson.Timestamp {
	return bson.Timestamp{T: uint32(wall.Unix()), I: uint32(wall.Nanosecond()/int(time.Millisecond)) + 1}
}

func (c *Cluster) clusterTimeLocked() bson.Timestamp { return tsOf(c.cfg.Now()) }

// up says whether the member's listener is serving.
func (n *node) up() bool { return n.srv != nil && n.srv.Running() }

// maintainLocked advances what depends on elapsed time but is not a pure
// function of it: elections. A primary that went away is noticed after
// electionTimeout; then, as after a stepdown, the set has no primary for
// electionDuration.
func (c *Cluster) maintainLocked(now time.Time) {
	for _, rs := range c.sets() {
		for i, m := range rs.members {
			if m.up() {
				delete(rs.downSince, i)
			} else if _, ok := rs.downSince[i]; !ok {
				rs.downSince[i] = now
			}
		}
		if p := rs.primary; p >= 0 {
			since, down := rs.downSince[p]
			if !down || now.Sub(since) < electionTimeout {
				continue
			}
			c.setPrimaryLocked(rs, -1, c.tau(now))
			rs.election = &pendingElection{at: since.Add(electionTimeout + electionDuration), exclude: p, reason: "electionTimeout"}
		}
		if rs.election == nil {
			rs.election = &pendingElection{at: now.Add(electionTimeout), exclude: -1, reason: "electionTimeout"}
		}
		if e := rs.election; !now.Before(e.at) {
			rs.election = nil
			c.electLocked(rs, now, e.exclude, e.reason)
		}
	}
}

// stepDownLocked is replSetStepDown: the primary becomes a secondary at
// once and, as it hands over to a caught-up secondary, the set has no
// primary for electionDuration.
func (c *Cluster) stepDownLocked(rs *replSet, now time.Time) bool {
	old := rs.primary
	ok := false
	for i := range rs.members {
		ok = ok || i != old && rs.electableLocked(i)
	}
	if old < 0 || !ok {
		return false
	}
	c.setPrimaryLocked(rs, -1, c.tau(now))
	rs.election = &pendingElection{at: now.Add(electionDuration), exclude: old, reason: "stepUpRequestSkipDryRun"}
	return true
}

func (c *Cluster) sets() []*replSet {
	out := append([]*replSet(nil), c.shards...)
	if c.configRS != nil {
		out = append(out, c.configRS)
	}
	return out
}

// electLocked makes the freshest electable member other than exclude
// primary; with none the set stays without one and tries again later.
func (c *Cluster) electLocked(rs *replSet, now time.Time, exclude int, reason string) bool {
	tau := c.tau(now)
	best, bestLag := -1, math.MaxFloat64
	for i := range rs.members {
		if i == exclude || !rs.electableLocked(i) {
			continue
		}
		if lag := c.lagLocked(rs, i, tau); lag < bestLag {
			best, bestLag = i, lag
		}
	}
	if best < 0 {
		return false
	}
	c.setPrimaryLocked(rs, best, tau)
	rs.term++
	rs.electedAt, rs.reason = now, reason
	return true
}

func (c *Cluster) setPrimaryLocked(rs *replSet, p int, tau float64) {
	for i, m := range rs.members {
		was := i == rs.primary
		if is := i == p; is != was {
			m.spans = append(m.spans, roleSpan{from: tau, primary: is})
		}
	}
	if rs.primary != p {
		for _, m := range rs.members {
			m.bumpTopologyLocked() // every member's hello names the primary
		}
	}
	rs.primary = p
	if p == rs.lagMember {
		rs.lagMember = -1
	}
}

// electionID is the primary's electionId: an ObjectID built from the term.
func (rs *replSet) electionID() bson.ObjectID {
	var id bson.ObjectID
	id[0] = 0x7f
	id[1], id[2], id[3] = 0xff, 0xff, 0xff
	for i := 0; i < 8; i++ {
		id[11-i] = byte(rs.term >> (8 * i))
	}
	return id
}

// majorityLocked is the wall time of the majority-committed point: the
// newest write a majority of members has applied.
func (c *Cluster) majorityLocked(rs *replSet, now time.Time) time.Time {
	applied := make([]time.Time, 0, len(rs.members))
	for i, m := range rs.members {
		if !m.mcfg.arbiter {
			applied = append(applied, c.appliedLocked(rs, i, now))
		}
	}
	sort.Slice(applied, func(a, b int) bool { return applied[a].After(applied[b]) })
	return applied[len(applied)/2]
}
