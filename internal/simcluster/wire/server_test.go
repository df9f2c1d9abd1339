package wire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoHandler answers a minimal hello and echoes every other command back.
type echoHandler struct{ calls atomic.Int64 }

func (h *echoHandler) Handle(ctx context.Context, req *Request) bson.Raw {
	h.calls.Add(1)
	switch req.Name {
	case "hello", "isMaster", "ismaster":
		return mustMarshal(bson.D{
			{Key: "isWritablePrimary", Value: true}, {Key: "maxBsonObjectSize", Value: int32(16777216)},
			{Key: "maxMessageSizeBytes", Value: int32(48000000)}, {Key: "maxWriteBatchSize", Value: int32(100000)},
			{Key: "localTime", Value: bson.NewDateTimeFromTime(time.Now())}, {Key: "connectionId", Value: int32(req.Conn.ID)},
			{Key: "minWireVersion", Value: int32(0)}, {Key: "maxWireVersion", Value: int32(25)}, {Key: "ok", Value: 1.0}})
	case "whoami":
		user, db, _ := req.Conn.Auth()
		return mustMarshal(bson.D{{Key: "user", Value: user}, {Key: "db", Value: db}, {Key: "app", Value: req.Conn.AppName}, {Key: "ok", Value: 1.0}})
	case "insert":
		n := 0
		if arr, ok := req.Body.Lookup("documents").ArrayOK(); ok {
			vals, _ := arr.Values()
			n = len(vals)
		}
		return mustMarshal(bson.D{{Key: "n", Value: int32(n)}, {Key: "ok", Value: 1.0}})
	}
	return mustMarshal(bson.D{{Key: "echo", Value: req.Body}, {Key: "db", Value: req.DB}, {Key: "ok", Value: 1.0}})
}

func connect(t *testing.T, uri string, opts ...*options.ClientOptions) *mongo.Client {
	t.Helper()
	all := append([]*options.ClientOptions{options.Client().ApplyURI(uri).
		SetServerMonitoringMode(options.ServerMonitoringModePoll).SetTimeout(3 * time.Second)}, opts...)
	c, err := mongo.Connect(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	return c
}

func listen(t *testing.T, opts Options) (*Server, *echoHandler) {
	t.Helper()
	h := &echoHandler{}
	s, err := Listen("127.0.0.1:0", h, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, h
}

func TestDriverRoundTripAndAccounting(t *testing.T) {
	s, _ := listen(t, Options{})
	c := connect(t, "mongodb://"+s.Addr()+"/?directConnection=true&appName=probe-test")
	ctx := context.Background()
	var reply struct {
		Echo bson.M
		DB   string
	}
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}, {Key: "x", Value: "y"}}).Decode(&reply); err != nil {
		t.Fatal(err)
	}
	if reply.DB != "admin" || reply.Echo["x"] != "y" {
		t.Fatalf("echo = %+v", reply)
	}
	docs := make([]any, 50)
	for i := range docs {
		docs[i] = bson.D{{Key: "i", Value: i}}
	}
	res, err := c.Database("app").Collection("things").InsertMany(ctx, docs)
	if err != nil || len(res.InsertedIDs) != 50 {
		t.Fatalf("insertMany: %v %v", res, err)
	}
	st := s.Stats()
	if st.Commands["ping"] != 1 || st.Commands["insert"] != 1 {
		t.Fatalf("commands = %v", st.Commands)
	}
	app := st.ByApp["probe-test"]
	if app.Commands < 2 || app.BytesIn == 0 || app.BytesOut == 0 || app.InFlight != 0 || app.MaxInFlight != 1 {
		t.Fatalf("app stats = %+v", app)
	}
	if st.BytesIn < app.BytesIn || st.BytesOut < app.BytesOut {
		t.Fatalf("totals %+v below app %+v", st, app)
	}
	s.ResetStats()
	if got := s.Stats().Commands["ping"]; got != 0 {
		t.Fatalf("after reset ping = %d", got)
	}
}

func TestStopStartHangDelay(t *testing.T) {
	s, _ := listen(t, Options{})
	c := connect(t, "mongodb://"+s.Addr()+"/?directConnection=true&appName=faults")
	ctx := context.Background()
	ping := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return c.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
	}
	if err := ping(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if s.Running() {
		t.Fatal("Running after Stop")
	}
	if err := ping(500 * time.Millisecond); err == nil {
		t.Fatal("ping succeeded against a stopped server")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := ping(3 * time.Second); err != nil {
		t.Fatalf("after Start: %v", err)
	}
	s.SetDelay(300 * time.Millisecond)
	start := time.Now()
	if err := ping(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("delayed ping took %v", d)
	}
	s.Clear()
	s.SetHang(true)
	if err := ping(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) && !mongo.IsTimeout(err) {
		t.Fatalf("hung ping: %v", err)
	}
	// The hung ping is still held (the monitor's hello may be too).
	if st := s.Stats(); st.ByApp["faults"].InFlight < 1 {
		t.Fatalf("in flight while hung = %d", st.ByApp["faults"].InFlight)
	}
	s.Clear()
	if err := ping(3 * time.Second); err != nil {
		t.Fatalf("after clear: %v", err)
	}
	s.SetReset(true)
	if err := ping(time.Second); err == nil {
		t.Fatal("reset ping succeeded")
	}
	s.Clear()
	if err := ping(3 * time.Second); err != nil {
		t.Fatalf("after reset cleared: %v", err)
	}
}

func TestSCRAM(t *testing.T) {
	s, _ := listen(t, Options{Users: []User{{Name: "ops", DB: "admin", Password: "s3cret!", Roles: []Role{{"clusterMonitor", "admin"}}}}})
	ctx := context.Background()
	for _, mech := range []string{"", "SCRAM-SHA-256", "SCRAM-SHA-1"} {
		uri := "mongodb://ops:s3cret%21@" + s.Addr() + "/?directConnection=true&authSource=admin"
		if mech != "" {
			uri += "&authMechanism=" + mech
		}
		c := connect(t, uri)
		var who struct{ User, DB string }
		if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "whoami", Value: 1}}).Decode(&who); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		if who.User != "ops" || who.DB != "admin" {
			t.Fatalf("%s: whoami = %+v", mech, who)
		}
	}
	bad := connect(t, "mongodb://ops:wrong@"+s.Addr()+"/?directConnection=true")
	err := bad.Database("admin").RunCommand(ctx, bson.D{{Key: "whoami", Value: 1}}).Err()
	if err == nil || !strings.Contains(err.Error(), "Authentication failed") {
		t.Fatalf("wrong password: %v", err)
	}
	anon := connect(t, "mongodb://"+s.Addr()+"/?directConnection=true")
	err = anon.Database("admin").RunCommand(ctx, bson.D{{Key: "serverStatus", Value: 1}}).Err()
	var ce mongo.CommandError
	if !errors.As(err, &ce) || ce.Code != 13 || ce.Name != "Unauthorized" || !strings.Contains(ce.Message, "requires authentication") {
		t.Fatalf("unauthenticated: %v", err)
	}
	if err := anon.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		t.Fatalf("ping needs no auth: %v", err)
	}
}

func TestTLS(t *testing.T) {
	caPool, serverCert := makeCert(t)
	s, _ := listen(t, Options{TLS: &tls.Config{Certificates: []tls.Certificate{serverCert}}})
	ctx := context.Background()
	good := connect(t, "mongodb://"+s.Addr()+"/?directConnection=true&tls=true",
		options.Client().SetTLSConfig(&tls.Config{RootCAs: caPool}))
	if err := good.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		t.Fatalf("TLS with the right CA: %v", err)
	}
	otherPool, _ := makeCert(t)
	bad := connect(t, "mongodb://"+s.Addr()+"/?directConnection=true&tls=true",
		options.Client().SetTLSConfig(&tls.Config{RootCAs: otherPool}).SetServerSelectionTimeout(time.Second))
	err := bad.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("TLS with a wrong CA: %v", err)
	}
}

func makeCert(t *testing.T) (*x509.CertPool, tls.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "simcluster test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// legacyHello builds the OP_QUERY handshake the v2 driver sends first.
func legacyHello(reqID int32) []byte {
	doc, _ := bson.Marshal(bson.D{{Key: "isMaster", Value: 1}, {Key: "helloOk", Value: true},
		{Key: "client", Value: bson.D{{Key: "application", Value: bson.D{{Key: "name", Value: "raw"}}}}}})
	b := make([]byte, 16, 64+len(doc))
	binary.LittleEndian.PutUint32(b[4:], uint32(reqID))
	binary.LittleEndian.PutUint32(b[12:], opQuery)
	b = binary.LittleEndian.AppendUint32(b, 4) // SecondaryOK
	b = append(b, "admin.$cmd\x00"...)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0xFFFFFFFF) // numberToReturn -1
	b = append(b, doc...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

func TestRawLegacyHandshake(t *testing.T) {
	s, _ := listen(t, Options{})
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Write(legacyHello(7)); err != nil {
		t.Fatal(err)
	}
	frame, err := readFrame(conn)
	if err != nil {
		t.Fatal(err)
	}
	if op := binary.LittleEndian.Uint32(frame[12:]); op != opReply {
		t.Fatalf("opcode %d, want OP_REPLY", op)
	}
	if to := int32(binary.LittleEndian.Uint32(frame[8:])); to != 7 {
		t.Fatalf("responseTo %d", to)
	}
	if n := binary.LittleEndian.Uint32(frame[16+16:]); n != 1 {
		t.Fatalf("numberReturned %d", n)
	}
	doc := bson.Raw(frame[16+20:])
	if ok, _ := doc.Lookup("isWritablePrimary").BooleanOK(); !ok {
		t.Fatalf("reply %v", doc)
	}
	if got := s.Stats().ByApp["raw"].Commands; got != 1 {
		t.Fatalf("raw app commands = %d", got)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add(legacyHello(1))
	body, _ := bson.Marshal(bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})
	f.Add(encodeReply(0, 1, false, false, body))
	f.Add([]byte{16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 221, 7, 0, 0})
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := parseMessage(frame)
		if err == nil && m.name == "" {
			t.Fatal("parsed a message without a command name")
		}
	})
}
