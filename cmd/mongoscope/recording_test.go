package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
	"github.com/mongoscope/mongoscope/tui"
)

// Refused before connecting (the URI is unreachable and never tried):
// overwriting, a negative size, --record-append alone.
func TestRecordFlagsRefusedAtStart(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "rec.gz")
	os.WriteFile(existing, []byte("yesterday's incident"), 0o600)
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"overwrite":    {[]string{"--record", existing}, "--record-append"},
		"negative max": {[]string{"--record", "x.gz", "--record-max", "-1"}, "--record-max -1"},
		"append alone": {[]string{"--record-append"}, "give --record too"},
	} {
		code, out, errOut := runCapture(t, nil, append(c.args, "--read-only", "--connect-timeout", "300ms", "mongodb://127.0.0.1:1")...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "reach") {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
	if data, _ := os.ReadFile(existing); string(data) != "yesterday's incident" {
		t.Fatalf("the existing file was changed: %q", data)
	}
}

// recordSession feeds snaps through recordTo and returns what comes out.
func recordSession(t *testing.T, o *options, tty bool, snaps []probes.Snapshot) ([]probes.Snapshot, string, *session) {
	t.Helper()
	in := make(chan probes.Snapshot, len(snaps))
	for _, s := range snaps {
		in <- s
	}
	close(in)
	var errb bytes.Buffer
	s := &session{dep: probes.Deployment{Name: "rs0"}}
	out, err := recordTo(context.Background(), o, s, in, tty, &errb)
	if err != nil {
		t.Fatal(err)
	}
	var got []probes.Snapshot
	for s := range out {
		got = append(got, s)
	}
	return got, errb.String(), s
}

func bigSnapshots(n int) []probes.Snapshot {
	var out []probes.Snapshot
	for i := 0; i < n; i++ {
		s := probes.Snapshot{TakenAt: time.Date(2026, 1, 2, 3, 4, i, 0, time.Local), OpsTotal: i}
		s.Deployment.Nodes = []probes.Node{{Address: "127.0.0.1:27017", Up: true, State: "up"}}
		out = append(out, s)
	}
	return out
}

// Reaching --record-max is said once on stderr in line mode; in the TUI
// every later snapshot carries it, and the nodes pane shows it.
func TestRecordingStopIsToldToTheOperator(t *testing.T) {
	dir := t.TempDir()
	o := &options{record: filepath.Join(dir, "lines.gz"), recordMax: 700, interval: time.Second}
	got, stderr, _ := recordSession(t, o, false, bigSnapshots(20))
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "mongoscope: recording stopped: "+o.record+" reached --record-max (700 bytes); it holds the snapshots up to 03:04:") {
		t.Fatalf("line mode stderr: %q", stderr)
	}
	if last := got[len(got)-1].Deployment.Changes; len(last) != 1 || !strings.HasPrefix(last[0], "recording stopped") {
		t.Fatalf("the last snapshot's changes: %q", last)
	}
	o.record = filepath.Join(dir, "tui.gz")
	got, stderr, s := recordSession(t, o, true, bigSnapshots(20))
	if stderr != "" {
		t.Fatalf("with the TUI on screen, stderr got %q", stderr)
	}
	var m tea.Model = tui.New(tui.Options{Interval: time.Second, ReadOnly: true, Marks: s.marks, Notices: s.notices})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	footers := map[string]int{}
	for _, snap := range got {
		m, _ = m.Update(tui.SnapshotMsg(snap))
		footers[footerOf(m)]++
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) // the operator reads it and moves on
	}
	said := 0
	for footer, n := range footers {
		if strings.Contains(footer, "recording stopped") {
			said += n
			if !strings.HasPrefix(footer, "recording stopped at --record-max; the file holds snapshots up to 03:04:") {
				t.Errorf("the footer says %q", footer)
			}
		}
	}
	if said != 1 {
		t.Fatalf("the footer said recording stopped %d times, want once; footers: %v", said, footers)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: '7', Text: "7"})
	scr := ansi.Strip(m.View().Content)
	if !strings.Contains(strings.SplitN(scr, "\n", 2)[0], "REC STOPPED (--record-max)") {
		t.Fatalf("the header has no REC STOPPED mark:\n%s", scr)
	}
	if !strings.Contains(scr, "recording stopped: "+o.record+" reached --record-max") {
		t.Fatalf("the TUI does not say recording stopped:\n%s", scr)
	}
	r, err := record.Open(o.record)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, _ := readRecording(r); len(n) == 0 || len(n) >= 20 {
		t.Fatalf("the bounded recording holds %d snapshots", len(n))
	}
}

// footerOf is the screen's last line, the footer.
func footerOf(m tea.Model) string {
	lines := strings.Split(strings.TrimRight(ansi.Strip(m.View().Content), "\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func TestRecordAppendAddsToARecording(t *testing.T) {
	o := &options{record: filepath.Join(t.TempDir(), "rec.gz"), interval: time.Second}
	_, _, s := recordSession(t, o, false, bigSnapshots(3))
	if m := s.marks(); len(m) != 1 || m[0] != "REC" {
		t.Fatalf("recording marks %q", m)
	}
	if err := checkRecordFlags(o); err == nil {
		t.Fatal("a second --record on the same file is allowed")
	}
	o.recordAppend = true
	if err := checkRecordFlags(o); err != nil {
		t.Fatal(err)
	}
	recordSession(t, o, false, bigSnapshots(2))
	r, err := record.Open(o.record)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if snaps, damage := readRecording(r); len(snaps) != 5 || damage != nil {
		t.Fatalf("appended recording: %d snapshots, %v", len(snaps), damage)
	}
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte("my notes"), 0o600)
	o.record = notes
	_, err = recordTo(context.Background(), o, &session{}, make(chan probes.Snapshot), false, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--record "+notes+": cannot append: "+notes+" is not a mongoscope recording") {
		t.Fatalf("--record-append to a file that is no recording: %v", err)
	}
}

// The footer's notice of a failed write is short: the error, not the path
// again (the nodes pane has the whole sentence).
func TestRecordingStoppedNoticeIsShort(t *testing.T) {
	err := fmt.Errorf("record: %w", &fs.PathError{Op: "write", Path: "/very/long/path/to/session.msrec", Err: errors.New("no space left on device")})
	got := recStoppedNotice(err, time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local))
	if got != "recording stopped: write failed (no space left on device); the file holds snapshots up to 03:04:05" {
		t.Errorf("notice %q", got)
	}
}
