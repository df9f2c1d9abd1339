package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// nodeMask says which node types answer a command; 0 means all.
type nodeMask int

const (
	onMongos nodeMask = 1 << iota
	onShard
	onConfig
	onStandalone

	onMongod = onShard | onConfig | onStandalone
	onMember = onShard | onConfig
)

// need is one privilege a command requires: an action on a resource.
type need struct {
	action string
	res    Resource
}

// needFunc lists what a request requires (each command's
// addRequiredPrivileges); nil means any authenticated user may run it.
type needFunc func(r *request) []need

func anyone(*request) []need { return nil }

func onCluster(action string) needFunc {
	return func(*request) []need { return []need{{action, Resource{Cluster: true}}} }
}

// onCollection requires action on the collection the command names in its
// first field (or in field).
func onCollection(action string) needFunc {
	return func(r *request) []need {
		return []need{{action, Resource{DB: r.db, Collection: stringField(r.body, r.name)}}}
	}
}

func onDatabase(action string) needFunc {
	return func(r *request) []need { return []need{{action, Resource{DB: r.db}}} }
}

func onSettings(action string) needFunc {
	return func(*request) []need { return []need{{action, Resource{DB: "config", Collection: "settings"}}} }
}

type cmdFunc func(n *node, r *request) bson.D

type cmdSpec struct {
	name  string
	fn    cmdFunc
	nodes nodeMask
	needs needFunc
}

// refusal is what a node that does not have the command answers.
func (s cmdSpec) refusal(n *node, r *request) bson.D {
	if (s.name == "replSetGetStatus" || s.name == "replSetGetConfig") && n.kind == kindStandalone {
		return errorReply(76, "NoReplicationEnabled", "not running with --replSet")
	}
	return errorReply(59, "CommandNotFound", "no such command: '"+r.name+"'")
}

var commandTable = map[string]cmdSpec{}

func register(names []string, nodes nodeMask, needs needFunc, fn cmdFunc) {
	for _, name := range names {
		commandTable[name] = cmdSpec{name: names[0], fn: fn, nodes: nodes, needs: needs}
	}
}

func init() {
	register([]string{"hello"}, 0, anyone, cmdHello)
	register([]string{"isMaster", "ismaster"}, 0, anyone, cmdHello)
	register([]string{"ping"}, 0, anyone, func(*node, *request) bson.D { return bson.D{} })
	register([]string{"buildInfo", "buildinfo"}, 0, anyone, cmdBuildInfo)
	register([]string{"endSessions"}, 0, anyone, func(*node, *request) bson.D { return bson.D{} })
	register([]string{"connectionStatus"}, 0, anyone, cmdConnectionStatus)
	register([]string{"getLog"}, 0, onCluster("getLog"), cmdGetLog)
	register([]string{"hostInfo"}, 0, onCluster("hostInfo"), cmdHostInfo)
	register([]string{"getCmdLineOpts"}, 0, onCluster("getCmdLineOpts"), cmdGetCmdLineOpts)
	register([]string{"getParameter"}, 0, onCluster("getParameter"), cmdGetParameter)
	register([]string{"listDatabases"}, 0, onCluster("listDatabases"), cmdListDatabases)
	register([]string{"listCollections"}, 0, onDatabase("listCollections"), cmdListCollections)
	register([]string{"serverStatus"}, 0, onCluster("serverStatus"), cmdServerStatus)
	register([]string{"replSetGetStatus"}, onMember, onCluster("replSetGetStatus"), cmdReplSetGetStatus)
	register([]string{"replSetStepDown"}, onMember, onCluster("replSetStateChange"), cmdReplSetStepDown)
	register([]string{"currentOp"}, 0, anyone, cmdCurrentOp) // inprog unless $ownOps: checked inside
	register([]string{"killOp"}, 0, anyone, cmdKillOp)       // checks killop itself: own ops need none
	register([]string{"killSessions"}, 0, onCluster("killAnySession"), cmdKillSessions)
	register([]string{"top"}, onMongod, onCluster("top"), cmdTop)
	register([]string{"find"}, 0, onCollection("find"), cmdFind)
	register([]string{"count"}, 0, onCollection("find"), cmdCount)
	register([]string{"aggregate"}, 0, aggregateNeeds, cmdAggregate)
	register([]string{"getMore"}, 0, getMoreNeeds, cmdGetMore)
	register([]string{"killCursors"}, 0, onCollection("killCursors"), cmdKillCursors)
	register([]string{"update"}, 0, onCollection("update"), cmdUpdate)
	register([]string{"insert"}, 0, onCollection("insert"), cmdInsert)
	register([]string{"delete"}, 0, onCollection("remove"), cmdDelete)
	register([]string{"findAndModify", "findandmodify"}, 0, findAndModifyNeeds, cmdFindAndModify)
	register([]string{"collStats"}, 0, onCollection("collStats"), cmdCollStats)
	register([]string{"listShards"}, onMongos, onCluster("listShards"), cmdListShards)
	register([]string{"getShardMap"}, onMongos|onMember, onCluster("getShardMap"), cmdGetShardMap)
	register([]string{"balancerStatus"}, onMongos, onSettings("find"), cmdBalancerStatus)
	register([]string{"balancerStart"}, onMongos, onSettings("update"), cmdBalancerStart)
	register([]string{"balancerStop"}, onMongos, onSettings("update"), cmdBalancerStop)
	register([]string{"replSetGetConfig"}, onMember, onCluster("replSetGetConfig"), cmdReplSetGetConfig)
	register([]string{"connPoolStats"}, 0, onCluster("connPoolStats"), cmdConnPoolStats)
	register([]string{"shardingState"}, onMongod, onCluster("shardingState"), cmdShardingState)
	register([]string{"whatsmyuri"}, 0, anyone, cmdWhatsMyURI)
	register([]string{"simFault"}, 0, anyone, cmdSimFault)
	register([]string{"simStats"}, 0, anyone, cmdSimStats)
	register([]string{"createRole"}, 0, onDatabase("createRole"), cmdCreateRole)
}

// aggregateNeeds: find on a collection's pipeline; the first-stage-only
// stages have their own (document_source_*.cpp requiredPrivileges).
func aggregateNeeds(r *request) []need {
	coll, isColl := r.body.Lookup("aggregate").StringValueOK()
	first := ""
	if stages, err := pipelineOf(r.body); err == nil && len(stages) > 0 && len(stages[0]) == 1 {
		first = stages[0][0].Key
	}
	switch {
	case first == "$collStats":
		return []need{{"collStats", Resource{DB: r.db, Collection: coll}}}
	case first == "$shardedDataDistribution":
		return []need{{"shardedDataDistribution", Resource{Cluster: true}}}
	case !isColl:
		return nil // $currentOp checks inprog itself, after its lite parse
	}
	return []need{{"find", Resource{DB: r.db, Collection: coll}}}
}

func getMoreNeeds(r *request) []need {
	return []need{{"find", Resource{DB: r.db, Collection: stringField(r.body, "collection")}}}
}

// findAndModifyNeeds: find and update, remove with remove: true, insert
// with upsert: true.
func findAndModifyNeeds(r *request) []need {
	coll := stringField(r.body, r.name)
	res := Resource{DB: r.db, Collection: coll}
	out := []need{{"find", res}, {"update", res}}
	if remove, _ := r.body.Lookup("remove").BooleanOK(); remove {
		out = append(out, need{"remove", res})
	}
	if upsert, _ := r.body.Lookup("upsert").BooleanOK(); upsert {
		out = append(out, need{"insert", res})
	}
	return out
}
