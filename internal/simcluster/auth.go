package simcluster

import (
	"fmt"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// roleActions maps built-in roles (builtin_roles.yml) to the simulator's
// coarse actions. A role the simulator does not know is treated as a custom
// monitoring role: it may watch and read but not act, which is the "custom
// role without killop" the tests need.
var roleActions = map[string][]action{
	"read":                 {actRead},
	"readAnyDatabase":      {actRead},
	"readWrite":            {actRead, actWrite},
	"readWriteAnyDatabase": {actRead, actWrite},
	"clusterMonitor":       {actMonitor, actRead},
	"hostManager":          {actKillOp, actMonitor},
	"clusterManager":       {actBalancer, actRead, actWrite},
	"clusterAdmin":         {actMonitor, actRead, actWrite, actKillOp, actBalancer},
	"root":                 {actMonitor, actRead, actWrite, actKillOp, actBalancer},
	"__system":             {actMonitor, actRead, actWrite, actKillOp, actBalancer},
}

// allowed says whether the connection's user holds act. Without configured
// users the simulator runs open, like a server without --auth.
func (r *request) allowed(act action) bool {
	if !r.authOn || act == actNone {
		return true
	}
	for _, role := range r.roles {
		acts, known := roleActions[role.Role]
		if !known {
			acts = []action{actMonitor, actRead}
		}
		for _, a := range acts {
			if a == act {
				return true
			}
		}
	}
	return false
}

// authorize returns the real Unauthorized message, or "" when allowed.
func (n *node) authorize(r *request, spec cmdSpec) string {
	act := spec.act
	// Writes to config.settings are balancer control (clusterManager).
	if (spec.name == "update" && stringField(r.body, "update") == "settings" ||
		spec.name == "findAndModify" && (stringField(r.body, "findAndModify") == "settings" || stringField(r.body, "findandmodify") == "settings")) && r.db == "config" {
		act = actBalancer
	}
	if r.allowed(act) {
		return ""
	}
	return unauthorizedMsg(r.db, r.body)
}

func unauthorizedMsg(db string, body bson.Raw) string {
	return "not authorized on " + db + " to execute command " + shellRepr(body)
}

// shellRepr renders a document the way server error messages do:
// { killOp: 1, op: 1234, $db: "admin" }.
func shellRepr(doc bson.Raw) string {
	elems, err := doc.Elements()
	if err != nil || len(elems) == 0 {
		return "{}"
	}
	parts := make([]string, 0, len(elems))
	for _, e := range elems {
		parts = append(parts, e.Key()+": "+valueRepr(e.Value()))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

func valueRepr(v bson.RawValue) string {
	switch v.Type {
	case bson.TypeString:
		return fmt.Sprintf("%q", v.StringValue())
	case bson.TypeInt32:
		return fmt.Sprint(v.Int32())
	case bson.TypeInt64:
		return fmt.Sprint(v.Int64())
	case bson.TypeDouble:
		return fmt.Sprint(v.Double())
	case bson.TypeBoolean:
		return fmt.Sprint(v.Boolean())
	case bson.TypeEmbeddedDocument:
		return shellRepr(v.Document())
	case bson.TypeArray:
		vals, _ := v.Array().Values()
		parts := make([]string, 0, len(vals))
		for _, x := range vals {
			parts = append(parts, valueRepr(x))
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	case bson.TypeBinary:
		return "UUID(...)"
	}
	return v.String()
}

// privileges lists, for connectionStatus{showPrivileges: true}, the cluster
// actions the user's roles grant, named as real servers name them.
func privilegesFor(r *request) bson.A {
	set := map[string]bool{}
	add := func(acts ...string) {
		for _, a := range acts {
			set[a] = true
		}
	}
	if r.allowed(actMonitor) {
		add("serverStatus", "inprog", "replSetGetStatus", "listShards", "getShardMap", "top", "getCmdLineOpts", "getParameter", "hostInfo", "listDatabases")
	}
	if r.allowed(actKillOp) {
		add("killop", "killAnySession", "killAnyCursor")
	}
	var clusterActs bson.A
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		clusterActs = append(clusterActs, k)
	}
	privs := bson.A{}
	if len(clusterActs) > 0 {
		privs = append(privs, bson.D{{Key: "resource", Value: bson.D{{Key: "cluster", Value: true}}}, {Key: "actions", Value: clusterActs}})
	}
	if r.allowed(actRead) {
		acts := bson.A{"find", "listCollections", "collStats"}
		if r.allowed(actBalancer) {
			acts = append(acts, "insert", "update", "remove")
		}
		privs = append(privs, bson.D{{Key: "resource", Value: bson.D{{Key: "db", Value: "config"}, {Key: "collection", Value: ""}}}, {Key: "actions", Value: acts}})
	}
	return privs
}

func stringField(doc bson.Raw, key string) string {
	s, _ := doc.Lookup(key).StringValueOK()
	return s
}
