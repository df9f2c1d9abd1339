package record

import (
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/safetext"
	"github.com/mongoscope/mongoscope/probes"
)

func writeSnaps(t *testing.T, w *Writer, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := w.Write(probes.Snapshot{TakenAt: time.Unix(int64(i), 0), OpsTotal: i}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
}

func readAll(t *testing.T, path string) []probes.Snapshot {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []probes.Snapshot
	for {
		s, err := r.Next()
		if err != nil {
			return out
		}
		out = append(out, s)
	}
}

func TestCreateNeverOverwritesAndAppendContinues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gz")
	w, err := Create(path, Header{Interval: time.Second}, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeSnaps(t, w, 0, 2)
	if _, err := Create(path, Header{}, 0); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing recording: %v", err)
	}
	if w, err = Append(path, Header{}, 0); err != nil {
		t.Fatal(err)
	}
	writeSnaps(t, w, 2, 2)
	snaps := readAll(t, path)
	if len(snaps) != 4 || snaps[3].OpsTotal != 3 || snaps[2].TakenAt.Unix() != 2 {
		t.Fatalf("appended recording reads %d snapshots: %+v", len(snaps), snaps)
	}
	other := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(other, []byte("my notes"), 0o600)
	if _, err := Append(other, Header{}, 0); err == nil || !strings.Contains(err.Error(), "not a mongoscope recording") {
		t.Fatalf("Append to a file that is no recording: %v", err)
	}
	if data, _ := os.ReadFile(other); string(data) != "my notes" {
		t.Fatalf("the file was changed: %q", data)
	}
	fresh := filepath.Join(t.TempDir(), "fresh.gz")
	if w, err = Append(fresh, Header{}, 0); err != nil {
		t.Fatal(err)
	}
	writeSnaps(t, w, 0, 1)
	if len(readAll(t, fresh)) != 1 {
		t.Fatal("Append without a file does not create one")
	}
	// The existing size counts towards the bound.
	fi, _ := os.Stat(path)
	if w, err = Append(path, Header{}, fi.Size()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(probes.Snapshot{}); !errors.Is(err, ErrFull) {
		t.Fatalf("a full recording took more: %v", err)
	}
	w.Close()
}

// A recording is a file anyone could have crafted: replay shows its text
// sanitized, map keys included.
func TestReplaySanitizesACraftedRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.gz")
	f, _ := os.Create(path)
	zw := gzip.NewWriter(f)
	zw.Write([]byte(`{"format":"mongoscope-recording","version":1,"deployment":{"name":"rs\u001b]0;owned\u0007"}}` + "\n" +
		`{"takenAt":"2026-01-02T03:04:05Z","deployment":{"name":"rs\u001b[2J","nodes":[{"address":"h\u001b[8m:1","error":"down\u202e"}]},` +
		`"notAvailable":{"top\u009b":"no\u001b]52;c;eA==\u0007"},"ops":[{"opid":"1","appName":"a\u001b[8m"}],` +
		`"opcounters":{"cluster":null,"nodes":{"h\u001b[8m:1":{"insert":1}}}}` + "\n"))
	zw.Close()
	f.Close()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{r.Header.Deployment.Name, s.Deployment.Name, s.Deployment.Nodes[0].Address, s.Deployment.Nodes[0].Error, s.Ops[0].AppName}
	for k, v := range s.NotAvailable {
		texts = append(texts, k, v)
	}
	for k := range s.Opcounters.Nodes {
		texts = append(texts, k)
		if k != s.Deployment.Nodes[0].Address {
			t.Errorf("a node's rates no longer match its address: %q vs %q", k, s.Deployment.Nodes[0].Address)
		}
	}
	for _, text := range texts {
		if !safetext.Safe(text) {
			t.Errorf("replay shows %q", text)
		}
	}
}
