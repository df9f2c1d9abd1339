package probes

import (
	"fmt"
	"sort"
	"time"
)

// Node states. A node is slow when it answers, but later than the interval,
// or when one probe fails while others answer; down when it refuses, resets,
// rejects our credentials, or has not answered for DownAfter. Time spent on
// mongoscope's side (scheduling, a concurrency slot, a starved CPU) is never
// counted against a node: the clock starts when the request is sent. A node
// that is not polled (Node.NotPolled) is up or down as its set reports it,
// and unknown when no member that answers reports it.
const (
	StateUp      = "up"
	StateSlow    = "slow"
	StateDown    = "down"
	StateUnknown = "unknown"
)

// ProbeStatus is the freshness of one probe on one node.
type ProbeStatus struct {
	LastOK     time.Time `json:"lastOK,omitzero"`
	AgeSeconds *float64  `json:"ageSeconds"` // since LastOK; null if never
	Error      string    `json:"error,omitempty"`
}

// judge sets a node's State, Up, Slow and Error from its probes' freshness.
func (st *state) judge(ns *nodeState, n *Node, clientLag time.Duration) {
	n.State, n.Error, n.LastOK = StateUp, "", ns.lastOK
	n.Probes = st.probeStatuses(ns)
	if n.NotPolled != "" {
		judgeByReport(ns, n)
		return
	}
	waited, waitingFor := ns.longestWait(clientLag)
	downAfter := st.cfg.DownAfter
	switch {
	case waited >= downAfter:
		n.State, n.Error = StateDown, fmt.Sprintf("no answer for %s (%s)", roundDur(waited), waitingFor)
	case ns.downErr() != "":
		n.State, n.Error = StateDown, ns.downErr()
	case ns.setSaysDown != "" && ns.setSaysDownAt.After(ns.lastOKMono):
		// The set saw it go before our own request could: say so now.
		n.State, n.Error = StateDown, ns.setSaysDown
	case waited > st.interval:
		n.State, n.Error = StateSlow, fmt.Sprintf("answering late: waiting %s for %s", roundDur(waited), waitingFor)
	case ns.failingProbe() != "":
		n.State, n.Error = StateSlow, ns.failingProbe()
	case ns.lastOK.IsZero():
		n.State, n.Error = StateSlow, "no answer yet"
	case ns.slowestAnswer() > st.interval+clientLag:
		n.State, n.Error = StateSlow, fmt.Sprintf("answered in %s (interval %s)", roundDur(ns.slowestAnswer()), st.interval)
	}
	n.Up, n.Slow = n.State != StateDown, n.State == StateSlow
}

// judgeByReport judges a node mongoscope does not poll by what the member
// that answered last said of it in replSetGetStatus.
func judgeByReport(ns *nodeState, n *Node) {
	r := ns.reported
	switch {
	case r == nil:
		n.State, n.Error = StateUnknown, "not polled, and no member that answers reports it"
	case r.health > 0:
		n.State = StateUp
	default:
		n.State, n.Error = StateDown, r.by+" reports it unreachable ("+r.state+")"
	}
	n.Up, n.Slow = n.State == StateUp, false
}

// longestWait is how long the oldest request in flight has waited, less
// the time mongoscope itself was late.
func (ns *nodeState) longestWait(clientLag time.Duration) (time.Duration, string) {
	var longest time.Duration
	var which string
	for name, r := range ns.runs {
		if r.sentAt.IsZero() {
			continue
		}
		if w := time.Since(r.sentAt) - clientLag; w > longest {
			longest, which = w, name
		}
	}
	return longest, which
}

// downErr is the unreachable-class error of the node's last request, if any.
func (ns *nodeState) downErr() string {
	for _, name := range sortedRuns(ns) {
		if r := ns.runs[name]; r.down {
			return r.err
		}
	}
	return ""
}

// failingProbe names a probe whose last request failed while the node
// answers others: "serverStatus failing: …".
func (ns *nodeState) failingProbe() string {
	for _, name := range sortedRuns(ns) {
		if r := ns.runs[name]; r.err != "" && !r.down {
			return name + " failing: " + r.err
		}
	}
	return ""
}

// slowestAnswer is the longest time the last answers took.
func (ns *nodeState) slowestAnswer() time.Duration {
	var d time.Duration
	for _, r := range ns.runs {
		d = max(d, r.took)
	}
	return d
}

func (st *state) probeStatuses(ns *nodeState) map[string]ProbeStatus {
	if len(ns.runs) == 0 {
		return nil
	}
	now := st.now()
	out := make(map[string]ProbeStatus, len(ns.runs))
	for name, r := range ns.runs {
		ps := ProbeStatus{LastOK: r.lastOK, Error: r.err}
		if !r.lastOK.IsZero() {
			age := max(now.Sub(r.lastOK).Seconds(), 0)
			ps.AgeSeconds = &age
		}
		out[name] = ps
	}
	return out
}

func sortedRuns(ns *nodeState) []string {
	names := make([]string, 0, len(ns.runs))
	for name := range ns.runs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// staleAfter is the age past which a probe's result is stale: one cadence
// period plus one interval of slack, and at least a second, so that at very
// short intervals a busy node's answer a poll late is not called stale.
func (st *state) staleAfter(p probe) time.Duration {
	return st.staleAfterPolls(p.every(st))
}

// staleAfterPolls is staleAfter for a figure read every `every` polls.
func (st *state) staleAfterPolls(every int) time.Duration {
	return max(time.Duration(every+1)*st.interval, minStaleAge)
}

const minStaleAge = time.Second

// staleness describes a result taken at `at` by probe p from node addr when
// it is stale ("as of 12:34:56, 23s old: 127.0.0.1:27017 answering late…"),
// and "" while it is fresh.
func (st *state) staleness(p probe, at time.Time, addr string) string {
	age := st.now().Sub(at)
	if at.IsZero() || age <= st.staleAfter(p) {
		return ""
	}
	return staleText(at, age, addr, st.lateWhy(p.name(), addr, "no new answer"))
}

// lateWhy is why probe `name` has no newer answer from addr: its error,
// the wait for its answer, or otherwise.
func (st *state) lateWhy(name, addr, otherwise string) string {
	if ns, ok := st.nodes[addr]; ok {
		if r, ok := ns.runs[name]; ok && r.err != "" {
			return r.err
		} else if w, _ := ns.longestWait(0); w > 0 {
			return "waiting " + roundDur(w) + " for its answer"
		}
	}
	return otherwise
}

// staleText is the one form of every staleness note (the TUI parses it).
func staleText(at time.Time, age time.Duration, addr, why string) string {
	return fmt.Sprintf("as of %s, %s old: %s %s", at.Local().Format("15:04:05"), roundDur(age), addr, why)
}

func roundDur(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}
