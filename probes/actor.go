package probes

import "context"

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
	OutcomeTimeout         Outcome = "timeout"         // no answer in time: the outcome is unknown
	OutcomeUnknown         Outcome = "unknown"         // sent, but whether it worked could not be checked
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
	// StopBalancer waits for the current round to end (up to a minute).
	StopBalancer(ctx context.Context) ActionResult
	StartBalancer(ctx context.Context) ActionResult
	// SetBalancerWindow sets config.settings' activeWindow; nil clears it.
	SetBalancerWindow(ctx context.Context, w *Window) ActionResult
}
