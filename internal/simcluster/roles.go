package simcluster

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// Resource is what a privilege applies to, as in a role document: the
// cluster, any resource, or a database and collection where "" matches any
// database but local and config, or any collection but system ones.
type Resource struct {
	Cluster, AnyResource bool
	DB, Collection       string
}

// Privilege is a set of actions on a resource.
type Privilege struct {
	Resource Resource
	Actions  []string
}

// RoleDef is a custom role, as createRole defines it: its own privileges
// and the roles it inherits.
type RoleDef struct {
	Role, DB   string
	Privileges []Privilege
	Roles      []wire.Role
}

// The built-in roles' privileges mongoscope depends on, after
// builtin_roles.yml (MONGODB-INTERFACE.md §6).
var (
	readActions    = []string{"changeStream", "collStats", "dbHash", "dbStats", "find", "killCursors", "listCollections", "listIndexes", "listSearchIndexes", "planCacheRead"}
	writeActions   = []string{"convertToCapped", "createCollection", "createIndex", "dropCollection", "dropIndex", "insert", "remove", "renameCollectionSameDB", "update"}
	monitorCluster = []string{"checkFreeMonitoringStatus", "connPoolStats", "getCmdLineOpts", "getDefaultRWConcern", "getLog", "getParameter",
		"getShardMap", "hostInfo", "inprog", "listDatabases", "listSessions", "listShards", "netstat", "operationMetrics", "replSetGetConfig",
		"replSetGetStatus", "serverStatus", "shardedDataDistribution", "shardingState", "top", "useUUID"}
	hostManagerCluster = []string{"applicationMessage", "connPoolSync", "dropConnections", "flushRouterConfig", "killAnySession", "killop",
		"logRotate", "resync", "setParameter", "shutdown", "touch", "unlock"}
	managerCluster = []string{"addShard", "appendOplogNote", "applicationMessage", "cleanupOrphaned", "flushRouterConfig", "getDefaultRWConcern",
		"listSessions", "listShards", "removeShard", "replSetConfigure", "replSetGetConfig", "replSetGetStatus", "replSetStateChange", "resync",
		"setDefaultRWConcern", "setFeatureCompatibilityVersion"}
	userAdminActions = []string{"changeCustomData", "changePassword", "createRole", "createUser", "dropRole", "dropUser", "grantRole",
		"revokeRole", "setAuthenticationRestriction", "viewRole", "viewUser"}
)

func clusterPriv(actions ...string) Privilege {
	return Privilege{Resource: Resource{Cluster: true}, Actions: actions}
}

func dbPriv(db, coll string, actions ...string) Privilege {
	return Privilege{Resource: Resource{DB: db, Collection: coll}, Actions: actions}
}

// builtinRole is a built-in role's own privileges and inherited roles on
// db; ok is false for a name that is not built in.
func builtinRole(name, db string) (privs []Privilege, inherits []string, ok bool) {
	any := func(actions ...string) Privilege { return dbPriv("", "", actions...) }
	switch name {
	case "read":
		return []Privilege{dbPriv(db, "", readActions...), dbPriv(db, "system.js", readActions...)}, nil, true
	case "readWrite":
		return []Privilege{dbPriv(db, "", append(slices.Clone(readActions), writeActions...)...)}, []string{"read"}, true
	}
	if db != "admin" {
		return nil, nil, false // the cluster-wide roles live in admin
	}
	switch name {
	case "readAnyDatabase":
		return []Privilege{any(readActions...), clusterPriv("listDatabases")}, nil, true
	case "readWriteAnyDatabase":
		return []Privilege{any(append(slices.Clone(readActions), writeActions...)...), clusterPriv("listDatabases")}, nil, true
	case "clusterMonitor":
		return []Privilege{clusterPriv(monitorCluster...), any("collStats", "dbStats", "getDatabaseVersion", "getShardVersion", "indexStats"),
			dbPriv("config", "", readActions...), dbPriv("local", "", readActions...), dbPriv("local", "system.replset", "find")}, nil, true
	case "hostManager":
		return []Privilege{clusterPriv(hostManagerCluster...), {Resource: Resource{AnyResource: true}, Actions: []string{"killCursors", "repairDatabase"}}}, nil, true
	case "clusterManager":
		return []Privilege{clusterPriv(managerCluster...), any("clearJumboFlag", "enableSharding", "moveChunk", "splitChunk", "splitVector"),
			dbPriv("config", "", append(slices.Clone(readActions), "insert", "remove", "update")...), dbPriv("local", "", readActions...)}, nil, true
	case "clusterAdmin":
		return []Privilege{{Resource: Resource{AnyResource: true}, Actions: []string{"dropDatabase"}}}, []string{"clusterManager", "clusterMonitor", "hostManager"}, true
	case "userAdminAnyDatabase":
		return []Privilege{any(userAdminActions...), clusterPriv("authSchemaUpgrade", "invalidateUserCache", "listDatabases")}, nil, true
	case "root":
		return nil, []string{"readWriteAnyDatabase", "userAdminAnyDatabase", "clusterAdmin"}, true
	case "__system":
		return []Privilege{{Resource: Resource{AnyResource: true}, Actions: []string{"*"}}, clusterPriv("*")}, nil, true
	}
	return nil, nil, false
}

// privilegesOf resolves roles, built-in and custom, to their privileges.
func (c *Cluster) privilegesOf(roles []wire.Role) []Privilege {
	var out []Privilege
	seen := map[wire.Role]bool{}
	var visit func(r wire.Role)
	visit = func(r wire.Role) {
		if seen[r] {
			return
		}
		seen[r] = true
		if privs, inherits, ok := builtinRole(r.Role, r.DB); ok {
			out = append(out, privs...)
			for _, in := range inherits {
				visit(wire.Role{Role: in, DB: r.DB})
			}
			return
		}
		c.rolesMu.Lock()
		def, ok := c.roles[r]
		c.rolesMu.Unlock()
		if !ok {
			return // a role nobody defined grants nothing
		}
		out = append(out, def.Privileges...)
		for _, in := range def.Roles {
			visit(in)
		}
	}
	for _, r := range roles {
		visit(r)
	}
	return out
}

// matches says whether a privilege's resource covers the target.
func (p Resource) matches(target Resource) bool {
	switch {
	case p.AnyResource:
		return true
	case target.Cluster || p.Cluster:
		return p.Cluster && target.Cluster
	}
	dbOK := p.DB == target.DB || p.DB == "" && target.DB != "local" && target.DB != "config"
	collOK := p.Collection == target.Collection || p.Collection == "" && !strings.HasPrefix(target.Collection, "system.")
	return dbOK && collOK
}

// can says whether the request's user may do action on res. Without
// configured users the simulator runs open, like a server without --auth.
func (r *request) can(action string, res Resource) bool {
	if !r.authOn {
		return true
	}
	for _, p := range r.privs {
		if p.Resource.matches(res) && (slices.Contains(p.Actions, action) || slices.Contains(p.Actions, "*")) {
			return true
		}
	}
	return false
}

// cmdCreateRole is {createRole: name, privileges: [{resource, actions}],
// roles: [...]} on the role's database.
func cmdCreateRole(n *node, r *request) bson.D {
	name := stringField(r.body, "createRole")
	def := RoleDef{Role: name, DB: r.db}
	privs, _ := r.body.Lookup("privileges").ArrayOK()
	vals, _ := privs.Values()
	for _, v := range vals {
		p, err := parsePrivilege(v)
		if err != nil {
			return queryReply(err)
		}
		def.Privileges = append(def.Privileges, p)
	}
	roles, _ := r.body.Lookup("roles").ArrayOK()
	vals, _ = roles.Values()
	for _, v := range vals {
		if s, ok := v.StringValueOK(); ok {
			def.Roles = append(def.Roles, wire.Role{Role: s, DB: r.db})
			continue
		}
		doc, _ := v.DocumentOK()
		def.Roles = append(def.Roles, wire.Role{Role: stringField(doc, "role"), DB: stringField(doc, "db")})
	}
	c := n.c
	c.rolesMu.Lock()
	defer c.rolesMu.Unlock()
	key := wire.Role{Role: name, DB: r.db}
	if _, dup := c.roles[key]; dup {
		return errorReply(51002, "Location51002", "Role \""+name+"@"+r.db+"\" already exists")
	}
	c.roles[key] = def
	return bson.D{}
}

// parsePrivilege reads one {resource, actions} of createRole.
func parsePrivilege(v bson.RawValue) (Privilege, error) {
	doc, ok := v.DocumentOK()
	if !ok {
		return Privilege{}, failedToParse("Each privilege must be an object")
	}
	res, _ := doc.Lookup("resource").DocumentOK()
	var p Privilege
	p.Resource.Cluster, _ = res.Lookup("cluster").BooleanOK()
	p.Resource.AnyResource, _ = res.Lookup("anyResource").BooleanOK()
	p.Resource.DB, p.Resource.Collection = stringField(res, "db"), stringField(res, "collection")
	acts, _ := doc.Lookup("actions").ArrayOK()
	vals, _ := acts.Values()
	for _, a := range vals {
		s, _ := a.StringValueOK()
		if !knownAction(s) {
			return Privilege{}, failedToParse("Unrecognized action privilege string: " + s)
		}
		p.Actions = append(p.Actions, s)
	}
	return p, nil
}

// knownAction: an action some built-in role grants (the ones the
// simulator knows about).
func knownAction(a string) bool {
	for _, list := range [][]string{readActions, writeActions, monitorCluster, hostManagerCluster, managerCluster, userAdminActions,
		{"indexStats", "getDatabaseVersion", "getShardVersion", "enableSharding", "moveChunk", "splitChunk", "splitVector", "clearJumboFlag",
			"dropDatabase", "repairDatabase", "listDatabases", "authSchemaUpgrade", "invalidateUserCache", "bypassDocumentValidation"}} {
		if slices.Contains(list, a) {
			return true
		}
	}
	return false
}
