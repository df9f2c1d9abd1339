package tui

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// connectionsPane: per node current/available/% used with a sparkline,
// busiest first; created per second (churn); zoomed, who holds them and
// the last hour in minute means.
type connectionsPane struct{ paneBase }

func (p *connectionsPane) View() string {
	st, s := p.st, p.snap
	if s.Connections == nil {
		return p.dim("waiting for serverStatus…")
	}
	type row struct {
		addr string
		c    probes.NodeConnections
	}
	var rows []row
	var created float64
	known := false // churn needs two samples: until then it is unknown, not 0
	for addr, c := range s.Connections.Nodes {
		rows = append(rows, row{addr, c})
		if c.CreatedPerSec != nil {
			created, known = created+*c.CreatedPerSec, true
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].c.PercentUsed != rows[j].c.PercentUsed {
			return rows[i].c.PercentUsed > rows[j].c.PercentUsed
		}
		return rows[i].addr < rows[j].addr
	})
	churn := "created -/s"
	if known {
		churn = fmt.Sprintf("created %s/s", num(created))
	}
	if sev := probes.ChurnSeverity(created); known && sev > probes.OK {
		churn = st.mark(sev, churn+" ▲ churn")
	}
	lines := []string{churn}
	if p.zoomed { // who holds them first: a long node list would push it off
		lines = append(append(lines, p.breakdown()...), "")
	}
	spark := max(p.w-39, 0) // what the address, counts and percentage leave
	for _, r := range rows {
		pct := fmt.Sprintf("%3.0f%%", r.c.PercentUsed)
		if sev := probes.ConnSeverity(r.c); sev > probes.OK {
			pct = st.mark(sev, pct+"▲")
		}
		data := p.series(probes.SeriesKey{Scope: probes.ScopeNode, Name: r.addr, Metric: probes.MetricConn}, spark)
		line := fmt.Sprintf("%-16s %6s/%-7s %s %s", shortHost(r.addr), num(float64(r.c.Current)),
			num(float64(r.c.Current+r.c.Available)), pct, st.Accent.Render(sparkline(data, spark)))
		if old := probeStale(s, r.addr, "serverStatus"); old != "" {
			line = fmt.Sprintf("%-16s %s", shortHost(r.addr), st.Warn.Render(old+": "+num(float64(r.c.Current))+" then"))
		}
		lines = append(lines, line)
	}
	if p.zoomed {
		day := func(h int) string { return drawDay(st, dayOfConnections(p.hist, s), p.w, h) }
		return withDay(strings.Join(lines, "\n"), day, p.h)
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

// breakdown is who holds the connections; the root asks for it (a costly
// query) only while this pane is zoomed.
func (p *connectionsPane) breakdown() []string {
	b := p.snap.Connections.Breakdown
	if b == nil {
		return []string{p.dim("reading who holds the connections…")}
	}
	return []string{p.dim("clients of " + clean(b.Of)), "by app:  " + topCounts(b.ByApp, 6),
		"by host: " + topCounts(b.ByHost, 6), "by user: " + topCounts(b.ByUser, 6)}
}

// Strip: the fullest node.
func (p *connectionsPane) Strip() string {
	if p.snap.Connections == nil {
		return ""
	}
	var hi probes.NodeConnections
	at := ""
	for _, addr := range slices.Sorted(maps.Keys(p.snap.Connections.Nodes)) { // ties: the first name, every poll
		if c := p.snap.Connections.Nodes[addr]; at == "" || c.PercentUsed > hi.PercentUsed {
			hi, at = c, addr
		}
	}
	conn := fmt.Sprintf("conn %.0f%% %s", hi.PercentUsed, shortHost(at))
	if sev := probes.ConnSeverity(hi); sev > probes.OK {
		conn = p.st.mark(sev, conn+" ▲")
	}
	return conn
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
