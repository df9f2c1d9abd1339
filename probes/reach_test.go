package probes

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// unresolvable names end in .invalid, which never resolves (RFC 2606).
const unresolvable = "{set}-data-{n}.mongo.invalid"

// simWithNames starts a simulated deployment whose nodes advertise names
// that do not resolve, and returns each node's advertised name by role.
func simWithNames(t *testing.T, cfg simcluster.Config) (*simcluster.Cluster, map[string]string) {
	t.Helper()
	cfg.AdvertiseHost = unresolvable
	sim := startSim(t, cfg)
	return sim, sim.AdvertisedNames()
}

func nodeNamed(t *testing.T, nodes []Node, addr string) Node {
	t.Helper()
	for _, n := range nodes {
		if n.Address == addr {
			return n
		}
	}
	t.Fatalf("no node %s in %+v", addr, nodes)
	return Node{}
}

func firstWithRole(t *testing.T, sim *simcluster.Cluster, role string) string {
	t.Helper()
	for _, n := range sim.Nodes() {
		if n.Role == role {
			return n.Address
		}
	}
	t.Fatalf("no %s", role)
	return ""
}

// Through one forwarded port with directConnection=true, the member behind
// it is polled through that port under its own name, and the others are
// shown as its replSetGetStatus reports them: state, health, lag, and the
// oplog window from the member itself.
func TestTunnelToOneMemberWithDirectConnection(t *testing.T) {
	sim, names := simWithNames(t, simcluster.Config{Topology: "replset", Members: 3})
	given := firstWithRole(t, sim, "secondary")
	_, ch, dep := pollerOn(t, "mongodb://"+given+"/?directConnection=true", nil)
	if dep.Kind != KindReplicaSet || !dep.Direct || !strings.Contains(dep.DirectNote, given) || len(dep.Nodes) != 3 {
		t.Fatalf("deployment = %+v", dep)
	}
	s := waitFor(t, ch, "the set as the seed reports it", func(s Snapshot) bool {
		return len(s.Replication) == 1 && s.Replication[0].OplogWindowHours != nil && s.Replication[0].MaxLagSeconds != nil &&
			nodeNamed(t, s.Deployment.Nodes, names[given]).State == StateUp
	})
	seed := nodeNamed(t, s.Deployment.Nodes, names[given])
	if seed.DialAddress != given || seed.NotPolled != "" || seed.Probes[probeStatus].LastOK.IsZero() {
		t.Errorf("the seed must be polled through %s: %+v", given, seed)
	}
	for _, n := range s.Deployment.Nodes {
		if n.Address == names[given] {
			continue
		}
		if n.NotPolled == "" || n.State != StateUp || n.Probes != nil || !strings.HasSuffix(strings.Split(n.Address, ":")[0], ".invalid") {
			t.Errorf("member %s must be listed, not polled, up as its set reports: %+v", n.Address, n)
		}
	}
	if s.Deployment.DirectNote == "" {
		t.Error("the snapshot lacks the header sentence")
	}
}

// Without directConnection every member is tried: the ones whose names do
// not resolve are down with that reason, and the seed is polled as before.
func TestUnresolvableMembersAreListedWithTheReason(t *testing.T) {
	sim, names := simWithNames(t, simcluster.Config{Topology: "replset", Members: 3})
	given := firstWithRole(t, sim, "primary")
	for _, uri := range []string{"mongodb://" + given + "/", "mongodb://" + given + "/?replicaSet=rs0"} {
		_, ch, dep := pollerOn(t, uri, nil)
		if dep.Direct || len(dep.Nodes) != 3 {
			t.Fatalf("%s: deployment = %+v", uri, dep)
		}
		s := waitFor(t, ch, "members down with the reason", func(s Snapshot) bool {
			down := 0
			for _, n := range s.Deployment.Nodes {
				if n.State == StateDown && strings.Contains(n.Error, "does not resolve from here") {
					down++
				}
			}
			return down == 2 && len(s.Replication) == 1 && nodeNamed(t, s.Deployment.Nodes, names[given]).State == StateUp
		})
		if lag := s.Replication[0].MaxLagSeconds; lag == nil || s.Replication[0].OplogWindowHours == nil {
			t.Errorf("%s: replication = %+v", uri, s.Replication[0])
		}
	}
}

// --map every member to its real address: the whole set is polled, each
// node shown under its own name with the address it is dialed at.
func TestMapReachesEveryMember(t *testing.T) {
	sim, names := simWithNames(t, simcluster.Config{Topology: "replset", Members: 3})
	var maps []string
	for real, name := range names {
		maps = append(maps, name+"="+real)
	}
	given := firstWithRole(t, sim, "secondary")
	_, ch, _ := pollerOn(t, "mongodb://"+given+"/", func(c *Config) { c.Map = maps })
	s := waitFor(t, ch, "every member up", func(s Snapshot) bool {
		for _, n := range s.Deployment.Nodes {
			if n.State != StateUp || n.Probes[probeStatus].LastOK.IsZero() {
				return false
			}
		}
		return len(s.Deployment.Nodes) == 3 && len(s.Ops) > 0
	})
	for real, name := range names {
		if n := nodeNamed(t, s.Deployment.Nodes, name); n.DialAddress != real {
			t.Errorf("%s: dial address %q, want %q", name, n.DialAddress, real)
		}
	}
}

// A router reached through one port with directConnection: only it is
// polled, and through it the ops of every shard primary are seen.
func TestTunnelToTheRouter(t *testing.T) {
	sim, _ := simWithNames(t, simcluster.Config{Topology: "sharded", Shards: 2, Members: 2, ConfigMembers: 1})
	given := firstWithRole(t, sim, "mongos")
	_, ch, dep := pollerOn(t, "mongodb://"+given+"/?directConnection=true", nil)
	if dep.Kind != KindSharded || len(dep.Nodes) != 1+4+1 {
		t.Fatalf("deployment = %+v", dep)
	}
	s := waitFor(t, ch, "ops of both shards through the router", func(s Snapshot) bool {
		shards := map[string]bool{}
		for _, op := range s.Ops {
			shards[op.Shard] = true
		}
		return shards["shard0"] && shards["shard1"] && s.Opcounters != nil && s.Opcounters.Cluster != nil
	})
	for _, n := range s.Deployment.Nodes {
		switch {
		case n.Role == RoleMongos && (n.Address != given || n.State != StateUp):
			t.Errorf("the router must be polled as given: %+v", n)
		case n.Role != RoleMongos && (n.NotPolled == "" || n.State != StateUnknown || n.Error == ""):
			t.Errorf("shard member %s must be listed as not polled, state unknown: %+v", n.Address, n)
		}
	}
}

func TestParseHostMap(t *testing.T) {
	m, err := parseHostMap([]string{"a.svc:27017=127.0.0.1:1", "b.svc=127.0.0.2", "c.svc=127.0.0.3:3"})
	if err != nil {
		t.Fatal(err)
	}
	for from, want := range map[string]string{"a.svc:27017": "127.0.0.1:1", "A.SVC:27017": "127.0.0.1:1", "a.svc:27018": "a.svc:27018",
		"b.svc:5": "127.0.0.2:5", "c.svc:9": "127.0.0.3:3", "d.svc:1": "d.svc:1"} {
		if got, _ := m.lookup(from); got != want {
			t.Errorf("%s -> %s, want %s", from, got, want)
		}
	}
	for _, bad := range []string{"a.svc", "=x", "a=", "a b=c", "a:1=b:c:d"} {
		if _, err := parseHostMap([]string{bad}); err == nil || !strings.Contains(err.Error(), "--map") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// Every connect error names the host it is about.
func TestConnectErrorsNameTheHost(t *testing.T) {
	p, err := NewPoller(Config{URI: "mongodb://db-0.example.invalid:27017/", ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	checkout := topology.WaitQueueTimeoutError{Wrapped: context.DeadlineExceeded}
	if msg := p.connectError("db-0.example.invalid:27017", checkout).Error(); !strings.Contains(msg, "db-0.example.invalid:27017") ||
		!strings.Contains(msg, "waiting for a free connection") {
		t.Errorf("pool checkout: %s", msg)
	}
	if _, err := p.Connect(context.Background()); err == nil || !errors.Is(err, ErrUnreachable) ||
		!strings.Contains(err.Error(), "db-0.example.invalid:27017") || !strings.Contains(err.Error(), "does not resolve") {
		t.Errorf("unresolvable seed: %v", err)
	}

	sim := startSim(t, simcluster.Config{Topology: "sharded", Shards: 1, Members: 1, ConfigMembers: 1})
	mongos := firstWithRole(t, sim, "mongos")
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "listShards", Code: 13})
	q, _ := NewPoller(Config{URI: sim.URI(), ConnectTimeout: 2 * time.Second})
	defer q.Close(context.Background())
	dep, err := q.Connect(context.Background())
	if err != nil || len(dep.Nodes) != 1 || dep.Nodes[0].Role != RoleMongos || !strings.Contains(dep.ShardsUnknown, "listShards on "+mongos) {
		t.Errorf("listShards refused: connecting says %v; the mongos alone, shards unknown, is %+v", err, dep)
	}
}

// A mongodb+srv name that does not resolve is unreachable, not a bad
// connection string.
func TestSRVThatDoesNotResolve(t *testing.T) {
	_, err := NewPoller(Config{URI: "mongodb+srv://cluster0.mongo.invalid/"})
	if !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrBadURI) || !strings.Contains(err.Error(), "cluster0.mongo.invalid") {
		t.Fatalf("err = %v", err)
	}
}

// Names come from the servers: control characters in them never reach the
// sentences mongoscope writes.
func TestHostileNamesAreCleaned(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 2, AdvertiseHost: "Evil\x1bc\x07{n}.INVALID"})
	given := firstWithRole(t, sim, "primary")
	_, ch, dep := pollerOn(t, "mongodb://"+given+"/?directConnection=true", nil)
	if strings.ContainsAny(dep.DirectNote, "\x1b") || !strings.Contains(dep.DirectNote, "Evil␛c␇0.INVALID") {
		t.Errorf("direct note %q", dep.DirectNote)
	}
	_, ch, _ = pollerOn(t, "mongodb://"+given+"/", nil)
	s := waitFor(t, ch, "the other member down", func(s Snapshot) bool {
		for _, n := range s.Deployment.Nodes {
			if n.State == StateDown {
				return true
			}
		}
		return false
	})
	for _, n := range s.Deployment.Nodes {
		if strings.ContainsAny(n.Error, "\x1b") {
			t.Errorf("error %q", n.Error)
		}
	}
}
