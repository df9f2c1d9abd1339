package simcluster

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

// TestReadmeOperatorRole creates the README's least-privilege role with
// createRole, exactly as printed there, and checks what it allows and denies.
func TestReadmeOperatorRole(t *testing.T) {
	users := []wire.User{
		{Name: "admin", DB: "admin", Password: "admin-pw", Roles: []wire.Role{{Role: "root", DB: "admin"}}},
		{Name: "oncall", DB: "admin", Password: "oncall-pw", Roles: []wire.Role{{Role: "mongoscopeOperator", DB: "admin"}}},
		{Name: "watch", DB: "admin", Password: "watch-pw", Roles: []wire.Role{{Role: "clusterMonitor", DB: "admin"}}},
	}
	c := startSim(t, Config{Users: users, Shards: 2})
	oncall := connect(t, c.URI(), withUser("oncall", "oncall-pw"))
	denied := func(who string, cl *mongo.Client, db string, cmd bson.D) {
		t.Helper()
		err := cl.Database(db).RunCommand(ctxT(t), cmd).Err()
		wantCode(t, who+" "+cmd[0].Key+" on "+db, err, 13, "not authorized on "+db)
	}
	denied("oncall before createRole", oncall, "admin", bson.D{{Key: "serverStatus", Value: 1}})

	admin := connect(t, c.URI(), withUser("admin", "admin-pw"))
	runCmd(t, admin, "admin", bson.D{{Key: "createRole", Value: "mongoscopeOperator"},
		{Key: "privileges", Value: bson.A{
			bson.D{{Key: "resource", Value: bson.D{{Key: "cluster", Value: true}}}, {Key: "actions", Value: bson.A{"killop", "killAnySession"}}},
			bson.D{{Key: "resource", Value: bson.D{{Key: "db", Value: "config"}, {Key: "collection", Value: "settings"}}}, {Key: "actions", Value: bson.A{"find", "update", "insert"}}},
		}},
		{Key: "roles", Value: bson.A{
			bson.D{{Key: "role", Value: "clusterMonitor"}, {Key: "db", Value: "admin"}},
			bson.D{{Key: "role", Value: "read"}, {Key: "db", Value: "config"}},
			bson.D{{Key: "role", Value: "read"}, {Key: "db", Value: "local"}},
		}}})

	// What mongoscope does, all allowed.
	runCmd(t, oncall, "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if _, err := aggregateCurrentOp(t, oncall, bson.D{{Key: "allUsers", Value: true}}); err != nil {
		t.Fatalf("oncall $currentOp: %v", err)
	}
	runCmd(t, oncall, "admin", bson.D{{Key: "listShards", Value: 1}})
	runCmd(t, oncall, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	runCmd(t, oncall, "config", bson.D{{Key: "find", Value: "chunks"}, {Key: "limit", Value: 1}})
	runCmd(t, oncall, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: "shard0:12"}})
	runCmd(t, oncall, "admin", bson.D{{Key: "balancerStop", Value: 1}, {Key: "maxTimeMS", Value: 30000}})
	runCmd(t, oncall, "admin", bson.D{{Key: "balancerStart", Value: 1}})
	member := connect(t, "mongodb://"+nodeByRole(t, c, "primary", "shard0")+"/?directConnection=true", withUser("oncall", "oncall-pw"))
	runCmd(t, member, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
	runCmd(t, member, "admin", bson.D{{Key: "top", Value: 1}})
	runCmd(t, member, "local", bson.D{{Key: "find", Value: "oplog.rs"}, {Key: "limit", Value: 1}})
	runCmd(t, member, "local", bson.D{{Key: "find", Value: "system.replset"}})

	// What it does not need, all denied.
	denied("oncall", oncall, "shop", bson.D{{Key: "find", Value: "orders"}})
	denied("oncall", oncall, "shop", bson.D{{Key: "insert", Value: "orders"}, {Key: "documents", Value: bson.A{bson.D{{Key: "x", Value: 1}}}}})
	denied("oncall", oncall, "config", bson.D{{Key: "update", Value: "chunks"}, {Key: "updates", Value: bson.A{bson.D{{Key: "q", Value: bson.D{}}, {Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "jumbo", Value: true}}}}}}}}})
	denied("oncall", member, "admin", bson.D{{Key: "replSetStepDown", Value: 60}})
	denied("oncall", oncall, "admin", bson.D{{Key: "createRole", Value: "x"}, {Key: "privileges", Value: bson.A{}}, {Key: "roles", Value: bson.A{}}})

	// clusterMonitor alone watches (config included) but reads no user data and acts on nothing.
	watch := connect(t, c.URI(), withUser("watch", "watch-pw"))
	runCmd(t, watch, "config", bson.D{{Key: "find", Value: "settings"}})
	denied("watch", watch, "shop", bson.D{{Key: "find", Value: "orders"}})
	denied("watch", watch, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: "shard0:12"}})
	denied("watch", watch, "admin", bson.D{{Key: "balancerStop", Value: 1}})

	// connectionStatus lists the resolved privileges mongoscope reads.
	cs := runCmd(t, oncall, "admin", bson.D{{Key: "connectionStatus", Value: 1}, {Key: "showPrivileges", Value: true}})
	var killop, settings bool
	privs, _ := cs.Lookup("authInfo", "authenticatedUserPrivileges").Array().Values()
	for _, v := range privs {
		p := v.Document()
		acts := strs(p.Lookup("actions"))
		switch {
		case has(p, "resource", "cluster"):
			killop = killop || contains(acts, "killop")
		case str(p.Lookup("resource", "db")) == "config" && str(p.Lookup("resource", "collection")) == "settings":
			settings = contains(acts, "update")
		}
	}
	if !killop || !settings {
		t.Fatalf("connectionStatus privileges: killop=%v update config.settings=%v", killop, settings)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
