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

// action is the privilege a command needs, as the built-in roles grant it.
type action int

const (
	actNone     action = iota // any authenticated user (hello, ping, buildInfo…)
	actMonitor                // clusterMonitor: serverStatus, inprog, replSetGetStatus, top…
	actRead                   // find/aggregate on config, local and user databases
	actWrite                  // insert/update/delete
	actKillOp                 // killop, killAnySession (hostManager)
	actBalancer               // update on config.settings (clusterManager)
)

type cmdFunc func(n *node, r *request) bson.D

type cmdSpec struct {
	name  string
	fn    cmdFunc
	nodes nodeMask
	act   action
}

// refusal is what a node that does not have the command answers.
func (s cmdSpec) refusal(n *node, r *request) bson.D {
	if (s.name == "replSetGetStatus" || s.name == "replSetGetConfig") && n.kind == kindStandalone {
		return errorReply(76, "NoReplicationEnabled", "not running with --replSet")
	}
	return errorReply(59, "CommandNotFound", "no such command: '"+r.name+"'")
}

var commandTable = map[string]cmdSpec{}

func register(names []string, nodes nodeMask, act action, fn cmdFunc) {
	for _, name := range names {
		commandTable[name] = cmdSpec{name: names[0], fn: fn, nodes: nodes, act: act}
	}
}

func init() {
	register([]string{"hello"}, 0, actNone, cmdHello)
	register([]string{"isMaster", "ismaster"}, 0, actNone, cmdHello)
	register([]string{"ping"}, 0, actNone, func(*node, *request) bson.D { return bson.D{} })
	register([]string{"buildInfo", "buildinfo"}, 0, actNone, cmdBuildInfo)
	register([]string{"endSessions"}, 0, actNone, func(*node, *request) bson.D { return bson.D{} })
	register([]string{"connectionStatus"}, 0, actNone, cmdConnectionStatus)
	register([]string{"getLog"}, 0, actMonitor, cmdGetLog)
	register([]string{"hostInfo"}, 0, actMonitor, cmdHostInfo)
	register([]string{"getCmdLineOpts"}, 0, actMonitor, cmdGetCmdLineOpts)
	register([]string{"getParameter"}, 0, actMonitor, cmdGetParameter)
	register([]string{"listDatabases"}, 0, actRead, cmdListDatabases)
	register([]string{"listCollections"}, 0, actRead, cmdListCollections)
	register([]string{"serverStatus"}, 0, actMonitor, cmdServerStatus)
	register([]string{"replSetGetStatus"}, onMember, actMonitor, cmdReplSetGetStatus)
	register([]string{"replSetStepDown"}, onMember, actKillOp, cmdReplSetStepDown)
	register([]string{"currentOp"}, 0, actNone, cmdCurrentOp)
	register([]string{"killOp"}, 0, actNone, cmdKillOp) // checks killop itself: own ops need none
	register([]string{"killSessions"}, 0, actKillOp, cmdKillSessions)
	register([]string{"top"}, onMongod, actMonitor, cmdTop)
	register([]string{"find"}, 0, actRead, cmdFind)
	register([]string{"count"}, 0, actRead, cmdCount)
	register([]string{"aggregate"}, 0, actRead, cmdAggregate)
	register([]string{"getMore"}, 0, actRead, cmdGetMore)
	register([]string{"killCursors"}, 0, actRead, cmdKillCursors)
	register([]string{"update"}, 0, actWrite, cmdUpdate)
	register([]string{"insert"}, 0, actWrite, cmdInsert)
	register([]string{"delete"}, 0, actWrite, cmdDelete)
	register([]string{"findAndModify", "findandmodify"}, 0, actWrite, cmdFindAndModify)
	register([]string{"collStats"}, 0, actMonitor, cmdCollStats)
	register([]string{"listShards"}, onMongos, actMonitor, cmdListShards)
	register([]string{"getShardMap"}, onMongos|onMember, actMonitor, cmdGetShardMap)
	register([]string{"balancerStatus"}, onMongos, actRead, cmdBalancerStatus)
	register([]string{"balancerStart"}, onMongos, actBalancer, cmdBalancerStart)
	register([]string{"balancerStop"}, onMongos, actBalancer, cmdBalancerStop)
	register([]string{"replSetGetConfig"}, onMember, actMonitor, cmdReplSetGetConfig)
	register([]string{"connPoolStats"}, 0, actMonitor, cmdConnPoolStats)
	register([]string{"shardingState"}, onMongod, actMonitor, cmdShardingState)
	register([]string{"whatsmyuri"}, 0, actNone, cmdWhatsMyURI)
	register([]string{"simFault"}, 0, actNone, cmdSimFault)
	register([]string{"simStats"}, 0, actNone, cmdSimStats)
}
