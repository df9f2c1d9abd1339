package simcluster

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// What a replica set member that is not primary lets run, after
// commandCanRunHere (src/mongo/db/command_can_run_here.cpp) and the check
// that follows it in service_entry_point_shard_role.cpp: commands are
// allowed on a secondary always, never (writes), or when the client opts
// in with a read preference other than primary (reads). The local
// database is writable on every member, so nothing on it is refused.
type secondaryPolicy int

const (
	secAlways secondaryPolicy = iota
	secOptIn
	secNever
)

// secondaryPolicies lists the commands that are not kAlways; the names are
// the commandTable's canonical ones.
var secondaryPolicies = map[string]secondaryPolicy{
	"find": secOptIn, "count": secOptIn, "aggregate": secOptIn, "listCollections": secOptIn,
	"listDatabases": secOptIn, "collStats": secOptIn,
	"insert": secNever, "update": secNever, "delete": secNever, "findAndModify": secNever,
}

// maintenanceOk are the opt-in reads that a member neither primary nor
// secondary (an arbiter) still runs; find, count and aggregate are not.
var maintenanceOk = map[string]bool{"listCollections": true, "listDatabases": true, "collStats": true}

// notPrimaryRefusal is the error a member that cannot accept writes gives a
// command it may not run, or nil when the command may run here.
func (n *node) notPrimaryRefusal(r *request, spec cmdSpec) bson.D {
	if n.rs == nil || r.db == "local" {
		return nil
	}
	n.c.mu.Lock()
	primary := n.isPrimaryLocked()
	n.c.mu.Unlock()
	if primary {
		return nil
	}
	switch secondaryPolicies[spec.name] {
	case secOptIn:
		if r.secondaryOk && n.mcfg.arbiter && !maintenanceOk[spec.name] {
			// Not primary, not secondary: the maintenanceOk check that follows.
			return errorReply(13436, "NotPrimaryOrSecondary", "node is not in primary or recovering state")
		}
		if r.secondaryOk {
			return nil
		}
		if r.helloOk {
			return errorReply(13435, "NotPrimaryNoSecondaryOk", "not primary and secondaryOk=false")
		}
		return errorReply(13435, "NotPrimaryNoSecondaryOk", "not master and slaveOk=false")
	case secNever:
		if r.helloOk {
			return notWritable(r, "not primary")
		}
		return notWritable(r, "not master")
	}
	return nil
}

// notWritable is NotWritablePrimary; a retryable write (one that carries a
// txnNumber outside a transaction) is labelled so the driver retries it
// on the new primary, as the server does (error_labels.cpp).
func notWritable(r *request, msg string) bson.D {
	reply := errorReply(10107, "NotWritablePrimary", msg)
	_, hasTxn := r.body.Lookup("txnNumber").AsInt64OK()
	_, inTxn := r.body.Lookup("autocommit").BooleanOK()
	if hasTxn && !inTxn {
		reply = append(reply, bson.E{Key: "errorLabels", Value: bson.A{"RetryableWriteError"}})
	}
	return reply
}

// readPrefAllowsSecondary reads an OP_MSG's $readPreference: any mode but
// primary lets a read run on a secondary (ReadPreferenceSetting::canRunOnSecondary).
func readPrefAllowsSecondary(body bson.Raw) bool {
	mode, ok := body.Lookup("$readPreference", "mode").StringValueOK()
	return ok && mode != "primary"
}
