package tui

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

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
		return p.st.Warn.Render("ops/s - (" + dashIfEmpty(p.snap.Opcounters.ClusterWhy, "not known yet") + ")")
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
// per-shard comparison row (a hot shard stands out) and queues; zoomed,
// a graph of the recent points and the day's minute means.
func (p *throughputPane) View() string {
	w, h := p.w, p.h
	lines, key := p.rateLines(w)
	lines = append(lines, p.networkLine(key))
	if row := p.shardRow(w); row != "" {
		lines = append(lines, row)
	}
	lines = append(lines, p.queueLine())
	if !p.zoomed {
		return cutLines(strings.Join(lines, "\n"), h)
	}
	if room := h - dayHeight(h) - len(lines); room > 4 {
		lines = append(lines, "", p.graph(key, w, room-2))
	}
	return withDay(strings.Join(lines, "\n"), func(dh int) string { return p.day(key, w, dh) }, h)
}

// day is the long view of the scope: the cluster's or a shard's minute
// means (nodes have none).
func (p *throughputPane) day(key probes.SeriesKey, w, h int) string {
	if key.Scope == probes.ScopeNode {
		return p.dim("the day's minute means are kept for the cluster and each shard: " +
			p.keys.Global.ScopePrev.Help().Key + " " + p.keys.Global.ScopeNext.Help().Key + " choose one")
	}
	return drawDay(p.st, dayOfRates(p.hist, key), w, h)
}

// rateLines: one line per opcounter with its sparkline and range, the
// updates ≈ reads hint on the update line. An unknown rate is "-" with the
// reason on the first line, never 0; its gaps stay blank in the sparkline.
func (p *throughputPane) rateLines(w int) ([]string, probes.SeriesKey) {
	st, key := p.st, p.key()
	spark := max(w-44, 8)
	cur, why := p.current(key)
	var lines []string
	for i, metric := range rateMetrics {
		key.Metric = metric
		data := p.series(key, spark)
		v := "-"
		if cur != nil {
			v = num(metricOf(*cur, metric))
		}
		tail := ""
		if lo, hi, ok := minMax(data); ok {
			tail = st.Dim.Render(fmt.Sprintf(" min %s max %s", num(lo), num(hi)))
		}
		if i == 0 && cur == nil {
			tail = " " + st.Warn.Render("unknown: "+why)
		}
		lines = append(lines, fmt.Sprintf("%-8s%7s/s %s%s", metric, v, st.Accent.Render(sparkline(data, spark)), tail))
	}
	if cur != nil {
		if sev := probes.UpdatesNearReadsSeverity(cur.Query, cur.Update); sev > probes.OK {
			lines[1] += st.mark(sev, "  ← updates ≈ reads")
		}
	}
	key.Metric = ""
	return lines, key
}

// current is the scope's rates in the snapshot shown, or nil and why.
func (p *throughputPane) current(k probes.SeriesKey) (*probes.Rates, string) {
	oc := p.snap.Opcounters
	if oc == nil {
		if why := p.snap.NotAvailable["opcounters"]; why != "" {
			return nil, why
		}
		return nil, "no serverStatus yet"
	}
	switch k.Scope {
	case probes.ScopeCluster:
		return oc.Cluster, dashIfEmpty(oc.ClusterWhy, "not known yet")
	case probes.ScopeShard:
		if r, ok := oc.Shards[k.Name]; ok {
			return &r, ""
		}
		return nil, dashIfEmpty(oc.ShardsWhy[k.Name], "not known yet")
	}
	if r, ok := oc.Nodes[k.Name]; ok {
		return &r, ""
	}
	return nil, nodeRateWhy(p.snap, k.Name)
}

// nodeRateWhy says why a node has no rate: it is down or slow, its
// serverStatus fails, or it has answered only once.
func nodeRateWhy(s probes.Snapshot, addr string) string {
	for _, n := range s.Deployment.Nodes {
		if n.Address != addr {
			continue
		}
		if ps, ok := n.Probes["serverStatus"]; ok && ps.Error != "" {
			return "serverStatus failing: " + clean(ps.Error)
		}
		if n.Error != "" {
			return clean(n.Error)
		}
	}
	return "needs two answers"
}

func dashIfEmpty(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return clean(s)
}

func metricOf(r probes.Rates, m probes.Metric) float64 {
	switch m {
	case probes.MetricQuery:
		return r.Query
	case probes.MetricUpdate:
		return r.Update
	case probes.MetricInsert:
		return r.Insert
	case probes.MetricDelete:
		return r.Delete
	case probes.MetricGetmore:
		return r.Getmore
	}
	return r.Command
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

// shardRow compares shards' total ops; one far above the rest is hot. A
// shard without a rate shows "-" (why is in ShardsWhy, shown by its scope).
func (p *throughputPane) shardRow(w int) string {
	oc := p.snap.Opcounters
	if oc == nil || len(oc.Shards)+len(oc.ShardsWhy) < 2 {
		return ""
	}
	var names []string
	total := 0.0
	for name, r := range oc.Shards {
		names = append(names, name)
		total += r.Total()
	}
	for name := range oc.ShardsWhy {
		if _, ok := oc.Shards[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	barW := max((w-12)/len(names)-14, 2)
	var b strings.Builder
	b.WriteString("per shard ")
	for _, name := range names {
		r, ok := oc.Shards[name]
		if !ok || total <= 0 {
			b.WriteString(" " + name + " " + p.st.Warn.Render("-"))
			continue
		}
		frac := r.Total() / total
		cell := fmt.Sprintf(" %s %s %2.0f%%", name, bar(frac, barW), frac*100)
		b.WriteString(p.st.mark(probes.ShardShareSeverity(frac, len(names)), cell))
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
		line = p.st.mark(sev, line+" ▲")
	}
	age, stale := ticketsAge(s.Queues)
	if age != "" {
		age = " · " + age + " old"
	}
	switch {
	case stale:
		line += p.st.Warn.Render(age + " · stale, not judged")
	case age != "":
		line += p.dim(age)
	}
	return line
}

// ticketsAge is how old the oldest held ticket counts are ("8.0s"; "" when
// all are from the latest poll), and whether any are too old to be judged.
// Before 8.0 they are read every few polls and held between.
func ticketsAge(q *probes.QueueStats) (age string, stale bool) {
	oldest := -1.0
	for _, nq := range q.Nodes {
		stale = stale || !probes.TicketsCurrent(nq)
		if nq.TicketsAgeSeconds != nil {
			oldest = max(oldest, *nq.TicketsAgeSeconds)
		}
	}
	if oldest < 0 {
		return "", stale
	}
	return AgeText(time.Duration(oldest * float64(time.Second))), stale
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
		known := 0
		for _, v := range data {
			if !math.IsNaN(v) {
				known++
			}
		}
		if known < 2 {
			return p.dim("collecting history…")
		}
		series = append(series, data) // unknown points stay gaps
	}
	return asciigraph.PlotMany(series, asciigraph.Height(h-1), asciigraph.Width(w-12),
		asciigraph.Caption("query, update, insert per second"))
}
