package simcluster

import (
	"net"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A node advertising a name that does not resolve still answers on its real
// address, and names itself and its set by the advertised names everywhere
// a client reads member names.
func TestAdvertisedNamesOverTheWire(t *testing.T) {
	c := startSim(t, Config{Shards: 2, Members: 2, ConfigMembers: 1, AdvertiseHost: "{set}-{n}.mongo.svc"})
	names := c.AdvertisedNames()
	member := nodeByRole(t, c, "secondary", "shard1")
	_, port, _ := net.SplitHostPort(member)
	if want := "shard1-1.mongo.svc:" + port; names[member] != want {
		t.Fatalf("advertised name of %s = %q, want %q", member, names[member], want)
	}
	cl := connect(t, "mongodb://"+member+"/?directConnection=true")
	hello := runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}})
	if str(hello.Lookup("me")) != names[member] || !strings.HasPrefix(str(hello.Lookup("primary")), "shard1-0.mongo.svc:") {
		t.Fatalf("hello = %v", hello)
	}
	self := ""
	for _, m := range members(t, runCmd(t, cl, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})) {
		if b, ok := m.Lookup("self").BooleanOK(); ok && b {
			self = str(m.Lookup("name"))
		}
	}
	if self != names[member] {
		t.Fatalf("replSetGetStatus self = %q, want %q", self, names[member])
	}
	mongos := connect(t, c.URI())
	shards := runCmd(t, mongos, "admin", bson.D{{Key: "listShards", Value: 1}}).String()
	if !strings.Contains(shards, "shard1/shard1-0.mongo.svc:") || strings.Contains(shards, "127.0.0.1") {
		t.Fatalf("listShards = %s", shards)
	}
	ss := runCmd(t, mongos, "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if !strings.HasPrefix(str(ss.Lookup("host")), "mongos-0.mongo.svc:") {
		t.Fatalf("mongos serverStatus host = %v", ss.Lookup("host"))
	}
}

// A template with its own port gives every node that port, as Kubernetes
// services do.
func TestAdvertisedNamesWithAFixedPort(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet, AdvertiseHost: "rs0-data-{n}.mongo.svc:27017"})
	seen := map[string]bool{}
	for _, name := range c.AdvertisedNames() {
		seen[name] = true
	}
	for _, want := range []string{"rs0-data-0.mongo.svc:27017", "rs0-data-1.mongo.svc:27017", "rs0-data-2.mongo.svc:27017"} {
		if !seen[want] {
			t.Errorf("no node advertises %s: %v", want, seen)
		}
	}
}
