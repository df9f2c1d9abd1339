package simcluster

import (
	"net"
	"strconv"
	"strings"
)

// Advertised names. A real replica set names its members as its config
// says (rs0-data-0.mongo.default.svc.cluster.local:27017), which often does
// not resolve from the operator's machine. With Config.AdvertiseHost set,
// each node gives such a name of itself wherever a server names members:
// hello (me, hosts, primary), replSetGetStatus, the replica set config,
// listShards, getShardMap, config.mongos, serverStatus and $currentOp. It
// still listens on its real address.

// name is the address the node gives of itself.
func (n *node) name() string {
	t := n.c.cfg.AdvertiseHost
	if t == "" {
		return n.addr
	}
	host := strings.NewReplacer("{set}", n.setName(), "{n}", strconv.Itoa(n.member), "{i}", strconv.Itoa(n.idx)).Replace(t)
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host // the template carries its own port
	}
	_, port, _ := net.SplitHostPort(n.addr)
	return net.JoinHostPort(host, port)
}

// setName is the node's replica set, or what it is when it has none.
func (n *node) setName() string {
	switch {
	case n.rs != nil:
		return n.rs.name
	case n.kind == kindMongos:
		return "mongos"
	}
	return "standalone"
}

// statusHost is serverStatus.host: the advertised name when there is one.
func (n *node) statusHost() string {
	if n.c.cfg.AdvertiseHost != "" {
		return n.name()
	}
	_, port := splitHostPort(n.addr)
	return "sim-" + port
}

// AdvertisedNames maps each node's listening address to the name it gives
// of itself; it is the identity without Config.AdvertiseHost.
func (c *Cluster) AdvertisedNames() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.nodes))
	for _, n := range c.nodes {
		out[n.addr] = n.name()
	}
	return out
}
