package main

import "testing"

// The soft limit never comes closer to what is live than minHeadroom (or
// a quarter of it): a collection always has room to free, so the
// collector never runs without end.
func TestMemoryLimitKeepsHeadroom(t *testing.T) {
	const notHeap = 12 << 20
	for _, live := range []uint64{0, 10 << 20, 36 << 20, 40 << 20, 100 << 20, 1 << 30} {
		limit := uint64(memoryLimitFor(live, notHeap))
		if limit < memoryFloor || limit-live-notHeap < minHeadroom || limit-live-notHeap < live/4 {
			t.Fatalf("live %d MiB: limit %d MiB", live>>20, limit>>20)
		}
	}
	if memoryLimitFor(10<<20, notHeap) != memoryFloor {
		t.Fatal("below the floor the limit is the floor")
	}
}
