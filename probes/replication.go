package probes

import (
	"context"
	"errors"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DecodeReplSetGetStatus reads a replSetGetStatus reply into a ReplicaSet
// and the server's date.
//
// Lag ("oplog apply delay") is the primary's last applied wall time minus
// the member's. lastAppliedWallTime (4.4+) is the wall clock of the last
// applied write with millisecond precision; optimeDate, the fallback for
// older servers, has 1 s granularity. Both are the primary's clock, so the
// difference does not depend on clock skew between members. Without a
// primary the freshest member is the reference, as mongosh does. Members
// that are down report the epoch; they, arbiters and the primary get no lag.
func DecodeReplSetGetStatus(raw bson.Raw) (rs ReplicaSet, date time.Time, err error) {
	defer safely("replSetGetStatus", &err)
	if raw.Validate() != nil {
		return rs, time.Time{}, errors.New("replSetGetStatus reply is not a valid BSON document")
	}
	members := getArray(raw, "members")
	if members == nil {
		if msg := getString(raw, "errmsg"); msg != "" {
			return rs, time.Time{}, errors.New(msg)
		}
		return rs, time.Time{}, errors.New("replSetGetStatus reply has no members")
	}
	rs.Set = getText(raw, "set")
	date, _ = getTime(raw, "date")
	type applied struct {
		at time.Time
		ok bool
	}
	times := make([]applied, len(members))
	var ref time.Time
	primaryIdx := -1
	for i, v := range members {
		m, ok := v.DocumentOK()
		if !ok {
			continue
		}
		member := Member{Address: getText(m, "name"), State: getText(m, "stateStr"),
			SyncSource: getText(m, "syncSourceHost")}
		member.Health, _ = getFloat(m, "health")
		member.UptimeSecs, _ = getInt(m, "uptime")
		if ms, ok := getFloat(m, "pingMs"); ok {
			member.PingMs = &ms
		}
		state, _ := getInt(m, "state")
		at, ok := getTime(m, "lastAppliedWallTime")
		if !ok || at.Unix() <= 0 {
			at, ok = getTime(m, "optimeDate")
		}
		usable := ok && at.Unix() > 0 && member.Health > 0 && state != 7
		times[i] = applied{at, usable}
		if state == 1 {
			rs.Primary = member.Address
			primaryIdx = i
			if usable {
				ref = at
			}
		}
		rs.Members = append(rs.Members, member)
	}
	if primaryIdx < 0 {
		for _, t := range times {
			if t.ok && t.at.After(ref) {
				ref = t.at
			}
		}
	}
	for i := range rs.Members {
		if i == primaryIdx || !times[i].ok || ref.IsZero() {
			continue
		}
		lag := ref.Sub(times[i].at).Seconds()
		if lag < 0 {
			lag = 0
		}
		rs.Members[i].LagSeconds = &lag
	}
	return rs, date, nil
}

// OplogWindowHours is the time between the first and last oplog entries.
func OplogWindowHours(first, last time.Time) *float64 {
	if first.IsZero() || last.IsZero() || last.Before(first) {
		return nil
	}
	h := last.Sub(first).Hours()
	return &h
}

// replProbe asks one member of each replica set for replSetGetStatus: it
// tells every member's state, health and lag at once. The primary is asked
// when it answers, else a member that does.
type replProbe struct {
	sets map[string]replResult
}

type replResult struct {
	rs ReplicaSet
	at time.Time
	by string // the member that answered
}

func newReplProbe() *replProbe { return &replProbe{sets: map[string]replResult{}} }

func (*replProbe) name() string     { return probeRepl }
func (*replProbe) every(*state) int { return everyPoll }

func (*replProbe) due(st *state) []string {
	sets, members := st.setMembers()
	var out []string
	for _, set := range sets {
		if ns := askFor(st, members[set]); ns != nil {
			out = append(out, ns.node.Address)
		}
	}
	return out
}

// askFor picks the member to ask: the primary unless it is down, else the
// first member that is not down, else the first.
func askFor(st *state, members []*nodeState) *nodeState {
	var pick *nodeState
	for _, ns := range members {
		if ns.node.Role == RoleArbiter || ns.node.NotPolled != "" {
			continue
		}
		down := st.isDown(ns)
		switch {
		case ns.node.Role == RolePrimary && !down || ns.node.Role == RoleConfig && ns.node.ConfigPrimary && !down:
			return ns
		case pick == nil || st.isDown(pick) && !down:
			pick = ns
		}
	}
	return pick
}

func (rp *replProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	raw, err := n.conn.command(ctx, n.cfg.DownAfter, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if err != nil {
		return nil, err
	}
	rs, _, err := DecodeReplSetGetStatus(raw)
	if err != nil {
		return nil, err
	}
	rs.Shard = n.node.Shard
	res := replResult{rs: rs, at: n.now, by: n.node.Address}
	return func(st *state) {
		rp.sets[rs.Set] = res
		st.followSet(rs, res.by)
	}, nil
}

// fill lists the sets, shards first and the config servers last (lag
// matters most on data), each with its age when stale, the oplog window
// kept from the last time the primary reported it, and the worst lag.
func (rp *replProbe) fill(snap *Snapshot, st *state) {
	if st.dep.Kind == KindStandalone {
		snap.NotAvailable["replication"] = "not a replica set (standalone)"
		return
	}
	if why, gone := st.unavailable[probeRepl]; gone && len(rp.sets) == 0 {
		snap.NotAvailable["replication"] = why
		return
	}
	for _, name := range rp.setNames(st) {
		r := rp.sets[name]
		rs := r.rs
		rs.AsOf, rs.Stale = r.at, st.staleness(rp, r.at, r.by)
		rs.Members = append([]Member(nil), rs.Members...)
		for i := range rs.Members {
			if snap.Queues != nil {
				rs.Members[i].ApplyOpsPerSec = snap.Queues.Nodes[rs.Members[i].Address].ReplApplyOpsPerSec
			}
		}
		w, ok := st.oplog[rs.Primary]
		if !ok { // the primary is not polled or not reachable: the member asked
			w, ok = st.oplog[r.by]
		}
		if ok {
			rs.OplogWindowHours, rs.OplogWindowAsOf = OplogWindowHours(w.first, w.last), w.at
		}
		rs.MaxLagSeconds, rs.MaxLagMember = worstLag(rs.Members)
		snap.Replication = append(snap.Replication, rs)
	}
}

// setNames orders the sets still in the deployment: shards, then config.
func (rp *replProbe) setNames(st *state) []string {
	known := map[string]bool{}
	for _, ns := range st.nodes {
		known[ns.node.Set] = true
	}
	names := make([]string, 0, len(rp.sets))
	for name := range rp.sets {
		if !known[name] {
			delete(rp.sets, name)
			continue
		}
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		ci, cj := rp.sets[names[i]].rs.Shard == "config", rp.sets[names[j]].rs.Shard == "config"
		if ci != cj {
			return cj
		}
		return names[i] < names[j]
	})
	return names
}

func worstLag(members []Member) (*float64, string) {
	var worst *float64
	var who string
	for _, m := range members {
		if m.LagSeconds != nil && (worst == nil || *m.LagSeconds > *worst) {
			worst, who = m.LagSeconds, m.Address
		}
	}
	return worst, who
}

// followSet follows elections between discoveries: the set's own view of
// who is primary beats what discovery saw. A member the set reports healthy
// is tried again at once, so a recovered node shows up at its first answer
// rather than after its backoff.
func (st *state) followSet(rs ReplicaSet, by string) {
	for _, m := range rs.Members {
		ns, ok := st.nodes[m.Address]
		if !ok {
			st.discNow = true // a member we don't know: re-discover
			continue
		}
		ns.reported = &memberReport{health: m.Health, state: m.State, by: by}
		if m.Health > 0 {
			ns.nextTry, ns.setSaysDown = time.Time{}, ""
		} else if ns.setSaysDown == "" {
			ns.setSaysDown, ns.setSaysDownAt = "its replica set cannot reach it ("+m.State+")", time.Now()
		}
		st.setRole(ns, m.State)
	}
}

// setRole records a member's new role, telling the operator.
func (st *state) setRole(ns *nodeState, stateStr string) {
	if ns.node.Shard == "config" {
		ns.node.ConfigPrimary = stateStr == "PRIMARY"
		return
	}
	role := roleOf(stateStr, ns.node.Shard)
	if role == RoleOther || role == ns.node.Role {
		return
	}
	st.changes = append(st.changes, ns.node.Address+" is now "+string(role)+inShard(ns.node.Shard))
	ns.node.Role = role
}
