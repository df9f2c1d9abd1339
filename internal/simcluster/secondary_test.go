package simcluster

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// wantCode asserts err is a server error with code and a message holding msg.
func wantCode(t *testing.T, what string, err error, code int32, msg string) {
	t.Helper()
	var ce mongo.CommandError
	var we mongo.WriteException
	switch {
	case errors.As(err, &ce):
		if ce.Code != code || !strings.Contains(ce.Message, msg) {
			t.Fatalf("%s: got %d %q, want %d %q", what, ce.Code, ce.Message, code, msg)
		}
	case errors.As(err, &we) && we.WriteConcernError == nil && len(we.WriteErrors) == 0:
		t.Fatalf("%s: write exception without errors: %v", what, err)
	default:
		var se mongo.ServerError
		if !errors.As(err, &se) || !se.HasErrorCode(int(code)) || !strings.Contains(err.Error(), msg) {
			t.Fatalf("%s: got %v, want code %d %q", what, err, code, msg)
		}
	}
}

func TestSecondariesRefuseWrites(t *testing.T) {
	c := startSim(t, Config{Shards: 1})
	cfgSec := c.Nodes()[len(c.Nodes())-1].Address // config members come last; member 0 is primary
	// Retryable writes would be retried until the deadline: the server labels
	// NotWritablePrimary RetryableWriteError and the topology has one server.
	direct := connect(t, "mongodb://"+cfgSec+"/?directConnection=true&retryWrites=false")
	settings := direct.Database("config").Collection("settings")
	_, err := settings.UpdateOne(ctxT(t), bson.D{{Key: "_id", Value: "balancer"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "stopped", Value: true}}}})
	wantCode(t, "update config.settings on a config secondary", err, 10107, "not primary")
	if !c.BalancerEnabled() {
		t.Fatal("a refused update on a config secondary stopped the balancer")
	}
	err = settings.FindOneAndUpdate(ctxT(t), bson.D{{Key: "_id", Value: "balancer"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "stopped", Value: true}}}}).Err()
	wantCode(t, "findAndModify on a config secondary", err, 10107, "not primary")

	sec := nodeByRole(t, c, "secondary", "shard0")
	shardSec := connect(t, "mongodb://"+sec+"/?directConnection=true&retryWrites=false")
	orders := shardSec.Database("shop").Collection("orders")
	_, err = orders.InsertOne(ctxT(t), bson.D{{Key: "x", Value: 1}})
	wantCode(t, "insert on a shard secondary", err, 10107, "not primary")
	_, err = orders.DeleteMany(ctxT(t), bson.D{})
	wantCode(t, "delete on a shard secondary", err, 10107, "not primary")
	// Reads: a direct connection sends primaryPreferred, so they are served.
	if err := orders.FindOne(ctxT(t), bson.D{}).Err(); err != nil {
		t.Fatalf("find on a secondary over a direct connection: %v", err)
	}

	// A retryable write (txnNumber) is labelled so drivers retry it elsewhere.
	rc := dialRaw(t, sec)
	r := rc.msg(bson.D{{Key: "insert", Value: "orders"}, {Key: "documents", Value: bson.A{bson.D{{Key: "x", Value: 1}}}},
		{Key: "lsid", Value: bson.D{{Key: "id", Value: uuidFor(1, 1)}}}, {Key: "txnNumber", Value: int64(1)}, {Key: "$db", Value: "shop"}})
	if labels, _ := r.Lookup("errorLabels").ArrayOK(); r.Lookup("code").Int32() != 10107 || len(labels) == 0 || str(labels.Index(0)) != "RetryableWriteError" {
		t.Fatalf("retryable insert on a secondary: %v", r)
	}

	// The config primary still takes the update, and it does stop the balancer.
	cfgPrim := c.Nodes()[len(c.Nodes())-3].Address
	prim := connect(t, "mongodb://"+cfgPrim+"/?directConnection=true")
	var before bson.M
	err = prim.Database("config").Collection("settings").FindOneAndUpdate(ctxT(t), bson.D{{Key: "_id", Value: "balancer"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "stopped", Value: true}}}}).Decode(&before)
	if err != nil || before["stopped"] != false || c.BalancerEnabled() {
		t.Fatalf("findAndModify on the config primary: %v %v enabled=%v", err, before, c.BalancerEnabled())
	}
}

// rawConn speaks OP_MSG without a driver, to send what the Go driver never
// does: a read on a secondary with no read preference.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	id int32
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc}
}

// frame builds a message header and payload.
func (rc *rawConn) frame(opcode int32, payload []byte) []byte {
	rc.id++
	out := make([]byte, 16, 16+len(payload))
	binary.LittleEndian.PutUint32(out[4:], uint32(rc.id))
	binary.LittleEndian.PutUint32(out[12:], uint32(opcode))
	out = append(out, payload...)
	binary.LittleEndian.PutUint32(out[0:], uint32(len(out)))
	return out
}

// msg sends one OP_MSG command and returns the reply body.
func (rc *rawConn) msg(cmd bson.D) bson.Raw {
	rc.t.Helper()
	body, err := bson.Marshal(cmd)
	if err != nil {
		rc.t.Fatal(err)
	}
	payload := append(make([]byte, 5), body...) // flagBits 0, section kind 0
	return rc.roundTrip(rc.frame(2013, payload))
}

// query sends one legacy OP_QUERY command on db.$cmd with flags.
func (rc *rawConn) query(db string, flags uint32, cmd bson.D) bson.Raw {
	rc.t.Helper()
	body, err := bson.Marshal(cmd)
	if err != nil {
		rc.t.Fatal(err)
	}
	payload := binary.LittleEndian.AppendUint32(nil, flags)
	payload = append(append(payload, db+".$cmd"...), 0)
	payload = binary.LittleEndian.AppendUint32(payload, 0)
	payload = binary.LittleEndian.AppendUint32(payload, uint32(0xffffffff)) // numberToReturn -1
	return rc.roundTrip(rc.frame(2004, append(payload, body...)))
}

func (rc *rawConn) roundTrip(out []byte) bson.Raw {
	rc.t.Helper()
	rc.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.nc.Write(out); err != nil {
		rc.t.Fatal(err)
	}
	var hdr [16]byte
	if _, err := io.ReadFull(rc.nc, hdr[:]); err != nil {
		rc.t.Fatal(err)
	}
	rest := make([]byte, int(binary.LittleEndian.Uint32(hdr[:]))-16)
	if _, err := io.ReadFull(rc.nc, rest); err != nil {
		rc.t.Fatal(err)
	}
	switch binary.LittleEndian.Uint32(hdr[12:]) {
	case 1: // OP_REPLY: flags, cursorID, startingFrom, numberReturned, then the document
		return bson.Raw(rest[20:])
	case 2013:
		return bson.Raw(rest[5:])
	}
	rc.t.Fatalf("unexpected reply opcode %d", binary.LittleEndian.Uint32(hdr[12:]))
	return nil
}

func TestSecondaryReadsNeedSecondaryOk(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	sec := nodeByRole(t, c, "secondary", "")
	find := bson.D{{Key: "find", Value: "orders"}, {Key: "$db", Value: "shop"}}
	codeOf := func(r bson.Raw) (int32, string) {
		code, _ := r.Lookup("code").AsInt64OK()
		return int32(code), str(r.Lookup("errmsg"))
	}

	old := dialRaw(t, sec) // a client that never said helloOk gets the old words
	if code, msg := codeOf(old.msg(find)); code != 13435 || msg != "not master and slaveOk=false" {
		t.Fatalf("find without read preference, no helloOk: %d %q", code, msg)
	}
	rc := dialRaw(t, sec)
	rc.query("admin", 0, bson.D{{Key: "isMaster", Value: 1}, {Key: "helloOk", Value: true}})
	refused := rc.msg(find)
	if code, msg := codeOf(refused); code != 13435 || msg != "not primary and secondaryOk=false" {
		t.Fatalf("find without read preference: %d %q", code, msg)
	}
	if _, ok := refused.Lookup("topologyVersion", "processId").ObjectIDOK(); !ok {
		t.Fatalf("a not-primary error carries the topologyVersion: %v", refused)
	}
	agg := bson.D{{Key: "aggregate", Value: "orders"}, {Key: "pipeline", Value: bson.A{}}, {Key: "cursor", Value: bson.D{}}, {Key: "$db", Value: "shop"}}
	if code, _ := codeOf(rc.msg(agg)); code != 13435 {
		t.Fatalf("aggregate without read preference: code %d", code)
	}
	primaryRP := append(bson.D{}, find...)
	primaryRP = append(primaryRP, bson.E{Key: "$readPreference", Value: bson.D{{Key: "mode", Value: "primary"}}})
	if code, _ := codeOf(rc.msg(primaryRP)); code != 13435 {
		t.Fatalf("find with read preference primary: code %d", code)
	}
	secondaryRP := append(bson.D{}, find...)
	secondaryRP = append(secondaryRP, bson.E{Key: "$readPreference", Value: bson.D{{Key: "mode", Value: "secondaryPreferred"}}})
	if r := rc.msg(secondaryRP); r.Lookup("ok").Double() != 1 {
		t.Fatalf("find with secondaryPreferred: %v", r)
	}
	// local is readable on every member; commands such as serverStatus always run.
	oplog := bson.D{{Key: "find", Value: "oplog.rs"}, {Key: "limit", Value: 1}, {Key: "$db", Value: "local"}}
	if r := rc.msg(oplog); r.Lookup("ok").Double() != 1 {
		t.Fatalf("find on local without read preference: %v", r)
	}
	if r := rc.msg(bson.D{{Key: "serverStatus", Value: 1}, {Key: "$db", Value: "admin"}}); r.Lookup("ok").Double() != 1 {
		t.Fatalf("serverStatus on a secondary: %v", r)
	}
	// OP_QUERY's SecondaryOk flag opts in, like $readPreference.
	if r := rc.query("shop", 1<<2, bson.D{{Key: "find", Value: "orders"}}); r.Lookup("ok").Double() != 1 {
		t.Fatalf("OP_QUERY find with SecondaryOk: %v", r)
	}
	if code, _ := codeOf(rc.query("shop", 0, bson.D{{Key: "find", Value: "orders"}})); code != 13435 {
		t.Fatalf("OP_QUERY find without SecondaryOk: code %d", code)
	}
	// The Go driver with a secondary read preference on a replica set URI is served.
	cl := connect(t, c.URI(), options.Client().SetReadPreference(readpref.Secondary()))
	if err := cl.Database("shop").Collection("orders").FindOne(ctxT(t), bson.D{}).Err(); err != nil {
		t.Fatalf("driver find with readPreference secondary: %v", err)
	}
}
