package main

import (
	"bufio"
	"compress/gzip"
	"context"
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
	for _, field := range []string{"takenAt", "deployment", "opcounters", "network", "documents", "connections", "ops", "opsTotal",
		"hotCollections", "replication", "balancer", "overhead", "findings"} {
		if _, ok := doc[field]; !ok {
			t.Errorf("snapshot lacks %q", field)
		}
	}
	if f, ok := doc["findings"].([]any); !ok || len(f) != 0 { // two polls start none: an empty array, not null
		t.Errorf("findings = %#v", doc["findings"])
	}
	var snap probes.Snapshot
	json.Unmarshal([]byte(out), &snap)
	if snap.Deployment.Kind != probes.KindSharded || snap.Deployment.Version != "8.0.4" || len(snap.Deployment.Nodes) != 1+4+3 {
		t.Errorf("deployment = %+v", snap.Deployment)
	}
	if snap.Opcounters.Cluster.Query <= 0 || len(snap.Opcounters.Shards) != 2 {
		t.Errorf("opcounters = %+v", snap.Opcounters)
	}
	if d := snap.Documents; d == nil || d.Cluster == nil || d.Cluster.UpdateStatements <= 0 || d.Cluster.Updated <= 0 || d.UpdatesApplied == nil || len(d.Nodes) == 0 {
		t.Errorf("documents = %+v", snap.Documents)
	}
	if snap.Balancer == nil || len(snap.Balancer.ChunksPerShard) == 0 || len(snap.Replication) != 3 {
		t.Errorf("balancer %+v, %d sets", snap.Balancer, len(snap.Replication))
	}
	// The truth fields: which build, each node's state and probe freshness,
	// when the ops were read, the oplog window of every set.
	if snap.Mongoscope == nil || snap.Mongoscope.GoVersion == "" || snap.OpsAsOf.IsZero() {
		t.Errorf("header %+v, opsAsOf %v", snap.Mongoscope, snap.OpsAsOf)
	}
	for _, n := range snap.Deployment.Nodes {
		if n.State != probes.StateUp || n.Probes["serverStatus"].AgeSeconds == nil {
			t.Errorf("node %s: state %q, probes %+v", n.Address, n.State, n.Probes)
		}
	}
	for _, rs := range snap.Replication {
		if rs.OplogWindowHours == nil {
			t.Errorf("set %s has no oplog window in the snapshot", rs.Set)
		}
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

// snapshot --follow prints one whole snapshot per line, every interval,
// until the polling stops.
func TestSnapshotFollow(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Topology: "replset", Members: 2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, err := probes.NewPoller(probes.Config{URI: sim.URI(), Interval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() { done <- followSnapshots(p.Run(ctx), pw, io.Discard); pw.Close() }()
	lines := bufio.NewScanner(pr)
	lines.Buffer(nil, 1<<24)
	for i := 0; i < 3; i++ {
		if !lines.Scan() {
			t.Fatalf("line %d: %v", i, lines.Err())
		}
		var snap probes.Snapshot
		if err := json.Unmarshal(lines.Bytes(), &snap); err != nil || snap.Deployment.Kind != probes.KindReplicaSet {
			t.Fatalf("line %d is not a snapshot: %v", i, err)
		}
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if code := <-done; code != exitOK {
		t.Errorf("exit %d", code)
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
