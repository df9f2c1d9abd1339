package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// replicationPane: per set, members with state, lag (and its sparkline),
// ping and sync source when zoomed; the oplog window, warned when short;
// zoomed, the day's worst lag in minute means.
type replicationPane struct{ paneBase }

func (p *replicationPane) View() string {
	s := p.snap
	if why, ok := s.NotAvailable["replication"]; ok && len(s.Replication) == 0 {
		return p.dim(why)
	}
	if len(s.Replication) == 0 {
		return p.dim("waiting for replSetGetStatus…")
	}
	sets := orderSets(s.Replication)
	if !p.zoomed {
		return p.setsView(sets, p.h)
	}
	day := func(h int) string { return drawDay(p.st, dayOfWorstLag(p.hist, s), p.w, h) }
	return withDay(p.setsView(sets, p.h-dayHeight(p.h)), day, p.h)
}

// setsView is every set in h lines: each with its members when they fit,
// else the sets in most trouble expanded, else packed summaries.
func (p *replicationPane) setsView(sets []probes.ReplicaSet, h int) string {
	if len(sets) > h {
		return p.packedSummaries(sets)
	}
	expand := p.expanded(sets, h)
	var lines []string
	for i, rs := range sets {
		lines = append(lines, p.setLine(rs, !expand[i]))
		if expand[i] {
			for _, mem := range rs.Members {
				lines = append(lines, p.memberLine(mem))
			}
		}
	}
	return cutLines(strings.Join(lines, "\n"), h)
}

// orderSets puts the config servers after the shards (lag matters most on
// data), whatever order a recording has them in.
func orderSets(sets []probes.ReplicaSet) []probes.ReplicaSet {
	out := append([]probes.ReplicaSet(nil), sets...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Shard != "config" && out[j].Shard == "config" })
	return out
}

// expanded chooses which sets show their members: all when they fit;
// else every set keeps a summary line with its worst lag, and the sets in
// most trouble (stale, then worst lag) get their members while lines last.
func (p *replicationPane) expanded(sets []probes.ReplicaSet, h int) []bool {
	out := make([]bool, len(sets))
	full := 0
	for _, rs := range sets {
		full += 1 + len(rs.Members)
	}
	order := make([]int, len(sets))
	for i := range order {
		order[i] = i
		out[i] = full <= h
	}
	if full <= h {
		return out
	}
	sort.SliceStable(order, func(a, b int) bool { return setTrouble(sets[order[a]]) > setTrouble(sets[order[b]]) })
	room := h - len(sets)
	for _, i := range order {
		if n := len(sets[i].Members); n <= room {
			out[i], room = true, room-n
		}
	}
	return out
}

// setTrouble ranks a set for the room to show its members: a member
// lagging dangerously first, then a stale status, then by worst lag.
func setTrouble(rs probes.ReplicaSet) float64 {
	t := 0.0
	if rs.MaxLagSeconds != nil {
		t = *rs.MaxLagSeconds
	}
	for _, mem := range rs.Members {
		if probes.MemberLagSeverity(mem) == probes.Crit {
			return 2e9 + t
		}
	}
	if rs.Stale != "" || membersDown(rs) > 0 {
		t += 1e9
	}
	return t
}

// setLine is a set's first line: its name, its age when stale, the oplog
// window; collapsed, also its worst lag and who has it.
func (p *replicationPane) setLine(rs probes.ReplicaSet, collapsed bool) string {
	line := p.st.Bold.Render(clean(rs.Set))
	if collapsed {
		line += "  " + p.worstLag(rs)
		if down := membersDown(rs); down > 0 {
			line += "  " + p.st.Bad.Render(fmt.Sprintf("%d DOWN", down))
		}
	}
	if rs.Stale != "" {
		line += "  " + p.st.Warn.Render("("+parseStale(rs.Stale).old()+")")
	}
	if rs.OplogWindowHours != nil {
		win := fmt.Sprintf("  oplog window %.1f h", *rs.OplogWindowHours)
		if sev := probes.ReplicaSetOplogSeverity(rs); sev > probes.OK {
			win = p.st.mark(sev, win+" ▲")
		}
		line += win
	}
	return line
}

// worstLag is "max lag 30.0s s2-1:27018 ▲", or says no lag is known.
func (p *replicationPane) worstLag(rs probes.ReplicaSet) string {
	if rs.MaxLagSeconds == nil {
		return p.dim("max lag -")
	}
	lag := fmt.Sprintf("max lag %.1fs %s", *rs.MaxLagSeconds, shortHost(rs.MaxLagMember))
	sev := p.lagSeverity(rs)
	if sev == probes.Crit {
		lag += " ▲"
	}
	return p.st.mark(sev, lag)
}

func membersDown(rs probes.ReplicaSet) int {
	n := 0
	for _, mem := range rs.Members {
		if mem.Health == 0 {
			n++
		}
	}
	return n
}

func (p *replicationPane) lagSeverity(rs probes.ReplicaSet) probes.Severity {
	for _, mem := range rs.Members {
		if mem.Address == rs.MaxLagMember {
			return probes.MemberLagSeverity(mem)
		}
	}
	return probes.OK
}

// packedSummaries is for more sets than lines: "shard0 0.4s · shard1
// 30.0s ▲ · …", wrapped, so every set's worst lag is still on screen.
func (p *replicationPane) packedSummaries(sets []probes.ReplicaSet) string {
	var cells []string
	for _, rs := range sets {
		lag := "-"
		if rs.MaxLagSeconds != nil {
			lag = fmt.Sprintf("%.1fs", *rs.MaxLagSeconds)
		}
		cell := clean(rs.Set) + " " + lag
		if rs.Stale != "" {
			cell += " (" + parseStale(rs.Stale).old() + ")"
		}
		cells = append(cells, p.st.mark(max(p.lagSeverity(rs), staleSeverity(rs.Stale)), cell))
	}
	cells[0] = "max lag: " + cells[0]
	return wrapCells(cells, " · ", p.w)
}

func staleSeverity(text string) probes.Severity {
	if text != "" {
		return probes.Warn
	}
	return probes.OK
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
