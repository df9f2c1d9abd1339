package probes

import "time"

// streams holds the latest result of every probe between ticks.
type streams struct {
	unavailable map[string]string // probe -> why the server can't provide it
	errors      map[string]string // probe -> last failure
	ops         map[string]opsResult
	opsAt       map[string]time.Time
	repl        map[string]ReplicaSet // set name -> status
	top         map[string][2]topSample
	balStatus   *balancerStatus
	balSettings *balancerSettings
	migrations  *migrationsResult
	chunks      *chunksResult
	chunksAt    time.Time
	rangeDel    map[string]int
	breakdown   *ConnectionBreakdown
}

func (s *streams) init() {
	s.unavailable, s.errors = map[string]string{}, map[string]string{}
	s.ops, s.opsAt = map[string]opsResult{}, map[string]time.Time{}
	s.repl, s.top, s.rangeDel = map[string]ReplicaSet{}, map[string][2]topSample{}, map[string]int{}
}

// record stores a successful result; called with p.mu held.
func (s *streams) record(p *Poller, j job, ns *nodeState, res any) {
	switch r := res.(type) {
	case *statusSample:
		if ns == nil {
			return
		}
		if ns.cur != nil && ns.cur.s.Uptime <= r.s.Uptime {
			ns.prev = ns.cur
		} else {
			ns.prev = nil // first sample, or the node restarted: no rate this time
		}
		ns.cur = r
		if r.s.Version != "" {
			ns.node.Version = r.s.Version
		}
	case opsResult:
		s.ops[j.node] = r
		s.opsAt[j.node] = p.now()
	case ReplicaSet:
		s.repl[r.Set] = r
		p.updateRolesLocked(r)
	case topSample:
		prev := s.top[j.node]
		s.top[j.node] = [2]topSample{prev[1], r}
	case balancerStatus:
		s.balStatus = &r
	case balancerSettings:
		s.balSettings = &r
	case migrationsResult:
		s.migrations = &r
	case chunksResult:
		s.chunks = &r
		s.chunksAt = p.now()
	case rangeDeletions:
		s.rangeDel[r.shard] = r.n
	case *ConnectionBreakdown:
		s.breakdown = r
	}
}

// updateRolesLocked follows elections between discoveries: the set's own
// view of who is primary beats what discovery saw.
func (p *Poller) updateRolesLocked(rs ReplicaSet) {
	for _, m := range rs.Members {
		ns, ok := p.nodes[m.Address]
		if !ok {
			p.discNow = true // a member we don't know: re-discover
			continue
		}
		role := roleOf(m.State, ns.node.Shard)
		if role != RoleOther || m.Health == 0 {
			if ns.node.Role != role && role != RoleOther {
				p.changes = append(p.changes, m.Address+" is now "+string(role)+inShard(ns.node.Shard))
			}
			if role != RoleOther {
				ns.node.Role = role
			}
		}
	}
}
