package probes

import (
	"math"
	"time"
)

// Metric names a series kept in History.
type Metric string

const (
	MetricInsert      Metric = "insert"
	MetricQuery       Metric = "query"
	MetricUpdate      Metric = "update"
	MetricDelete      Metric = "delete"
	MetricGetmore     Metric = "getmore"
	MetricCommand     Metric = "command"
	MetricNetIn       Metric = "netIn"
	MetricNetOut      Metric = "netOut"
	MetricConn        Metric = "conn"
	MetricConnCreated Metric = "connCreated"
	MetricLag         Metric = "lag"
	MetricQueueR      Metric = "queueR"
	MetricQueueW      Metric = "queueW"
)

// Scopes of a series.
const (
	ScopeCluster = "cluster"
	ScopeShard   = "shard"
	ScopeNode    = "node"
	ScopeMember  = "member"
)

// SeriesKey names one series: a metric for the cluster, a shard, a node or
// a replica set member.
type SeriesKey struct {
	Scope  string
	Name   string
	Metric Metric
}

// History keeps bounded ring buffers of every series derived from the
// snapshots, one point per snapshot, and whole snapshots (ops included) for
// the recent past so the display can be scrubbed back in time. Points are
// float32: a sparkline needs no more, and 94 nodes × 1 h fit in ~16 MiB.
// It is not safe for concurrent use: the TUI owns it.
type History struct {
	capacity int
	head, n  int // head: index of the next write
	times    []time.Time
	series   map[SeriesKey][]float32
	full     []Snapshot // ring of the newest fullCap snapshots
	fullCap  int
}

// NewHistory keeps recent/interval points of every series and fullFor of
// whole snapshots (at a 1 s interval: 3600 and 600 for 1 h and 10 min).
func NewHistory(points, fullPoints int) *History {
	points = max(points, 2)
	fullPoints = max(min(fullPoints, points), 1)
	return &History{capacity: points, times: make([]time.Time, points), series: map[SeriesKey][]float32{},
		full: make([]Snapshot, fullPoints), fullCap: fullPoints}
}

// Add records one snapshot.
func (h *History) Add(s Snapshot) {
	i := h.head
	h.times[i] = s.TakenAt
	nan := float32(math.NaN())
	for _, buf := range h.series {
		buf[i] = nan
	}
	set := func(k SeriesKey, v float64) {
		buf, ok := h.series[k]
		if !ok {
			buf = make([]float32, h.capacity)
			for j := range buf {
				buf[j] = nan
			}
			h.series[k] = buf
		}
		buf[i] = float32(v)
	}
	if oc := s.Opcounters; oc != nil {
		setRates(set, SeriesKey{Scope: ScopeCluster}, oc.Cluster)
		for name, r := range oc.Shards {
			setRates(set, SeriesKey{Scope: ScopeShard, Name: name}, r)
		}
		for addr, r := range oc.Nodes {
			setRates(set, SeriesKey{Scope: ScopeNode, Name: addr}, r)
		}
	}
	if nw := s.Network; nw != nil {
		var in, out float64
		for addr, r := range nw.Nodes {
			set(SeriesKey{ScopeNode, addr, MetricNetIn}, r.BytesInPerSec)
			set(SeriesKey{ScopeNode, addr, MetricNetOut}, r.BytesOutPerSec)
			in, out = in+r.BytesInPerSec, out+r.BytesOutPerSec
		}
		set(SeriesKey{ScopeCluster, "", MetricNetIn}, in)
		set(SeriesKey{ScopeCluster, "", MetricNetOut}, out)
	}
	if c := s.Connections; c != nil {
		for addr, nc := range c.Nodes {
			set(SeriesKey{ScopeNode, addr, MetricConn}, float64(nc.Current))
			set(SeriesKey{ScopeNode, addr, MetricConnCreated}, nc.CreatedPerSec)
		}
	}
	if q := s.Queues; q != nil {
		for addr, nq := range q.Nodes {
			set(SeriesKey{ScopeNode, addr, MetricQueueR}, float64(nq.ReadersQueued))
			set(SeriesKey{ScopeNode, addr, MetricQueueW}, float64(nq.WritersQueued))
		}
	}
	for _, rs := range s.Replication {
		for _, m := range rs.Members {
			if m.LagSeconds != nil {
				set(SeriesKey{ScopeMember, m.Address, MetricLag}, *m.LagSeconds)
			}
		}
	}
	h.full[h.n%h.fullCap] = s
	h.head = (h.head + 1) % h.capacity
	h.n++
}

func setRates(set func(SeriesKey, float64), k SeriesKey, r Rates) {
	for _, mv := range []struct {
		m Metric
		v float64
	}{{MetricInsert, r.Insert}, {MetricQuery, r.Query}, {MetricUpdate, r.Update}, {MetricDelete, r.Delete},
		{MetricGetmore, r.Getmore}, {MetricCommand, r.Command}} {
		k.Metric = mv.m
		set(k, mv.v)
	}
}

// Len is how many points are kept now.
func (h *History) Len() int { return min(h.n, h.capacity) }

// Series returns the newest n points of k, oldest first; NaN where the
// series had no value (a gap: the node was down, or not yet known).
func (h *History) Series(k SeriesKey, n int) []float64 {
	n = min(n, h.Len())
	out := make([]float64, n)
	buf, ok := h.series[k]
	for j := 0; j < n; j++ {
		idx := (h.head - n + j + 2*h.capacity) % h.capacity
		if !ok {
			out[j] = math.NaN()
			continue
		}
		out[j] = float64(buf[idx])
	}
	return out
}

// SeriesEnding is like Series but ends stepsBack points before the newest
// (for scrubbing back in time).
func (h *History) SeriesEnding(k SeriesKey, n, stepsBack int) []float64 {
	all := h.Series(k, min(h.Len(), n+stepsBack))
	end := max(len(all)-stepsBack, 0)
	return all[max(end-n, 0):end]
}

// Times returns the timestamps of the newest n points, oldest first.
func (h *History) Times(n int) []time.Time {
	n = min(n, h.Len())
	out := make([]time.Time, n)
	for j := 0; j < n; j++ {
		out[j] = h.times[(h.head-n+j+2*h.capacity)%h.capacity]
	}
	return out
}

// At returns the whole snapshot stepsBack points before the newest (0 is
// the newest), while it is still kept.
func (h *History) At(stepsBack int) (Snapshot, bool) {
	if stepsBack < 0 || stepsBack >= min(h.n, h.fullCap) {
		return Snapshot{}, false
	}
	return h.full[(h.n-1-stepsBack)%h.fullCap], true
}

// FullLen is how many whole snapshots can be scrubbed back to.
func (h *History) FullLen() int { return min(h.n, h.fullCap) }
