package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
)

func TestSnapshotJSONAgainstTheSimulator(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Shards: 2, Members: 2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	code, out, errOut := runCapture(t, nil, "snapshot", "--interval", "300ms", sim.URI())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, field := range []string{"takenAt", "deployment", "opcounters", "network", "connections", "ops", "opsTotal",
		"hotCollections", "replication", "balancer", "overhead"} {
		if _, ok := doc[field]; !ok {
			t.Errorf("snapshot lacks %q", field)
		}
	}
	var snap probes.Snapshot
	json.Unmarshal([]byte(out), &snap)
	if snap.Deployment.Kind != probes.KindSharded || snap.Deployment.Version != "8.0.4" || len(snap.Deployment.Nodes) != 1+4+3 {
		t.Errorf("deployment = %+v", snap.Deployment)
	}
	if snap.Opcounters.Cluster.Query <= 0 || len(snap.Opcounters.Shards) != 2 {
		t.Errorf("opcounters = %+v", snap.Opcounters)
	}
	if snap.Balancer == nil || len(snap.Balancer.ChunksPerShard) == 0 || len(snap.Replication) != 3 {
		t.Errorf("balancer %+v, %d sets", snap.Balancer, len(snap.Replication))
	}
	ops := doc["ops"].([]any)
	first := ops[0].(map[string]any)
	for _, field := range []string{"node", "shard", "opid", "op", "ns", "secsRunning", "planSummary", "appName", "client", "user", "waitingForLock", "system", "flags"} {
		if _, ok := first[field]; !ok {
			t.Errorf("op lacks %q", field)
		}
	}
	if _, isString := first["opid"].(string); !isString {
		t.Error("opid must be a string")
	}

	// A node that is down makes the exit code 3 and carries its error.
	shardMember := ""
	for _, n := range sim.Nodes() {
		if n.Role == "secondary" {
			shardMember = n.Address
			break
		}
	}
	sim.Fault(simcluster.Fault{Kind: "stop", Node: shardMember})
	code, out, _ = runCapture(t, nil, "snapshot", "--interval", "300ms", sim.URI())
	json.Unmarshal([]byte(out), &snap)
	var down *probes.Node
	for i, n := range snap.Deployment.Nodes {
		if n.Address == shardMember {
			down = &snap.Deployment.Nodes[i]
		}
	}
	if code != exitPartial || down == nil || down.Up || down.Error == "" {
		t.Fatalf("with %s stopped: exit %d, node %+v", shardMember, code, down)
	}
}

func TestRecordReplayRoundTripAndDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gz")
	w, err := record.Create(path, record.Header{StartedAt: time.Unix(100, 0), Interval: time.Second,
		Deployment: probes.Deployment{Kind: probes.KindReplicaSet, Name: "rs0"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		s := probes.Snapshot{TakenAt: time.Unix(int64(100+i), 0).UTC(), OpsTotal: i,
			Ops: []probes.Op{{OpID: "7", NS: "app.x", SecsRunning: float64(i)}}}
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	r, err := record.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	snaps, damage := readRecording(r)
	r.Close()
	if damage != nil || len(snaps) != 5 || snaps[4].OpsTotal != 4 || snaps[3].Ops[0].SecsRunning != 3 || r.Header.Deployment.Name != "rs0" {
		t.Fatalf("round trip: %d snapshots, damage %v", len(snaps), damage)
	}
	// Cut the file in the middle of the last record: the prefix replays.
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-20], 0o600)
	r, err = record.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	snaps, damage = readRecording(r)
	r.Close()
	if len(snaps) != 4 || damage == nil || !strings.Contains(damage.Error(), "damaged after 4 snapshots") {
		t.Fatalf("truncated: %d snapshots, %v", len(snaps), damage)
	}
	code, out, errOut := runCapture(t, nil, "replay", path)
	if code != exitOK || !strings.Contains(errOut, "damaged after 4 snapshots") || !strings.Contains(out, "time") {
		t.Fatalf("replay of a damaged file: exit %d, %q", code, errOut)
	}
	// Not a recording at all.
	os.WriteFile(path, []byte("hello"), 0o600)
	if code, _, errOut := runCapture(t, nil, "replay", path); code != exitUsage || !strings.Contains(errOut, "not a mongoscope recording") {
		t.Fatalf("garbage: exit %d %q", code, errOut)
	}
}

// readRecording reads every whole snapshot; the error says where damage
// stopped it (nil at a clean end).
func readRecording(r *record.Reader) ([]probes.Snapshot, error) {
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

func TestRecordingIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gz")
	w, _ := record.Create(path, record.Header{}, 600)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = w.Write(probes.Snapshot{TakenAt: time.Unix(int64(i), 0), OpsTotal: i})
	}
	w.Close()
	if !errors.Is(err, record.ErrFull) {
		t.Fatalf("a bounded recording kept growing: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Size() > 600 {
		t.Fatalf("size %d over the bound", fi.Size())
	}
	f, _ := os.Open(path)
	zr, _ := gzip.NewReader(f)
	data, _ := io.ReadAll(zr)
	f.Close()
	if !strings.Contains(string(data), "mongoscope-recording") {
		t.Fatal("header missing")
	}
}
