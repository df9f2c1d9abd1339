package probes

import (
	"math"
	"math/rand"
	"runtime"
	"testing"
	"time"
)

func rateSnap(at time.Time, query float64, node string) Snapshot {
	return Snapshot{TakenAt: at, Opcounters: &OpcounterRates{Cluster: &Rates{Query: query},
		Nodes: map[string]Rates{node: {Query: query}}}}
}

func TestHistorySeriesGapAndWrap(t *testing.T) {
	h := NewHistory(4, 2)
	t0 := time.Unix(1000, 0)
	h.Add(rateSnap(t0, 1, "a:1"))
	h.Add(Snapshot{TakenAt: t0.Add(time.Second)}) // node down: no rates
	h.Add(rateSnap(t0.Add(2*time.Second), 3, "a:1"))
	got := h.Series(SeriesKey{ScopeNode, "a:1", MetricQuery}, 10)
	if len(got) != 3 || got[0] != 1 || !math.IsNaN(got[1]) || got[2] != 3 {
		t.Fatalf("series = %v", got)
	}
	for i := 3; i < 7; i++ {
		h.Add(rateSnap(t0.Add(time.Duration(i)*time.Second), float64(i+1), "a:1"))
	}
	got = h.Series(SeriesKey{ScopeCluster, "", MetricQuery}, 10)
	if len(got) != 4 || got[0] != 4 || got[3] != 7 {
		t.Fatalf("after wrap = %v", got)
	}
	if ts := h.Times(2); !ts[1].Equal(t0.Add(6 * time.Second)) {
		t.Fatalf("times = %v", ts)
	}
	if s, ok := h.At(1); !ok || !s.TakenAt.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("At(1) = %v %v", s.TakenAt, ok)
	}
	if _, ok := h.At(2); ok {
		t.Fatal("At beyond the full window should be unavailable")
	}
	if back := h.SeriesEnding(SeriesKey{ScopeCluster, "", MetricQuery}, 2, 1); len(back) != 2 || back[1] != 6 {
		t.Fatalf("SeriesEnding = %v", back)
	}
}

func TestHistoryDownsamplesToMinutes(t *testing.T) {
	h := NewHistory(60, 10) // one minute of 1 s points
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3*60+1; i++ { // three whole minutes: 10/s, then a gap, then 30/s
		at := t0.Add(time.Duration(i) * time.Second)
		switch {
		case i < 60:
			h.Add(rateSnap(at, 10, "a:1"))
		case i < 120:
			h.Add(Snapshot{TakenAt: at})
		default:
			h.Add(rateSnap(at, 30, "a:1"))
		}
	}
	got := h.MinuteSeries(SeriesKey{ScopeCluster, "", MetricQuery}, 10)
	if len(got) != 3 || got[0] != 10 || !math.IsNaN(got[1]) || got[2] != 30 {
		t.Fatalf("minute means = %v", got)
	}
	if node := h.MinuteSeries(SeriesKey{ScopeNode, "a:1", MetricQuery}, 10); !math.IsNaN(node[0]) {
		t.Fatalf("per-node series are not kept by the minute: %v", node)
	}
	if ts := h.MinuteTimes(3); !ts[0].Equal(t0) || !ts[2].Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("minute times = %v", ts)
	}
	if len(h.Series(SeriesKey{ScopeNode, "a:1", MetricQuery}, 1000)) != 60 {
		t.Fatal("the 1 s ring is not bounded")
	}
}

// BenchmarkHistoryHour fills an hour of 1 s points for 94 nodes and reports
// the heap it holds.
func BenchmarkHistoryHour(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		h := NewHistory(3600, 600)
		snap := bigSnapshot(94)
		for i := 0; i < 3600; i++ {
			snap.TakenAt = time.Unix(int64(i), 0)
			h.Add(snap)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-held")
		runtime.KeepAlive(h)
	}
}

func bigSnapshot(nodes int) Snapshot {
	s := Snapshot{Opcounters: &OpcounterRates{Shards: map[string]Rates{}, Nodes: map[string]Rates{}},
		Network: &NetworkRates{Nodes: map[string]NetworkRate{}}, Connections: &ConnectionStats{Nodes: map[string]NodeConnections{}},
		Queues: &QueueStats{Nodes: map[string]NodeQueues{}}}
	for i := 0; i < nodes; i++ {
		addr := "10.0.0." + string(rune('a'+i%26)) + ":" + string(rune('0'+i/26))
		s.Opcounters.Nodes[addr] = Rates{Query: float64(i)}
		s.Network.Nodes[addr] = NetworkRate{BytesInPerSec: 1}
		s.Connections.Nodes[addr] = NodeConnections{Current: 10}
		s.Queues.Nodes[addr] = NodeQueues{}
	}
	return s
}

// TestPointRingMatchesPlainRing: folding constant blocks never changes a
// point, whatever runs of equal values, gaps and wraps come.
func TestPointRingMatchesPlainRing(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 63, 64, 65, 200, 3600} {
		r, plain := newPointRing(n), make([]float32, n)
		for i := range plain {
			plain[i] = float32(math.NaN())
		}
		v := float32(0)
		for step := range 5 * n {
			switch rng.Intn(10) {
			case 0:
				v = float32(rng.Intn(3))
			case 1:
				v = float32(math.NaN())
			}
			r.set(step%n, v)
			plain[step%n] = v
			for _, j := range []int{step % n, rng.Intn(n)} {
				if math.Float32bits(r.get(j)) != math.Float32bits(plain[j]) {
					t.Fatalf("n %d step %d: point %d is %v, want %v", n, step, j, r.get(j), plain[j])
				}
			}
		}
	}
}
