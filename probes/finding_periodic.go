package probes

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// periodic-spike: spikes recurring at a regular period in the minute
// history of a cluster, shard or member series. The first field report's
// analytics queries showed as "periodic spikes exactly ten minutes apart"
// in several graphs, network bandwidth included, and took analysis to tie
// to the queries; this finding names the period and the namespaces and
// apps whose operations coincide with the spikes.
//
// Method: spike spacing. A minute is a spike when it stands far above the
// series' median (robustly: by the median absolute deviation, and by half
// the median); consecutive spike minutes are one spike, starting at its
// first; four or more spikes whose spacings agree within a minute (or
// 10 %) are periodic.
const (
	// periodicLookback: three hours of minutes hold four periods of up to
	// 45 minutes.
	periodicLookback = 180
	// periodicMinMinutes: fewer known minutes than this say nothing (four
	// spikes 10 minutes apart take 31).
	periodicMinMinutes = 30
	// periodicMinSpikes: four spikes make three equal gaps, past chance.
	periodicMinSpikes = 4
	// periodicMinPeriod, periodicMaxPeriod in minutes: under 2 minutes is
	// noise at this resolution; over 45 needs more than the lookback.
	periodicMinPeriod = 2
	periodicMaxPeriod = 45
	// spikeMADs and spikeRise: a spike is above median + 4 robust standard
	// deviations (1.4826 MAD) and 50 % above the median.
	spikeMADs = 4.0
	spikeRise = 0.5
	// coincideShare: a namespace or app coincides when it runs in at least
	// half the spike minutes and at most half as often otherwise.
	coincideShare = 0.5
)

// spikeFloor is the least rise worth calling a spike, per metric (a few
// operations a second on an idle series is not a job).
func spikeFloor(m Metric) float64 {
	switch m {
	case MetricNetIn, MetricNetOut:
		return 50e3 // B/s
	case MetricLag:
		return LagWarn.Seconds()
	}
	return 5 // ops/s
}

// minuteOps is who ran during one minute: op sightings per namespace and app.
type minuteOps struct {
	ns, apps tally
}

type periodicSpike struct {
	minutes    map[time.Time]*minuteOps
	lastMinute time.Time
	conds      []condition
}

func newPeriodicSpike() *periodicSpike { return &periodicSpike{minutes: map[time.Time]*minuteOps{}} }

func (*periodicSpike) kind() string { return FindingPeriodicSpike }

// timing: the pattern itself needs four spikes; it holds for two periods
// after the last one (see periodLevel).
func (*periodicSpike) timing() timing { return timing{startAfter: 0, endAfter: time.Minute} }

func (d *periodicSpike) check(in *findingInput) ([]condition, bool) {
	if in.h == nil {
		return nil, false
	}
	d.record(in)
	times := in.h.MinuteTimes(periodicLookback)
	if len(times) == 0 {
		return nil, true
	}
	if last := times[len(times)-1]; !last.Equal(d.lastMinute) {
		d.lastMinute = last
		d.conds = d.judge(in, times)
	}
	return d.conds, true
}

// record notes the client ops of this poll under its minute.
func (d *periodicSpike) record(in *findingInput) {
	if !in.opsKnown {
		return
	}
	m := in.now.Truncate(time.Minute)
	mo := d.minutes[m]
	if mo == nil {
		mo = &minuteOps{ns: tally{}, apps: tally{}}
		d.minutes[m] = mo
		for t := range d.minutes {
			if m.Sub(t) > periodicLookback*time.Minute {
				delete(d.minutes, t)
			}
		}
	}
	for _, op := range in.s.Ops {
		if !op.System {
			mo.ns.add(op.NS, 1)
			mo.apps.add(orNone(op.AppName), 1)
		}
	}
}

// pattern is one series' periodic spikes.
type pattern struct {
	key         SeriesKey
	period      int   // minutes
	spikes      []int // minute indexes where each spike starts
	spikeMin    []int // every minute index above the threshold
	peak, base  float64
	lastPeakAge int // minutes since the last spike started
}

func (d *periodicSpike) judge(in *findingInput, times []time.Time) []condition {
	var found []pattern
	for _, k := range periodicKeys(in.s) {
		if p, ok := findPattern(in.h.MinuteSeries(k, periodicLookback), spikeFloor(k.Metric)); ok {
			p.key = k
			found = append(found, p)
		}
	}
	var out []condition
	for _, group := range groupByPeriod(found) {
		if c, ok := d.periodCondition(group, times); ok {
			out = append(out, c)
		}
	}
	return out
}

// periodicKeys are the series kept in the minute history: the cluster's
// and each shard's rates, the cluster's network, each member's lag.
func periodicKeys(s Snapshot) []SeriesKey {
	ops := []Metric{MetricInsert, MetricQuery, MetricUpdate, MetricDelete, MetricGetmore, MetricCommand}
	var keys []SeriesKey
	for _, m := range append(append([]Metric{}, ops...), MetricNetIn, MetricNetOut) {
		keys = append(keys, SeriesKey{Scope: ScopeCluster, Metric: m})
	}
	shards := map[string]bool{}
	if oc := s.Opcounters; oc != nil {
		for sh := range oc.Shards {
			shards[sh] = true
		}
		for sh := range oc.ShardsWhy {
			shards[sh] = true
		}
	}
	for _, sh := range sortedKeys(shards) {
		for _, m := range ops {
			keys = append(keys, SeriesKey{Scope: ScopeShard, Name: sh, Metric: m})
		}
	}
	for _, rs := range s.Replication {
		for _, m := range rs.Members {
			if m.Address != rs.Primary {
				keys = append(keys, SeriesKey{Scope: ScopeMember, Name: m.Address, Metric: MetricLag})
			}
		}
	}
	return keys
}

// findPattern looks for periodic spikes in a minute series.
func findPattern(xs []float64, floor float64) (pattern, bool) {
	base := median(xs)
	if math.IsNaN(base) || knownCount(xs) < periodicMinMinutes {
		return pattern{}, false
	}
	dev := make([]float64, len(xs))
	for i, v := range xs {
		dev[i] = math.Abs(v - base)
	}
	threshold := base + max(spikeMADs*1.4826*median(dev), spikeRise*math.Abs(base), floor)
	var p pattern
	p.base = base
	inRun := false
	for i, v := range xs {
		above := !math.IsNaN(v) && v > threshold
		if above {
			p.spikeMin = append(p.spikeMin, i)
			p.peak = max(p.peak, v)
			if !inRun { // a job's start is scheduled; where its minute means peak is noise
				p.spikes = append(p.spikes, i)
			}
		}
		inRun = above
	}
	if len(p.spikes) < periodicMinSpikes || 2*len(p.spikeMin) > knownCount(xs) {
		return pattern{}, false
	}
	period, ok := regularGap(p.spikes)
	if !ok {
		return pattern{}, false
	}
	p.period, p.lastPeakAge = period, len(xs)-1-p.spikes[len(p.spikes)-1]
	return p, true
}

// regularGap is the spacing of the spikes when every gap agrees with the
// median gap within a minute or 10 %.
func regularGap(starts []int) (int, bool) {
	gaps := make([]float64, 0, len(starts)-1)
	for i := 1; i < len(starts); i++ {
		gaps = append(gaps, float64(starts[i]-starts[i-1]))
	}
	period := median(gaps)
	if period < periodicMinPeriod || period > periodicMaxPeriod {
		return 0, false
	}
	tol := max(1, 0.1*period)
	for _, g := range gaps {
		if math.Abs(g-period) > tol {
			return 0, false
		}
	}
	return int(math.Round(period)), true
}

// groupByPeriod puts together the series that spike at the same period
// (a job shows in its queries, its network and its shard at once).
func groupByPeriod(found []pattern) [][]pattern {
	sort.SliceStable(found, func(i, j int) bool { return found[i].period < found[j].period })
	var groups [][]pattern
	for _, p := range found {
		if n := len(groups); n > 0 {
			head := groups[n-1][0]
			if abs(p.period-head.period) <= max(1, head.period/10) {
				groups[n-1] = append(groups[n-1], p)
				continue
			}
		}
		groups = append(groups, []pattern{p})
	}
	return groups
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// periodLevel: a pattern whose last spike is within a period (and the
// minutes the spike lasts) is happening; within two it holds.
func periodLevel(p pattern) level {
	switch {
	case p.lastPeakAge <= p.period+2:
		return levelStart
	case p.lastPeakAge <= 2*p.period+2:
		return levelHold
	}
	return 0
}

func (d *periodicSpike) periodCondition(group []pattern, times []time.Time) (condition, bool) {
	sort.SliceStable(group, func(i, j int) bool { return len(group[i].spikes) > len(group[j].spikes) })
	lead := group[0]
	lv := periodLevel(lead)
	if lv == 0 {
		return condition{}, false
	}
	names := make([]string, len(group))
	for i, p := range group {
		names[i] = seriesName(p.key)
	}
	nss, apps := d.coinciding(lead, times)
	first := times[lead.spikes[0]] // the minute series and times are of one length
	ev := Evidence{Series: names, Namespaces: nss, Apps: apps, Figures: []Figure{{"period", float64(lead.period), "min"},
		{"spikes", float64(len(lead.spikes)), ""}, {"peak over median", roundTo(lead.peak/math.Max(lead.base, 1e-9), 1), "x"}}}
	for _, p := range group {
		if p.key.Scope == ScopeShard {
			ev.Shards = appendNew(ev.Shards, p.key.Name)
		}
		if p.key.Scope == ScopeMember {
			ev.Members = appendNew(ev.Members, p.key.Name)
		}
	}
	shown := strings.Join(firstN(names, 3), ", ")
	if len(names) > 3 {
		shown += fmt.Sprintf(" (+%d more)", len(names)-3)
	}
	summary := fmt.Sprintf("spikes every %d min in %s, %d times since %s", lead.period, shown, len(lead.spikes), first.Local().Format("15:04"))
	inc := Finding{Severity: Warn, Evidence: ev,
		Action: Action{Pane: PaneThroughput, Key: "z", Hint: "a scheduled job: zooming the pane draws the day's minute history; the ops filter shows what runs at the spikes"}}
	if len(nss) > 0 {
		summary += "; with them: " + nss[0]
		if len(apps) > 0 {
			summary += " by " + apps[0]
		}
		inc.Action.Filter = "ns:" + filterTerm(nss[0])
	}
	inc.Summary = summary
	return condition{subject: fmt.Sprintf("every-%dm", lead.period), level: lv, since: first, inc: inc}, true
}

// coinciding names the namespaces and apps seen in most spike minutes and
// rarely otherwise.
func (d *periodicSpike) coinciding(p pattern, times []time.Time) (nss, apps []string) {
	spike := map[int]bool{}
	for _, i := range p.spikeMin {
		spike[i] = true
	}
	inSpike, outside := tally{}, tally{}
	appsIn, appsOut := tally{}, tally{}
	nIn, nOut := 0.0, 0.0
	for i, t := range times {
		mo := d.minutes[t]
		if mo == nil {
			continue
		}
		in, app := outside, appsOut
		if spike[i] {
			in, app = inSpike, appsIn
			nIn++
		} else {
			nOut++
		}
		for ns := range mo.ns {
			in.add(ns, 1)
		}
		for a := range mo.apps {
			app.add(a, 1)
		}
	}
	return enriched(inSpike, outside, nIn, nOut), enriched(appsIn, appsOut, nIn, nOut)
}

// enriched lists the names present in most spike minutes and at most half
// as often outside them, most telling first.
func enriched(in, out tally, nIn, nOut float64) []string {
	if nIn == 0 {
		return nil
	}
	t := tally{}
	for name, c := range in {
		share, other := c/nIn, 0.0
		if nOut > 0 {
			other = out[name] / nOut
		}
		if share >= coincideShare && other <= share/2 {
			t.add(name, share-other)
		}
	}
	return t.top(3)
}

// seriesName is how the operator calls a series: "cluster query",
// "shard1 netOut", "shard1-b:27018 lag".
func seriesName(k SeriesKey) string {
	if k.Scope == ScopeCluster {
		return "cluster " + string(k.Metric)
	}
	return printable(k.Name, 80) + " " + string(k.Metric)
}
