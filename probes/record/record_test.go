package record

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

func FuzzReader(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.gz")
	w, _ := Create(path, Header{StartedAt: time.Unix(1, 0), Interval: time.Second}, 0)
	w.Write(probes.Snapshot{TakenAt: time.Unix(2, 0), OpsTotal: 3, Ops: []probes.Op{{OpID: "1"}}})
	w.Close()
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	var plain bytes.Buffer
	zw := gzip.NewWriter(&plain)
	zw.Write([]byte(`{"format":"mongoscope-recording","version":1}` + "\n" + `{"takenAt":5}` + "\n"))
	zw.Close()
	f.Add(plain.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "r.gz")
		os.WriteFile(p, data, 0o600)
		r, err := Open(p)
		if err != nil {
			return
		}
		defer r.Close()
		for i := 0; i < 10000; i++ {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) && err.Error() == "" {
					t.Fatal("an error without a message")
				}
				return
			}
		}
	})
}
