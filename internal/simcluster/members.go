package simcluster

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// memberCfg is one member of a replica set config (replSetGetConfig
// members[]): an arbiter holds no data; a priority-0 member is never
// elected; a hidden one is not in hello's hosts; a delayed one applies
// secondaryDelaySecs behind (and is hidden with priority 0, as the docs
// require).
type memberCfg struct {
	arbiter, hidden bool
	priority        float64
	delaySecs       int64
}

func (m memberCfg) kind() string {
	switch {
	case m.arbiter:
		return "arbiter"
	case m.delaySecs > 0:
		return "delayed"
	case m.hidden:
		return "hidden"
	case m.priority == 0:
		return "priority0"
	}
	return "data"
}

// CheckMembersSpec says what is wrong with a Config.MembersSpec, if anything.
func CheckMembersSpec(spec string) error {
	_, err := parseMembersSpec(spec)
	return err
}

// parseMembersSpec reads Config.MembersSpec: comma-separated member kinds,
// one per member of every shard, e.g. "data,data,priority0,hidden,
// delayed=3600,arbiter". At least one member must be electable (data).
func parseMembersSpec(spec string) ([]memberCfg, error) {
	var out []memberCfg
	electable := false
	for _, part := range strings.Split(spec, ",") {
		kind, arg, _ := strings.Cut(strings.TrimSpace(part), "=")
		m := memberCfg{priority: 1}
		switch kind {
		case "data":
			electable = true
		case "priority0":
			m.priority = 0
		case "hidden":
			m.priority, m.hidden = 0, true
		case "arbiter":
			m.priority, m.arbiter = 0, true
		case "delayed":
			secs, err := strconv.ParseInt(arg, 10, 64)
			if err != nil || secs <= 0 {
				return nil, fmt.Errorf("simcluster: members spec %q: delayed needs seconds, e.g. delayed=3600", part)
			}
			m.priority, m.hidden, m.delaySecs = 0, true, secs
		default:
			return nil, fmt.Errorf("simcluster: members spec %q: use data, priority0, hidden, delayed=SECONDS or arbiter", part)
		}
		out = append(out, m)
	}
	if !electable {
		return nil, fmt.Errorf("simcluster: members spec %q has no data member to elect", spec)
	}
	return out, nil
}

// electableLocked says whether member i may become primary now.
func (rs *replSet) electableLocked(i int) bool {
	m := rs.members[i]
	return m.mcfg.priority > 0 && !m.mcfg.arbiter && m.up()
}

// dataBearing are the members that hold data (not arbiters).
func (rs *replSet) dataBearing() []*node {
	var out []*node
	for _, m := range rs.members {
		if !m.mcfg.arbiter {
			out = append(out, m)
		}
	}
	return out
}

// helloLists are hello's hosts (electable), passives (priority 0) and
// arbiters; hidden members are in none (replication_info.cpp / HelloResponse).
func (rs *replSet) helloLists() (hosts, passives, arbiters bson.A) {
	hosts = bson.A{}
	for _, m := range rs.members {
		switch {
		case m.mcfg.hidden:
		case m.mcfg.arbiter:
			arbiters = append(arbiters, m.name())
		case m.mcfg.priority == 0:
			passives = append(passives, m.name())
		default:
			hosts = append(hosts, m.name())
		}
	}
	return hosts, passives, arbiters
}

// helloMemberFields are a member's own hello flags after its lists.
func (n *node) helloMemberFields() bson.D {
	var d bson.D
	_, passives, arbiters := n.rs.helloLists()
	if len(passives) > 0 {
		d = append(d, bson.E{Key: "passives", Value: passives})
	}
	if len(arbiters) > 0 {
		d = append(d, bson.E{Key: "arbiters", Value: arbiters})
	}
	return d
}

// helloSelfFlags are arbiterOnly, passive, hidden and secondaryDelaySecs
// (slaveDelay before 5.0) of the member answering.
func (n *node) helloSelfFlags() bson.D {
	m := n.mcfg
	var d bson.D
	if m.arbiter {
		d = append(d, bson.E{Key: "arbiterOnly", Value: true})
	}
	if m.priority == 0 && !m.arbiter {
		d = append(d, bson.E{Key: "passive", Value: true})
	}
	if m.hidden {
		d = append(d, bson.E{Key: "hidden", Value: true})
	}
	if m.delaySecs > 0 {
		d = append(d, bson.E{Key: n.c.delayField(), Value: m.delaySecs})
	}
	return d
}

// delayField is secondaryDelaySecs from 5.0, slaveDelay before
// (fixture rs.status+rs.conf-4.4.10…: slaveDelay).
func (c *Cluster) delayField() string {
	if c.atLeast(5, 0) {
		return "secondaryDelaySecs"
	}
	return "slaveDelay"
}

// memberConfigDoc is members[i] of the replica set config.
func (c *Cluster) memberConfigDoc(i int, m *node) bson.D {
	votes := int32(1)
	return bson.D{{Key: "_id", Value: int32(i)}, {Key: "host", Value: m.name()}, {Key: "arbiterOnly", Value: m.mcfg.arbiter},
		{Key: "buildIndexes", Value: true}, {Key: "hidden", Value: m.mcfg.hidden}, {Key: "priority", Value: m.mcfg.priority},
		{Key: "tags", Value: bson.D{}}, {Key: c.delayField(), Value: m.mcfg.delaySecs}, {Key: "votes", Value: votes}}
}

// voteCounts are replSetGetStatus's majorityVoteCount, writeMajorityCount,
// votingMembersCount and writableVotingMembersCount: every member votes,
// arbiters cannot acknowledge writes.
func (rs *replSet) voteCounts() (majority, writeMajority, voting, writable int32) {
	for _, m := range rs.members {
		voting++
		if !m.mcfg.arbiter {
			writable++
		}
	}
	majority = voting/2 + 1
	return majority, min(majority, writable), voting, writable
}

// electionDuration is how long a replica set has no primary once an
// election starts: the candidate's dry run, vote and catch-up.
const electionDuration = 2 * time.Second

// pendingElection is an election under way: the set has no primary until at.
type pendingElection struct {
	at      time.Time
	exclude int    // the member that may not win (a stepped-down primary)
	reason  string // electionCandidateMetrics.lastElectionReason
}
