package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
)

// checkRecordFlags refuses, before connecting, a recording that would
// overwrite a file or could never be bounded.
func checkRecordFlags(o *options) error {
	switch {
	case o.recordMax < 0:
		return fmt.Errorf("--record-max %d: give a size in bytes, or 0 for no limit", o.recordMax)
	case o.recordAppend && o.record == "":
		return errors.New("--record-append adds to the file given with --record FILE: give --record too")
	case o.record == "" || o.recordAppend:
		return nil
	}
	if _, err := os.Lstat(o.record); err == nil {
		return fmt.Errorf("--record %s: the file exists and mongoscope does not overwrite it: give a new name, or add --record-append to add to it", o.record)
	}
	return nil
}

// recordTo tees every snapshot into a recording file as it arrives. If
// recording stops (--record-max reached, or a write failed) the operator
// is told where they look: on stderr in line mode; in the TUI by the
// header's mark (REC STOPPED), once in the footer, and, in full, as a
// change every later snapshot carries (stderr would tear its screen).
func recordTo(ctx context.Context, o *options, s *session, in <-chan probes.Snapshot, tty bool, stderr io.Writer) (<-chan probes.Snapshot, error) {
	dep := s.dep
	dep.Name = probes.RedactURI(dep.Name)
	open := record.Create
	if o.recordAppend {
		open = record.Append
	}
	w, err := open(o.record, record.Header{StartedAt: time.Now(), Interval: o.interval, Deployment: dep}, o.recordMax)
	if errors.Is(err, fs.ErrExist) {
		err = errors.New("the file exists and mongoscope does not overwrite it: give a new name, or add --record-append to add to it")
	}
	if err != nil {
		return nil, fmt.Errorf("--record %s: %v", o.record, err)
	}
	s.setRecMark("REC")
	out := make(chan probes.Snapshot, 1)
	go func() {
		defer close(out)
		defer w.Close()
		var stopped string
		var last time.Time
		for snap := range in {
			if stopped == "" {
				if err := w.Write(snap); err != nil {
					stopped = recordingStopped(o, err, last)
					s.setRecMark(recStoppedMark(err))
					s.say(recStoppedNotice(err, last))
					if !tty {
						fmt.Fprintln(stderr, "mongoscope: "+stopped)
					}
				} else {
					last = snap.TakenAt
				}
			}
			if stopped != "" {
				snap.Deployment.Changes = append(slices.Clone(snap.Deployment.Changes), stopped)
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

func (s *session) setRecMark(m string) { s.recMark.Store(&m) }

// recStoppedMark is the header's short form of why recording stopped.
func recStoppedMark(err error) string {
	if errors.Is(err, record.ErrFull) {
		return "REC STOPPED (--record-max)"
	}
	return "REC STOPPED (write failed)"
}

// recStoppedNotice is the footer's one line: why, without the path (the
// nodes pane has it in full), and what the file holds.
func recStoppedNotice(err error, last time.Time) string {
	holds := "the file holds no snapshot"
	if !last.IsZero() {
		holds = "the file holds snapshots up to " + last.Local().Format("15:04:05")
	}
	if errors.Is(err, record.ErrFull) {
		return "recording stopped at --record-max; " + holds
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // "no space left on device", not the path again
	}
	return "recording stopped: write failed (" + err.Error() + "); " + holds
}

// recordingStopped says why recording stopped and what the file holds.
func recordingStopped(o *options, err error, last time.Time) string {
	holds := "it holds no snapshot"
	if !last.IsZero() {
		holds = "it holds the snapshots up to " + last.Local().Format("15:04:05")
	}
	if errors.Is(err, record.ErrFull) {
		return fmt.Sprintf("recording stopped: %s reached --record-max (%d bytes); %s", o.record, o.recordMax, holds)
	}
	return fmt.Sprintf("recording stopped: cannot write %s (%v); %s", o.record, err, holds)
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
	code := replayTUI(rec.Header, player, "", stderr)
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
