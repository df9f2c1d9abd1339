package probes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/internal/sshtest"
)

// bastionResolves is the bastion's own DNS: the simulated nodes' names,
// which do not resolve here, resolve there.
func bastionResolves(host string) string {
	if strings.HasSuffix(host, ".mongo.invalid") {
		return "127.0.0.1"
	}
	return host
}

type bastionSetup struct {
	b          *sshtest.Bastion
	key        sshtest.Key
	knownHosts string
}

func startBastion(t *testing.T) bastionSetup {
	t.Helper()
	dir := t.TempDir()
	key, err := sshtest.NewKey(dir, "id_ed25519")
	if err != nil {
		t.Fatal(err)
	}
	b, err := sshtest.Start("ops", key.Public, bastionResolves)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(b.KnownHostsLine()), 0o600); err != nil {
		t.Fatal(err)
	}
	return bastionSetup{b: b, key: key, knownHosts: kh}
}

// A sharded cluster whose every name resolves only behind the bastion is
// watched whole through it: every node up, ops of every shard, and the
// traffic went through the SSH server.
func TestSSHJumpWatchesAShardedCluster(t *testing.T) {
	sim, names := simWithNames(t, simcluster.Config{Topology: "sharded", Shards: 2, Members: 2, ConfigMembers: 1})
	bs := startBastion(t)
	mongos := names[firstWithRole(t, sim, "mongos")]
	_, ch, dep := pollerOn(t, "mongodb://"+mongos+"/", func(c *Config) {
		c.SSH, c.SSHIdentity, c.SSHKnownHosts = "ops@"+bs.b.Addr, bs.key.File, bs.knownHosts
	})
	if dep.Via != "ssh ops@"+bs.b.Addr || len(dep.Nodes) != 1+4+1 {
		t.Fatalf("deployment = %+v", dep)
	}
	s := waitFor(t, ch, "every node up through the bastion", func(s Snapshot) bool {
		for _, n := range s.Deployment.Nodes {
			if n.State != StateUp || n.Probes[probeStatus].LastOK.IsZero() {
				return false
			}
		}
		return len(s.Replication) == 3 && len(s.Ops) > 0
	})
	if s.Deployment.Via == "" || bs.b.Forwards() < len(s.Deployment.Nodes) {
		t.Errorf("via %q, %d connections forwarded for %d nodes", s.Deployment.Via, bs.b.Forwards(), len(s.Deployment.Nodes))
	}

	// The bastion drops every connection: the next dials make a new SSH
	// connection, and every node answers again through it.
	before := bs.b.Forwards()
	bs.b.Drop()
	waitFor(t, ch, "every node answering again after the bastion dropped", func(s Snapshot) bool {
		for _, n := range s.Deployment.Nodes {
			if n.State != StateUp {
				return false
			}
		}
		return bs.b.Forwards() >= before+len(s.Deployment.Nodes)
	})
}

// The agent's keys are offered when no identity file is given.
func TestSSHJumpWithTheAgent(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "standalone"})
	bs := startBastion(t)
	stop := make(chan struct{})
	defer close(stop)
	sock, err := sshtest.ServeAgent(t.TempDir(), bs.key, stop)
	if err != nil {
		t.Fatal(err)
	}
	_, ch, _ := pollerOn(t, sim.URI(), func(c *Config) {
		c.SSH, c.SSHAgentSocket, c.SSHKnownHosts = "ops@"+bs.b.Addr, sock, bs.knownHosts
	})
	waitFor(t, ch, "the standalone up", func(s Snapshot) bool { return s.Deployment.Nodes[0].State == StateUp })
}

// A wrong host key, an unknown bastion and a refused login each fail
// Connect with one line naming the bastion.
func TestSSHJumpRefusals(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "standalone"})
	bs := startBastion(t)
	other := startBastion(t) // another server: its key is not bs's
	dir := t.TempDir()
	wrongKH := filepath.Join(dir, "wrong_known_hosts")
	os.WriteFile(wrongKH, []byte(knownhosts.Line([]string{knownhosts.Normalize(bs.b.Addr)}, other.b.HostKey)+"\n"), 0o600)
	emptyKH := filepath.Join(dir, "empty_known_hosts")
	os.WriteFile(emptyKH, nil, 0o600)
	strangerKey, _ := sshtest.NewKey(dir, "stranger")
	cases := []struct {
		name, want string
		cfg        func(*Config)
	}{
		{"wrong host key", "does not match", func(c *Config) { c.SSHKnownHosts = wrongKH }},
		{"unknown bastion", "not in " + emptyKH, func(c *Config) { c.SSHKnownHosts = emptyKH }},
		{"refused login", `refused the login as "ops"`, func(c *Config) { c.SSHIdentity = strangerKey.File }},
	}
	for _, tc := range cases {
		cfg := Config{URI: sim.URI(), ConnectTimeout: 5 * time.Second, SSH: "ops@" + bs.b.Addr, SSHIdentity: bs.key.File, SSHKnownHosts: bs.knownHosts}
		tc.cfg(&cfg)
		p, err := NewPoller(cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, err = p.Connect(context.Background())
		p.Close(context.Background())
		if err == nil || !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "ssh bastion "+bs.b.Addr) ||
			!strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}
