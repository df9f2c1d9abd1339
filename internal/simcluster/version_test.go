package simcluster

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

func has(doc bson.Raw, path ...string) bool {
	_, err := doc.LookupErr(path...)
	return err == nil
}

func TestVersionMatrixShapes(t *testing.T) {
	for _, tc := range []struct {
		version, full string
		wire          int32
	}{{"4.4", "4.4.29", 9}, {"5.0", "5.0.31", 13}, {"6.0", "6.0.20", 17}, {"7.0", "7.0.16", 21}, {"8.0", "8.0.4", 25}} {
		t.Run(tc.version, func(t *testing.T) {
			c := startSim(t, Config{Shards: 2, Version: tc.version})
			v, _, _ := parseVersion(tc.version)
			atLeast := func(major int) bool { return v >= major }
			mongos := connect(t, c.URI())
			bi := runCmd(t, mongos, "admin", bson.D{{Key: "buildInfo", Value: 1}})
			if str(bi.Lookup("version")) != tc.full {
				t.Fatalf("buildInfo.version = %v", bi.Lookup("version"))
			}
			hello := runCmd(t, mongos, "admin", bson.D{{Key: "hello", Value: 1}})
			if hello.Lookup("maxWireVersion").Int32() != tc.wire {
				t.Fatalf("maxWireVersion = %v", hello.Lookup("maxWireVersion"))
			}
			prim := connect(t, "mongodb://"+nodeByRole(t, c, "primary", "shard0")+"/?directConnection=true")
			ss := runCmd(t, prim, "admin", bson.D{{Key: "serverStatus", Value: 1}})
			if has(ss, "repl", "ismaster") != !atLeast(5) || has(ss, "repl", "isWritablePrimary") != atLeast(5) {
				t.Errorf("repl primary flag: ismaster=%v isWritablePrimary=%v", has(ss, "repl", "ismaster"), has(ss, "repl", "isWritablePrimary"))
			}
			if has(ss, "wiredTiger", "concurrentTransactions", "read", "out") != !atLeast(8) || has(ss, "queues", "execution") != atLeast(8) {
				t.Errorf("tickets: concurrentTransactions=%v queues=%v", has(ss, "wiredTiger", "concurrentTransactions"), has(ss, "queues"))
			}
			if has(ss, "service") != atLeast(8) || has(ss, "connections", "threaded") != atLeast(5) {
				t.Errorf("service=%v connections.threaded=%v", has(ss, "service"), has(ss, "connections", "threaded"))
			}
			var chunk, coll bson.Raw
			chunk, _ = mongos.Database("config").Collection("chunks").FindOne(ctxT(t), bson.D{}).Raw()
			coll, _ = mongos.Database("config").Collection("collections").FindOne(ctxT(t), bson.D{}).Raw()
			if has(chunk, "ns") == atLeast(5) || has(chunk, "uuid") != atLeast(5) || has(coll, "timestamp") != atLeast(5) {
				t.Errorf("config.chunks keyed wrong: %v / collections %v", chunk, coll)
			}
			bs := runCmd(t, mongos, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
			if has(bs, "term") != atLeast(7) {
				t.Errorf("balancerStatus term: %v", bs)
			}
			rs := runCmd(t, prim, "admin", bson.D{{Key: "replSetGetStatus", Value: 1}})
			if has(rs, "optimes", "writtenOpTime") != atLeast(8) {
				t.Errorf("replSetGetStatus writtenOpTime: %v", has(rs, "optimes", "writtenOpTime"))
			}
			ops, err := aggregateCurrentOp(t, prim, bson.D{{Key: "allUsers", Value: true}})
			if err != nil || len(ops) == 0 || has(ops[0], "queryFramework") != atLeast(7) {
				t.Errorf("$currentOp queryFramework: %v %v", err, ops)
			}
			_, err = aggregateCurrentOp(t, prim, bson.D{{Key: "foo", Value: 1}})
			if code := map[bool]int32{true: 40415, false: 9}[atLeast(8)]; !isCode(err, code) {
				t.Errorf("$currentOp {foo: 1}: %v, want code %d", err, code)
			}
		})
	}
}

func isCode(err error, code int32) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(int(code))
}
