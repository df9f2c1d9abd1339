// Package simcluster is an in-process simulated MongoDB deployment that speaks
// the real wire protocol: the test bed of every mongoscope test and the
// cluster behind `mongoscope --demo` and `mongoscope sim`. It is a server,
// not a client: it never imports probes, tui or cmd.
//
// It simulates MongoDB 8.0 by default (version "8.0.4", maxWireVersion 25,
// minWireVersion 0), or 4.4, 5.0, 6.0 or 7.0 (Config.Version): a mongos, N
// shards of M members and a config server replica set, or a single replica
// set, or a standalone. Each node listens on its own port and answers what
// mongoscope, mongosh's helpers, mongostat and mongotop send, with the field
// names and BSON types of that release's servers (versioned.go lists where
// they differ); anything else is refused with the real error shape.
//
// A deterministic workload (a pure function of Seed, Speed and the clock)
// drives counters, in-progress ops, replication lag and balancer rounds, and
// the simulation reacts to killOp, killSessions, balancerStop/Start and
// config.settings updates. Faults (stop, delay, hang, reset, fail, stepDown,
// lag, addShard, clear) can be injected from Go with Fault or over the wire
// with the simulator-only {simFault: ...} command; {simStats: 1} reports the
// commands and bytes each node really served.
package simcluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// Topology is the shape of the simulated deployment.
type Topology string

const (
	Sharded    Topology = "sharded"
	ReplSet    Topology = "replset"
	Standalone Topology = "standalone"
)

// Config says what to simulate. The zero value is a 3-shard cluster of
// 3-member replica sets on ephemeral 127.0.0.1 ports.
type Config struct {
	Topology      Topology // default sharded
	Shards        int      // default 3
	Members       int      // members per shard replica set, default 3
	ConfigMembers int      // config server replica set members, default 3
	Host          string   // default 127.0.0.1
	// AdvertiseHost, when set, is the name nodes give of themselves (see
	// advertise.go): "{set}-{n}.mongo.svc" gives shard0-1.mongo.svc:PORT.
	AdvertiseHost string
	// BasePort 0 means ephemeral ports; otherwise mongos=BasePort, then the
	// shard members, then the config members, on consecutive ports.
	BasePort int
	Seed     int64
	Speed    float64          // workload time runs this much faster; default 1
	Now      func() time.Time // wall clock; default time.Now (soak tests pass a fake)
	TLS      *tls.Config
	Users    []wire.User
	Logf     func(string, ...any)
	// Version is the MongoDB release to play: 4.4, 5.0, 6.0, 7.0 or 8.0
	// (default). Replies take that release's shapes where they differ.
	Version string
	// Roles are custom roles users may hold, as createRole would define
	// them (createRole over the wire adds more).
	Roles []RoleDef
	// MembersSpec gives every shard's members their kinds, comma-separated:
	// data, priority0, hidden, delayed=SECONDS, arbiter (e.g.
	// "data,data,hidden,arbiter"); it overrides Members. See CheckMembersSpec.
	MembersSpec string
	// Scenario, when set, is one incident story told on a calm cluster
	// (see ScenarioNames and scenarios.go); "" runs the default demo
	// workload, where several stories overlap.
	Scenario string
}

// NodeInfo names one simulated node.
type NodeInfo struct {
	Address string
	Role    string // mongos, primary, secondary, arbiter, config, standalone
	Member  string // a member's kind: data, priority0, hidden, delayed, arbiter; "" off replica sets
	Shard   string // shard name; "config" for config servers; "" otherwise
	Set     string // replica set name; "" for mongos and standalone
}

// Cluster is a running simulated deployment.
type Cluster struct {
	cfg          Config
	scn          *scenario   // the story the workload tells, from Config.Scenario
	wallZero     time.Time   // Now() at Start: workload time 0
	major, minor int         // the simulated release, from Config.Version
	cmdNames     [2][]string // metrics.commands lists: mongod, mongos
	memberCfgs   []memberCfg // every shard's members, from Config.MembersSpec
	rolesMu      sync.Mutex
	roles        map[wire.Role]RoleDef // custom roles, cluster-wide as on the config servers

	mu       sync.Mutex // guards everything below and the replica sets' state
	nodes    []*node
	byAddr   map[string]*node
	mongos   *node
	shards   []*replSet
	configRS *replSet
	bal      *balancer
	kills    map[string]killState // node addr + "/" + opid
	ended    map[string]time.Time // lsid hex of sessions killed with killSessions -> when
	closed   bool
	bg       sync.WaitGroup // self-inflicted faults applied after their reply
}

// Start builds the deployment and opens every listener.
func Start(cfg Config) (*Cluster, error) {
	cfg = withDefaults(cfg)
	if cfg.Shards < 1 || cfg.Members < 1 || cfg.ConfigMembers < 1 {
		return nil, errors.New("simcluster: shards, members and config members must be at least 1; pass 0 for the defaults")
	}
	major, minor, err := parseVersion(cfg.Version)
	if err != nil {
		return nil, err
	}
	scn, err := scenarioFor(cfg)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, scn: scn, wallZero: cfg.Now(), byAddr: map[string]*node{}, major: major, minor: minor,
		kills: map[string]killState{}, ended: map[string]time.Time{}}
	c.cmdNames = [2][]string{commandNamesFor(c, false), commandNamesFor(c, true)}
	c.roles = map[wire.Role]RoleDef{}
	for _, rd := range cfg.Roles {
		c.roles[wire.Role{Role: rd.Role, DB: rd.DB}] = rd
	}
	if cfg.MembersSpec != "" {
		if c.memberCfgs, err = parseMembersSpec(cfg.MembersSpec); err != nil {
			return nil, err
		}
		c.cfg.Members = len(c.memberCfgs)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.build(); err != nil {
		c.closeLocked()
		return nil, err
	}
	return c, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Topology == "" {
		cfg.Topology = Sharded
	}
	if cfg.Shards == 0 {
		cfg.Shards = 3
	}
	if cfg.Members == 0 {
		cfg.Members = 3
	}
	if cfg.ConfigMembers == 0 {
		cfg.ConfigMembers = 3
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return cfg
}

// build creates the nodes in port order: mongos, shard members, config members.
func (c *Cluster) build() error {
	switch c.cfg.Topology {
	case Sharded:
		c.mongos = c.newNode(kindMongos, nil, 0)
		c.mongos.load = newLoad(c.cfg.Seed, c.mongos, c.cfg.Shards)
		for i := 0; i < c.cfg.Shards; i++ {
			c.shards = append(c.shards, c.newSet(fmt.Sprintf("shard%d", i), kindShard, c.cfg.Members))
		}
		c.configRS = c.newSet("configRepl", kindConfig, c.cfg.ConfigMembers)
		c.bal = newBalancer(c)
	case ReplSet:
		c.shards = append(c.shards, c.newSet("rs0", kindShard, c.cfg.Members))
	case Standalone:
		n := c.newNode(kindStandalone, nil, 0)
		n.load = newLoad(c.cfg.Seed, n, 1)
	default:
		return fmt.Errorf("simcluster: unknown topology %q; use sharded, replset or standalone", c.cfg.Topology)
	}
	for i, n := range c.nodes {
		addr := net.JoinHostPort(c.cfg.Host, "0")
		if c.cfg.BasePort != 0 {
			addr = net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.BasePort+i))
		}
		srv, err := wire.Listen(addr, n, wire.Options{TLS: c.cfg.TLS, Users: c.cfg.Users, Logf: c.cfg.Logf, FirstConnID: realConnBase})
		if err != nil {
			return fmt.Errorf("simcluster: cannot listen on %s (%v); pick another --port or free it", addr, err)
		}
		n.srv = srv
		n.addr = srv.Addr()
		c.byAddr[n.addr] = n
	}
	return nil
}

func (c *Cluster) newNode(k nodeKind, rs *replSet, member int) *node {
	n := &node{c: c, idx: len(c.nodes), kind: k, rs: rs, member: member, fail: map[string]int32{}, mcfg: memberCfg{priority: 1}}
	n.pid = 1000 + int64(n.idx)*37
	n.newProcessLocked(c.wallZero)
	c.nodes = append(c.nodes, n)
	return n
}

// URI is the address a client should use: the mongos for a sharded cluster,
// a replicaSet URI for a replica set, the node for a standalone.
func (c *Cluster) URI() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.mongos != nil:
		return "mongodb://" + c.mongos.addr + "/"
	case c.cfg.Topology == ReplSet:
		return "mongodb://" + c.shards[0].hostList() + "/?replicaSet=" + c.shards[0].name
	default:
		return "mongodb://" + c.nodes[0].addr + "/"
	}
}

// Nodes lists every node, in port order.
func (c *Cluster) Nodes() []NodeInfo {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maintainLocked(now)
	out := make([]NodeInfo, 0, len(c.nodes))
	for _, n := range c.nodes {
		out = append(out, n.info())
	}
	return out
}

// Stats is what the node at addr really served (not the simulated workload).
func (c *Cluster) Stats(addr string) (wire.Stats, bool) {
	n := c.node(addr)
	if n == nil {
		return wire.Stats{}, false
	}
	return n.srv.Stats(), true
}

func (c *Cluster) node(addr string) *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byAddr[addr]
}

// Close stops every listener and waits for every connection goroutine.
func (c *Cluster) Close() error {
	c.bg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeLocked()
}

func (c *Cluster) closeLocked() error {
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for _, n := range c.nodes {
		if n.srv != nil {
			srv := n.srv
			// Handlers take c.mu; release it while the server drains them.
			c.mu.Unlock()
			errs = append(errs, srv.Close())
			c.mu.Lock()
		}
	}
	if c.bal != nil {
		c.bal.wake()
	}
	return errors.Join(errs...)
}
