package probes

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// connBreakdownProbe counts client connections by app, host and user. It
// costs a $currentOp with idle connections, so it runs every few polls and
// only while the connections pane asks for it (SetConnectionBreakdown).
type connBreakdownProbe struct {
	last *ConnectionBreakdown
}

func newConnBreakdownProbe() *connBreakdownProbe { return &connBreakdownProbe{} }

func (*connBreakdownProbe) name() string     { return probeConns }
func (*connBreakdownProbe) every(*state) int { return everyFewPolls }

// due asks where the clients connect: a mongos, else the replica set's
// primary, else the standalone.
func (*connBreakdownProbe) due(st *state) []string {
	if !st.breakdown || !st.dueEvery(everyFewPolls) {
		return nil
	}
	if m := st.mongos(); m != nil {
		return []string{m.node.Address}
	}
	for _, ns := range st.byRole(RolePrimary, RoleStandalone) {
		if ns.node.Shard == "" {
			return []string{ns.node.Address}
		}
	}
	return nil
}

func (cb *connBreakdownProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	pipeline := bson.A{currentOpStage(n.node.Role == RoleMongos, true),
		bson.D{{Key: "$project", Value: bson.D{{Key: "appName", Value: 1}, {Key: "client", Value: 1},
			{Key: "client_s", Value: 1}, {Key: "effectiveUsers", Value: 1}, {Key: "connectionId", Value: 1}}}}}
	docs, err := n.conn.aggregate(ctx, n.cfg.DownAfter, "admin", "", pipeline, maxOpDocs)
	if err != nil {
		return nil, err
	}
	b := countConnections(docs)
	return func(*state) { cb.last = b }, nil
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

func (cb *connBreakdownProbe) fill(snap *Snapshot, st *state) {
	if cb.last != nil && st.breakdown && snap.Connections != nil {
		snap.Connections.Breakdown = cb.last
	}
}
