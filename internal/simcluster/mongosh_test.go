package simcluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// findMongosh looks in $MONGOSH, then PATH, then node_modules/.bin from the
// package directory up to the module root.
func findMongosh(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MONGOSH"); p != "" {
		return p
	}
	if p, err := exec.LookPath("mongosh"); err == nil {
		return p
	}
	dir, _ := os.Getwd()
	for i := 0; i < 4 && dir != "/"; i++ {
		p := filepath.Join(dir, "node_modules", ".bin", "mongosh")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("mongosh not found: install it (npm install mongosh) or set MONGOSH to its path")
	}
	t.Skip("mongosh not found; set MONGOSH or `npm install mongosh` to run the mongosh compatibility test")
	return ""
}

func runMongosh(t *testing.T, bin, uri, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--quiet", "--norc", uri, "--eval", script)
	cmd.Env = append(os.Environ(), "MONGOSH_SKIP_NODE_VERSION_CHECK=1", "DO_NOT_TRACK=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mongosh failed: %v\n%s", err, out)
	}
	return string(out)
}

func wantLines(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("mongosh output lacks %q:\n%s", w, out)
		}
	}
	for _, bad := range []string{"MongoServerError", "TypeError", "Uncaught"} {
		if strings.Contains(out, bad) {
			t.Errorf("mongosh reported %s:\n%s", bad, out)
		}
	}
}

// simVersions is the release matrix the helper tests run across.
var simVersions = []string{"4.4", "5.0", "6.0", "7.0", "8.0"}

func TestMongoshHelpersSharded(t *testing.T) {
	bin := findMongosh(t)
	for _, v := range simVersions {
		t.Run(v, func(t *testing.T) { mongoshSharded(t, bin, v) })
	}
}

func mongoshSharded(t *testing.T, bin, version string) {
	c := startSim(t, Config{Seed: 5, Version: version})
	out := runMongosh(t, bin, c.URI(), `
const ss = db.serverStatus(); print("SS " + ss.process + " " + ss.version);
const ops = db.currentOp({appName: "analytics"}).inprog; print("CO " + ops.length + " " + ops[0].opid + " " + ops[0].shard);
const k = db.killOp(ops[0].opid); print("KILL " + k.ok + " " + k.shard);
print("STATE " + sh.getBalancerState());
print("RUNNING " + sh.isBalancerRunning().mode);
sh.stopBalancer(); print("AFTERSTOP " + sh.getBalancerState());
sh.startBalancer(); print("AFTERSTART " + sh.getBalancerState());
sh.status();
`)
	wantLines(t, out, "SS mongos "+releases[version].version, "CO 1 shard0:", " shard0", "KILL 1 shard0", "STATE true", "RUNNING full",
		"AFTERSTOP false", "AFTERSTART true", "shardingVersion", "shard0", "balancer")
}

func TestMongoshHelpersReplicaSet(t *testing.T) {
	bin := findMongosh(t)
	for _, v := range simVersions {
		t.Run(v, func(t *testing.T) { mongoshReplicaSet(t, bin, v) })
	}
}

func mongoshReplicaSet(t *testing.T, bin, version string) {
	c := startSim(t, Config{Topology: ReplSet, Seed: 5, Version: version})
	prim := nodeByRole(t, c, "primary", "")
	out := runMongosh(t, bin, "mongodb://"+prim+"/?directConnection=true", `
const ss = db.serverStatus(); print("SS " + ss.process + " " + ss.repl.setName);
const ops = db.currentOp({appName: "analytics"}).inprog; print("CO " + ops.length + " " + typeof ops[0].opid);
const k = db.killOp(ops[0].opid); print("KILL " + k.ok + " " + k.info);
const st = rs.status(); print("RS " + st.set + " " + st.members.length + " " + st.members[0].stateStr);
print(rs.printSecondaryReplicationInfo());
print(rs.printReplicationInfo());
`)
	wantLines(t, out, "SS mongod rs0", "CO 1 number", "KILL 1 attempting to kill op", "RS rs0 3 PRIMARY",
		"behind the primary", "configured oplog size", "log length start to end")
}
