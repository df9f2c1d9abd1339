package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/internal/sshtest"
	"github.com/mongoscope/mongoscope/probes"
)

// simAdvertising starts a replica set whose members name themselves
// rs0-data-N.mongo.invalid (never resolvable), and returns the real
// address of its primary and each real address's advertised name.
func simAdvertising(t *testing.T, cfg simcluster.Config) (*simcluster.Cluster, map[string]string) {
	t.Helper()
	cfg.AdvertiseHost = "{set}-data-{n}.mongo.invalid"
	sim, err := simcluster.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim, sim.AdvertisedNames()
}

func snapshotOf(t *testing.T, out string) probes.Snapshot {
	t.Helper()
	var snap probes.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("not a snapshot: %v\n%s", err, out)
	}
	return snap
}

// A replica set reached through one port, as through `ssh -L` or
// `kubectl port-forward`: the member behind the port answers, so the
// snapshot is printed, exit 0 with directConnection (the others as it
// reports them), exit 3 without (the others cannot be reached, and say why).
func TestSnapshotThroughOnePort(t *testing.T) {
	sim, names := simAdvertising(t, simcluster.Config{Topology: simcluster.ReplSet})
	seed := sim.Nodes()[0].Address
	code, out, errOut := runCapture(t, nil, "snapshot", "--interval", "200ms", "mongodb://"+seed+"/?directConnection=true")
	snap := snapshotOf(t, out)
	if code != exitOK || !snap.Deployment.Direct || snap.Deployment.DirectNote == "" || len(snap.Deployment.Nodes) != 3 {
		t.Fatalf("directConnection: exit %d (%s), deployment %+v", code, errOut, snap.Deployment)
	}
	code, out, errOut = runCapture(t, nil, "snapshot", "--interval", "200ms", "mongodb://"+seed+"/")
	snap = snapshotOf(t, out)
	if code != exitPartial {
		t.Fatalf("without directConnection: exit %d, want 3 (%s)", code, errOut)
	}
	for _, n := range snap.Deployment.Nodes {
		switch {
		case n.Address == names[seed] && (n.State != probes.StateUp || n.DialAddress != seed):
			t.Errorf("the seed must be up, dialed at %s: %+v", seed, n)
		case n.Address != names[seed] && (n.State != probes.StateDown || !strings.Contains(n.Error, "does not resolve")):
			t.Errorf("member %s must be down with the reason: %+v", n.Address, n)
		}
	}
	if len(snap.Replication) != 1 || len(snap.Replication[0].Members) != 3 || snap.Replication[0].MaxLagSeconds == nil {
		t.Errorf("the seed's replSetGetStatus must show every member: %+v", snap.Replication)
	}
}

// --map (and --map-file) every member to its real address: the whole set
// is polled, each member under its own name, with where it is dialed.
func TestSnapshotWithMapReachesEveryMember(t *testing.T) {
	sim, names := simAdvertising(t, simcluster.Config{Topology: simcluster.ReplSet})
	nodes := sim.Nodes()
	file := filepath.Join(t.TempDir(), "map")
	lines := "# tunnels\n\n" + names[nodes[1].Address] + "=" + nodes[1].Address + "\n" + names[nodes[2].Address] + "=" + nodes[2].Address + "\n"
	if err := os.WriteFile(file, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCapture(t, nil, "snapshot", "--interval", "200ms", "--map-file", file,
		"--map", names[nodes[0].Address]+"="+nodes[0].Address, "mongodb://"+nodes[0].Address+"/?replicaSet=rs0")
	snap := snapshotOf(t, out)
	if code != exitOK {
		t.Fatalf("exit %d (%s): %+v", code, errOut, snap.Deployment.Nodes)
	}
	for _, n := range snap.Deployment.Nodes {
		if real := realOf(names, n.Address); n.DialAddress != real || n.State != probes.StateUp {
			t.Errorf("%s: want up, dialed at %s: %+v", n.Address, real, n)
		}
	}
}

func realOf(names map[string]string, name string) string {
	for real, n := range names {
		if n == name {
			return real
		}
	}
	return ""
}

func TestBadMapIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"--map", "no-equals-sign"}, {"--map-file", "/nonexistent/map"}} {
		code, _, errOut := runCapture(t, nil, append([]string{"snapshot"}, append(args, "mongodb://127.0.0.1:1")...)...)
		if code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "--map") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// A sharded cluster whose names resolve only behind an SSH bastion is
// watched whole through --ssh; a wrong host key and a refused login are
// each one line naming the bastion, exit 1.
func TestSnapshotThroughAnSSHBastion(t *testing.T) {
	sim, names := simAdvertising(t, simcluster.Config{Shards: 2, Members: 2, ConfigMembers: 1})
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, ".ssh"), 0o700)
	key, err := sshtest.NewKey(home, "id")
	if err != nil {
		t.Fatal(err)
	}
	b, err := sshtest.Start("ops", key.Public, func(host string) string { return "127.0.0.1" }) // the bastion's DNS
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	knownHosts := filepath.Join(home, ".ssh", "known_hosts")
	env := []string{"HOME=" + home, "USER=ops"}
	uri := "mongodb://" + names[sim.Nodes()[0].Address] + "/"
	write := func(content string) { os.WriteFile(knownHosts, []byte(content), 0o600) }

	write(b.KnownHostsLine())
	code, out, errOut := runCapture(t, env, "snapshot", "--interval", "200ms", "--ssh", b.Addr, "--ssh-identity", key.File, uri)
	if code != exitOK {
		t.Fatalf("through the bastion: exit %d: %s", code, errOut)
	}
	if snap := snapshotOf(t, out); len(snap.Deployment.Nodes) != 6 || snap.Deployment.Via != "ssh ops@"+b.Addr {
		t.Errorf("deployment = %+v", snap.Deployment)
	}

	stranger, _ := sshtest.NewKey(home, "stranger")
	for name, c := range map[string]struct {
		knownHosts string
		args       []string
		want       string
	}{
		"wrong host key": {knownhosts.Line([]string{knownhosts.Normalize(b.Addr)}, stranger.Public) + "\n", nil, "does not match"},
		"refused login":  {b.KnownHostsLine(), []string{"--ssh-identity", stranger.File}, "refused the login"},
	} {
		write(c.knownHosts)
		args := append([]string{"snapshot", "--ssh", "ops@" + b.Addr, "--ssh-identity", key.File}, c.args...)
		code, out, errOut := runCapture(t, env, append(args, uri)...)
		line := strings.TrimSpace(errOut)
		if code != exitFailure || out != "" || strings.Contains(line, "\n") || !strings.Contains(line, "ssh bastion "+b.Addr) || !strings.Contains(line, c.want) {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}

// A mongodb+srv name that does not resolve is unreachable: exit 1, one
// line naming it (not 2, "bad connection string").
func TestSRVThatDoesNotResolveExits1(t *testing.T) {
	code, out, errOut := runCapture(t, nil, "snapshot", "mongodb+srv://cluster0.mongo.invalid/")
	if code != exitFailure || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 ||
		!strings.Contains(errOut, "cluster0.mongo.invalid") || strings.Contains(errOut, "bad connection string") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
