package probes

import (
	"reflect"
	"slices"
)

// scrubStore keeps the last minutes of snapshots for scrubbing back in
// time without keeping them whole: the newest is kept as it came, and each
// older one as the delta that rebuilds it from the one after it (see
// scrubcodec.go). A delta holds only what changed between two polls (an
// op's secsRunning, a node's rates, the ops that ended), so the store grows
// with what changes, not with the number of snapshots: 600 whole 94-node
// snapshots took ~200 MiB, their deltas a few MiB.
//
// Short strings are interned per segment of deltas; a segment is dropped,
// table and all, once every snapshot it rebuilds has left the window.
// Deltas are byte slices: the collector never scans them.
type scrubStore struct {
	capacity int // snapshots that can be rebuilt, the newest included
	n        int // snapshots added
	latest   Snapshot
	segs     []*scrubSegment // oldest first
	enc      deltaEncoder    // writes into the newest segment
	marks    []scrubMark     // rebuilt snapshots that make the next At cheap
}

type scrubSegment struct {
	first   int         // the snapshot deltas[0] rebuilds
	deltas  [][]byte    // deltas[j] rebuilds snapshot first+j from snapshot first+j+1
	strings stringTable // what the deltas' string ids name
	bytes   int         // the deltas' bytes
}

// scrubMark is a snapshot rebuilt by At, kept so scrubbing on from it
// starts there instead of at the newest.
type scrubMark struct {
	index int
	snap  Snapshot
}

const (
	scrubSegmentLen = 128 // deltas per segment: its strings are kept for as long
	scrubMarkEvery  = 8   // a walk back keeps a rebuilt snapshot this often
	scrubMarksKept  = 10  // so scrubbing forward takes at most 8 steps back
)

func newScrubStore(capacity int) *scrubStore { return &scrubStore{capacity: max(capacity, 1)} }

// add makes s the newest snapshot; the previous newest becomes a delta.
func (st *scrubStore) add(s Snapshot) {
	if st.n > 0 {
		seg := st.writingSegment()
		delta := encodeDelta(&st.enc, &s, &st.latest)
		seg.deltas = append(seg.deltas, delta)
		seg.bytes += len(delta)
	}
	st.latest = s
	st.n++
	st.evict()
}

// writingSegment is the segment the next delta goes to, started anew
// (with an empty string table) when the newest is full.
func (st *scrubStore) writingSegment() *scrubSegment {
	if k := len(st.segs); k > 0 {
		if len(st.segs[k-1].deltas) < scrubSegmentLen {
			return st.segs[k-1]
		}
		st.segs[k-1].strings.clip()
	}
	seg := &scrubSegment{first: st.n - 1}
	st.segs = append(st.segs, seg)
	st.enc.dict = map[string]uint32{}
	st.enc.table = &seg.strings
	return seg
}

// evict drops the segments and marks that rebuild only snapshots older
// than the window.
func (st *scrubStore) evict() {
	oldest := st.n - st.capacity
	for len(st.segs) > 0 && st.segs[0].first+len(st.segs[0].deltas) <= oldest {
		st.segs[0] = nil
		st.segs = st.segs[1:]
	}
	st.marks = slices.DeleteFunc(st.marks, func(m scrubMark) bool { return m.index < oldest })
}

// len is how many snapshots can be rebuilt.
func (st *scrubStore) len() int { return min(st.n, st.capacity) }

// at rebuilds the snapshot stepsBack before the newest: from the nearest
// newer mark (or the newest), one delta per step.
func (st *scrubStore) at(stepsBack int) (Snapshot, bool) {
	if stepsBack < 0 || stepsBack >= st.len() {
		return Snapshot{}, false
	}
	target := st.n - 1 - stepsBack
	from, snap := st.n-1, st.latest
	for _, m := range st.marks {
		if m.index >= target && m.index < from {
			from, snap = m.index, m.snap
		}
	}
	for i := from - 1; i >= target; i-- {
		seg := st.segmentOf(i)
		snap = decodeDelta(seg.deltas[i-seg.first], &seg.strings, &snap)
		if (from-i)%scrubMarkEvery == 0 || i == target {
			st.mark(i, snap, target)
		}
	}
	return snap, true
}

func (st *scrubStore) segmentOf(i int) *scrubSegment {
	for k := len(st.segs) - 1; k >= 0; k-- {
		if st.segs[k].first <= i {
			return st.segs[k]
		}
	}
	panic("scrub store: no segment rebuilds the snapshot asked for")
}

// mark keeps a rebuilt snapshot. When there are too many it drops the
// least useful: one older than where the scrubbing is (walks only go back
// from a mark), else the newest.
func (st *scrubStore) mark(index int, snap Snapshot, target int) {
	if slices.ContainsFunc(st.marks, func(m scrubMark) bool { return m.index == index }) {
		return
	}
	st.marks = append(st.marks, scrubMark{index, snap})
	if len(st.marks) <= scrubMarksKept {
		return
	}
	uselessness := func(m scrubMark) int {
		if m.index < target {
			return st.capacity + target - m.index
		}
		return m.index - target
	}
	worst := 0
	for i, m := range st.marks {
		if uselessness(m) > uselessness(st.marks[worst]) {
			worst = i
		}
	}
	st.marks = slices.Delete(st.marks, worst, worst+1)
}

// bytes is what the deltas and their strings hold (the newest snapshot
// and the marks are not counted: the TUI holds them anyway).
func (st *scrubStore) bytes() int {
	total := 0
	for _, seg := range st.segs {
		total += seg.bytes + seg.strings.bytes()
	}
	return total
}

// encodeDelta is what rebuilds cur from base.
func encodeDelta(e *deltaEncoder, base, cur *Snapshot) []byte {
	e.buf = e.buf[:0]
	e.deltaContext = newDeltaContext()
	snapshotCodec.encode(e, reflect.ValueOf(base).Elem(), reflect.ValueOf(cur).Elem())
	return slices.Clone(e.buf)
}

// decodeDelta rebuilds a snapshot from base and a delta. What did not
// change is shared with base: snapshots are never modified once made.
func decodeDelta(delta []byte, strings *stringTable, base *Snapshot) Snapshot {
	out := *base
	if len(delta) == 0 {
		return out
	}
	d := deltaDecoder{data: delta, table: strings, deltaContext: newDeltaContext()}
	snapshotCodec.decode(&d, reflect.ValueOf(base).Elem(), reflect.ValueOf(&out).Elem())
	return out
}
