package tui

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/guptarohit/asciigraph"

	"github.com/mongoscope/mongoscope/probes"
)

// throughputPane is opcounters per second for a scope (the cluster, a
// shard or a node; [ and ] cycle), the network, per-shard shares and
// queues; zoomed, a graph over time.
type throughputPane struct {
	paneBase
	scope int // index into scopes(snapshot)
}

func (p *throughputPane) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		n := len(scopes(p.snap))
		switch {
		case key.Matches(msg, p.keys.Global.ScopeNext):
			p.scope = (p.scope + 1) % n
		case key.Matches(msg, p.keys.Global.ScopePrev):
			p.scope = (p.scope + n - 1) % n
		}
		return nil
	}
	return p.paneBase.Update(msg)
}

func (p *throughputPane) key() probes.SeriesKey {
	sc := scopes(p.snap)
	return sc[p.scope%len(sc)]
}

func (p *throughputPane) Title() string {
	return p.name + "  " + scopeLabel(p.key()) + " " + p.keys.Global.ScopePrev.Help().Key + " " + p.keys.Global.ScopeNext.Help().Key
}

func (p *throughputPane) ShortHelp() []key.Binding { return []key.Binding{p.keys.Global.ScopeNext} }

// Strip: the cluster's main rates.
func (p *throughputPane) Strip() string {
	if p.snap.Opcounters == nil {
		return ""
	}
	c := p.snap.Opcounters.Cluster
	if c == nil {
		return "ops/s unknown: " + p.snap.Opcounters.ClusterWhy
	}
	return fmt.Sprintf("ops/s q %s u %s i %s", num(c.Query), num(c.Update), num(c.Insert))
}

var rateMetrics = []probes.Metric{probes.MetricQuery, probes.MetricUpdate, probes.MetricInsert, probes.MetricDelete,
	probes.MetricGetmore, probes.MetricCommand}

// scopes lists what [ and ] cycle through: the cluster, each shard, each node.
func scopes(s probes.Snapshot) []probes.SeriesKey {
	out := []probes.SeriesKey{{Scope: probes.ScopeCluster}}
	if s.Opcounters == nil {
		return out
	}
	var shards []string
	for name := range s.Opcounters.Shards {
		shards = append(shards, name)
	}
	sort.Strings(shards)
	for _, name := range shards {
		out = append(out, probes.SeriesKey{Scope: probes.ScopeShard, Name: name})
	}
	for _, n := range s.Deployment.Nodes {
		if n.Role != probes.RoleArbiter {
			out = append(out, probes.SeriesKey{Scope: probes.ScopeNode, Name: n.Address})
		}
	}
	return out
}

func scopeLabel(k probes.SeriesKey) string {
	if k.Scope == probes.ScopeCluster {
		return "cluster"
	}
	return k.Scope + " " + shortHost(k.Name)
}

// View: opcounters per second with sparklines and min/max, the network, a
// per-shard comparison row (a hot shard stands out) and queues.
func (p *throughputPane) View() string {
	w, h := p.w, p.h
	lines, key := p.rateLines(w)
	lines = append(lines, p.networkLine(key))
	if row := p.shardRow(w); row != "" {
		lines = append(lines, row)
	}
	lines = append(lines, p.queueLine())
	if h > len(lines)+4 && p.zoomed {
		lines = append(lines, "", p.graph(key, w, h-len(lines)-2))
	}
	return cutLines(strings.Join(lines, "\n"), h)
}

// rateLines: one line per opcounter with its sparkline and range, the
// updates ≈ reads hint on the update line.
func (p *throughputPane) rateLines(w int) ([]string, probes.SeriesKey) {
	st, key := p.st, p.key()
	spark := max(w-44, 8)
	var lines []string
	var q, u float64
	for _, metric := range rateMetrics {
		key.Metric = metric
		data := p.series(key, spark)
		cur := math.NaN()
		if len(data) > 0 {
			cur = data[len(data)-1]
		}
		lo, hi, ok := minMax(data)
		mm := ""
		if ok {
			mm = st.Dim.Render(fmt.Sprintf(" min %s max %s", num(lo), num(hi)))
		}
		if metric == probes.MetricQuery {
			q = cur
		}
		if metric == probes.MetricUpdate {
			u = cur
		}
		lines = append(lines, fmt.Sprintf("%-8s%7s/s %s%s", metric, num(cur), st.Accent.Render(sparkline(data, spark)), mm))
	}
	if sev := probes.UpdatesNearReadsSeverity(q, u); sev > probes.OK {
		lines[1] += st.mark(sev, "  ← updates ≈ reads")
	}
	key.Metric = ""
	return lines, key
}

func (p *throughputPane) networkLine(key probes.SeriesKey) string {
	s := p.snap
	if s.Network == nil {
		return p.dim("network: not available")
	}
	var in, out float64
	for addr, r := range s.Network.Nodes {
		if key.Scope == probes.ScopeCluster || key.Name == addr || nodeShard(s, addr) == key.Name && key.Scope == probes.ScopeShard {
			in, out = in+r.BytesInPerSec, out+r.BytesOutPerSec
		}
	}
	line := fmt.Sprintf("net in %s  out %s", bytesRate(in), bytesRate(out))
	if sev := probes.OutboundSeverity(in, out); sev > probes.OK {
		line += p.st.mark(sev, "  ← out ≫ in: big replies?")
	}
	return line
}

func nodeShard(s probes.Snapshot, addr string) string {
	for _, n := range s.Deployment.Nodes {
		if n.Address == addr {
			return n.Shard
		}
	}
	return ""
}

// shardRow compares shards' total ops; one far above the rest is hot.
func (p *throughputPane) shardRow(w int) string {
	s := p.snap
	if s.Opcounters == nil || len(s.Opcounters.Shards) < 2 {
		return ""
	}
	var names []string
	total := 0.0
	for name, r := range s.Opcounters.Shards {
		names = append(names, name)
		total += r.Total()
	}
	sort.Strings(names)
	if total <= 0 {
		return ""
	}
	barW := max((w-12)/len(names)-14, 2)
	var b strings.Builder
	b.WriteString("per shard ")
	for _, name := range names {
		frac := s.Opcounters.Shards[name].Total() / total
		cell := fmt.Sprintf(" %s %s %2.0f%%", name, bar(frac, barW), frac*100)
		cell = p.st.mark(probes.ShardShareSeverity(frac, len(names)), cell)
		b.WriteString(cell)
	}
	return b.String()
}

func (p *throughputPane) queueLine() string {
	s := p.snap
	if s.Queues == nil {
		return p.dim("queues: not available")
	}
	var qr, qw, rOut, rTot, wOut, wTot int64
	for _, q := range s.Queues.Nodes {
		qr, qw = qr+q.ReadersQueued, qw+q.WritersQueued
		rOut, rTot, wOut, wTot = rOut+q.ReadTicketsOut, rTot+q.ReadTicketsTotal, wOut+q.WriteTicketsOut, wTot+q.WriteTicketsTotal
	}
	line := fmt.Sprintf("queues r %d w %d   tickets out r %d/%d w %d/%d", qr, qw, rOut, rTot, wOut, wTot)
	if sev := probes.QueueSeverity(qr + qw); sev > probes.OK {
		return p.st.mark(sev, line+" ▲")
	}
	return line
}

// graph is the zoomed view: query, update and insert over time.
func (p *throughputPane) graph(key probes.SeriesKey, w, h int) string {
	if h < 3 || w < 20 {
		return ""
	}
	var series [][]float64
	for _, metric := range rateMetrics[:3] {
		key.Metric = metric
		data := p.series(key, w-12)
		clean := make([]float64, 0, len(data))
		for _, v := range data {
			if !math.IsNaN(v) {
				clean = append(clean, v)
			}
		}
		if len(clean) < 2 {
			return p.dim("collecting history…")
		}
		series = append(series, clean)
	}
	return asciigraph.PlotMany(series, asciigraph.Height(h-1), asciigraph.Width(w-12),
		asciigraph.Caption("query, update, insert per second"))
}
