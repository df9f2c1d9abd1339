package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// replicationView: per set, members with state, lag (and its sparkline),
// ping and sync source; the oplog window, warned when short.
func (m *Model) replicationView(w, h int) string {
	st, s := m.styles, m.shown
	if why, ok := s.NotAvailable["replication"]; ok && len(s.Replication) == 0 {
		return st.Dim.Render(why)
	}
	if len(s.Replication) == 0 {
		return st.Dim.Render("waiting for replSetGetStatus…")
	}
	var lines []string
	for _, rs := range s.Replication {
		win := ""
		if rs.OplogWindowHours != nil {
			win = fmt.Sprintf("  oplog window %.1f h", *rs.OplogWindowHours)
			if sev := probes.ReplicaSetOplogSeverity(rs); sev > probes.OK {
				win = st.mark(sev, win+" ▲")
			}
		}
		lines = append(lines, st.Bold.Render(rs.Set)+win)
		for _, mem := range rs.Members {
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
				lag = st.mark(sev, lag)
				data := m.hist.SeriesEnding(probes.SeriesKey{Scope: probes.ScopeMember, Name: mem.Address, Metric: probes.MetricLag}, max(w-52, 4), m.scrub)
				line += lag + " " + st.Accent.Render(sparkline(data, max(w-52, 4)))
			}
			if mem.PingMs != nil && m.zoomed {
				line += fmt.Sprintf("  ping %.0fms", *mem.PingMs)
			}
			if mem.SyncSource != "" && m.zoomed {
				line += "  ← " + shortHost(mem.SyncSource)
			}
			lines = append(lines, line)
		}
	}
	return cutLines(strings.Join(lines, "\n"), h)
}

// connectionsView: per node current/available/% used with a sparkline,
// busiest first; created per second (churn); zoomed, who holds them.
func (m *Model) connectionsView(w, h int) string {
	st, s := m.styles, m.shown
	if s.Connections == nil {
		return st.Dim.Render("waiting for serverStatus…")
	}
	type row struct {
		addr string
		c    probes.NodeConnections
	}
	var rows []row
	var created float64
	for addr, c := range s.Connections.Nodes {
		rows = append(rows, row{addr, c})
		created += c.CreatedPerSec
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].c.PercentUsed != rows[j].c.PercentUsed {
			return rows[i].c.PercentUsed > rows[j].c.PercentUsed
		}
		return rows[i].addr < rows[j].addr
	})
	churn := fmt.Sprintf("created %s/s", num(created))
	if sev := probes.ChurnSeverity(created); sev > probes.OK {
		churn = st.mark(sev, churn+" ▲ churn")
	}
	lines := []string{churn}
	spark := max(w-40, 4)
	for _, r := range rows {
		pct := fmt.Sprintf("%3.0f%%", r.c.PercentUsed)
		if sev := probes.ConnSeverity(r.c); sev > probes.OK {
			pct = st.mark(sev, pct+"▲")
		}
		data := m.hist.SeriesEnding(probes.SeriesKey{Scope: probes.ScopeNode, Name: r.addr, Metric: probes.MetricConn}, spark, m.scrub)
		lines = append(lines, fmt.Sprintf("%-16s %6s/%-7s %s %s", shortHost(r.addr), num(float64(r.c.Current)),
			num(float64(r.c.Current+r.c.Available)), pct, st.Accent.Render(sparkline(data, spark))))
	}
	if b := s.Connections.Breakdown; b != nil && m.zoomed {
		lines = append(lines, "", "by app:  "+topCounts(b.ByApp, 6), "by host: "+topCounts(b.ByHost, 6), "by user: "+topCounts(b.ByUser, 6))
	} else if m.zoomed {
		lines = append(lines, "", st.Dim.Render("reading who holds the connections…"))
	}
	return cutLines(strings.Join(lines, "\n"), h)
}

func topCounts(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var parts []string
	for i, e := range all {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s", e.k, num(float64(e.v))))
	}
	return strings.Join(parts, "  ")
}

// hotView: the merged cluster-wide `top` ranking.
func (m *Model) hotView(w, h int) string {
	st, s := m.styles, m.shown
	if why, ok := s.NotAvailable["top"]; ok {
		return st.Dim.Render(why)
	}
	if len(s.HotCollections) == 0 {
		return st.Dim.Render("no collection busy (top)")
	}
	lines := []string{st.Dim.Render(fmt.Sprintf("%-*s %7s %7s", max(w-18, 8), "ms/s", "read", "write"))}
	for _, hc := range s.HotCollections {
		lines = append(lines, fmt.Sprintf("%-*s %7s %7s", max(w-18, 8), hc.NS, num(hc.ReadMsPerSec), num(hc.WriteMsPerSec)))
	}
	return cutLines(strings.Join(lines, "\n"), h)
}

// balancerView: on/off and round, the window with a countdown, migrations
// in flight, recent ones, chunks per shard and pending range deletions.
func (m *Model) balancerView(w, h int) string {
	st, s := m.styles, m.shown
	b := s.Balancer
	if b == nil {
		if why, ok := s.NotAvailable["balancer"]; ok {
			return st.Dim.Render(why)
		}
		return st.Dim.Render("waiting for balancerStatus…")
	}
	var lines []string
	if b.Window != nil {
		state := "closes in"
		if !b.InsideWindow {
			state = "opens in"
		}
		lines = append(lines, fmt.Sprintf("window %s–%s  %s %s", b.Window.Start, b.Window.Stop, state, countdown(b.UntilWindowChange)))
	} else {
		lines = append(lines, "window: none (balances any time)")
	}
	for _, mg := range b.Migrations {
		lines = append(lines, st.Warn.Render(fmt.Sprintf("migrating %s %s→%s %s", mg.NS, mg.From, mg.To, secs(mg.ElapsedSecs))))
	}
	if n := len(b.RecentMigrations); n > 0 {
		errs, total := 0, 0.0
		for _, ev := range b.RecentMigrations {
			if ev.Error != "" {
				errs++
			}
			total += ev.DurationSecs
		}
		summary := fmt.Sprintf("last %d: %d ok, %d error (avg %s)", n, n-errs, errs, secs(total/float64(n)))
		if errs > 0 {
			summary = st.Warn.Render(summary)
		}
		lines = append(lines, summary)
		if m.zoomed {
			for _, ev := range b.RecentMigrations {
				line := fmt.Sprintf("  %s %s %s→%s %s", ev.Time.Local().Format("15:04:05"), ev.NS, ev.From, ev.To, secs(ev.DurationSecs))
				if ev.Error != "" {
					line = st.Bad.Render(line + " " + ev.Error)
				}
				lines = append(lines, line)
			}
		}
	}
	if len(b.ChunksPerShard) > 0 {
		lines = append(lines, "chunks "+shardCounts(b.ChunksPerShard, m.zoomed, w))
	}
	pending := 0
	for _, n := range b.RangeDeletionsPending {
		pending += n
	}
	if pending > 0 {
		lines = append(lines, fmt.Sprintf("range deletions pending %s", shardCounts(b.RangeDeletionsPending, false, w)))
	}
	if b.JumboChunks > 0 {
		lines = append(lines, st.Warn.Render(fmt.Sprintf("%d jumbo chunks", b.JumboChunks)))
	}
	return cutLines(strings.Join(lines, "\n"), h)
}

func (m *Model) balancerTitle() string {
	b := m.shown.Balancer
	switch {
	case b == nil:
		return "Balancer"
	case !b.Enabled:
		return "Balancer  " + m.styles.Warn.Render("OFF")
	case b.InRound:
		return "Balancer  " + m.styles.Good.Render("ON") + " in round"
	}
	return "Balancer  " + m.styles.Good.Render("ON")
}

func shardCounts(counts map[string]int, bars bool, w int) string {
	var names []string
	hi := 0
	for k, v := range counts {
		names = append(names, k)
		hi = max(hi, v)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		if bars && hi > 0 {
			parts = append(parts, fmt.Sprintf("\n  %-8s %s %d", k, bar(float64(counts[k])/float64(hi), max(w-20, 4)), counts[k]))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
	}
	return strings.Join(parts, "  ")
}

// nodesView lists every node, down and slow ones first with the reason.
func (m *Model) nodesView(w, h int) string {
	st := m.styles
	nodes := append([]probes.Node(nil), m.shown.Deployment.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool { return !nodes[i].Up && nodes[j].Up })
	var lines []string
	for _, n := range nodes {
		state := map[probes.Severity]string{probes.OK: st.Good.Render("up  "), probes.Warn: st.Warn.Render("slow"),
			probes.Crit: st.Bad.Render("DOWN")}[probes.NodeSeverity(n)]
		line := fmt.Sprintf("%s %-21s %-9s %-7s %s", state, n.Address, n.Role, n.Shard, n.Version)
		if n.Error != "" {
			line += "  " + st.Bad.Render(n.Error)
		}
		lines = append(lines, line)
	}
	for _, c := range m.shown.Deployment.Changes {
		lines = append(lines, st.Warn.Render("changed: "+c))
	}
	return cutLines(strings.Join(lines, "\n"), h)
}
