package probes

import (
	"time"
)

// state is what the poller knows between polls. The poller's mutex guards
// it; probes read it in due and write it only through their apply functions.
type state struct {
	cfg         *Config
	dep         Deployment
	nodes       map[string]*nodeState
	cycle       int
	interval    time.Duration
	seedName    string            // the seed node's own name (see seed.go)
	seedGiven   string            // the address the user gave for it; "" before discovery
	breakdown   bool              // the connections pane wants the connection breakdown
	changes     []string          // what changed since the last snapshot, for the operator
	discNow     bool              // an error suggested the topology changed: re-discover
	unavailable map[string]string // probe -> why the server cannot provide it
	oplog       map[string]oplogWindow
}

// nodeState is what the poller remembers about one node.
type nodeState struct {
	node Node
	// busy is set while this node's requests of a poll run; they run one at
	// a time, so the node never has more than one of ours in flight.
	busy     bool
	runs     map[string]*probeRun
	failures int       // consecutive unreachable-class failures
	nextTry  time.Time // backing off after them
	lastOK   time.Time // wall time of the last good answer of any probe
	// lastOKMono is the same on the monotonic clock, to order it against
	// failed connection attempts.
	lastOKMono time.Time
	// setSaysDown is its replica set's word that it cannot reach the
	// member (health 0), with when it was said (monotonic clock).
	setSaysDown   string
	setSaysDownAt time.Time
	// reported is what the set's last replSetGetStatus said of this member.
	reported *memberReport
	// connStormy: its last serverStatus put its connections at a storm's
	// levels (connectionsStormy), so the connection breakdown is read.
	connStormy bool
}

// memberReport is one member as another member reports it.
type memberReport struct {
	health float64
	state  string // stateStr
	by     string // the member that reported it
}

// probeRun is the freshness of one probe on one node.
type probeRun struct {
	lastOK time.Time // wall time (Config.Now) of the last good answer
	err    string    // the last attempt's failure; "" once one succeeds
	down   bool      // err says the node itself is unreachable
	sentAt time.Time // monotonic clock; zero when nothing is in flight
	took   time.Duration
}

func (ns *nodeState) run(probe string) *probeRun {
	if ns.runs == nil {
		ns.runs = map[string]*probeRun{}
	}
	r, ok := ns.runs[probe]
	if !ok {
		r = &probeRun{}
		ns.runs[probe] = r
	}
	return r
}

// byRole lists the nodes with one of the roles, in discovery order.
func (st *state) byRole(roles ...Role) []*nodeState {
	var out []*nodeState
	for _, n := range st.dep.Nodes {
		ns, ok := st.nodes[n.Address]
		if !ok {
			continue
		}
		for _, r := range roles {
			if ns.node.Role == r {
				out = append(out, ns)
				break
			}
		}
	}
	return out
}

// mongos is the router mongoscope asks for cluster-wide streams: the seed
// when it answers, else the first router that does.
func (st *state) mongos() *nodeState {
	var first *nodeState
	for _, ns := range st.byRole(RoleMongos) {
		if ns.node.NotPolled != "" {
			continue
		}
		if ns.node.Address == st.seedName && !st.isDown(ns) {
			return ns
		}
		if first == nil && !st.isDown(ns) {
			first = ns
		}
	}
	if first == nil {
		if all := st.byRole(RoleMongos); len(all) > 0 {
			return all[0]
		}
	}
	return first
}

// isDown says whether a node's last request failed because it could not be
// reached.
func (st *state) isDown(ns *nodeState) bool {
	for _, r := range ns.runs {
		if r.down {
			return true
		}
	}
	return false
}

// setMembers groups the replica-set members by set, in discovery order.
func (st *state) setMembers() (sets []string, members map[string][]*nodeState) {
	members = map[string][]*nodeState{}
	for _, n := range st.dep.Nodes {
		ns, ok := st.nodes[n.Address]
		if !ok || ns.node.Set == "" {
			continue
		}
		if _, seen := members[ns.node.Set]; !seen {
			sets = append(sets, ns.node.Set)
		}
		members[ns.node.Set] = append(members[ns.node.Set], ns)
	}
	return sets, members
}

// firstOfCycle, fewOfCycle, slowOfCycle say whether a cadence is due now.
func (st *state) dueEvery(polls int) bool {
	return polls <= 1 || st.cycle == 1 || st.cycle%polls == 1
}

// slowEvery is the slow cadence (about 30 s) in polls at this interval.
func (st *state) slowEvery() int {
	return max(1, int(slowCadence/st.interval))
}

func (st *state) now() time.Time { return st.cfg.Now() }

// allNodes lists every node in discovery order.
func (st *state) allNodes() []string {
	out := make([]string, 0, len(st.dep.Nodes))
	for _, n := range st.dep.Nodes {
		if _, ok := st.nodes[n.Address]; ok {
			out = append(out, n.Address)
		}
	}
	return out
}
