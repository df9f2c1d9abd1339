package probes

import (
	"context"
	"errors"
	"fmt"
	"github.com/mongoscope/mongoscope/internal/safetext"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// discovery is what one discovery found, and the seed it started from.
type discovery struct {
	dep  Deployment
	seed seedAnswer
}

// discover works out the deployment from the seed: a mongos means a sharded
// cluster (shards from listShards, members from each shard's
// replSetGetStatus, config servers from getShardMap, routers from
// config.mongos); a set name means a replica set (members from
// replSetGetStatus, so hidden members and arbiters are included); anything
// else is a standalone. A member that cannot be reached is still listed.
func (p *Poller) discover(ctx context.Context) (discovery, error) {
	ans, err := p.reachSeed(ctx)
	if err != nil {
		return discovery{}, err
	}
	dep := Deployment{Name: ans.given, Direct: p.direct()}
	if p.jump != nil {
		dep.Via = "ssh " + p.jump.user + "@" + p.jump.bastion
	}
	if bi, err := ans.conn.command(ctx, p.cfg.ConnectTimeout, "admin", bson.D{{Key: "buildInfo", Value: 1}}); err == nil {
		dep.Version = getText(bi, "version")
	}
	switch {
	case getText(ans.hello, "msg") == "isdbgrid":
		dep.Kind = KindSharded
		err = p.discoverSharded(ctx, &dep, ans)
	case getText(ans.hello, "setName") != "":
		dep.Kind = KindReplicaSet
		dep.Name = getText(ans.hello, "setName")
		dep.Nodes = p.discoverSet(ctx, &ans)
	default:
		dep.Kind = KindStandalone
		dep.Nodes = []Node{{Address: ans.name, Role: RoleStandalone, Up: true}}
	}
	p.describeReach(&dep, ans)
	return discovery{dep: dep, seed: ans}, err
}

// direct says whether the connection string asks for directConnection.
func (p *Poller) direct() bool {
	return p.pool.base.Direct != nil && *p.pool.base.Direct
}

// discoverSet lists the seed's set from its replSetGetStatus, matching the
// member that is itself (self: true) to the seed; if the seed will not say,
// from the hosts its hello lists.
func (p *Poller) discoverSet(ctx context.Context, ans *seedAnswer) []Node {
	raw, err := ans.conn.command(ctx, p.cfg.ConnectTimeout, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if err != nil {
		return membersFromHello(*ans)
	}
	nodes, self := membersFromStatus(raw, "", "")
	if self != "" && self != ans.name {
		p.dial.aliasSeed(self, ans.given)
		ans.name = self
	}
	return nodes
}

// membersFromHello lists the set as a hello reply names it.
func membersFromHello(ans seedAnswer) []Node {
	set := getText(ans.hello, "setName")
	var out []Node
	for _, key := range []string{"hosts", "passives", "arbiters"} {
		for _, v := range getArray(ans.hello, key) {
			addr, ok := v.StringValueOK()
			if !ok {
				continue
			}
			n := Node{Address: addr, Set: set, Role: RoleOther}
			if key == "arbiters" {
				n.Role = RoleArbiter
			}
			if addr == ans.name {
				n.Role, n.Up = RoleSecondary, true
				if getBool(ans.hello, "isWritablePrimary") || getBool(ans.hello, "ismaster") {
					n.Role = RolePrimary
				}
			}
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		out = append(out, Node{Address: ans.name, Set: set, Role: RoleOther, Up: true})
	}
	return out
}

// membersFromStatus reads the members of a replSetGetStatus reply, and
// which of them answered (self: true).
func membersFromStatus(raw bson.Raw, set, shard string) (out []Node, self string) {
	for _, v := range getArray(raw, "members") {
		d, ok := v.DocumentOK()
		if !ok {
			continue
		}
		n := Node{Address: getText(d, "name"), Shard: shard, Set: set, Role: roleOf(getText(d, "stateStr"), shard),
			ConfigPrimary: shard == "config" && getText(d, "stateStr") == "PRIMARY"}
		health, _ := getFloat(d, "health")
		n.Up = health > 0
		if getBool(d, "self") {
			self = n.Address
		}
		out = append(out, n)
	}
	if set == "" {
		set = getText(raw, "set")
		for i := range out {
			out[i].Set = set
		}
	}
	return out, self
}

// shardHosts is one shard (or the config servers) as the router names it.
type shardHosts struct {
	name, set string
	hosts     []string
}

func (p *Poller) discoverSharded(ctx context.Context, dep *Deployment, ans seedAnswer) error {
	for _, h := range p.seedHosts() {
		if h == ans.given {
			h = ans.name
		}
		dep.Nodes = append(dep.Nodes, Node{Address: h, Role: RoleMongos, Up: true})
	}
	shards, err := p.listShards(ctx, ans.conn)
	if err != nil {
		// The router answers: show it alone rather than nothing, and say
		// why the shards are missing until a re-discovery can list them.
		dep.ShardsUnknown = fmt.Sprintf("listShards on %s failed: %s; tried again every %s",
			safetext.Line(ans.given), err, p.cfg.Rediscover)
	}
	// Each set's members within one connect timeout, all sets at once.
	sctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sh := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			members := p.shardMembers(sctx, sh)
			mu.Lock()
			dep.Nodes = append(dep.Nodes, members...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	dep.Nodes = append(dep.Nodes, p.otherRouters(ctx, ans, dep.Nodes)...)
	sortNodes(dep.Nodes)
	return nil
}

// listShards lists the shards, and the config servers from getShardMap.
func (p *Poller) listShards(ctx context.Context, conn *nodeConn) ([]shardHosts, error) {
	t := p.cfg.ConnectTimeout
	raw, err := conn.command(ctx, t, "admin", bson.D{{Key: "listShards", Value: 1}})
	if err != nil {
		return nil, errors.New(safetext.Line(describeErr(err)))
	}
	var shards []shardHosts
	for _, v := range getArray(raw, "shards") {
		d, ok := v.DocumentOK()
		if !ok {
			continue
		}
		set, hosts := parseHostString(getText(d, "host"))
		shards = append(shards, shardHosts{getText(d, "_id"), set, hosts})
	}
	if m, err := conn.command(ctx, t, "admin", bson.D{{Key: "getShardMap", Value: 1}}); err == nil {
		if cs := getText(m, "map", "config"); cs != "" {
			set, hosts := parseHostString(cs)
			shards = append(shards, shardHosts{"config", set, hosts})
		}
	}
	return shards, nil
}

// shardMembers asks the set's hosts in turn for replSetGetStatus; hosts
// that cannot be reached fail at their dial, not after a timeout. With
// directConnection, or when none answers, the hosts are listed as the
// router names them.
func (p *Poller) shardMembers(ctx context.Context, sh shardHosts) []Node {
	for _, h := range sh.hosts {
		if p.direct() || ctx.Err() != nil {
			break
		}
		if p.dial.check(ctx, h) != nil {
			continue
		}
		c, err := p.pool.node(h)
		if err != nil {
			continue
		}
		raw, err := c.command(ctx, p.cfg.ConnectTimeout, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
		if err != nil {
			continue
		}
		if members, _ := membersFromStatus(raw, sh.set, sh.name); len(members) > 0 {
			return members
		}
	}
	members := make([]Node, 0, len(sh.hosts))
	for _, h := range sh.hosts {
		role := RoleOther
		if sh.name == "config" {
			role = RoleConfig
		}
		members = append(members, Node{Address: h, Role: role, Shard: sh.name, Set: sh.set})
	}
	return members
}

// otherRouters are the routers the config servers saw in the last 10
// minutes, less those already known, the seed among them under the name
// it gives itself in serverStatus.
func (p *Poller) otherRouters(ctx context.Context, ans seedAnswer, known []Node) []Node {
	t := p.cfg.ConnectTimeout
	recent := bson.D{{Key: "ping", Value: bson.D{{Key: "$gt", Value: p.now().Add(-10 * time.Minute)}}}}
	docs, err := ans.conn.find(ctx, t, "config", "mongos", recent)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, n := range known {
		seen[n.Address] = true
	}
	if ss, err := ans.conn.command(ctx, t, "admin", ServerStatusCommand("mongos", false, false)); err == nil {
		seen[withDefaultPort(getText(ss, "host"))] = true
	}
	var out []Node
	for _, d := range docs {
		if id := getText(d, "_id"); id != "" && !seen[id] {
			out = append(out, Node{Address: id, Role: RoleMongos})
		}
	}
	return out
}

// withDefaultPort adds MongoDB's port to a host that has none, as
// serverStatus.host leaves it out when it is the default.
func withDefaultPort(host string) string {
	if host == "" || strings.Contains(host, ":") {
		return host
	}
	return host + ":27017"
}

// describeReach says where each node is dialed and, with
// directConnection, that only the seed is polled.
func (p *Poller) describeReach(dep *Deployment, ans seedAnswer) {
	seed := safetext.Line(ans.given)
	if ans.name != ans.given {
		seed += " (" + shorten(safetext.Line(ans.name), 100) + ")"
	}
	others := 0
	for i := range dep.Nodes {
		n := &dep.Nodes[i]
		n.DialAddress = p.dial.dialAddress(n.Address)
		if dep.Direct && n.Address != ans.name {
			n.NotPolled = "directConnection=true: only " + ans.given + " is polled"
			others++
		}
	}
	if !dep.Direct {
		return
	}
	dep.DirectNote = "directConnection=true: polling only " + seed
	switch {
	case others > 0 && dep.Kind == KindSharded:
		dep.DirectNote += fmt.Sprintf("; the %d other nodes are listed as it names them, not polled", others)
	case others > 0:
		dep.DirectNote += fmt.Sprintf("; the %d other members are shown as it reports them", others)
	}
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

// applyDiscoveryLocked installs a new node list, keeping what we know of
// nodes that stay.
func (p *Poller) applyDiscoveryLocked(d discovery) {
	st := &p.st
	dep := d.dep
	if len(st.dep.Nodes) > 0 {
		st.changes = append(st.changes, diffNodes(st.dep.Nodes, dep.Nodes)...)
	}
	nodes := make(map[string]*nodeState, len(dep.Nodes))
	for _, n := range dep.Nodes {
		ns, ok := st.nodes[n.Address]
		if !ok {
			ns = &nodeState{}
		}
		ns.node = n
		nodes[n.Address] = ns
	}
	st.nodes, st.dep, st.discNow = nodes, dep, false
	st.seedName, st.seedGiven = d.seed.name, d.seed.given
	p.lastDisc = p.now()
}

// maybeRediscover re-runs discovery every 30 s, or at once after an error
// that suggests the deployment changed, in the background.
func (p *Poller) maybeRediscover(ctx context.Context) {
	p.mu.Lock()
	due := !p.discBusy && (p.st.discNow || p.now().Sub(p.lastDisc) >= p.cfg.Rediscover)
	if due {
		p.discBusy = true
	}
	p.mu.Unlock()
	if !due {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		d, err := p.discover(ctx)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.discBusy = false
		if err != nil || p.losesShardsLocked(d) {
			p.lastDisc = p.now() // retry on the normal cadence
			return
		}
		p.applyDiscoveryLocked(d)
	}()
}

// losesShardsLocked says a re-discovery could not list the shards an
// earlier one found: they are kept and polled, as when discovery fails.
func (p *Poller) losesShardsLocked(d discovery) bool {
	return d.dep.ShardsUnknown != "" && p.st.dep.Kind == KindSharded && p.st.dep.ShardsUnknown == ""
}
