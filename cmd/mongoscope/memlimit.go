package main

import (
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// The collector's setting. Go's default lets the heap double what is live
// between collections: 94 nodes' hour of history and 10 minutes of scrub
// store (~33 MiB live) then reach ~100 MiB RSS. The fixed 52 MiB soft limit
// mongoscope used to set held RSS but made the collector run flat out once
// what is live came near it (14.5 % of a core at 94 nodes, 45 % at 304;
// 56 % in issue 12), and a low GOGC costs most when little is live (the
// TUI allocates a lot per frame). So: Go's default below memoryFloor, and
// from there a soft limit that follows what is live with room to spare,
// so a collection always has at least minHeadroom to free and the
// collector never runs without end. GOMEMLIMIT, when set, wins.
const (
	memoryFloor = 52 << 20
	minHeadroom = 16 << 20
)

// memoryTuning is on while the limit follows the live heap.
var memoryTuning atomic.Bool

// tuneMemoryLimit starts following the live heap, after each collection.
func tuneMemoryLimit() {
	memoryTuning.Store(true)
	go func() {
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"},
			{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/free:bytes"},
			{Name: "/memory/classes/heap/released:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"}}
		var cycles uint64
		for range time.Tick(500 * time.Millisecond) {
			metrics.Read(samples)
			if !memoryTuning.Load() || samples[1].Value.Uint64() == cycles {
				continue
			}
			cycles = samples[1].Value.Uint64()
			notHeap := samples[2].Value.Uint64() // less the heap: stacks, the runtime's own structures
			for _, s := range samples[3:] {
				notHeap -= min(s.Value.Uint64(), notHeap)
			}
			debug.SetMemoryLimit(memoryLimitFor(samples[0].Value.Uint64(), notHeap))
		}
	}()
}

// memoryLimitFor is the soft limit for live heap bytes and the runtime's
// memory outside the heap (the limit counts both): the floor, or both plus
// a quarter of live (at least minHeadroom) when that is higher.
func memoryLimitFor(live, notHeap uint64) int64 {
	return int64(max(memoryFloor, live+notHeap+max(live/4, minHeadroom)))
}
