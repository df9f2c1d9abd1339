package tui

import (
	"fmt"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// replicationPane: per set, members with state, lag (and its sparkline),
// ping and sync source when zoomed; the oplog window, warned when short.
type replicationPane struct{ paneBase }

func (p *replicationPane) View() string {
	s := p.snap
	if why, ok := s.NotAvailable["replication"]; ok && len(s.Replication) == 0 {
		return p.dim(why)
	}
	if len(s.Replication) == 0 {
		return p.dim("waiting for replSetGetStatus…")
	}
	var lines []string
	for _, rs := range s.Replication {
		win := ""
		if rs.OplogWindowHours != nil {
			win = fmt.Sprintf("  oplog window %.1f h", *rs.OplogWindowHours)
			if sev := probes.ReplicaSetOplogSeverity(rs); sev > probes.OK {
				win = p.st.mark(sev, win+" ▲")
			}
		}
		lines = append(lines, p.st.Bold.Render(rs.Set)+win)
		for _, mem := range rs.Members {
			lines = append(lines, p.memberLine(mem))
		}
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

func (p *replicationPane) memberLine(mem probes.Member) string {
	st := p.st
	state := fmt.Sprintf("%-9s", mem.State)
	if mem.Health == 0 {
		state = st.Bad.Render(fmt.Sprintf("%-9s", "DOWN"))
	}
	line := fmt.Sprintf("  %s %-18s", state, shortHost(mem.Address))
	if mem.LagSeconds != nil {
		lag := fmt.Sprintf(" lag %5.1fs", *mem.LagSeconds)
		sev := probes.MemberLagSeverity(mem)
		if sev == probes.Crit {
			lag += " ▲"
		}
		spark := max(p.w-52, 4)
		data := p.series(probes.SeriesKey{Scope: probes.ScopeMember, Name: mem.Address, Metric: probes.MetricLag}, spark)
		line += st.mark(sev, lag) + " " + st.Accent.Render(sparkline(data, spark))
	}
	if mem.PingMs != nil && p.zoomed {
		line += fmt.Sprintf("  ping %.0fms", *mem.PingMs)
	}
	if mem.SyncSource != "" && p.zoomed {
		line += "  ← " + shortHost(mem.SyncSource)
	}
	return line
}

// Strip: the worst lag and who has it.
func (p *replicationPane) Strip() string {
	var worst *probes.Member
	for _, rs := range p.snap.Replication {
		for i, mem := range rs.Members {
			if mem.LagSeconds != nil && (worst == nil || *mem.LagSeconds > *worst.LagSeconds) {
				worst = &rs.Members[i]
			}
		}
	}
	if worst == nil {
		return ""
	}
	lag := fmt.Sprintf("repl max lag %.1fs %s", *worst.LagSeconds, shortHost(worst.Address))
	sev := probes.MemberLagSeverity(*worst)
	if sev == probes.Crit {
		lag += " ▲"
	}
	return p.st.mark(sev, lag)
}
