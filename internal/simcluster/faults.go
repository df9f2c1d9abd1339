package simcluster

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// Fault is a failure to inject into the simulation. Kinds:
//
//	stop, start  close the node's listener and reset its connections; reopen it
//	delay        answer every command Ms milliseconds late
//	hang         accept connections and commands, never answer
//	reset        drop connections in the middle of replies
//	fail         answer Command with error Code (e.g. 13 Unauthorized, 11600 InterruptedAtShutdown)
//	stepDown     the node's replica set elects another primary
//	lag          the secondary applies Seconds behind its primary
//	addShard     a new shard replica set joins (Node unused)
//	clear        undo every fault on Node, or on every node when Node is ""
type Fault struct {
	Kind    string
	Node    string // host:port
	Ms      int
	Command string
	Code    int32
	Seconds float64
}

// Fault injects f.
func (c *Cluster) Fault(f Fault) error {
	switch f.Kind {
	case "addShard":
		return c.addShard()
	case "clear":
		if f.Node == "" {
			for _, ni := range c.Nodes() {
				if err := c.clearNode(ni.Address); err != nil {
					return err
				}
			}
			return nil
		}
		return c.clearNode(f.Node)
	}
	n := c.node(f.Node)
	if n == nil {
		return fmt.Errorf("simcluster: no node at %q; pass one of the addresses Nodes() lists", f.Node)
	}
	switch f.Kind {
	case "stop":
		n.srv.Stop()
	case "start":
		c.mu.Lock()
		n.newProcessLocked(c.cfg.Now()) // a restarted mongod is a new process
		c.mu.Unlock()
		return n.srv.Start()
	case "delay":
		n.srv.SetDelay(time.Duration(f.Ms) * time.Millisecond)
	case "hang":
		n.srv.SetHang(true)
	case "reset":
		n.srv.SetReset(true)
	case "fail":
		if f.Command == "" {
			return errors.New("simcluster: a fail fault needs the command to fail, e.g. command: \"killOp\"")
		}
		code := f.Code
		if code == 0 {
			code = 11600
		}
		c.mu.Lock()
		n.fail[f.Command] = code
		c.mu.Unlock()
	case "stepDown":
		return c.stepDown(n)
	case "lag":
		return c.setLag(n, f.Seconds)
	default:
		return fmt.Errorf("simcluster: unknown fault kind %q; use stop, start, delay, hang, reset, fail, stepDown, lag, addShard or clear", f.Kind)
	}
	return nil
}

func (c *Cluster) clearNode(addr string) error {
	n := c.node(addr)
	if n == nil {
		return fmt.Errorf("simcluster: no node at %q; pass one of the addresses Nodes() lists", addr)
	}
	n.srv.Clear()
	c.mu.Lock()
	n.fail = map[string]int32{}
	if n.rs != nil {
		delete(n.rs.lagFault, n.member)
	}
	c.mu.Unlock()
	if !n.srv.Running() {
		return n.srv.Start()
	}
	return nil
}

func (c *Cluster) stepDown(n *node) error {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.rs == nil {
		return fmt.Errorf("simcluster: %s is not a replica set member, so it cannot step down", n.addr)
	}
	if !c.stepDownLocked(n.rs, now) {
		return fmt.Errorf("simcluster: no reachable electable secondary in %s can take over", n.rs.name)
	}
	return nil
}

func (c *Cluster) setLag(n *node, secs float64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.rs == nil || n.isPrimaryLocked() {
		return fmt.Errorf("simcluster: %s is not a secondary; lag applies to secondaries", n.addr)
	}
	n.rs.lagFault[n.member] = secs
	return nil
}

// addShard starts a new shard replica set and registers it; the balancer
// then moves chunks onto it.
func (c *Cluster) addShard() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.Topology != Sharded {
		return errors.New("simcluster: addShard needs a sharded cluster")
	}
	rs := c.newSet(fmt.Sprintf("shard%d", len(c.shards)), kindShard, c.cfg.Members)
	for _, n := range rs.members {
		addr := net.JoinHostPort(c.cfg.Host, "0")
		if c.cfg.BasePort != 0 {
			addr = net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.BasePort+n.idx))
		}
		srv, err := wire.Listen(addr, n, wire.Options{TLS: c.cfg.TLS, Users: c.cfg.Users, Logf: c.cfg.Logf, FirstConnID: realConnBase})
		if err != nil {
			return fmt.Errorf("simcluster: cannot listen on %s for the new shard (%v)", addr, err)
		}
		n.srv, n.addr = srv, srv.Addr()
		c.byAddr[n.addr] = n
	}
	c.shards = append(c.shards, rs)
	return nil
}

// cmdSimFault is the simulator-only {simFault: kind, node, ms, command, code, seconds}.
func cmdSimFault(n *node, r *request) bson.D {
	f := Fault{Kind: stringField(r.body, "simFault"), Node: stringField(r.body, "node"), Command: stringField(r.body, "command")}
	f.Ms = int(intField(r.body, "ms"))
	f.Code = int32(intField(r.body, "code"))
	f.Seconds, _ = r.body.Lookup("seconds").AsFloat64OK()
	if f.Node == "" && f.Kind != "clear" && f.Kind != "addShard" {
		f.Node = n.addr
	}
	if f.Node == n.addr && (f.Kind == "stop" || f.Kind == "hang" || f.Kind == "reset") {
		// The listener cannot wait for the very command that stops it:
		// apply once this reply is on its way.
		n.c.bg.Add(1)
		go func() {
			defer n.c.bg.Done()
			time.Sleep(50 * time.Millisecond)
			_ = n.c.Fault(f)
		}()
		return bson.D{}
	}
	if err := n.c.Fault(f); err != nil {
		return errorReply(2, "BadValue", err.Error())
	}
	return bson.D{}
}

// cmdSimStats is the simulator-only {simStats: 1}: what this node really
// served, per command and per client appName.
func cmdSimStats(n *node, r *request) bson.D {
	target := n
	if addr := stringField(r.body, "node"); addr != "" {
		if target = n.c.node(addr); target == nil {
			return errorReply(2, "BadValue", "simStats: no node at "+addr)
		}
	}
	st := target.srv.Stats()
	cmds := bson.D{}
	for _, name := range sortedKeys(st.Commands) {
		cmds = append(cmds, bson.E{Key: name, Value: st.Commands[name]})
	}
	apps := bson.D{}
	appNames := make([]string, 0, len(st.ByApp))
	for a := range st.ByApp {
		appNames = append(appNames, a)
	}
	sort.Strings(appNames)
	for _, a := range appNames {
		s := st.ByApp[a]
		apps = append(apps, bson.E{Key: a, Value: bson.D{{Key: "commands", Value: s.Commands}, {Key: "bytesIn", Value: s.BytesIn}, {Key: "bytesOut", Value: s.BytesOut}, {Key: "maxInFlight", Value: int64(s.MaxInFlight)}}})
	}
	return bson.D{{Key: "servedCommands", Value: cmds}, {Key: "servedBytesIn", Value: st.BytesIn}, {Key: "servedBytesOut", Value: st.BytesOut},
		{Key: "byApp", Value: apps}, {Key: "inFlight", Value: int64(st.InFlight)}, {Key: "maxInFlight", Value: int64(st.MaxInFlight)}}
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
