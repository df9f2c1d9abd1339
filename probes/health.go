package probes

import (
	"math"
	"time"
)

// Health judgments: how worrying a reading is. They live here, beside the
// numbers, so the TUI, the line printer and --json judge alike; each is a
// pure function of a sample, and each threshold is named with the reason
// for its value.

// Severity is how worrying a reading is.
type Severity int

const (
	OK   Severity = iota // nothing to look at
	Warn                 // worth a look: trending toward trouble
	Crit                 // act now: users feel it or soon will
)

// String is the word for the severity, also its JSON form.
func (s Severity) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	case Crit:
		return "crit"
	}
	return "unknown"
}

// MarshalText writes the severity as its word in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Worst is the most severe of the severities; OK for none.
func Worst(sevs ...Severity) Severity {
	w := OK
	for _, s := range sevs {
		w = max(w, s)
	}
	return w
}

const (
	// LagWarn: a healthy secondary applies within a second; two seconds of
	// lag means it is falling behind the write load.
	LagWarn = 2 * time.Second
	// LagCrit: reads from that secondary now return visibly old data, and
	// w:majority writes wait on it.
	LagCrit = 10 * time.Second
	// ConnCritPercent of the connection limit in use: the remaining headroom
	// is one deploy's or one retry storm's worth; at 100 % clients are refused.
	ConnCritPercent = 80.0
	// ChurnWarnPerSec new connections a second on one node: clients are not
	// pooling (each connection costs a thread and an auth handshake).
	ChurnWarnPerSec = 50.0
	// OplogWindowWarn: a secondary down for longer than the oplog window
	// needs a full initial sync; under a day leaves no room for a weekend.
	OplogWindowWarn = 24 * time.Hour
	// BusyQueryPerSec: below this many reads a second the update/read ratio
	// is noise, not a workload shape.
	BusyQueryPerSec = 100.0
	// UpdateReadRatio: updates at 80 % of reads or more is an unusual shape
	// for an OLTP load (often a counter or status field rewritten per read).
	UpdateReadRatio = 0.8
	// OutInRatio: replies twenty times the size of requests suggest queries
	// returning whole documents or unbounded result sets.
	OutInRatio = 20.0
	// HotShardFactor: a shard taking 1.8 times its fair share of the
	// operations is hot (a shard key or a balancer problem).
	HotShardFactor = 1.8
)

// LagSeverity judges a secondary's replication lag.
func LagSeverity(lag time.Duration) Severity {
	switch {
	case lag >= LagCrit:
		return Crit
	case lag >= LagWarn:
		return Warn
	}
	return OK
}

// MemberLagSeverity judges a member's lag; OK when it has none (primary,
// arbiter, unhealthy member).
func MemberLagSeverity(m Member) Severity {
	if m.LagSeconds == nil {
		return OK
	}
	return LagSeverity(seconds(*m.LagSeconds))
}

// ConnSeverity judges how much of a node's connection limit is used.
func ConnSeverity(c NodeConnections) Severity {
	if c.PercentUsed >= ConnCritPercent {
		return Crit
	}
	return OK
}

// ChurnSeverity judges connections created per second.
func ChurnSeverity(createdPerSec float64) Severity {
	if createdPerSec > ChurnWarnPerSec {
		return Warn
	}
	return OK
}

// OplogWindowSeverity judges the time a set's oplog covers.
func OplogWindowSeverity(window time.Duration) Severity {
	if window < OplogWindowWarn {
		return Warn
	}
	return OK
}

// ReplicaSetOplogSeverity judges a set's oplog window; OK when unknown.
func ReplicaSetOplogSeverity(rs ReplicaSet) Severity {
	if rs.OplogWindowHours == nil {
		return OK
	}
	return OplogWindowSeverity(seconds(*rs.OplogWindowHours * 3600))
}

// QueueSeverity judges readers and writers queued for a lock or ticket:
// any queue at all means the storage engine cannot keep up.
func QueueSeverity(queued int64) Severity {
	if queued > 0 {
		return Warn
	}
	return OK
}

// TicketsCurrent says whether a node's ticket counts may be judged: held
// ones (read every few polls before 8.0) are, until they are older than
// their cadence allows; then they are unknown, not current.
func TicketsCurrent(q NodeQueues) bool {
	return q.TicketsStale == ""
}

// NodeSeverity judges whether a node answers: down is critical, slow a warning.
func NodeSeverity(n Node) Severity {
	switch {
	case !n.Up:
		return Crit
	case n.Slow:
		return Warn
	}
	return OK
}

// UpdatesNearReadsSeverity flags a busy load whose updates rival its reads.
func UpdatesNearReadsSeverity(queryPerSec, updatePerSec float64) Severity {
	if queryPerSec > BusyQueryPerSec && updatePerSec > UpdateReadRatio*queryPerSec {
		return Warn
	}
	return OK
}

// OutboundSeverity flags replies far bigger than requests.
func OutboundSeverity(inPerSec, outPerSec float64) Severity {
	if inPerSec > 0 && outPerSec > OutInRatio*inPerSec {
		return Warn
	}
	return OK
}

// ShardShareSeverity flags a shard taking far more than its fair share
// (share is its fraction of all shards' operations).
func ShardShareSeverity(share float64, shards int) Severity {
	if shards > 1 && share > HotShardFactor/float64(shards) {
		return Warn
	}
	return OK
}

// Check names one health judgment in a Finding.
type Check string

const (
	CheckLag         Check = "lag"
	CheckConnections Check = "connections"
	CheckChurn       Check = "churn"
	CheckOplogWindow Check = "oplogWindow"
	CheckQueues      Check = "queues"
)

// Finding is one judgment about a node that is not OK.
type NodeCheck struct {
	Check    Check    `json:"check"`
	Severity Severity `json:"severity"`
}

// NodeChecks are the judgments about one node in a snapshot that are not
// OK: its connections, its lag as a set member, its queues, and the oplog
// window of the set it is primary of. Whether it answers at all is the
// node's Up/Error, not a finding.
func NodeChecks(s Snapshot, addr string) []NodeCheck {
	var out []NodeCheck
	add := func(c Check, sev Severity) {
		if sev > OK {
			out = append(out, NodeCheck{Check: c, Severity: sev})
		}
	}
	if s.Connections != nil {
		if c, ok := s.Connections.Nodes[addr]; ok {
			add(CheckConnections, ConnSeverity(c))
			if c.CreatedPerSec != nil {
				add(CheckChurn, ChurnSeverity(*c.CreatedPerSec))
			}
		}
	}
	for _, rs := range s.Replication {
		if rs.Primary == addr {
			add(CheckOplogWindow, ReplicaSetOplogSeverity(rs))
		}
		for _, m := range rs.Members {
			if m.Address == addr {
				add(CheckLag, MemberLagSeverity(m))
			}
		}
	}
	if s.Queues != nil {
		if q, ok := s.Queues.Nodes[addr]; ok {
			add(CheckQueues, QueueSeverity(q.ReadersQueued+q.WritersQueued))
		}
	}
	return out
}

// seconds converts a float number of seconds, saturating instead of
// overflowing on absurd server values.
func seconds(s float64) time.Duration {
	d := s * float64(time.Second)
	if math.IsNaN(d) {
		return 0
	}
	if d >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	if d <= math.MinInt64 {
		return time.Duration(math.MinInt64)
	}
	return time.Duration(d)
}
