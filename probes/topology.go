package probes

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// discover works out the deployment from the seed: a mongos means a sharded
// cluster (shards from listShards, members from each shard's
// replSetGetStatus, config servers from getShardMap, routers from
// config.mongos); a set name means a replica set (members from
// replSetGetStatus, so hidden members and arbiters are included); anything
// else is a standalone.
func (p *Poller) discover(ctx context.Context) (Deployment, error) {
	seed, err := p.seedClient()
	if err != nil {
		return Deployment{}, err
	}
	t := p.cfg.Timeout
	rp := options.RunCmd().SetReadPreference(readpref.PrimaryPreferred())
	hctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	hello, err := seed.Database("admin").RunCommand(hctx, bson.D{{Key: "hello", Value: 1}}, rp).Raw()
	cancel()
	if err != nil {
		return Deployment{}, p.connectError(err)
	}
	dep := Deployment{Name: p.seedName()}
	if bi, err := runCommand(ctx, seed, t, "admin", bson.D{{Key: "buildInfo", Value: 1}}); err == nil {
		dep.Version = getString(bi, "version")
	}
	switch {
	case getString(hello, "msg") == "isdbgrid":
		dep.Kind = KindSharded
		err = p.discoverSharded(ctx, &dep)
	case getString(hello, "setName") != "":
		dep.Kind = KindReplicaSet
		dep.Name = getString(hello, "setName")
		var members []Node
		members, err = p.setMembers(ctx, getString(hello, "me"), dep.Name, "")
		dep.Nodes = members
	default:
		dep.Kind = KindStandalone
		dep.Nodes = []Node{{Address: p.seedHosts()[0], Role: RoleStandalone, Up: true}}
	}
	return dep, err
}

func (p *Poller) discoverSharded(ctx context.Context, dep *Deployment) error {
	seed, _ := p.seedClient()
	t := p.cfg.Timeout
	for _, h := range p.seedHosts() {
		dep.Nodes = append(dep.Nodes, Node{Address: h, Role: RoleMongos, Up: true})
	}
	shardsRaw, err := runCommand(ctx, seed, t, "admin", bson.D{{Key: "listShards", Value: 1}})
	if err != nil {
		return fmt.Errorf("listShards failed: %s", describeErr(err, "", t))
	}
	type shardHosts struct {
		name, set string
		hosts     []string
	}
	var shards []shardHosts
	for _, v := range getArray(shardsRaw, "shards") {
		d, ok := v.DocumentOK()
		if !ok {
			continue
		}
		set, hosts := parseHostString(getString(d, "host"))
		shards = append(shards, shardHosts{getString(d, "_id"), set, hosts})
	}
	if m, err := runCommand(ctx, seed, t, "admin", bson.D{{Key: "getShardMap", Value: 1}}); err == nil {
		if cs := getString(m, "map", "config"); cs != "" {
			set, hosts := parseHostString(cs)
			shards = append(shards, shardHosts{"config", set, hosts})
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sh := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			members, err := p.setMembers(ctx, sh.hosts[0], sh.set, sh.name)
			if err != nil || len(members) == 0 {
				// The set could not be asked; list its hosts as we know them.
				members = members[:0]
				for _, h := range sh.hosts {
					members = append(members, Node{Address: h, Role: RoleOther, Shard: sh.name, Set: sh.set})
				}
			}
			mu.Lock()
			dep.Nodes = append(dep.Nodes, members...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Other routers, seen by the config servers within the last 10 minutes.
	recent := bson.D{{Key: "ping", Value: bson.D{{Key: "$gt", Value: p.now().Add(-10 * time.Minute)}}}}
	if docs, err := findAll(ctx, seed, t, "config", "mongos", recent); err == nil {
		known := map[string]bool{}
		for _, n := range dep.Nodes {
			known[n.Address] = true
		}
		for _, d := range docs {
			if id := getString(d, "_id"); id != "" && !known[id] {
				dep.Nodes = append(dep.Nodes, Node{Address: id, Role: RoleMongos})
			}
		}
	}
	sortNodes(dep.Nodes)
	return nil
}

// setMembers asks one member of a set for replSetGetStatus; a failure
// there falls back to the hosts the hello reply lists.
func (p *Poller) setMembers(ctx context.Context, via, set, shard string) ([]Node, error) {
	c, err := p.nodeClient(via)
	if err != nil {
		return nil, err
	}
	raw, err := runCommand(ctx, c, p.cfg.Timeout, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if err != nil {
		return nil, err
	}
	var out []Node
	for _, v := range getArray(raw, "members") {
		d, ok := v.DocumentOK()
		if !ok {
			continue
		}
		n := Node{Address: getString(d, "name"), Shard: shard, Set: set, Role: roleOf(getString(d, "stateStr"), shard)}
		health, _ := getFloat(d, "health")
		n.Up = health > 0
		out = append(out, n)
	}
	if set == "" {
		set = getString(raw, "set")
		for i := range out {
			out[i].Set = set
		}
	}
	return out, nil
}

func roleOf(stateStr, shard string) Role {
	if shard == "config" {
		return RoleConfig
	}
	switch stateStr {
	case "PRIMARY":
		return RolePrimary
	case "SECONDARY":
		return RoleSecondary
	case "ARBITER":
		return RoleArbiter
	}
	return RoleOther
}

// parseHostString splits "set/h1:p,h2:p" (or "h1:p,h2:p").
func parseHostString(s string) (string, []string) {
	set, hosts, found := strings.Cut(s, "/")
	if !found {
		set, hosts = "", s
	}
	var out []string
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return set, out
}

// sortNodes orders mongos first, then shards by name, primaries first.
func sortNodes(nodes []Node) {
	rank := func(n Node) int {
		switch {
		case n.Role == RoleMongos:
			return 0
		case n.Shard == "config":
			return 3
		}
		return 1
	}
	sort.SliceStable(nodes, func(i, j int) bool {
		a, b := nodes[i], nodes[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.Shard != b.Shard {
			return a.Shard < b.Shard
		}
		return (a.Role == RolePrimary) && b.Role != RolePrimary
	})
}

// diffNodes describes what changed between two discoveries.
func diffNodes(before, after []Node) []string {
	old := map[string]Node{}
	for _, n := range before {
		old[n.Address] = n
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range after {
		seen[n.Address] = true
		o, ok := old[n.Address]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s joined as %s%s", n.Address, n.Role, inShard(n.Shard)))
		case o.Role != n.Role:
			out = append(out, fmt.Sprintf("%s is now %s (was %s)%s", n.Address, n.Role, o.Role, inShard(n.Shard)))
		}
	}
	for _, n := range before {
		if !seen[n.Address] {
			out = append(out, fmt.Sprintf("%s left the deployment", n.Address))
		}
	}
	return out
}

func inShard(s string) string {
	if s == "" {
		return ""
	}
	return " in " + s
}
