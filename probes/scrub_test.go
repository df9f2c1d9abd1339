package probes

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// sameSnapshot reports the first difference between two snapshots: deep
// equality of every exported field (times included, zones and all).
func sameSnapshot(t *testing.T, what string, got, want Snapshot) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	from := max(i-200, 0)
	t.Fatalf("%s differs at byte %d:\n got %s\nwant %s", what, i, g[from:min(i+200, len(g))], w[from:min(i+200, len(w))])
}

// TestHistoryAtRebuildsEverySnapshot adds 700 distinct polls of a 30-shard
// cluster (500 ops, 20 replaced every poll) and checks that At(k) is
// exactly what was added k steps ago, for every k the window keeps: while
// snapshots keep arriving, then scrubbing forward from the oldest, then
// back from the newest. (-short: 6 shards, 150 ops, 300 kept.)
func TestHistoryAtRebuildsEverySnapshot(t *testing.T) {
	kept, added, shards, ops := 600, 700, 30, 500
	if testing.Short() || raceEnabled { // full size in .ci/run's run without -race
		kept, added, shards, ops = 300, 360, 6, 150
	}
	newGen := func() *snapGen { return newSnapGen(7, shards, ops, 20) }
	h := NewHistory(kept, kept)
	gen := newGen()
	for i := range added {
		h.Add(gen.next())
		if i == added/2 || i == added-40 { // scrubbed back while polls arrive
			replay := newGen()
			for range i - 150 {
				replay.next()
			}
			got, _ := h.At(150)
			sameSnapshot(t, "At(150) while adding", got, replay.next())
		}
	}
	if h.FullLen() != kept {
		t.Fatalf("FullLen = %d, want %d", h.FullLen(), kept)
	}
	if _, ok := h.At(kept); ok {
		t.Fatal("At beyond the window answered")
	}
	want := newGen()
	for range added - kept {
		want.next()
	}
	var newest []Snapshot
	for k := kept - 1; k >= 0; k-- { // oldest first: every step a walk forward from a mark
		got, ok := h.At(k)
		if !ok {
			t.Fatalf("At(%d) not kept", k)
		}
		w := want.next()
		sameSnapshot(t, "At", got, w)
		if k < 40 {
			newest = append(newest, w)
		}
	}
	for k := range 40 { // newest first: every step one delta back
		got, _ := h.At(k)
		sameSnapshot(t, "At going back", got, newest[len(newest)-1-k])
	}
}

// TestScrubKeepsEveryField fills every exported field of a snapshot with
// random values, by reflection, and changes random ones from poll to poll:
// a field added to Snapshot later is kept, or this fails.
func TestScrubKeepsEveryField(t *testing.T) {
	for seed := range int64(20) {
		rng := rand.New(rand.NewSource(seed))
		st := newScrubStore(50)
		var added []Snapshot
		var s Snapshot
		fillRandom(rng, reflect.ValueOf(&s).Elem(), 1.0)
		for range 80 {
			next := cloneSnapshot(s)
			fillRandom(rng, reflect.ValueOf(&next).Elem(), 0.05)
			st.add(next)
			added = append(added, next)
			s = next
		}
		for k := range st.len() {
			got, _ := st.at(k)
			sameSnapshot(t, fmt.Sprintf("seed %d: At(%d)", seed, k), got, added[len(added)-1-k])
		}
	}
}

// cloneSnapshot deep-copies through JSON's shape by reflection.
func cloneSnapshot(s Snapshot) Snapshot {
	var out Snapshot
	deepCopy(reflect.ValueOf(&out).Elem(), reflect.ValueOf(s))
	return out
}

func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if !src.IsNil() {
			dst.Set(reflect.New(src.Type().Elem()))
			deepCopy(dst.Elem(), src.Elem())
		}
	case reflect.Slice:
		if !src.IsNil() {
			dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
			for i := range src.Len() {
				deepCopy(dst.Index(i), src.Index(i))
			}
		}
	case reflect.Map:
		if !src.IsNil() {
			dst.Set(reflect.MakeMap(src.Type()))
			for it := src.MapRange(); it.Next(); {
				v := reflect.New(src.Type().Elem()).Elem()
				deepCopy(v, it.Value())
				dst.SetMapIndex(it.Key(), v)
			}
		}
	case reflect.Struct:
		if src.Type() == timeType {
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			if src.Type().Field(i).IsExported() {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

// fillRandom sets each leaf with probability p to a random value (nil,
// empty and zero included), and descends into everything.
func fillRandom(rng *rand.Rand, v reflect.Value, p float64) {
	if v.Type() == timeType {
		if rng.Float64() < p {
			zones := []*time.Location{time.UTC, time.Local, time.FixedZone("CEST", 7200)}
			t := time.Unix(rng.Int63n(4e9), rng.Int63n(1e9)).In(zones[rng.Intn(3)])
			if rng.Intn(8) == 0 {
				t = time.Time{}
			}
			v.Set(reflect.ValueOf(t))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(rng, v.Field(i), p)
			}
		}
	case reflect.Pointer:
		if rng.Float64() < p/2 {
			v.SetZero()
		} else if v.IsNil() && rng.Float64() < p*2 {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			fillRandom(rng, v.Elem(), p)
		}
	case reflect.Slice:
		fillSlice(rng, v, p)
	case reflect.Map:
		fillMap(rng, v, p)
	default:
		if rng.Float64() < p {
			setRandomLeaf(rng, v)
		}
	}
}

func fillSlice(rng *rand.Rand, v reflect.Value, p float64) {
	if rng.Float64() < p {
		switch n := rng.Intn(6); n {
		case 0:
			v.SetZero()
		default:
			s := reflect.MakeSlice(v.Type(), n-1, n-1)
			reflect.Copy(s, v)
			if rng.Intn(2) == 0 && s.Len() > 1 { // reorder: keyed elements move
				a, b := s.Index(0).Interface(), s.Index(1).Interface()
				s.Index(0).Set(reflect.ValueOf(b))
				s.Index(1).Set(reflect.ValueOf(a))
			}
			v.Set(s)
		}
	}
	for i := range v.Len() {
		fillRandom(rng, v.Index(i), p)
	}
}

func fillMap(rng *rand.Rand, v reflect.Value, p float64) {
	if rng.Float64() < p {
		if rng.Intn(5) == 0 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		for it := v.MapRange(); it.Next(); {
			if rng.Intn(4) > 0 {
				m.SetMapIndex(it.Key(), it.Value())
			}
		}
		for range rng.Intn(4) {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString([]string{"a", "b", "shard1", "127.0.0.1:27017", "c"}[rng.Intn(5)])
			m.SetMapIndex(k, reflect.New(v.Type().Elem()).Elem())
		}
		v.Set(m)
	}
	for it := v.MapRange(); it.Next(); {
		e := reflect.New(v.Type().Elem()).Elem()
		e.Set(it.Value())
		fillRandom(rng, e, p)
		v.SetMapIndex(it.Key(), e)
	}
}

func setRandomLeaf(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(rng.Intn(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int63n(1<<40) - 1<<39)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(rng.Uint64())
	case reflect.Float32, reflect.Float64:
		floats := []float64{0, math.Copysign(0, -1), 1, 0.397, 309.201211, rng.Float64() * 1e6, math.Inf(1), float64(rng.Intn(500)) / 1.021}
		v.SetFloat(floats[rng.Intn(len(floats))])
	case reflect.String:
		long := string(make([]byte, 100+rng.Intn(100)))
		v.SetString([]string{"", "a", "shard1", "127.0.0.1:27017", "conn\x1b[31m42", long}[rng.Intn(6)])
	}
}

// TestScrubMemoryGrowsWithChanges: snapshots that differ only in time cost
// a few bytes each; distinct polls of a 94-node cluster (500 ops, 20 new
// ones every poll: 14,000 distinct ops in 700 polls) stay under a bound
// per snapshot, a small fraction of what one whole snapshot holds.
func TestScrubMemoryGrowsWithChanges(t *testing.T) {
	kept, added := 600, 700
	if testing.Short() || raceEnabled { // full size in .ci/run's run without -race
		kept, added = 200, 260
	}
	gen := newSnapGen(11, 30, 500, 20)
	same := gen.next()
	idle := retainedBy(func() any {
		st := newScrubStore(kept)
		for i := range added {
			s := same
			s.TakenAt = same.TakenAt.Add(time.Duration(i) * time.Second)
			st.add(s)
		}
		return st
	})
	if perSnap := idle / kept; perSnap > 128 {
		t.Fatalf("identical snapshots cost %d bytes each, want ≤ 128", perSnap)
	}
	whole := retainedBy(func() any {
		keep := make([]Snapshot, 20)
		for i := range keep {
			keep[i] = gen.next()
		}
		return keep
	}) / 20
	var st *scrubStore
	busy := retainedBy(func() any {
		st = newScrubStore(kept)
		for range added {
			st.add(gen.next())
		}
		return st
	})
	perSnap := (busy - whole) / kept // the newest is kept whole
	t.Logf("whole snapshot %d B; scrub store %d B per snapshot (heap), %d B of deltas and strings", whole, perSnap, st.bytes()/kept)
	if perSnap > scrubBytesPerSnapshot {
		t.Fatalf("the scrub store holds %d bytes per snapshot, want ≤ %d", perSnap, scrubBytesPerSnapshot)
	}
	if perSnap > whole/10 {
		t.Fatalf("the scrub store holds %d bytes per snapshot, more than a tenth of a whole one (%d)", perSnap, whole)
	}
}

// scrubBytesPerSnapshot is the bound for a 94-node poll with 500 ops, 20
// of them new (~4 KB of new strings), every rate changed: 10 minutes at 1 s
// in 14 MiB, against 185 MiB for 600 whole snapshots. The simulator's
// 94-node polls take ~9.5 KB (BENCHMARKS.md).
const scrubBytesPerSnapshot = 24 << 10

// retainedBy is the heap that what make returns keeps alive.
func retainedBy(make func() any) int {
	before := heapAfterGC()
	v := make()
	after := heapAfterGC()
	runtime.KeepAlive(v)
	return int(after) - int(before)
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkScrubAdd encodes one 94-node poll (500 ops, 20 new) as a delta.
func BenchmarkScrubAdd(b *testing.B) {
	gen := newSnapGen(5, 30, 500, 20)
	snaps := make([]Snapshot, 64)
	for i := range snaps {
		snaps[i] = gen.next()
	}
	st := newScrubStore(600)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		st.add(snaps[i%len(snaps)])
	}
}

// BenchmarkScrubStepBack rebuilds the snapshot one poll older than a
// rebuilt one: the cost of one step of scrubbing.
func BenchmarkScrubStepBack(b *testing.B) {
	gen := newSnapGen(5, 30, 500, 20)
	st := newScrubStore(600)
	for range 600 {
		st.add(gen.next())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i%(st.len()-1) + 1
		newest := st.latest
		seg := st.segmentOf(st.n - 1 - k)
		_ = decodeDelta(seg.deltas[st.n-1-k-seg.first], &seg.strings, &newest)
	}
}
