package probes

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Every decoder of server replies is fuzzed with the real fixtures as
// seeds: whatever bytes arrive, none may panic.

func fixtureSeeds(f *testing.F) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if data[0] == '[' {
			data = append(append([]byte(`{"a":`), data...), '}')
		}
		var raw bson.Raw
		if bson.UnmarshalExtJSON(data, false, &raw) == nil {
			f.Add([]byte(raw))
			if arr, ok := raw.Lookup("a").ArrayOK(); ok {
				vals, _ := arr.Values()
				for _, v := range vals {
					if d, ok := v.DocumentOK(); ok {
						f.Add([]byte(d))
					}
				}
			}
		}
	}
	for _, js := range []string{`{"opcounters": {"insert": "x"}}`, `{"members": [1, {"name": 5}]}`,
		`{"totals": {"a.b": {"readLock": {"time": -1}}}}`, `{"mode": 1}`, `{"what": "moveChunk.from", "details": 7}`} {
		var raw bson.Raw
		bson.UnmarshalExtJSON([]byte(js), false, &raw)
		f.Add([]byte(raw))
	}
}

func FuzzDecodeServerStatus(f *testing.F) {
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeServerStatus(bson.Raw(b))
		if err == nil {
			ServerStatusCommand(s.Process, true, false)
		}
	})
}

func FuzzDecodeOp(f *testing.F) {
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, src := range []OpSource{{Node: "n:1"}, {ViaMongos: true, Mongos: "m:1", CommandCap: 16}} {
			if op, ok := DecodeOp(bson.Raw(b), src); ok && op.OpID == "" {
				t.Fatal("an op without an opid")
			}
		}
	})
}

func FuzzDecodeReplSetGetStatus(f *testing.F) {
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, _, err := DecodeReplSetGetStatus(bson.Raw(b))
		if err != nil {
			return
		}
		for _, m := range rs.Members {
			if m.LagSeconds != nil && *m.LagSeconds < 0 {
				t.Fatalf("negative lag %v", *m.LagSeconds)
			}
		}
	})
}

func FuzzDecodeTop(f *testing.F) {
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		cur, err := DecodeTop(bson.Raw(b))
		if err != nil {
			return
		}
		for _, h := range HotCollections(map[string]TopTotals{"n": {}}, map[string]TopTotals{"n": cur}, time.Second, 5) {
			if h.ReadMsPerSec < 0 || h.WriteMsPerSec < 0 {
				t.Fatalf("negative rate %+v", h)
			}
		}
	})
}

func FuzzDecodeBalancer(f *testing.F) {
	fixtureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		raw := bson.Raw(b)
		DecodeBalancerStatus(raw)
		if _, w, err := DecodeBalancerSettings(raw); err == nil && w != nil {
			InsideWindow(w, time.Unix(0, 0))
		}
		DecodeChangelogMigration(raw)
		DecodeMigrationsDoc(raw)
		privilegesFrom(raw, Privileges{KillOp: true})
	})
}
