package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
)

// replay makes a recording of mb MB from real polls and times the real
// program replaying it on a pseudo-terminal: first frame, seeks across the
// whole recording, memory.
func (b *bench) replay(ctx context.Context, mb int) error {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("mongoscope-bench-%d.gz", os.Getpid()))
	defer os.Remove(path)
	t0 := time.Now().Truncate(time.Hour).Add(-24 * time.Hour)
	made := time.Now()
	n, distinct, err := b.makeRecording(ctx, path, mb, t0)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "mongoscope bench --replay-mb %d: %s, %d cores, %s\n\n", mb, time.Now().Format(time.RFC3339), runtime.NumCPU(), runtime.Version())
	b.row("measure", "value", "target", true)
	fi, _ := os.Stat(path)
	b.row(fmt.Sprintf("recording: %d snapshots (%d distinct polls, cycled), made in", n, distinct),
		fmt.Sprintf("%d MB, %s", fi.Size()>>20, time.Since(made).Round(time.Second)), "", true)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	run, err := startPTY(exe, 120, 40, "replay", path)
	if err != nil {
		return err
	}
	seen, err := run.waitFor(30*time.Second, "REPLAY")
	if err != nil {
		run.quit(time.Second)
		return err
	}
	first := seen.Sub(run.started)
	b.row("replay: first frame", first.Round(time.Millisecond).String(), "≤ 1s", first <= time.Second)
	b.seeks(run, n)
	b.row("replay: RSS while playing", fmt.Sprintf("%.1f MiB", run.rssMiB()), "≤ 100 MiB", run.rssMiB() <= 100)
	peak, err := run.quit(30 * time.Second)
	if err != nil {
		return err
	}
	b.row("replay: peak RSS (whole run)", fmt.Sprintf("%.1f MiB", peak), "≤ 100 MiB", peak <= 100)
	return nil
}

// seeks pauses the replay, then moves a minute at a time to the end of the
// recording and back, timing each move until its frame is drawn (paused,
// nothing else draws). The output is terminal updates, not text to search:
// a seek rewrites only the clock's changed digits.
func (b *bench) seeks(run *ptyRun, n int) {
	if _, err := run.pressAnyOutput("p"); err != nil {
		b.row("replay: seek a minute", "not measured: "+err.Error(), "≤ 1s", false)
		return
	}
	time.Sleep(2 * time.Second) // the pause is drawn and the player idle
	var lat []time.Duration
	moves := n/60 - 2
	for _, key := range []string{".", ","} {
		for range moves {
			d, err := run.pressAnyOutput(key)
			if err != nil {
				b.row("replay: seek a minute", "not measured: "+err.Error(), "≤ 1s", false)
				return
			}
			lat = append(lat, d)
		}
	}
	p50, p99, worst := percentiles(lat)
	b.row(fmt.Sprintf("replay: seek a minute, to every minute and back (%d seeks): p50 / p99 / max", len(lat)),
		latencies(p50, p99, worst, nil), "≤ 1s", worst <= time.Second)
}

// makeRecording polls the simulator at the fill interval until it has 600
// distinct polls, recording them, then writes them again and again, a
// second apart, until the file holds mb MB; it returns how many snapshots
// it wrote and how many were distinct.
func (b *bench) makeRecording(ctx context.Context, path string, mb int, t0 time.Time) (int, int, error) {
	p, err := probes.NewPoller(probes.Config{URI: b.uri, Interval: b.fill, ReadOnly: true})
	if err != nil {
		return 0, 0, err
	}
	defer p.Close(context.Background())
	dep, err := p.Connect(ctx)
	if err != nil {
		return 0, 0, err
	}
	w, err := record.Create(path, record.Header{StartedAt: t0, Interval: time.Second, Deployment: dep}, 0)
	if err != nil {
		return 0, 0, err
	}
	defer w.Close()
	var polls []probes.Snapshot
	for s := range p.Run(ctx) {
		if polls = append(polls, s); len(polls) == 600 {
			break
		}
	}
	n := 0
	for size := int64(0); size < int64(mb)<<20; n++ {
		s := polls[n%len(polls)]
		s.TakenAt = t0.Add(time.Duration(n) * time.Second)
		if err := w.Write(s); err != nil {
			return n, len(polls), err
		}
		if n%100 == 0 {
			fi, _ := os.Stat(path)
			size = fi.Size()
		}
	}
	return n, len(polls), nil
}
