package probes

import (
	"testing"
	"time"
)

// BenchmarkDecodeServerStatus decodes, per op, every serverStatus reply
// the simulated releases 4.4–8.0 serve to the poller's requests
// (simStatusReplies: each node, with and without the oplog and wiredTiger
// sections, at two moments): distinct documents of real shapes and sizes,
// not one sample again and again.
func BenchmarkDecodeServerStatus(b *testing.B) {
	var replies []serverStatusReply
	size := 0
	for _, r := range simStatusReplies(b) {
		if !r.full {
			replies = append(replies, r)
			size += len(r.doc)
		}
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	b.ReportAllocs()
	for range b.N {
		for _, r := range replies {
			if _, err := DecodeServerStatus(r.doc); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeOps10k decodes and classifies a $currentOp batch of
// 10,000 ops and keeps the 500 longest, as one poll of a busy cluster does.
// The documents are what the simulated releases serve (simOpSamples),
// cycled, each copy with its own opid: distinct documents of real shapes
// and sizes, not copies of one.
func BenchmarkDecodeOps10k(b *testing.B) {
	samples := simOpSamples(b)
	docs := make([]opSample, 10000)
	for i := range docs {
		docs[i] = samples[i%len(samples)]
		docs[i].doc = withOpID(docs[i].doc, 1_000_000+i)
	}
	b.ResetTimer()
	b.ReportAllocs()
	for range b.N {
		ops := make([]Op, 0, len(docs))
		for _, d := range docs {
			if op, ok := DecodeOp(d.doc, d.src); ok {
				ops = append(ops, op)
			}
		}
		kept := TopOps(ops, 500)
		RenderCommands(kept, 2048)
		if len(kept) != 500 {
			b.Fatal("TopOps")
		}
	}
}

func BenchmarkCounterRates(b *testing.B) {
	prev := Counters{1, 2, 3, 4, 5, 6}
	cur := Counters{11, 22, 33, 44, 55, 66}
	b.ReportAllocs()
	for range b.N {
		if _, ok := CounterRates(prev, cur, time.Second); !ok {
			b.Fatal("no rate")
		}
	}
}

// BenchmarkHistoryAdd appends one 94-node snapshot to a full history.
func BenchmarkHistoryAdd(b *testing.B) {
	h := NewHistory(3600, 600)
	snap := bigSnapshot(94)
	b.ReportAllocs()
	for i := range b.N {
		snap.TakenAt = time.Unix(int64(i), 0)
		h.Add(snap)
	}
}
