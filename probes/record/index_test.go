package record

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

func writeRecording(t *testing.T, path string, n int, payload int) {
	t.Helper()
	w, err := Create(path, Header{StartedAt: time.Unix(100, 0), Interval: time.Second,
		Deployment: probes.Deployment{Kind: probes.KindReplicaSet, Name: "rs0"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	noise := make([]byte, payload)
	for i := range n {
		rand.Read(noise)
		s := probes.Snapshot{TakenAt: time.Unix(int64(1000+i), 0).UTC(), OpsTotal: i,
			Ops: []probes.Op{{OpID: "7", NS: "app.x", SecsRunning: float64(i), Command: base64.StdEncoding.EncodeToString(noise)}}}
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecordingIndexesAndDecodesOnDemand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gz")
	writeRecording(t, path, 5, 10)
	rec, err := OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	rec.Wait()
	if done, damage, last := rec.Indexed(); !done || damage != nil || !last.Equal(time.Unix(1004, 0)) || rec.Len() != 5 {
		t.Fatalf("indexed %v, damage %v, last %v, %d snapshots", done, damage, last, rec.Len())
	}
	for _, i := range []int{3, 0, 4, 1} {
		s, err := rec.Snapshot(i)
		if err != nil || s.OpsTotal != i || s.Ops[0].SecsRunning != float64(i) {
			t.Fatalf("snapshot %d: %+v %v", i, s.OpsTotal, err)
		}
	}
	if _, err := rec.Snapshot(5); err == nil {
		t.Fatal("a snapshot past the end decoded")
	}
	rec.Close()

	// Cut in the middle of the last line: the four before it play.
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-20], 0o600)
	rec, err = OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	rec.Wait()
	if _, damage, _ := rec.Indexed(); rec.Len() != 4 || damage == nil || !strings.Contains(damage.Error(), "damaged after 4 snapshots") {
		t.Fatalf("truncated: %d snapshots, %v", rec.Len(), damage)
	}
	rec.Close()

	// A header and nothing else: no snapshot, no damage.
	empty := filepath.Join(t.TempDir(), "empty.gz")
	w, _ := Create(empty, Header{Interval: time.Second}, 0)
	w.Close()
	rec, err = OpenRecording(empty)
	if err != nil {
		t.Fatal(err)
	}
	rec.Wait()
	if _, damage, _ := rec.Indexed(); rec.Len() != 0 || damage != nil {
		t.Fatalf("header only: %d snapshots, %v", rec.Len(), damage)
	}
	rec.Close()
	os.WriteFile(empty, []byte("hello"), 0o600)
	if _, err := OpenRecording(empty); err == nil || !strings.Contains(err.Error(), "not a mongoscope recording") {
		t.Fatalf("garbage opened: %v", err)
	}
}

// TestReplayMemoryIndependentOfLength plays a 50 MB recording (10 MB with
// -short) while the heap in use stays under 8 MiB: the index is 8 bytes a
// snapshot and one snapshot is decoded at a time, when it is due or sought.
func TestReplayMemoryIndependentOfLength(t *testing.T) {
	const budget = 8 << 20
	snaps := 1100                       // ~48 KB compressed each
	if testing.Short() || raceEnabled { // full size in .ci/run's run without -race
		snaps = 220
	}
	path := filepath.Join(t.TempDir(), "big.gz")
	writeRecording(t, path, snaps, 48<<10)
	if fi, _ := os.Stat(path); fi.Size() <= budget {
		t.Fatalf("the recording is %d bytes, not larger than the budget", fi.Size())
	}
	runtime.GC()
	peak := uint64(0)
	measure := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	rec, p, out := playAt60(t, path)
	if s := <-out; s.OpsTotal != 0 {
		t.Fatalf("the first snapshot sent is %d", s.OpsTotal)
	}
	rec.Wait()
	measure()
	pos := 0
	for _, d := range []time.Duration{3 * time.Minute, 5 * time.Minute, -2 * time.Minute, time.Hour, -time.Hour} {
		p.Seek(d)
		want := min(max(pos+int(d/time.Second), 0), snaps-1)
		s := <-out
		for s.OpsTotal != want { // one sent before the seek took effect
			s = <-out
		}
		measure()
		pos = want
		// The player notes what it sent just after the send: wait for it.
		deadline := time.Now().Add(10 * time.Second)
		at, start, end := p.Position()
		for !at.Equal(s.TakenAt) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			at, start, end = p.Position()
		}
		if !at.Equal(s.TakenAt) || !start.Equal(time.Unix(1000, 0)) || !end.Equal(time.Unix(int64(999+snaps), 0)) {
			t.Fatalf("position %v %v %v after seeking to %d", at, start, end, want)
		}
	}
	fi, _ := os.Stat(path)
	t.Logf("%d MB recording, %d snapshots: peak heap in use %.1f MiB", fi.Size()>>20, snaps, float64(peak)/(1<<20))
	if peak > budget {
		t.Fatalf("replaying a %d MB recording used %d MiB of heap, budget %d MiB", fi.Size()>>20, peak>>20, budget>>20)
	}
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
}

// FuzzRecording: whatever the bytes, opening, indexing and decoding every
// snapshot neither panics nor hangs.
func FuzzRecording(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.gz")
	w, _ := Create(path, Header{StartedAt: time.Unix(1, 0), Interval: time.Second}, 0)
	for i := range 3 {
		w.Write(probes.Snapshot{TakenAt: time.Unix(int64(2+i), 0), OpsTotal: i})
	}
	w.Close()
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add(seed[:len(seed)-7])
	f.Add(append(append([]byte{}, seed...), memberStart...))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "r.gz")
		os.WriteFile(p, data, 0o600)
		rec, err := OpenRecording(p)
		if err != nil {
			return
		}
		defer rec.Close()
		rec.Wait()
		for i := range rec.Len() {
			rec.Snapshot(i)
		}
	})
}
