package probes

import (
	"fmt"
	"math"
	"time"
)

// Replication and balancer findings: a secondary falling behind (the
// second field report saw secondaries up to 10 s behind while applying the
// balancer's deletions), an oplog too short to survive an outage, and a
// migration racing the end of its balancer window.

const (
	// lagHoldSecs: found at LagWarn (2 s), a lag holds the finding until it
	// is under a second again.
	lagHoldSecs = 1.0
	// lagGrowWindow, lagGrowBy: a lag of a second or more that rose by a
	// second within 30 s is falling behind before it crosses LagWarn.
	lagGrowWindow = 30 * time.Second
	lagGrowBy     = 1.0
	// heavyOpSecs: an op running 5 s on a secondary competes with the
	// applier for the cache and the disk.
	heavyOpSecs = 5.0
	// replBufferBacklog: ops fetched but not yet applied; thousands mean
	// the applier, not the network, is the bottleneck.
	replBufferBacklog = 1000
	// slowPingMs: a member 100 ms away fetches the oplog in slow round trips.
	slowPingMs = 100.0
)

type laggingSecondary struct{}

func (laggingSecondary) kind() string { return FindingLaggingSecondary }
func (laggingSecondary) timing() timing {
	return timing{startAfter: 20 * time.Second, endAfter: 30 * time.Second}
}

func (laggingSecondary) check(in *findingInput) ([]condition, bool) {
	if in.s.Replication == nil {
		return nil, false // unknown, or no replica set to judge
	}
	var out []condition
	for _, rs := range in.s.Replication {
		for _, m := range rs.Members {
			if m.LagSeconds == nil || m.Address == rs.Primary {
				continue
			}
			if rs.Stale != "" || !in.up(m.Address) {
				out = append(out, condition{subject: m.Address, level: levelUnknown})
				continue
			}
			if c, ok := lagCondition(in, rs, m); ok {
				out = append(out, c)
			}
		}
	}
	return out, true
}

func lagCondition(in *findingInput, rs ReplicaSet, m Member) (condition, bool) {
	lag := *m.LagSeconds
	grew := lagGrowth(in, m.Address)
	var lv level
	switch {
	case lag >= LagWarn.Seconds() || lag >= lagHoldSecs && grew >= lagGrowBy:
		lv = levelStart
	case lag >= lagHoldSecs:
		lv = levelHold
	default:
		return condition{}, false
	}
	shard := rs.Shard
	if shard == "" {
		shard = rs.Set
	}
	cause, ev := lagCause(in, m, shard)
	ev.Members, ev.Shards = []string{m.Address}, []string{shard}
	ev.Figures = append([]Figure{{"lag", roundTo(lag, 1), "s"}, {"lag growth in 30 s", roundTo(grew, 1), "s"}}, ev.Figures...)
	ev.Cause = cause
	trend := ""
	if grew >= lagGrowBy {
		trend = " and growing"
	}
	inc := Finding{Severity: max(Warn, LagSeverity(seconds(lag))), Evidence: ev,
		Summary: fmt.Sprintf("%s is %.0f s behind its primary%s: %s", m.Address, lag, trend, cause),
		Action: Action{Pane: PaneReplication, Key: "/", Filter: filterTerm(m.Address),
			Hint: "reads from it return old data and w:majority writes wait on it; the filter shows the ops on it"}}
	return condition{subject: m.Address, level: lv, inc: inc}, true
}

// lagGrowth is how much a member's lag rose over the last lagGrowWindow
// (0 when it fell or is unknown).
func lagGrowth(in *findingInput, addr string) float64 {
	pts := in.recent(SeriesKey{Scope: ScopeMember, Name: addr, Metric: MetricLag}, lagGrowWindow)
	first, last := math.NaN(), math.NaN()
	for _, v := range pts {
		if math.IsNaN(v) {
			continue
		}
		if math.IsNaN(first) {
			first = v
		}
		last = v
	}
	if math.IsNaN(first) || last <= first {
		return 0
	}
	return last - first
}

// lagCause names the likely cause the data shows, most direct first: a
// heavy op on the member, its apply buffer, its own queues, the shard's
// deletions replicating, the network.
func lagCause(in *findingInput, m Member, shard string) (string, Evidence) {
	var ev Evidence
	nq, hasQ := NodeQueues{}, false
	if in.s.Queues != nil {
		nq, hasQ = in.s.Queues.Nodes[m.Address]
	}
	if hasQ {
		ev.Figures = append(ev.Figures, Figure{"apply buffer", float64(nq.ReplBufferCount), "ops"},
			Figure{"queued on it", float64(nq.ReadersQueued + nq.WritersQueued), "ops"})
	}
	if op, ok := heaviestOp(in, m.Address); ok {
		ev.Namespaces, ev.Apps, ev.OpIDs = []string{printable(op.NS, 200)}, []string{printable(orNone(op.AppName), 120)}, []string{printable(op.OpID, 60)}
		return fmt.Sprintf("a heavy op runs on it (%s on %s by %s, %.0f s)", op.Op, ev.Namespaces[0], ev.Apps[0], op.SecsRunning), ev
	}
	load := in.loadOf(shard)
	switch {
	case hasQ && nq.ReplBufferCount >= replBufferBacklog:
		return fmt.Sprintf("its apply buffer holds %d ops: it applies slower than the primary writes", nq.ReplBufferCount), ev
	case hasQ && nq.ReadersQueued+nq.WritersQueued > 0:
		return fmt.Sprintf("%d ops queue on it: reads on the secondary compete with applying", nq.ReadersQueued+nq.WritersQueued), ev
	case load.replDeletes >= replDeletesLoad:
		return fmt.Sprintf("the shard replicates %.0f deletes/s (TTL or range deletions)", load.replDeletes), ev
	case m.PingMs != nil && *m.PingMs >= slowPingMs:
		return fmt.Sprintf("it is %.0f ms away from the set", *m.PingMs), ev
	}
	return "no cause visible in what mongoscope reads (look at the host's disk and CPU)", ev
}

// heaviestOp is the longest client op on a node past heavyOpSecs.
func heaviestOp(in *findingInput, addr string) (Op, bool) {
	var best Op
	found := false
	if !in.opsKnown {
		return best, false
	}
	for _, op := range in.s.Ops {
		if op.Node == addr && !op.System && op.SecsRunning >= heavyOpSecs && (!found || op.SecsRunning > best.SecsRunning) {
			best, found = op, true
		}
	}
	return best, found
}

// oplog-window-short: an oplog window shorter than a few hours, or than
// the worst lag times a safety factor.
const (
	// OplogWindowShort: a member down longer than the window needs a full
	// initial sync; 3 hours is less than a host's patching or disk swap
	// with margin. (health.go's OplogWindowWarn, 24 h, colours the pane.)
	OplogWindowShort = 3 * time.Hour
	// oplogWindowCrit: the Atlas guidance's high-priority oplog window alert.
	oplogWindowCrit = time.Hour
	// oplogLagFactor: a window under ten times the worst lag leaves a
	// lagging member little room to fall further before it drops off.
	oplogLagFactor = 10.0
	// oplogHoldFactor: found, it holds until the window is 20 % longer.
	oplogHoldFactor = 1.2
	// oplogReadMaxAge: the window is read every few polls and kept; older
	// than this it is unknown.
	oplogReadMaxAge = 10 * time.Minute
)

type oplogWindowShort struct{}

func (oplogWindowShort) kind() string { return FindingOplogWindowShort }

// timing: an oplog window moves over hours, and it is read every
// oplogEvery polls: short on the reads of 30 s (two or more) is short.
func (oplogWindowShort) timing() timing {
	return timing{startAfter: 30 * time.Second, endAfter: 2 * time.Minute}
}

func (oplogWindowShort) check(in *findingInput) ([]condition, bool) {
	if in.s.Replication == nil {
		return nil, false // unknown, or no replica set to judge
	}
	var out []condition
	for _, rs := range in.s.Replication {
		if rs.Stale != "" || rs.OplogWindowHours == nil || !rs.OplogWindowAsOf.IsZero() && in.now.Sub(rs.OplogWindowAsOf) > oplogReadMaxAge {
			out = append(out, condition{subject: rs.Set, level: levelUnknown})
			continue
		}
		window := seconds(*rs.OplogWindowHours * 3600)
		lag := time.Duration(0)
		if rs.MaxLagSeconds != nil {
			lag = seconds(*rs.MaxLagSeconds)
		}
		limit := max(OplogWindowShort, time.Duration(oplogLagFactor*float64(lag)))
		var lv level
		switch {
		case window < limit:
			lv = levelStart
		case float64(window) < oplogHoldFactor*float64(limit):
			lv = levelHold
		default:
			continue
		}
		out = append(out, oplogCondition(rs, window, lag, lv))
	}
	return out, true
}

func oplogCondition(rs ReplicaSet, window, lag time.Duration, lv level) condition {
	ev := Evidence{Members: []string{rs.Primary}, Figures: []Figure{{"oplog window", roundTo(window.Hours(), 2), "h"},
		{"worst lag", roundTo(lag.Seconds(), 1), "s"}}}
	if rs.Shard != "" {
		ev.Shards = []string{rs.Shard}
	}
	why := "a member down longer needs a full initial sync"
	if lag > 0 && float64(window) < oplogLagFactor*float64(lag) {
		why = fmt.Sprintf("less than %.0f× the worst lag (%s, %s)", oplogLagFactor, roundDur(lag), rs.MaxLagMember)
		ev.Members = append(ev.Members, rs.MaxLagMember)
	}
	sev := Warn
	if window < oplogWindowCrit || float64(window) < 2*float64(lag) {
		sev = Crit
	}
	inc := Finding{Severity: sev, Evidence: ev,
		Summary: fmt.Sprintf("%s's oplog covers only %s: %s", rs.Set, hoursText(window), why),
		Action: Action{Pane: PaneReplication, Copy: "db.adminCommand({ replSetResizeOplog: 1, minRetentionHours: 24 })",
			Hint: "a suggestion to review, to run on each member (MongoDB 4.4+): keep at least 24 h of oplog (it needs the disk); mongoscope never runs it"}}
	return condition{subject: rs.Set, level: lv, inc: inc}
}

func hoursText(d time.Duration) string {
	if d < time.Hour {
		return fmt.Sprintf("%.0f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// balancer-window-closing: a migration running as the balancer window
// closes; the balancer starts no migration outside its window, so the
// chunk in flight is the last one for the day, and a long one keeps both
// shards busy into the hours the window was meant to spare.
const windowClosingSoon = 5 * time.Minute

type windowClosing struct{}

func (windowClosing) kind() string { return FindingWindowClosing }
func (windowClosing) timing() timing {
	return timing{startAfter: 5 * time.Second, endAfter: 10 * time.Second}
}

func (windowClosing) check(in *findingInput) ([]condition, bool) {
	b := in.s.Balancer
	if b == nil || b.Stale != "" {
		return nil, false
	}
	if b.Window == nil || !b.InsideWindow || len(b.Migrations) == 0 {
		return nil, true
	}
	until := b.UntilWindowChange.D()
	// longest is the longest known running time; a migration whose donor
	// op is not known has run for an unknown time, which proves nothing.
	var longest *float64
	nss, shards := tally{}, tally{}
	for _, mg := range b.Migrations {
		secs := 0.0
		if mg.ElapsedSecs != nil {
			secs = *mg.ElapsedSecs
			if longest == nil || secs > *longest {
				longest = mg.ElapsedSecs
			}
		}
		nss.add(mg.NS, secs+1)
		shards.add(mg.From, secs+2)
		shards.add(mg.To, secs+1)
	}
	var lv level
	switch {
	case until <= windowClosingSoon || longest != nil && until < seconds(*longest):
		lv = levelStart
	case until <= 2*windowClosingSoon:
		lv = levelHold
	default:
		return nil, true
	}
	ev := Evidence{Namespaces: nss.top(3), Shards: shards.top(4), Figures: []Figure{{"window closes in", math.Round(until.Seconds()), "s"}}}
	if longest != nil {
		ev.Figures = append(ev.Figures, Figure{"migration running", math.Round(*longest), "s"})
	}
	ev.Figures = append(ev.Figures, Figure{"migrations", float64(len(b.Migrations)), ""})
	inc := Finding{Severity: Warn, Evidence: ev,
		Summary: fmt.Sprintf("a chunk migration of %s is running and the balancer window closes in %s (at %s)",
			migrationText(b.Migrations[0]), roundDur(until), printable(b.Window.Stop, 10)),
		Action: Action{Pane: PaneBalancer, Key: "w", Filter: "migration",
			Hint: "widen the window (w) to let the balancer finish its work, or stop it (b) to keep the busy hours quiet"}}
	return []condition{{subject: "balancer", level: lv, inc: inc}}, true
}

// migrationText names a migration and how long it has run, when known:
// "shop.orders (shard0 → shard1, 42s in)".
func migrationText(mg Migration) string {
	in := ""
	if mg.ElapsedSecs != nil {
		in = ", " + roundDur(seconds(*mg.ElapsedSecs)) + " in"
	}
	return fmt.Sprintf("%s (%s → %s%s)", printable(mg.NS, 200), printable(mg.From, 60), printable(mg.To, 60), in)
}
