package simcluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

var testUsers = []wire.User{
	{Name: "watcher", DB: "admin", Password: "watch-pw", Roles: []wire.Role{{Role: "clusterMonitor", DB: "admin"}}},
	{Name: "custom", DB: "admin", Password: "custom-pw", Roles: []wire.Role{{Role: "monitorWithoutKill", DB: "admin"}}},
	{Name: "operator", DB: "admin", Password: "op-pw", Roles: []wire.Role{{Role: "clusterMonitor", DB: "admin"}, {Role: "hostManager", DB: "admin"}, {Role: "clusterManager", DB: "admin"}}},
}

// testRoles defines the custom role "custom" holds: watching, no killop.
var testRoles = []RoleDef{{Role: "monitorWithoutKill", DB: "admin", Roles: []wire.Role{{Role: "clusterMonitor", DB: "admin"}}}}

func withUser(user, pw string) *options.ClientOptions {
	return options.Client().SetAuth(options.Credential{Username: user, Password: pw, AuthSource: "admin", AuthMechanism: "SCRAM-SHA-256"})
}

func TestAuthRolesWatchButNotAct(t *testing.T) {
	c := startSim(t, Config{Users: testUsers, Roles: testRoles, Shards: 1})
	bad := connect(t, c.URI(), withUser("watcher", "wrong"), options.Client().SetServerSelectionTimeout(time.Second))
	if err := bad.Ping(ctxT(t), nil); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	for _, user := range []struct{ name, pw string }{{"watcher", "watch-pw"}, {"custom", "custom-pw"}} {
		cl := connect(t, c.URI(), withUser(user.name, user.pw))
		runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
		err := cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: "shard0:12"}}).Err()
		var ce mongo.CommandError
		if !errors.As(err, &ce) || ce.Code != 13 || ce.Name != "Unauthorized" || !strings.HasPrefix(ce.Message, "not authorized on admin to execute command { killOp: 1, op: \"shard0:12\"") {
			t.Fatalf("%s killOp: %v", user.name, err)
		}
		err = cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "balancerStop", Value: 1}}).Err()
		if !errors.As(err, &ce) || ce.Code != 13 {
			t.Fatalf("%s balancerStop: %v", user.name, err)
		}
		cs := runCmd(t, cl, "admin", bson.D{{Key: "connectionStatus", Value: 1}, {Key: "showPrivileges", Value: true}})
		if strings.Contains(cs.Lookup("authInfo", "authenticatedUserPrivileges").String(), "killop") {
			t.Fatalf("%s privileges list killop: %v", user.name, cs)
		}
		if str(cs.Lookup("authInfo", "authenticatedUsers", "0", "user")) != user.name {
			t.Fatalf("connectionStatus = %v", cs)
		}
	}
	op := connect(t, c.URI(), withUser("operator", "op-pw"))
	runCmd(t, op, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: "shard0:12"}})
	runCmd(t, op, "admin", bson.D{{Key: "balancerStop", Value: 1}, {Key: "maxTimeMS", Value: 30000}})
	runCmd(t, op, "admin", bson.D{{Key: "balancerStart", Value: 1}})
	cs := runCmd(t, op, "admin", bson.D{{Key: "connectionStatus", Value: 1}, {Key: "showPrivileges", Value: true}})
	if !strings.Contains(cs.Lookup("authInfo", "authenticatedUserPrivileges").String(), "killop") {
		t.Fatalf("operator privileges lack killop: %v", cs)
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "simcluster"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	c := startSim(t, Config{Topology: Standalone, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	good := connect(t, c.URI(), options.Client().SetTLSConfig(&tls.Config{RootCAs: pool}))
	if err := good.Ping(ctxT(t), nil); err != nil {
		t.Fatalf("TLS with the right CA: %v", err)
	}
	_, otherPool := selfSigned(t)
	bad := connect(t, c.URI(), options.Client().SetTLSConfig(&tls.Config{RootCAs: otherPool}).SetServerSelectionTimeout(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := bad.Ping(ctx, nil); err == nil {
		t.Fatal("TLS with a wrong CA succeeded")
	}
}

func TestKillOwnOpWithoutKillop(t *testing.T) {
	c := startSim(t, Config{Users: testUsers, Topology: ReplSet})
	prim := nodeByRole(t, c, "primary", "")
	cl := connect(t, "mongodb://"+prim+"/?directConnection=true", withUser("watcher", "watch-pw"))
	// An awaitable hello of ours keeps running until something ends it.
	tv := runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}}).Lookup("topologyVersion")
	hello := make(chan error, 1)
	go func() {
		hello <- cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "hello", Value: 1}, {Key: "topologyVersion", Value: tv}, {Key: "maxAwaitTimeMS", Value: int64(9000)}}).Err()
	}()
	var mine int32
	deadline := time.Now().Add(10 * time.Second)
	for mine == 0 {
		own := runCmd(t, cl, "admin", bson.D{{Key: "currentOp", Value: 1}, {Key: "$ownOps", Value: true}})
		vals, _ := own.Lookup("inprog").Array().Values()
		for _, v := range vals {
			op := v.Document()
			if u := str(op.Lookup("effectiveUsers", "0", "user")); u != "watcher" {
				t.Fatalf("$ownOps listed another user's op: %v", v)
			}
			if _, err := op.LookupErr("command", "maxAwaitTimeMS"); err == nil {
				mine = op.Lookup("opid").Int32()
			}
		}
		if mine == 0 && time.Now().After(deadline) {
			t.Fatalf("our awaitable hello is not in $ownOps: %v", own)
		}
	}
	runCmd(t, cl, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: mine}})
	var ce mongo.CommandError
	if err := <-hello; !errors.As(err, &ce) || ce.Code != 11601 || ce.Message != "operation was interrupted" {
		t.Fatalf("the killed hello answered %v", err)
	}
	all := runCmd(t, cl, "admin", bson.D{{Key: "currentOp", Value: 1}, {Key: "appName", Value: "analytics"}})
	theirs := all.Lookup("inprog", "0", "opid").Int32()
	err := cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: theirs}}).Err()
	if !errors.As(err, &ce) || ce.Code != 13 {
		t.Fatalf("killing another user's op without killop: %v", err)
	}
}
