package probes

import (
	"cmp"
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// connBreakdownProbe counts client connections by app, host and user. It
// costs a $currentOp with idle connections, so it runs every few polls, and
// only while the connections pane asks for it (SetConnectionBreakdown) or a
// node's connections are at a storm's levels (wantBreakdown), for the
// connection-storm finding to name the apps and hosts opening them.
type connBreakdownProbe struct {
	last *ConnectionBreakdown
	at   time.Time // when last was asked for
	from string    // the node that answered
}

func newConnBreakdownProbe() *connBreakdownProbe { return &connBreakdownProbe{} }

func (*connBreakdownProbe) name() string     { return probeConns }
func (*connBreakdownProbe) every(*state) int { return everyFewPolls }

// due asks where the clients connect: a mongos (the one whose connections
// storm, if one does), else the replica set's primary, else the standalone.
func (cb *connBreakdownProbe) due(st *state) []string {
	if !st.wantBreakdown() || !st.dueEvery(everyFewPolls) {
		return nil
	}
	if m := cmp.Or(st.stormyMongos(), st.mongos()); m != nil {
		return []string{m.node.Address}
	}
	for _, ns := range st.byRole(RolePrimary, RoleStandalone) {
		if ns.node.Shard == "" {
			return []string{ns.node.Address}
		}
	}
	return nil
}

// wantBreakdown says whether the connection breakdown is to be read: the
// connections pane asks for it, or a node that answers has its connections
// at a storm's levels (connectionsStormy, judged on each serverStatus).
func (st *state) wantBreakdown() bool {
	if st.breakdown {
		return true
	}
	for _, ns := range st.nodes {
		if ns.connStormy && !st.isDown(ns) {
			return true
		}
	}
	return false
}

// stormyMongos is the first polled router that answers with its own
// connections at a storm's levels; nil when none is.
func (st *state) stormyMongos() *nodeState {
	for _, ns := range st.byRole(RoleMongos) {
		if ns.connStormy && ns.node.NotPolled == "" && !st.isDown(ns) {
			return ns
		}
	}
	return nil
}

func (cb *connBreakdownProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	pipeline := bson.A{clientConnectionsStage(n.node.Role == RoleMongos),
		bson.D{{Key: "$project", Value: bson.D{{Key: "appName", Value: 1}, {Key: "client", Value: 1},
			{Key: "client_s", Value: 1}, {Key: "effectiveUsers", Value: 1}, {Key: "connectionId", Value: 1}}}}}
	docs, err := n.conn.aggregate(ctx, n.cfg.DownAfter, "admin", "", pipeline, maxOpDocs)
	if err != nil {
		return nil, err
	}
	b, at, from := countConnections(docs), n.now, n.node.Address
	b.Of = from
	return func(*state) { cb.last, cb.at, cb.from = b, at, from }, nil
}

// clientConnectionsStage asks for the node's own client connections, idle
// ones included. On a mongos that is localOps: the applications connect
// to it, while the shards' connections are mostly its own pools (their
// client is the mongos, their appName none).
func clientConnectionsStage(mongos bool) bson.D {
	stage := currentOpStage(false, true)
	if !mongos {
		return stage
	}
	opts := stage[0].Value.(bson.D)
	return bson.D{{Key: "$currentOp", Value: append(opts, bson.E{Key: "localOps", Value: true})}}
}

// countConnections tallies the client connections among $currentOp
// documents (internal threads have no connectionId).
func countConnections(docs []bson.Raw) *ConnectionBreakdown {
	b := &ConnectionBreakdown{ByApp: map[string]int{}, ByHost: map[string]int{}, ByUser: map[string]int{}}
	for _, d := range docs {
		if _, ok := lookup(d, "connectionId"); !ok {
			continue
		}
		b.ByApp[orNone(getString(d, "appName"))]++
		client := getString(d, "client")
		if client == "" {
			client = getString(d, "client_s")
		}
		host := client
		if i := strings.LastIndex(client, ":"); i >= 0 {
			host = client[:i]
		}
		b.ByHost[host]++
		user := "(none)"
		if users := getArray(d, "effectiveUsers"); len(users) > 0 {
			if u, ok := users[0].DocumentOK(); ok {
				user = getString(u, "user") + "@" + getString(u, "db")
			}
		}
		b.ByUser[user]++
	}
	b.sanitize()
	return b
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// fill shows the last breakdown while it is wanted and fresh: one read the
// last time it was wanted (the pane opened an hour ago, an earlier storm)
// is not who holds the connections now.
func (cb *connBreakdownProbe) fill(snap *Snapshot, st *state) {
	if cb.last != nil && st.wantBreakdown() && snap.Connections != nil && st.staleness(cb, cb.at, cb.from) == "" {
		snap.Connections.Breakdown = cb.last
	}
}
