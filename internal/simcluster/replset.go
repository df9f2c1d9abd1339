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
		n.spans = []roleSpan{{0, i == 0}}
		rs.members = append(rs.members, n)
	}
	if kind == kindShard && rs.shardIdx == 0 && members > 1 {
		rs.lagMember = members - 1
	}
	for _, n := range rs.members {
		n.load = newLoad(c.cfg.Seed, n, c.cfg.Shards)
	}
	return rs
}

func (rs *replSet) hostList() string {
	hosts := make([]string, 0, len(rs.members))
	for _, m := range rs.members {
		hosts = append(hosts, m.addr)
	}
	return strings.Join(hosts, ",")
}

// connString is "name/h1,h2,h3" as listShards and getShardMap give it.
func (rs *replSet) connString() string { return rs.name + "/" + rs.hostList() }

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
// function of it: elections after a primary went away.
func (c *Cluster) maintainLocked(now time.Time) {
	for _, rs := range c.sets() {
		for i, m := range rs.members {
			if m.up() {
				delete(rs.downSince, i)
			} else if _, ok := rs.downSince[i]; !ok {
				rs.downSince[i] = now
			}
		}
		p := rs.primary
		if p >= 0 {
			since, down := rs.downSince[p]
			if !down || now.Sub(since) < electionTimeout {
				continue
			}
		}
		c.electLocked(rs, now, p)
	}
}

func (c *Cluster) sets() []*replSet {
	out := append([]*replSet(nil), c.shards...)
	if c.configRS != nil {
		out = append(out, c.configRS)
	}
	return out
}

// electLocked makes the freshest reachable member other than exclude primary.
func (c *Cluster) electLocked(rs *replSet, now time.Time, exclude int) bool {
	tau := c.tau(now)
	best, bestLag := -1, math.MaxFloat64
	for i, m := range rs.members {
		if i == exclude || !m.up() {
			continue
		}
		if lag := c.lagLocked(rs, i, tau); lag < bestLag {
			best, bestLag = i, lag
		}
	}
	if best < 0 {
		if exclude >= 0 && !rs.members[exclude].up() {
			c.setPrimaryLocked(rs, -1, tau)
		}
		return false
	}
	c.setPrimaryLocked(rs, best, tau)
	rs.term++
	rs.electedAt = now
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
	for i := range rs.members {
		applied = append(applied, c.appliedLocked(rs, i, now))
	}
	sort.Slice(applied, func(a, b int) bool { return applied[a].After(applied[b]) })
	return applied[len(applied)/2]
}
