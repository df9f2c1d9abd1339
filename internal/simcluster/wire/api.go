package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Role is a granted role, as in a user document.
type Role struct{ Role, DB string }

// ConnInfo is one client connection. Handlers read it; only this package
// writes it.
type ConnInfo struct {
	ID             int64    // server-assigned; the cluster returns it in hello as connectionId
	Remote         string   // "ip:port" of the client
	AppName        string   // client.application.name from the handshake
	ClientMetadata bson.Raw // the handshake's `client` document, nil if none

	mu            sync.Mutex
	supportsHello bool // the handshake said helloOk: true
	user          string
	userDB        string
	roles         []Role

	running   *Request // the request the connection is running, nil when idle
	interrupt context.CancelCauseFunc
	killed    bool      // running was interrupted by killOp: killPending
	since     time.Time // when running started
	opID      int32     // the server's opid for running
	exhausted string    // "hello" or "isMaster" while streaming awaitable replies
}

// Running is the request the connection is running, when it started and
// its opid; ok is false when the connection is idle.
func (c *ConnInfo) Running() (req *Request, since time.Time, opID int32, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running, c.since, c.opID, c.running != nil
}

// Exhaust is "hello" or "isMaster" while the connection streams awaitable
// replies (connections.exhaustHello / exhaustIsMaster), "" otherwise.
func (c *ConnInfo) Exhaust() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exhausted
}

func (c *ConnInfo) setRunning(req *Request, opID int32, exhaust string, interrupt context.CancelCauseFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running, c.opID, c.exhausted, c.interrupt, c.killed = req, opID, exhaust, interrupt, false
	if req != nil {
		c.since = time.Now()
	}
}

// KillPending says whether the running request was interrupted by killOp.
func (c *ConnInfo) KillPending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.killed
}

// ErrKilled is the cause of a request context ended by Server.Interrupt:
// the handler answers Interrupted (11601) "operation was interrupted".
var ErrKilled = errors.New("operation was interrupted")

// Auth returns the authenticated user of the connection ("" if none).
func (c *ConnInfo) Auth() (user, db string, roles []Role) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user, c.userDB, c.roles
}

// SupportsHello says whether the client sent helloOk: true in a hello or
// isMaster: the server then says "not primary" where it used to say
// "not master" (client->supportsHello() in service_entry_point_common.cpp).
func (c *ConnInfo) SupportsHello() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.supportsHello
}

// snapshot copies the connection's fields under its lock.
func (c *ConnInfo) snapshot() *ConnInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &ConnInfo{ID: c.ID, Remote: c.Remote, AppName: c.AppName, ClientMetadata: c.ClientMetadata,
		supportsHello: c.supportsHello, user: c.user, userDB: c.userDB, roles: c.roles,
		running: c.running, since: c.since, opID: c.opID, exhausted: c.exhausted, killed: c.killed}
}

func (c *ConnInfo) setAuth(u User) {
	c.mu.Lock()
	c.user, c.userDB, c.roles = u.Name, u.DB, u.Roles
	c.mu.Unlock()
}

// Request is one command.
type Request struct {
	Conn   *ConnInfo
	DB     string   // $db, or the db of "db.$cmd" for OP_QUERY
	Name   string   // the command name: the body's first key
	Body   bson.Raw // document sequences are merged in as arrays
	Legacy bool     // arrived as OP_QUERY; the reply goes out as OP_REPLY
	// SecondaryOk is set by OP_QUERY's SecondaryOk flag or a $readPreference
	// wrapped around $query; an OP_MSG body carries its own $readPreference.
	SecondaryOk bool
}

// Handler answers commands.
type Handler interface {
	// Handle returns the reply document (it must contain ok). ctx ends when
	// the connection closes or the server stops, so a blocking handler ends,
	// or when killOp interrupts the request (cause ErrKilled).
	Handle(ctx context.Context, req *Request) bson.Raw
}

// User is a SCRAM user the server accepts.
type User struct {
	Name, DB, Password string
	Roles              []Role
}

// Options configure a Server.
type Options struct {
	TLS   *tls.Config // nil: plain TCP
	Users []User      // empty: authentication disabled
	// FirstConnID is the connection id before the first connection's, so
	// the listener's ids can stay clear of ids the handler makes up.
	FirstConnID int64
	Logf        func(format string, args ...any)
}

// Stats are what a server really served, apart from any simulated workload.
type Stats struct {
	Commands              map[string]int64
	BytesIn, BytesOut     int64
	ByApp                 map[string]AppStats
	InFlight, MaxInFlight int
}

// AppStats are Stats for one client appName.
type AppStats struct {
	Commands, BytesIn, BytesOut int64
	InFlight, MaxInFlight       int
}
