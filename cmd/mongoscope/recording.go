package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
)

// recordTo tees every snapshot into a recording file as it arrives.
func recordTo(ctx context.Context, o *options, s *session, in <-chan probes.Snapshot, stderr io.Writer) (<-chan probes.Snapshot, error) {
	dep := s.dep
	dep.Name = probes.RedactURI(dep.Name)
	w, err := record.Create(o.record, record.Header{StartedAt: time.Now(), Interval: o.interval, Deployment: dep}, o.recordMax)
	if err != nil {
		return nil, fmt.Errorf("--record %s: %v", o.record, err)
	}
	out := make(chan probes.Snapshot, 1)
	go func() {
		defer close(out)
		defer w.Close()
		warned := false
		for snap := range in {
			if err := w.Write(snap); err != nil && !warned {
				warned = true
				if !errors.Is(err, record.ErrFull) {
					fmt.Fprintln(stderr, "mongoscope: recording stopped: "+err.Error())
				}
			}
			select {
			case out <- snap:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// runReplay is `mongoscope replay FILE`: the TUI on a terminal, lines
// otherwise. Neither holds more than a snapshot or two of the recording.
func runReplay(argv []string, stdout, stderr io.Writer) int {
	if len(argv) != 1 {
		fmt.Fprintln(stderr, "mongoscope replay: give exactly one recording file (made with --record FILE)")
		return exitUsage
	}
	if !isTerminal(stdout) {
		return replayLines(argv[0], stdout, stderr)
	}
	rec, err := record.OpenRecording(argv[0])
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope replay: "+err.Error())
		return exitUsage
	}
	defer rec.Close()
	player := record.NewPlayer(rec)
	code := replayTUI(rec.Header, player, stderr)
	if err := player.Err(); err != nil {
		fmt.Fprintln(stderr, "mongoscope replay: "+err.Error())
	}
	return code
}

// replayLines prints a recording as lines, reading it as it goes.
func replayLines(path string, stdout, stderr io.Writer) int {
	r, err := record.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope replay: "+err.Error())
		return exitUsage
	}
	defer r.Close()
	snaps := make(chan probes.Snapshot)
	var damage error
	n := 0
	go func() {
		defer close(snaps)
		for {
			s, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					damage = err
				}
				return
			}
			n++
			snaps <- s
		}
	}()
	code := printLines(context.Background(), snaps, false, stdout)
	switch {
	case damage != nil:
		fmt.Fprintln(stderr, "mongoscope replay: "+damage.Error()+"; replayed what came before")
	case n == 0:
		fmt.Fprintln(stderr, "mongoscope replay: the recording holds no snapshot")
		return exitFailure
	}
	return code
}
