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
	// The cluster's document counters (Snapshot.Documents): documents
	// matched by updates and the update statements of the same primaries,
	// and the updates their secondaries applied (documents modified).
	MetricDocsMatched      Metric = "docsMatched"
	MetricUpdateStatements Metric = "updateStatements"
	MetricUpdatesApplied   Metric = "updatesApplied"
	// MetricTTLDeleted: documents the TTL monitor deleted per second (nodes).
	MetricTTLDeleted Metric = "ttlDeleted"
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
// snapshots: one point per snapshot for the recent past, 1-minute means of
// the cluster, shard and member-lag series for the last 24 hours beyond it
// (per-node minutes would cost 6.5 MiB at 94 nodes for little use), and the
// snapshots themselves (ops included) for the last minutes so the display
// can be scrubbed back in time (scrub.go: kept as deltas). Points are
// float32: a sparkline needs no more, and 94 nodes × 1 h fit in ~16 MiB.
// It is not safe for concurrent use: the TUI owns it.
type History struct {
	capacity int
	head, n  int // head: index of the next write
	times    []time.Time
	series   map[SeriesKey]*pointRing
	scrub    *scrubStore   // the newest snapshots, for At
	minutes  minuteHistory // beyond the recent points: 1-minute means for a day
}

// minuteHistory downsamples every series to 1-minute means, for 24 hours.
type minuteHistory struct {
	head, n int
	times   []time.Time
	series  map[SeriesKey][]float32
	acc     map[SeriesKey]*meanAcc
	bucket  time.Time // the minute being accumulated
}

type meanAcc struct {
	sum float64
	n   int
}

const minutesKept = 24 * 60

// NewHistory keeps recent/interval points of every series and fullFor of
// whole snapshots (at a 1 s interval: 3600 and 600 for 1 h and 10 min).
func NewHistory(points, fullPoints int) *History {
	points = max(points, 2)
	fullPoints = max(min(fullPoints, points), 1)
	return &History{capacity: points, times: make([]time.Time, points), series: map[SeriesKey]*pointRing{},
		scrub:   newScrubStore(fullPoints),
		minutes: minuteHistory{times: make([]time.Time, minutesKept), series: map[SeriesKey][]float32{}, acc: map[SeriesKey]*meanAcc{}}}
}

// Add records one snapshot.
func (h *History) Add(s Snapshot) {
	i := h.head
	h.times[i] = s.TakenAt
	nan := float32(math.NaN())
	for _, ring := range h.series {
		ring.set(i, nan)
	}
	h.minutes.roll(s.TakenAt)
	set := func(k SeriesKey, v float64) {
		if k.Scope != ScopeNode { // per-node detail stays at 1 s for the recent past only
			h.minutes.add(k, v)
		}
		ring, ok := h.series[k]
		if !ok {
			ring = newPointRing(h.capacity)
			h.series[k] = ring
		}
		ring.set(i, float32(v))
	}
	if oc := s.Opcounters; oc != nil {
		if oc.Cluster != nil { // unknown stays a gap, never a zero
			setRates(set, SeriesKey{Scope: ScopeCluster}, *oc.Cluster)
		}
		for name, r := range oc.Shards {
			setRates(set, SeriesKey{Scope: ScopeShard, Name: name}, r)
		}
		for addr, r := range oc.Nodes {
			setRates(set, SeriesKey{Scope: ScopeNode, Name: addr}, r)
		}
	}
	if d := s.Documents; d != nil {
		addDocuments(set, d)
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
			if nc.CreatedPerSec != nil {
				set(SeriesKey{ScopeNode, addr, MetricConnCreated}, *nc.CreatedPerSec)
			}
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
	h.scrub.add(s)
	h.head = (h.head + 1) % h.capacity
	h.n++
}

// addDocuments records the document counters the findings read.
func addDocuments(set func(SeriesKey, float64), d *DocumentStats) {
	if c := d.Cluster; c != nil {
		set(SeriesKey{ScopeCluster, "", MetricDocsMatched}, c.Updated)
		set(SeriesKey{ScopeCluster, "", MetricUpdateStatements}, c.UpdateStatements)
	}
	if d.UpdatesApplied != nil {
		set(SeriesKey{ScopeCluster, "", MetricUpdatesApplied}, *d.UpdatesApplied)
	}
	for addr, r := range d.Nodes {
		if r.TTLDeleted != nil {
			set(SeriesKey{ScopeNode, addr, MetricTTLDeleted}, *r.TTLDeleted)
		}
	}
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
	ring, ok := h.series[k]
	for j := 0; j < n; j++ {
		idx := (h.head - n + j + 2*h.capacity) % h.capacity
		if !ok {
			out[j] = math.NaN()
			continue
		}
		out[j] = float64(ring.get(idx))
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
// the newest), while it is still kept. It shares memory with the snapshots
// around it: like every snapshot, it must not be modified.
func (h *History) At(stepsBack int) (Snapshot, bool) { return h.scrub.at(stepsBack) }

// FullLen is how many whole snapshots can be scrubbed back to.
func (h *History) FullLen() int { return h.scrub.len() }

// ScrubBytes is the memory the snapshots kept for At hold, beyond the
// newest.
func (h *History) ScrubBytes() int { return h.scrub.bytes() }

// roll closes the minute being accumulated when at is in a later minute.
func (mh *minuteHistory) roll(at time.Time) {
	b := at.Truncate(time.Minute)
	if mh.bucket.IsZero() {
		mh.bucket = b
	}
	if !b.After(mh.bucket) {
		return
	}
	i := mh.head
	mh.times[i] = mh.bucket
	nan := float32(math.NaN())
	for k, buf := range mh.series {
		buf[i] = nan
		if a := mh.acc[k]; a != nil && a.n > 0 {
			buf[i] = float32(a.sum / float64(a.n))
		}
	}
	for k, a := range mh.acc {
		if _, ok := mh.series[k]; !ok && a.n > 0 {
			buf := make([]float32, minutesKept)
			for j := range buf {
				buf[j] = nan
			}
			buf[i] = float32(a.sum / float64(a.n))
			mh.series[k] = buf
		}
		a.sum, a.n = 0, 0
	}
	mh.head = (mh.head + 1) % minutesKept
	mh.n++
	mh.bucket = b
}

func (mh *minuteHistory) add(k SeriesKey, v float64) {
	a := mh.acc[k]
	if a == nil {
		a = &meanAcc{}
		mh.acc[k] = a
	}
	if !math.IsNaN(v) {
		a.sum += v
		a.n++
	}
}

// MinuteSeries returns the newest n closed minutes of k as 1-minute means,
// oldest first (NaN: no value that minute); up to 24 hours.
func (h *History) MinuteSeries(k SeriesKey, n int) []float64 {
	mh := &h.minutes
	n = min(n, min(mh.n, minutesKept))
	out := make([]float64, n)
	buf, ok := mh.series[k]
	for j := 0; j < n; j++ {
		if !ok {
			out[j] = math.NaN()
			continue
		}
		out[j] = float64(buf[(mh.head-n+j+2*minutesKept)%minutesKept])
	}
	return out
}

// MinuteTimes returns the start of each of the newest n closed minutes.
func (h *History) MinuteTimes(n int) []time.Time {
	mh := &h.minutes
	n = min(n, min(mh.n, minutesKept))
	out := make([]time.Time, n)
	for j := 0; j < n; j++ {
		out[j] = mh.times[(mh.head-n+j+2*minutesKept)%minutesKept]
	}
	return out
}

// pointRing is one series' points, in blocks: a block whose points are all
// the same (a counter that stays at 0, an empty queue, a node's reads on a
// secondary) is kept as that one value. About half of a cluster's per-node
// series are such, most of the time: 94 nodes' hour took 25 MiB as plain
// float32 rings.
type pointRing struct {
	blocks [][]float32 // nil: every point of the block is same[b]
	same   []float32
	n      int
}

const ringBlock = 64

func newPointRing(n int) *pointRing {
	nb := (n + ringBlock - 1) / ringBlock
	r := &pointRing{blocks: make([][]float32, nb), same: make([]float32, nb), n: n}
	for b := range r.same {
		r.same[b] = float32(math.NaN())
	}
	return r
}

func (r *pointRing) get(i int) float32 {
	if blk := r.blocks[i/ringBlock]; blk != nil {
		return blk[i%ringBlock]
	}
	return r.same[i/ringBlock]
}

// set writes point i. Points are written in order, so a block is whole
// again when its last point is written: it is folded back to one value
// then if it can be.
func (r *pointRing) set(i int, v float32) {
	b := i / ringBlock
	blk := r.blocks[b]
	if blk == nil {
		if math.Float32bits(v) == math.Float32bits(r.same[b]) {
			return
		}
		blk = make([]float32, min(ringBlock, r.n-b*ringBlock))
		for j := range blk {
			blk[j] = r.same[b]
		}
		r.blocks[b] = blk
	}
	blk[i%ringBlock] = v
	if i%ringBlock == len(blk)-1 && allSame(blk) {
		r.blocks[b], r.same[b] = nil, blk[0]
	}
}

func allSame(blk []float32) bool {
	for _, v := range blk[1:] {
		if math.Float32bits(v) != math.Float32bits(blk[0]) {
			return false
		}
	}
	return true
}
