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

// runReplay is `mongoscope replay FILE`.
func runReplay(argv []string, stdout, stderr io.Writer) int {
	if len(argv) != 1 {
		fmt.Fprintln(stderr, "mongoscope replay: give exactly one recording file (made with --record FILE)")
		return exitUsage
	}
	r, err := record.Open(argv[0])
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope replay: "+err.Error())
		return exitUsage
	}
	defer r.Close()
	snaps, damage := loadRecording(r)
	notice := ""
	if damage != nil {
		notice = damage.Error() + "; replaying what came before"
	}
	if len(snaps) == 0 {
		if notice != "" {
			fmt.Fprintln(stderr, "mongoscope replay: "+notice)
		}
		fmt.Fprintln(stderr, "mongoscope replay: the recording holds no snapshot")
		return exitFailure
	}
	return replay(r.Header, snaps, notice, stdout, stderr)
}

// loadRecording reads every whole snapshot; the error says where damage
// stopped it (nil at a clean end).
func loadRecording(r *record.Reader) ([]probes.Snapshot, error) {
	var out []probes.Snapshot
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
}
