package record

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// next reads the player's next snapshot, failing after a generous wait.
func next(t *testing.T, ch <-chan probes.Snapshot) probes.Snapshot {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the player sent nothing")
	}
	return probes.Snapshot{}
}

// After the end a replay says so and waits; a seek back plays again.
func TestReplaySeekAfterTheEndPlays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gz")
	writeRecording(t, path, 5, 16)
	_, p, ch := playAt60(t, path)
	var taken []time.Time
	for range 5 {
		taken = append(taken, next(t, ch).TakenAt)
	}
	for deadline := time.Now().Add(10 * time.Second); !p.AtEnd(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the player does not say it reached the end")
		}
	}
	p.Seek(-3 * time.Second)
	if p.AtEnd() {
		t.Fatal("a seek back from the end still says the end")
	}
	if s := next(t, ch); !s.TakenAt.Equal(taken[1]) {
		t.Fatalf("after seeking back 3 s from the last snapshot it plays %v, want %v", s.TakenAt, taken[1])
	}
}

// playAt60 opens the recording at path and plays it at 60x until the test
// ends.
func playAt60(t *testing.T, path string) (*Recording, *Player, <-chan probes.Snapshot) {
	t.Helper()
	rec, err := OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	p := NewPlayer(rec)
	p.SetSpeed(60)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return rec, p, p.Run(ctx)
}
