package probes

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
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
	seed, err := p.pool.seedClient()
	if err != nil {
		return Deployment{}, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, p.cfg))
	}
	t := p.cfg.ConnectTimeout
	rp := options.RunCmd().SetReadPreference(readpref.PrimaryPreferred())
	hctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	stopWatch := p.dial.cancelWhenAllRefuse(hctx, p.seedHosts(), cancel)
	hello, err := seed.Database("admin").RunCommand(hctx, bson.D{{Key: "hello", Value: 1}}, rp).Raw()
	stopWatch()
	cancel()
	if err != nil {
		if why := p.dial.allRefused(p.seedHosts()); why != "" {
			return Deployment{}, fmt.Errorf("%w: cannot reach %s: %s", ErrUnreachable, strings.Join(p.seedHosts(), ","), why)
		}
		return Deployment{}, p.connectError(err)
	}
	dep := Deployment{Name: p.seedName()}
	if bi, err := runCommand(ctx, seed, t, "admin", bson.D{{Key: "buildInfo", Value: 1}}); err == nil {
		dep.Version = getText(bi, "version")
	}
	switch {
	case getString(hello, "msg") == "isdbgrid":
		dep.Kind = KindSharded
		err = p.discoverSharded(ctx, &dep)
	case getString(hello, "setName") != "":
		dep.Kind = KindReplicaSet
		dep.Name = getText(hello, "setName")
		var members []Node
		members, err = p.setMembers(ctx, getText(hello, "me"), dep.Name, "")
		dep.Nodes = members
	default:
		dep.Kind = KindStandalone
		dep.Nodes = []Node{{Address: p.seedHosts()[0], Role: RoleStandalone, Up: true}}
	}
	return dep, err
}

func (p *Poller) discoverSharded(ctx context.Context, dep *Deployment) error {
	seed, err := p.pool.seedClient()
	if err != nil {
		return err
	}
	t := p.cfg.ConnectTimeout
	for _, h := range p.seedHosts() {
		dep.Nodes = append(dep.Nodes, Node{Address: h, Role: RoleMongos, Up: true})
	}
	shardsRaw, err := runCommand(ctx, seed, t, "admin", bson.D{{Key: "listShards", Value: 1}})
	if err != nil {
		return fmt.Errorf("listShards failed: %s", describeErr(err))
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
		set, hosts := parseHostString(getText(d, "host"))
		shards = append(shards, shardHosts{getText(d, "_id"), set, hosts})
	}
	if m, err := runCommand(ctx, seed, t, "admin", bson.D{{Key: "getShardMap", Value: 1}}); err == nil {
		if cs := getText(m, "map", "config"); cs != "" {
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
			if id := getText(d, "_id"); id != "" && !known[id] {
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
	c, err := p.pool.node(via)
	if err != nil {
		return nil, err
	}
	raw, err := c.command(ctx, p.cfg.ConnectTimeout, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	if err != nil {
		return nil, err
	}
	var out []Node
	for _, v := range getArray(raw, "members") {
		d, ok := v.DocumentOK()
		if !ok {
			continue
		}
		n := Node{Address: getText(d, "name"), Shard: shard, Set: set, Role: roleOf(getString(d, "stateStr"), shard),
			ConfigPrimary: shard == "config" && getString(d, "stateStr") == "PRIMARY"}
		health, _ := getFloat(d, "health")
		n.Up = health > 0
		out = append(out, n)
	}
	if set == "" {
		set = getText(raw, "set")
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

// applyDiscoveryLocked installs a new node list, keeping what we know of
// nodes that stay.
func (p *Poller) applyDiscoveryLocked(dep Deployment) {
	st := &p.st
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
		dep, err := p.discover(ctx)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.discBusy = false
		if err != nil {
			p.lastDisc = p.now() // retry on the normal cadence
			return
		}
		p.applyDiscoveryLocked(dep)
	}()
}

// connectError turns the first discovery's failure into one sentence.
func (p *Poller) connectError(err error) error {
	msg := redactErr(err, p.cfg)
	hosts := strings.Join(p.seedHosts(), ",")
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "certificate") || strings.Contains(lower, "tls") || strings.Contains(lower, "x509"):
		return fmt.Errorf("%w: TLS handshake with %s failed (%s): check --tls-ca-file or the tls options", ErrUnreachable, hosts, shorten(lastClause(msg), 140))
	case strings.Contains(lower, "authentication failed") || strings.Contains(lower, "auth error") || strings.Contains(lower, "authenticationfailed"):
		user := p.cfg.Username
		if user == "" && p.pool.base.Auth != nil {
			user = p.pool.base.Auth.Username
		}
		src := "admin"
		if p.pool.base.Auth != nil && p.pool.base.Auth.AuthSource != "" {
			src = p.pool.base.Auth.AuthSource
		}
		return fmt.Errorf("%w for user %q on %s: check the username and password (and --tls/authSource options)", ErrAuth, user, src)
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(lower, "server selection") || mongo.IsNetworkError(err):
		reason := "no answer"
		if strings.Contains(lower, "connection refused") {
			reason = "connection refused"
		} else if strings.Contains(lower, "no such host") {
			reason = "host name not found"
		}
		return fmt.Errorf("%w: cannot reach %s within %s: %s", ErrUnreachable, hosts, p.cfg.ConnectTimeout, reason)
	}
	return fmt.Errorf("%w: %s: %s", ErrUnreachable, hosts, shorten(firstLine(msg), 160))
}

func lastClause(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
