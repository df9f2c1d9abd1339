package probes

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Sentences naming what is missing, for the help screen and the footer.
const (
	whyNoKillOp   = "your user lacks the killop action (granted by the hostManager or clusterAdmin role)"
	whyNoBalancer = "your user lacks update on config.settings (granted by the clusterManager or clusterAdmin role)"
)

// readPrivileges asks connectionStatus once which actions the user has,
// and tells the audit log who that user is. Without authentication every
// action is allowed (the server would allow it).
func (p *Poller) readPrivileges(ctx context.Context) Privileges {
	p.mu.Lock()
	kind := p.st.dep.Kind
	p.mu.Unlock()
	all := Privileges{KillOp: true, Balancer: kind == KindSharded}
	if kind != KindSharded {
		all.BalancerWhy = "there is no balancer outside a sharded cluster"
	}
	p.mu.Lock()
	seedName := p.st.seedName
	p.mu.Unlock()
	seed, err := p.pool.node(seedName)
	if err == nil {
		var raw bson.Raw
		raw, err = seed.command(ctx, p.cfg.ConnectTimeout, "admin", bson.D{{Key: "connectionStatus", Value: 1}, {Key: "showPrivileges", Value: true}})
		if err == nil {
			p.cfg.Audit.SetMongoUser(mongoUserFrom(raw))
			return privilegesFrom(raw, all)
		}
	}
	p.cfg.Audit.SetMongoUser("unknown (connectionStatus failed: " + describeErr(err) + ")")
	return all
}

// mongoUserFrom names the authenticated users of a connectionStatus reply
// ("name@db", comma-separated), or says there are none.
func mongoUserFrom(raw bson.Raw) string {
	var names []string
	for _, v := range getArray(raw, "authInfo", "authenticatedUsers") {
		if u, ok := v.DocumentOK(); ok {
			names = append(names, getText(u, "user")+"@"+getText(u, "db"))
		}
	}
	if len(names) == 0 {
		return "(not authenticated)"
	}
	return strings.Join(names, ",")
}

// privilegesFrom reads a connectionStatus{showPrivileges: true} reply.
func privilegesFrom(raw bson.Raw, all Privileges) Privileges {
	if users := getArray(raw, "authInfo", "authenticatedUsers"); len(users) == 0 {
		return all
	}
	var killop, balancer bool
	for _, v := range getArray(raw, "authInfo", "authenticatedUserPrivileges") {
		priv, ok := v.DocumentOK()
		if !ok {
			continue
		}
		res, _ := getDoc(priv, "resource")
		actions := map[string]bool{}
		for _, a := range getArray(priv, "actions") {
			if s, ok := a.StringValueOK(); ok {
				actions[s] = true
			}
		}
		anyResource := getBool(res, "anyResource")
		if (getBool(res, "cluster") || anyResource) && actions["killop"] {
			killop = true
		}
		db, coll := getString(res, "db"), getString(res, "collection")
		if actions["update"] && (anyResource || (db == "config" || db == "") && (coll == "settings" || coll == "")) {
			if _, hasDB := lookup(res, "db"); hasDB || anyResource {
				balancer = true
			}
		}
	}
	out := Privileges{KillOp: killop, Balancer: balancer && all.Balancer, BalancerWhy: all.BalancerWhy}
	if !killop {
		out.KillOpWhy = whyNoKillOp
	}
	if !out.Balancer && out.BalancerWhy == "" {
		out.BalancerWhy = whyNoBalancer
	}
	return out
}
