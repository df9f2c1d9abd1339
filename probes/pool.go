package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// Sentinel errors the command line maps to exit codes.
var (
	ErrBadURI      = errors.New("bad connection string")
	ErrUnreachable = errors.New("unreachable")
	ErrAuth        = errors.New("authentication failed")
)

// costMeter counts what mongoscope itself sends and receives, so the
// header can show our own load on the cluster.
type costMeter struct {
	commands, bytes atomic.Int64
}

func (m *costMeter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			m.commands.Add(1)
			m.bytes.Add(int64(len(e.Command)))
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { m.bytes.Add(int64(len(e.Reply))) },
	}
}

// baseOptions turns the Config into driver options shared by every client:
// credentials, TLS, app name and timeouts from the seed URI and flags.
func baseOptions(cfg Config) (*options.ClientOptions, error) {
	if err := CheckURI(cfg.URI); err != nil { // misread, its hosts would be bits of the password
		return nil, fmt.Errorf("%w: %v", ErrBadURI, err)
	}
	opts := options.Client().ApplyURI(cfg.URI)
	if err := opts.Validate(); err != nil {
		if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) {
			return nil, srvError(dnsErr)
		}
		return nil, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, cfg))
	}
	opts.SetAppName(cfg.AppName).SetServerMonitoringMode(options.ServerMonitoringModePoll).
		SetConnectTimeout(cfg.ConnectTimeout).SetServerSelectionTimeout(cfg.ConnectTimeout)
	if cfg.Username != "" || cfg.Password != "" {
		cred := options.Credential{}
		if opts.Auth != nil {
			cred = *opts.Auth
		}
		if cfg.Username != "" {
			cred.Username = cfg.Username
		}
		if cfg.Password != "" {
			cred.Password, cred.PasswordSet = cfg.Password, true
		}
		opts.SetAuth(cred)
	}
	if cfg.TLSCAFile != "" || cfg.TLSCertKeyFile != "" || cfg.TLSInsecure {
		tc := opts.TLSConfig
		if tc == nil {
			tc = &tls.Config{}
		}
		if cfg.TLSCAFile != "" {
			pem, err := os.ReadFile(cfg.TLSCAFile)
			if err != nil {
				return nil, fmt.Errorf("%w: cannot read the TLS CA file: %v", ErrBadURI, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: the TLS CA file %s holds no PEM certificate", ErrBadURI, cfg.TLSCAFile)
			}
			tc.RootCAs = pool
		}
		if cfg.TLSCertKeyFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TLSCertKeyFile, cfg.TLSCertKeyFile)
			if err != nil {
				return nil, fmt.Errorf("%w: cannot load the TLS certificate/key file: %v", ErrBadURI, err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		tc.InsecureSkipVerify = cfg.TLSInsecure
		opts.SetTLSConfig(tc)
	}
	return opts, nil
}

// srvError is a mongodb+srv name that did not resolve: the deployment
// cannot be reached from here, the connection string may well be right.
func srvError(e *net.DNSError) error {
	why := "it does not resolve from here"
	if e.IsTimeout {
		why = "the DNS server did not answer"
	} else if !e.IsNotFound {
		why = "the lookup failed: " + shorten(safetext.Line(e.Err), 100)
	}
	return fmt.Errorf("%w: cannot look up %s: %s", ErrUnreachable, safetext.Line(e.Name), why)
}

// nodeOptions connects to exactly one node: directConnection, no set name
// (a direct connection would refuse a member of another set), a small pool.
// The driver's own checks of the node (its heartbeats) report to watch, so
// a node that resets every handshake shows down now, not after selectWait.
func nodeOptions(base *options.ClientOptions, addr string, meter *costMeter, selectWait time.Duration, watch *dialWatch) *options.ClientOptions {
	o := *base
	o.Hosts = []string{addr}
	o.ReplicaSet = nil
	// No retried reads: the next poll asks again, and a struggling node
	// should not get two requests where one failed.
	o.SetDirect(true).SetMaxPoolSize(4).SetMinPoolSize(0).SetMonitor(meter.monitor()).SetServerSelectionTimeout(selectWait).
		SetRetryReads(false)
	if watch != nil {
		o.SetServerMonitor(&event.ServerMonitor{
			ServerHeartbeatFailed: func(e *event.ServerHeartbeatFailedEvent) {
				if !isDialErr(e.Failure) { // the dialer has said it, in words
					watch.note(addr, handshakeFailed+describeErr(e.Failure))
				}
			},
			ServerHeartbeatSucceeded: func(*event.ServerHeartbeatSucceededEvent) { watch.note(addr, "") },
		})
	}
	return &o
}

// pool holds one direct client per node, made on first use. It has its own
// lock so that making a client never waits on the poller's state.
type pool struct {
	base    *options.ClientOptions
	meter   *costMeter
	wait    time.Duration // server selection: how long a node may take to be reachable
	watch   *dialWatch
	mu      sync.Mutex
	clients map[string]*mongo.Client
	closed  bool
}

var errShuttingDown = errors.New("mongoscope is shutting down")

// node is the direct connection to one node.
func (pl *pool) node(addr string) (*nodeConn, error) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.closed {
		return nil, errShuttingDown
	}
	if c, ok := pl.clients[addr]; ok {
		return &nodeConn{c}, nil
	}
	c, err := mongo.Connect(nodeOptions(pl.base, addr, pl.meter, pl.wait, pl.watch))
	if err != nil {
		return nil, err
	}
	pl.clients[addr] = c
	return &nodeConn{c}, nil
}

// close disconnects every client; a hung node must not hold quitting up.
func (pl *pool) close(ctx context.Context) {
	pl.mu.Lock()
	pl.closed = true
	clients := make([]*mongo.Client, 0, len(pl.clients))
	for _, c := range pl.clients {
		clients = append(clients, c)
	}
	pl.clients = map[string]*mongo.Client{}
	pl.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			c.Disconnect(dctx)
		}()
	}
	wg.Wait()
}

// nodeConn runs mongoscope's requests on one node, each with its own timeout.
type nodeConn struct{ c *mongo.Client }

func (n *nodeConn) command(ctx context.Context, timeout time.Duration, db string, cmd bson.D) (bson.Raw, error) {
	return runCommand(ctx, n.c, timeout, db, cmd)
}

func (n *nodeConn) aggregate(ctx context.Context, timeout time.Duration, db, coll string, pipeline bson.A, limit int) ([]bson.Raw, error) {
	return aggregateAll(ctx, n.c, timeout, db, coll, pipeline, limit)
}

func (n *nodeConn) find(ctx context.Context, timeout time.Duration, db, coll string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]bson.Raw, error) {
	return findAll(ctx, n.c, timeout, db, coll, filter, opts...)
}

// runCommand runs cmd on db with its own timeout and returns the raw reply.
func runCommand(ctx context.Context, c *mongo.Client, timeout time.Duration, db string, cmd any) (bson.Raw, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := c.Database(db).RunCommand(ctx, cmd).Raw()
	if err != nil {
		return nil, err
	}
	return raw, nil
}

// aggregateAll runs a pipeline and collects every document (bounded by limit).
func aggregateAll(ctx context.Context, c *mongo.Client, timeout time.Duration, db, coll string, pipeline any, limit int) ([]bson.Raw, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cur *mongo.Cursor
	var err error
	if coll == "" {
		cur, err = c.Database(db).Aggregate(ctx, pipeline)
	} else {
		cur, err = c.Database(db).Collection(coll).Aggregate(ctx, pipeline)
	}
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out []bson.Raw
	for cur.Next(ctx) {
		if limit > 0 && len(out) >= limit {
			break
		}
		out = append(out, append(bson.Raw(nil), cur.Current...))
	}
	return out, cur.Err()
}

// findAll runs a find and collects every document.
func findAll(ctx context.Context, c *mongo.Client, timeout time.Duration, db, coll string, filter any, opts ...options.Lister[options.FindOptions]) ([]bson.Raw, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cur, err := c.Database(db).Collection(coll).Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out []bson.Raw
	for cur.Next(ctx) {
		out = append(out, append(bson.Raw(nil), cur.Current...))
	}
	return out, cur.Err()
}

// commandCode returns the server error code of err, or 0.
func commandCode(err error) int32 {
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		return ce.Code
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for _, code := range []int32{13, 59, 11600, 50} {
			if se.HasErrorCode(int(code)) {
				return code
			}
		}
	}
	return 0
}

// notAvailable says whether err means the server lacks the command (or we
// lack the privilege), which makes a stream unavailable rather than failed.
func notAvailable(err error) (string, bool) {
	switch commandCode(err) {
	case 59:
		return "not available on this server (CommandNotFound)", true
	case 13:
		return "not authorized: " + safetext.Line(firstLine(err.Error())), true
	}
	return "", false
}
