package probes

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var _ Actor = (*Poller)(nil)

// balancerWait bounds how long balancerStop waits for the round to end.
const balancerWait = 60 * time.Second

// KillOp kills one operation where it must be killed (the node itself, or
// the mongos for "shard:opid"), then checks whether it is gone.
func (p *Poller) KillOp(ctx context.Context, op Op) ActionResult {
	res := ActionResult{Action: "killOp", Target: op.KillVia, Args: "op=" + op.OpID + " ns=" + op.NS}
	if r, refused := p.refuse(res, p.Privileges().KillOp, p.Privileges().KillOpWhy); refused {
		return r
	}
	if op.System {
		res.Outcome, res.Message = OutcomeNotAllowed, "mongoscope does not kill internal operations (replication, balancer, TTL, monitoring): killing them can break the deployment"
		return p.refused(res, opSummary(op))
	}
	return p.act(res, opSummary(op), func() ActionResult { return p.killOp(ctx, res, op) })
}

// killOp sends the kill (unless the op has finished), then checks whether
// the op is gone.
func (p *Poller) killOp(ctx context.Context, res ActionResult, op Op) ActionResult {
	opValue := killOpValue(op.wireOpID())
	before, err := p.findOp(ctx, op.KillVia, opValue)
	if err == nil && !before {
		res.Outcome, res.Message = OutcomeAlreadyFinished, fmt.Sprintf("op %s had already finished; nothing was killed", op.OpID)
		return res
	}
	if _, err := p.command(ctx, op.KillVia, "admin", bson.D{{Key: "killOp", Value: 1}, {Key: "op", Value: opValue}}); err != nil {
		if unreachable(err) {
			return p.killOutcomeUnknown(ctx, res, op, opValue, err)
		}
		return p.failed(res, err, whyNoKillOp)
	}
	// killOp always answers ok; only $currentOp tells whether it worked.
	for i := 0; ; i++ {
		pending, present := p.opState(ctx, op.KillVia, opValue)
		if !present {
			res.Outcome, res.Message = OutcomeGone, fmt.Sprintf("killed op %s on %s: it is gone", op.OpID, shardOr(op))
			return res
		}
		if i == 4 {
			res.Outcome = OutcomeKillPending
			res.Message = fmt.Sprintf("op %s is still running (killPending=%v): it stops at its next interrupt point", op.OpID, pending)
			if strings.Contains(op.OpID, ":") && isWrite(op.Op) && op.LSID != "" {
				res.Message += "; a sharded write may need killSessions on its session"
			}
			return res
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			res.Outcome, res.Message = OutcomeFailed, "cancelled while checking the kill"
			return res
		}
	}
}

// killOutcomeUnknown reports a killOp whose answer never came: it may or
// may not have been applied, so mongoscope looks whether the op is gone.
func (p *Poller) killOutcomeUnknown(ctx context.Context, res ActionResult, op Op, opValue any, err error) ActionResult {
	res.Outcome = OutcomeUnknown
	res.Message = fmt.Sprintf("killOp on %s got no answer (%s): outcome unknown", shardOr(op), describeErr(err))
	if _, present := p.opState(ctx, op.KillVia, opValue); !present {
		res.Outcome, res.Message = OutcomeGone, res.Message+"; the op is gone now"
	} else {
		res.Message += "; the op may still be running"
	}
	return res
}

// KillSession ends an op's session (for sharded writes killOp can't stop).
func (p *Poller) KillSession(ctx context.Context, op Op) ActionResult {
	res := ActionResult{Action: "killSessions", Target: op.KillVia, Args: "lsid=" + op.LSID}
	if r, refused := p.refuse(res, p.Privileges().KillOp, p.Privileges().KillOpWhy); refused {
		return r
	}
	id, err := hex.DecodeString(op.LSID)
	if err != nil || len(id) != 16 {
		res.Outcome, res.Message = OutcomeFailed, "this op has no session id to kill"
		return p.refused(res, opSummary(op))
	}
	return p.act(res, opSummary(op), func() ActionResult {
		cmd := bson.D{{Key: "killSessions", Value: bson.A{bson.D{{Key: "id", Value: bson.Binary{Subtype: 4, Data: id}}}}}}
		if _, err := p.command(ctx, op.KillVia, "admin", cmd); err != nil {
			return p.failed(res, err, whyNoKillOp)
		}
		res.Outcome, res.Message = OutcomeDone, "killed the session of op "+op.OpID
		return res
	})
}

// StopBalancer disables new rounds and waits for the current one to end.
func (p *Poller) StopBalancer(ctx context.Context) ActionResult {
	return p.balancerCommand(ctx, "balancerStop")
}

// StartBalancer enables the balancer.
func (p *Poller) StartBalancer(ctx context.Context) ActionResult {
	return p.balancerCommand(ctx, "balancerStart")
}

func (p *Poller) balancerCommand(ctx context.Context, name string) ActionResult {
	target := p.mongosAddr()
	res := ActionResult{Action: name, Target: target, Args: fmt.Sprintf("maxTimeMS=%d", balancerWait.Milliseconds())}
	if r, refused := p.refuse(res, p.Privileges().Balancer, p.Privileges().BalancerWhy); refused {
		return r
	}
	return p.act(res, "", func() ActionResult { return p.sendBalancerCommand(ctx, res, name) })
}

// sendBalancerCommand runs balancerStop/Start; the server bounds the wait.
func (p *Poller) sendBalancerCommand(ctx context.Context, res ActionResult, name string) ActionResult {
	target := res.Target
	start := time.Now()
	cmd := bson.D{{Key: name, Value: 1}, {Key: "maxTimeMS", Value: balancerWait.Milliseconds()}}
	c, err := p.pool.node(target)
	if err == nil {
		// The server bounds the wait (maxTimeMS); ours only guards a hang.
		_, err = c.command(ctx, balancerWait+p.cfg.ActionTimeout, "admin", cmd)
	}
	waited := time.Since(start).Round(100 * time.Millisecond)
	switch {
	case err == nil && name == "balancerStop":
		res.Outcome, res.Message = OutcomeDone, fmt.Sprintf("balancer stopped (waited %s for the round to end)", waited)
	case err == nil:
		res.Outcome, res.Message = OutcomeDone, "balancer started"
	case commandCode(err) == 50:
		res.Outcome = OutcomeTimeout
		res.Message = fmt.Sprintf("%s timed out after %s waiting for the current round; new rounds are disabled but a migration may still be running", name, waited)
	case unreachable(err):
		res.Outcome = OutcomeUnknown
		res.Message = fmt.Sprintf("%s got no answer from %s after %s (%s): outcome unknown; the balancer pane shows its state at the next poll", name, target, waited, describeErr(err))
	default:
		return p.failed(res, err, whyNoBalancer)
	}
	return res
}

// SetBalancerWindow sets (or, with nil, clears) the balancer's active window.
func (p *Poller) SetBalancerWindow(ctx context.Context, w *Window) ActionResult {
	target := p.mongosAddr()
	res := ActionResult{Action: "setBalancerWindow", Target: target, Args: "clear"}
	update := bson.D{{Key: "$unset", Value: bson.D{{Key: "activeWindow", Value: 1}}}}
	if w != nil {
		if _, ok := clockMinutes(w.Start); !ok {
			res.Outcome, res.Message = OutcomeFailed, "the window start must be HH:MM"
			return res
		}
		if _, ok := clockMinutes(w.Stop); !ok {
			res.Outcome, res.Message = OutcomeFailed, "the window stop must be HH:MM"
			return res
		}
		res.Args = w.Start + "-" + w.Stop
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "activeWindow", Value: bson.D{{Key: "start", Value: w.Start}, {Key: "stop", Value: w.Stop}}}}}}
	}
	if r, refused := p.refuse(res, p.Privileges().Balancer, p.Privileges().BalancerWhy); refused {
		return r
	}
	return p.act(res, "", func() ActionResult {
		c, err := p.pool.node(target)
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, p.cfg.ActionTimeout)
			_, err = c.c.Database("config").Collection("settings").UpdateOne(cctx, bson.D{{Key: "_id", Value: "balancer"}}, update, options.UpdateOne().SetUpsert(true))
			cancel()
		}
		if err != nil {
			return p.failed(res, err, whyNoBalancer)
		}
		res.Outcome, res.Message = OutcomeDone, "balancer window set to "+res.Args
		return res
	})
}

func (p *Poller) refuse(res ActionResult, allowed bool, why string) (ActionResult, bool) {
	switch {
	case p.cfg.ReadOnly:
		res.Outcome, res.Message = OutcomeNotAllowed, "mongoscope runs with --read-only: no action is sent"
	case !allowed:
		res.Outcome, res.Message = OutcomeNotAllowed, "not allowed: "+why
	default:
		return res, false
	}
	return p.refused(res, ""), true
}

func (p *Poller) failed(res ActionResult, err error, why string) ActionResult {
	if commandCode(err) == 13 {
		res.Outcome, res.Message = OutcomeNotAllowed, "refused by the server: "+why
		return res
	}
	res.Outcome, res.Message = OutcomeFailed, res.Action+" failed: "+describeErr(err)
	return res
}

// act writes the action's intent to the audit log, synced, then runs it
// and appends its outcome. If the intent cannot be written nothing is
// sent: an action that leaves no trace is not taken.
func (p *Poller) act(res ActionResult, op string, send func() ActionResult) ActionResult {
	id, err := p.cfg.Audit.Intent(res, op, p.now())
	if err != nil {
		res.Outcome = OutcomeNotAllowed
		res.Message = fmt.Sprintf("%s not sent: the audit log cannot be written (%v); fix it, or restart mongoscope with --audit-log on a writable file", res.Action, err)
		return res
	}
	out := send()
	if err := p.cfg.Audit.Outcome(id, out, p.now()); err != nil {
		out.Message += " (its outcome could not be written to the audit log: " + err.Error() + ")"
	}
	return out
}

// refused records an action refused before anything was sent.
func (p *Poller) refused(res ActionResult, op string) ActionResult {
	if err := p.cfg.Audit.Refused(res, op, p.now()); err != nil {
		res.Message += " (not written to the audit log: " + err.Error() + ")"
	}
	return res
}

// opSummary is the op acted on, for the audit log: what it is, where, for
// how long, and who runs it (all sanitized text).
func opSummary(op Op) string {
	s := fmt.Sprintf("%s %s on %s, running %.0fs, opid %s, app %q, client %s, user %s", op.Op, op.NS, shardOr(op),
		op.SecsRunning, op.OpID, op.AppName, op.Client, op.User)
	if op.Command != "" {
		s += ", command " + shorten(op.Command, 300)
	}
	return s
}

// command runs one request of an action, bounded by ActionTimeout.
func (p *Poller) command(ctx context.Context, addr, db string, cmd bson.D) (bson.Raw, error) {
	c, err := p.pool.node(addr)
	if err != nil {
		return nil, err
	}
	return c.command(ctx, p.cfg.ActionTimeout, db, cmd)
}

// findOp says whether the op is running on addr now.
func (p *Poller) findOp(ctx context.Context, addr string, opValue any) (bool, error) {
	c, err := p.pool.node(addr)
	if err != nil {
		return false, err
	}
	docs, err := c.aggregate(ctx, p.cfg.ActionTimeout, "admin", "", p.opMatch(addr, opValue), 1)
	return len(docs) > 0, err
}

func (p *Poller) opState(ctx context.Context, addr string, opValue any) (pending, present bool) {
	c, err := p.pool.node(addr)
	if err != nil {
		return false, true
	}
	docs, err := c.aggregate(ctx, p.cfg.ActionTimeout, "admin", "", p.opMatch(addr, opValue), 1)
	if err != nil {
		return false, true // unknown: don't claim it is gone
	}
	if len(docs) == 0 {
		return false, false
	}
	return getBool(docs[0], "killPending"), true
}

func (p *Poller) opMatch(addr string, opValue any) bson.A {
	p.mu.Lock()
	viaMongos := p.st.nodes[addr] != nil && p.st.nodes[addr].node.Role == RoleMongos
	p.mu.Unlock()
	return bson.A{currentOpStage(viaMongos, false), bson.D{{Key: "$match", Value: bson.D{{Key: "opid", Value: opValue}}}}}
}

func (p *Poller) mongosAddr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m := p.st.mongos(); m != nil {
		return m.node.Address
	}
	return p.seedName()
}

// killOpValue is what killOp takes: "shard:opid" through mongos, a number
// on mongod (int32 while it fits, as mongod reports opids).
func killOpValue(opid string) any {
	n, ok := numericOpID(opid)
	if !ok {
		return opid
	}
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		return int32(n)
	}
	return n
}

func isWrite(op string) bool {
	return op == "insert" || op == "update" || op == "remove" || op == "delete"
}

func shardOr(op Op) string {
	if op.Shard != "" {
		return op.Shard
	}
	return op.Node
}
