package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/guptarohit/asciigraph"

	"github.com/mongoscope/mongoscope/probes"
)

// The long view: under a zoomed throughput, connections or replication
// pane, minute means over the day the history keeps (History.MinuteSeries:
// 24 h beyond its hour of 1 s points), drawn with asciigraph, so a job
// that spikes every ten minutes, or every night, shows at a glance, as in
// the graphs the field reports relied on.

// minutesKept is how many minute means the history keeps: a day.
const minutesKept = 24 * 60

// dayMinH is the fewest lines the long view takes: three rows of graph,
// the time axis, its labels and the caption.
const dayMinH = 6

// minuteSeries is what a long view draws: the start of each minute and
// the series of its means (NaN where unknown).
type minuteSeries struct {
	times     []time.Time
	values    [][]float64
	what      string // what is drawn, in which unit, for the caption
	precision uint   // decimals on the value axis
}

// dayHeight is the lines a zoomed pane of h lines gives its long view: a
// third, at least dayMinH (and a blank line), or none when that would
// leave the pane's own lines less than half.
func dayHeight(h int) int {
	dh := max(h/3, dayMinH+1)
	if dh > h/2 {
		return 0
	}
	return dh
}

// drawDay draws ms in w×h: one column per minute (or the mean of a few,
// when the day is wider than the pane), gaps where no minute is known,
// the time span on the axis and in the caption.
func drawDay(st Styles, ms minuteSeries, w, h int) string {
	known := 0
	for _, v := range ms.values {
		known = max(known, knownCount(v))
	}
	if len(ms.times) < 2 || known < 2 {
		return st.Dim.Render(fmt.Sprintf("%s: minute means appear as minutes close (%d so far; a day is kept)", ms.what, len(ms.times)))
	}
	first, last := ms.times[0], ms.times[len(ms.times)-1]
	span := int(last.Sub(first)/time.Minute) + 1
	cols := max(min(span, w-14), 2)
	data := make([][]float64, len(ms.values))
	for i, v := range ms.values {
		data[i] = minuteColumns(ms.times, v, first, span, cols)
	}
	end := last.Add(time.Minute)
	caption := fmt.Sprintf("%s · minute means %s–%s (%s)", ms.what, first.Local().Format("15:04"), end.Local().Format("15:04"),
		spanText(end.Sub(first)))
	at := func(v float64) string {
		return first.Add(time.Duration(v * float64(time.Minute))).Local().Format("15:04")
	}
	// From zero: every series drawn is a count, a rate or a lag, and a
	// level reads right only against zero.
	return asciigraph.PlotMany(data, asciigraph.Height(h-4), asciigraph.Precision(ms.precision), asciigraph.LowerBound(0),
		asciigraph.XAxisRange(0, float64(span)), asciigraph.XAxisTickCount(max(cols/14, 2)), asciigraph.XAxisValueFormatter(at),
		asciigraph.Caption(caption))
}

// minuteColumns places each minute's value at its time from first (a
// minute with no poll at all stays a gap) and averages the known ones
// falling in each of cols columns.
func minuteColumns(times []time.Time, values []float64, first time.Time, span, cols int) []float64 {
	sum, n := make([]float64, cols), make([]int, cols)
	for i, t := range times {
		if i >= len(values) || math.IsNaN(values[i]) {
			continue
		}
		slot := int(t.Sub(first) / time.Minute)
		c := min(max(slot*cols/span, 0), cols-1)
		sum[c] += values[i]
		n[c]++
	}
	out := make([]float64, cols)
	for c := range out {
		out[c] = math.NaN()
		if n[c] > 0 {
			out[c] = sum[c] / float64(n[c])
		}
	}
	return out
}

func knownCount(v []float64) int {
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			n++
		}
	}
	return n
}

// spanText is a span of time: "47 min", "3 h 12 min", "24 h".
func spanText(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// withDay puts a zoomed pane's long view (day draws it in the lines it is
// given) under the pane's own lines, in the room dayHeight gives it; the
// pane's lines are cut to what is left.
func withDay(body string, day func(h int) string, h int) string {
	dh := dayHeight(h)
	if dh == 0 {
		return cutLines(body, h)
	}
	body = cutLines(body, h-dh)
	dh = h - strings.Count(body, "\n") - 2 // what the pane's lines leave, under a blank line
	return body + "\n\n" + cutLines(day(dh), dh)
}

// dayOfRates is the day of query, update and insert rates of a cluster or
// shard scope; nodes have no minute means (the history keeps them for the
// cluster and each shard).
func dayOfRates(h *probes.History, key probes.SeriesKey) minuteSeries {
	ms := minuteSeries{times: h.MinuteTimes(minutesKept), what: "query, update, insert per second"}
	for _, metric := range rateMetrics[:3] {
		key.Metric = metric
		ms.values = append(ms.values, h.MinuteSeries(key, minutesKept))
	}
	return ms
}

// dayOfWorstLag is, minute by minute, the worst lag of the members in s.
func dayOfWorstLag(h *probes.History, s probes.Snapshot) minuteSeries {
	times := h.MinuteTimes(minutesKept)
	worst := nanSlice(len(times))
	for _, rs := range s.Replication {
		for _, mem := range rs.Members {
			lag := h.MinuteSeries(probes.SeriesKey{Scope: probes.ScopeMember, Name: mem.Address, Metric: probes.MetricLag}, minutesKept)
			for i, v := range lag {
				if i < len(worst) && !math.IsNaN(v) && (math.IsNaN(worst[i]) || v > worst[i]) {
					worst[i] = v
				}
			}
		}
	}
	return minuteSeries{times: times, values: [][]float64{worst}, what: "worst member lag, seconds", precision: 1}
}

// dayOfConnections is the connections of the nodes in s, summed over
// those answering, as minute means of the hour of 1 s points: the
// history keeps no minute means per node.
func dayOfConnections(h *probes.History, s probes.Snapshot) minuteSeries {
	n := h.Len()
	times := h.Times(n)
	total := nanSlice(n)
	if s.Connections != nil {
		for addr := range s.Connections.Nodes {
			for i, v := range h.Series(probes.SeriesKey{Scope: probes.ScopeNode, Name: addr, Metric: probes.MetricConn}, n) {
				if !math.IsNaN(v) {
					total[i] = nanZero(total[i]) + v
				}
			}
		}
	}
	mt, mv := minuteMeans(times, total)
	return minuteSeries{times: mt, values: [][]float64{mv}, what: "connections, all nodes (1 h kept)"}
}

// minuteMeans groups points by their minute and averages the known ones.
func minuteMeans(times []time.Time, values []float64) ([]time.Time, []float64) {
	var mt []time.Time
	var mv []float64
	var sum float64
	var n int
	flush := func() {
		if len(mt) > 0 {
			mv = append(mv, math.NaN())
			if n > 0 {
				mv[len(mv)-1] = sum / float64(n)
			}
		}
		sum, n = 0, 0
	}
	for i, t := range times {
		m := t.Truncate(time.Minute)
		if len(mt) == 0 || !m.Equal(mt[len(mt)-1]) {
			flush()
			mt = append(mt, m)
		}
		if !math.IsNaN(values[i]) {
			sum, n = sum+values[i], n+1
		}
	}
	flush()
	return mt, mv
}

func nanSlice(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

func nanZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}
