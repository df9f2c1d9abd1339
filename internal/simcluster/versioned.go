package simcluster

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Where the releases' replies differ. Fields that a release added are
// listed here with it and dropped from older releases' replies; changes of
// shape are switches at their place, each with the source that shows it:
//
//   - serverStatus.repl: ismaster before 5.0, isWritablePrimary from 5.0
//     (fixtures serverStatus-4.2.8… and serverStatus-6.0.12…), replSectionLocked.
//   - tickets: wiredTiger.concurrentTransactions up to 7.0, queues.execution
//     from 8.0 (MONGODB-INTERFACE.md §3.2, §9.9), sectWiredTiger/sectQueues.
//   - metrics.repl.buffer: flat {count, maxSizeBytes, sizeBytes} up to 7.0
//     (fixture serverStatus-6.0.12…), {write, apply} from 8.0 (§3.2), replMetrics.
//   - replSetGetStatus written optimes from 8.0 (§4.1), writtenFieldsSince.
//   - config.chunks keyed by ns before 5.0, by uuid after; config.collections
//     timestamp from 5.0; onCurrentShardSince from 6.3 (§5.2), chunkDocs.
//   - balancerStatus term in 7.x/8.x (§5.1), cmdBalancerStatus.
//   - $currentOp queryFramework from 6.2 (§1.3, §8), opStateFields;
//     targetAllNodes from 7.1, IDL option parsing from 7.1 (currentop_spec.go).
//   - $shardedDataDistribution from 6.0.3 (§5.1), cmdAggregate.
//   - the AutoMerger from 7.0 (§5.1), splitHotChunk.
//   - opLatencies on a mongos from 6.2 (§3.2), cmdServerStatus.
//   - metrics.commands lists (metrics_commands_list.go).

// statusFieldsSince are serverStatus fields by the release that added them
// (MONGODB-INTERFACE.md §3.2 and §8; x.y.z points rounded up to the
// simulated release that has them).
var statusFieldsSince = []struct {
	path         string
	major, minor int
}{
	{"service", 8, 0},
	{"connections.threaded", 5, 0},
	{"connections.rejected", 7, 0},     // 6.3
	{"connections.loadBalanced", 6, 0}, // 5.3
	{"network.serviceExecutors", 5, 0},
	{"network.listenerProcessingTime", 7, 0}, // 6.3
	{"repl.primaryOnlyServices", 5, 0},
	{"metrics.repl.write", 8, 0},
}

// dropNewerFields removes from a serverStatus reply the fields the
// simulated release does not have yet.
func (c *Cluster) dropNewerFields(d bson.D) bson.D {
	for _, f := range statusFieldsSince {
		if !c.atLeast(f.major, f.minor) {
			d = dropPath(d, strings.Split(f.path, "."))
		}
	}
	return d
}

func dropPath(d bson.D, path []string) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		switch {
		case e.Key != path[0]:
			out = append(out, e)
		case len(path) > 1:
			if sub, ok := e.Value.(bson.D); ok {
				e.Value = dropPath(sub, path[1:])
			}
			out = append(out, e)
		}
	}
	return out
}

// writablePrimaryField names hello's primary flag in serverStatus.repl:
// ismaster before 5.0 (mongostat reads it to label a 4.4 primary PRI).
func (c *Cluster) writablePrimaryField() string {
	if c.atLeast(5, 0) {
		return "isWritablePrimary"
	}
	return "ismaster"
}

// writtenFieldsSince drops, before 8.0, the oplog-written optimes that 8.0
// added to replSetGetStatus and its members (MONGODB-INTERFACE.md §4.1).
func (c *Cluster) writtenFieldsSince(d bson.D) bson.D {
	if c.atLeast(8, 0) {
		return d
	}
	for _, p := range []string{"optimes.writtenOpTime", "optimes.lastWrittenWallTime", "optimeWritten", "optimeWrittenDate", "lastWrittenWallTime"} {
		d = dropPath(d, strings.Split(p, "."))
	}
	return d
}
