package probes

import (
	"context"
	"time"
)

// Config says how to reach the deployment and how hard to poll it.
type Config struct {
	URI            string // anything the v2 Go driver accepts
	Username       string // overrides the URI's user when set
	Password       string // never logged, never recorded
	TLSCAFile      string
	TLSCertKeyFile string
	TLSInsecure    bool
	ConnectTimeout time.Duration // default 10s
	Interval       time.Duration // default 1s, minimum 100ms
	// Timeout is how long a node may take to answer before it is shown
	// slow (its request keeps waiting: see Poller.poll), and bounds each
	// action's requests; default 80% of the interval, at most 5s.
	Timeout time.Duration
	// MaxConcurrency bounds requests in flight across all nodes (default 16).
	MaxConcurrency int
	// MaxOps is how many ops a Snapshot keeps (the longest-running); OpsTotal
	// still counts them all. Default 500.
	MaxOps int
	// LongOpSecs is the threshold for FlagLong (default 60).
	LongOpSecs float64
	AppName    string // default "mongoscope"
	// Rediscover is how often the topology is discovered again (default
	// 30 s); errors that suggest a change trigger it at once.
	Rediscover time.Duration
	ReadOnly   bool // actions refuse without sending anything
	Audit      *AuditLog
	Now        func() time.Time // default time.Now; tests and soak runs fake it
}

// Privileges says which actions the connected user may take, read once from
// connectionStatus{showPrivileges: true}.
type Privileges struct {
	KillOp      bool   `json:"killOp"`
	KillOpWhy   string `json:"killOpWhy,omitempty"` // why not, as a sentence naming the missing privilege
	Balancer    bool   `json:"balancer"`
	BalancerWhy string `json:"balancerWhy,omitempty"`
}

// Outcome is what an action achieved.
type Outcome string

const (
	OutcomeDone            Outcome = "done"            // balancer stopped/started, window set
	OutcomeGone            Outcome = "gone"            // op killed and no longer running
	OutcomeKillPending     Outcome = "killPending"     // op still running, killPending
	OutcomeAlreadyFinished Outcome = "alreadyFinished" // op had finished before the kill
	OutcomeNotAllowed      Outcome = "notAllowed"      // read-only or missing privilege
	OutcomeTimeout         Outcome = "timeout"
	OutcomeFailed          Outcome = "failed"
)

// ActionResult says what an action did, in a sentence fit for the footer.
type ActionResult struct {
	Action  string  `json:"action"` // killOp, killSessions, balancerStop, balancerStart, setBalancerWindow
	Target  string  `json:"target"` // node address or mongos
	Args    string  `json:"args"`
	Outcome Outcome `json:"outcome"`
	Message string  `json:"message"`
}

// Actor is what the TUI needs to act on the deployment; *Poller implements
// it, and tests substitute a fake.
type Actor interface {
	Privileges() Privileges
	KillOp(ctx context.Context, op Op) ActionResult
	KillSession(ctx context.Context, op Op) ActionResult
	// StopBalancer waits for the current round to end; progress is called
	// now and then with the time waited so far.
	StopBalancer(ctx context.Context, progress func(waited time.Duration)) ActionResult
	StartBalancer(ctx context.Context) ActionResult
	// SetBalancerWindow sets config.settings' activeWindow; nil clears it.
	SetBalancerWindow(ctx context.Context, w *Window) ActionResult
}
