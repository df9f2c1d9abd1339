package probes

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// maxBackoff caps how long an unreachable node waits before it is tried
// again; a member its set reports healthy is tried at once (followSet).
const maxBackoff = 5 * time.Second

// poll runs one cycle and returns its snapshot (the soak test drives it).
func (p *Poller) poll(ctx context.Context) Snapshot {
	return p.pollUntil(ctx, time.Now().Add(p.Interval()))
}

// pollUntil sends what is due and waits for the answers until deadline (the
// next tick), then assembles. A node's requests run one after another, so a
// node has at most one request of ours in flight; a node still busy with the
// last poll's is skipped, never queued behind.
func (p *Poller) pollUntil(ctx context.Context, deadline time.Time) Snapshot {
	p.maybeRediscover(ctx)
	byNode, order := p.dueJobs()
	done := make(chan struct{}, len(order))
	for _, addr := range order {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() { done <- struct{}{} }()
			p.runNode(ctx, addr, byNode[addr])
		}()
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for range order {
		select {
		case <-done:
		case <-timer.C:
			return p.assemble()
		case <-p.wake:
			return p.assemble()
		case <-ctx.Done():
			return Snapshot{}
		}
	}
	return p.assemble()
}

// dueJobs lists each probe due on each node, grouped by node, and marks
// those nodes busy.
func (p *Poller) dueJobs() (map[string][]probe, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	st.cycle++
	st.interval = p.Interval()
	now := st.now()
	byNode := map[string][]probe{}
	var order []string
	for _, pr := range p.probes {
		for _, addr := range pr.due(st) {
			ns, ok := st.nodes[addr]
			if !ok || ns.busy || now.Before(ns.nextTry) || ns.node.NotPolled != "" {
				continue // still answering the last poll, backing off, or not polled
			}
			if _, seen := byNode[addr]; !seen {
				order = append(order, addr)
			}
			byNode[addr] = append(byNode[addr], pr)
		}
	}
	for _, addr := range order {
		st.nodes[addr].busy = true
	}
	return byNode, order
}

// runNode sends one node's requests in turn. The concurrency slot is taken
// before the first and given back when they end, or once a request has
// waited a whole interval: a hung node then waits without a slot, so hung
// nodes cannot starve the healthy ones.
func (p *Poller) runNode(ctx context.Context, addr string, jobs []probe) {
	defer p.release(addr)
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	giveBack := sync.OnceFunc(func() { <-p.sem })
	defer giveBack()
	conn, err := p.pool.node(addr)
	for _, pr := range jobs {
		if err != nil {
			p.finish(addr, pr, nil, err, 0)
			continue
		}
		call := p.sent(addr, pr)
		call.conn = conn
		slot := time.AfterFunc(p.Interval(), giveBack)
		start := time.Now()
		apply, askErr := pr.ask(ctx, call)
		slot.Stop()
		p.finish(addr, pr, apply, askErr, time.Since(start))
		if ctx.Err() != nil {
			return
		}
	}
}

// sent records that a request is in flight and describes its node.
func (p *Poller) sent(addr string, pr probe) nodeCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	call := nodeCall{cfg: &p.cfg, now: p.now(), cycle: p.st.cycle, seed: addr == p.st.seedName}
	if ns, ok := p.st.nodes[addr]; ok {
		call.node = ns.node
		ns.run(pr.name()).sentAt = time.Now()
	}
	call.node.Address = addr
	return call
}

func (p *Poller) release(addr string) {
	p.mu.Lock()
	if ns, ok := p.st.nodes[addr]; ok {
		ns.busy = false
	}
	p.mu.Unlock()
}

// finish records an answer: its freshness, and its result through apply.
func (p *Poller) finish(addr string, pr probe, apply func(*state), err error, took time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	ns, ok := st.nodes[addr]
	if !ok {
		return // the node left the deployment meanwhile
	}
	run := ns.run(pr.name())
	run.sentAt, run.took = time.Time{}, took
	if err != nil {
		p.failedProbe(ns, run, pr, err)
		return
	}
	delete(st.unavailable, pr.name())
	now := st.now()
	for _, r := range ns.runs {
		if r.down { // it answered: whatever said unreachable is past
			r.down, r.err = false, ""
		}
	}
	run.err, run.lastOK = "", now
	ns.failures, ns.nextTry, ns.lastOK, ns.lastOKMono = 0, time.Time{}, now, time.Now()
	apply(st)
}

func (p *Poller) failedProbe(ns *nodeState, run *probeRun, pr probe, err error) {
	st := &p.st
	if reason, unavailable := notAvailable(err); unavailable {
		st.unavailable[pr.name()] = reason
		run.err = ""
		return
	}
	// A request is given up after DownAfter (Config): its node is down, and
	// the next one goes out after the backoff, so a node that hangs gets one
	// request per DownAfter at most and is seen again soon after it answers.
	run.err, run.down = describeErr(err), unreachable(err)
	if errors.Is(err, context.DeadlineExceeded) {
		run.err = "no answer within " + st.cfg.DownAfter.String()
	}
	if run.down {
		ns.failures++
		backoff := st.interval << min(ns.failures-1, 5)
		ns.nextTry = st.now().Add(min(backoff, maxBackoff))
		// A primary or router that answered before and fails now suggests
		// an election or a change; one never reached (a name that does not
		// resolve from here) does not.
		if (ns.node.Role == RolePrimary || ns.node.Role == RoleMongos) && !ns.lastOK.IsZero() {
			st.discNow = true
		}
	}
	if msg := err.Error(); strings.Contains(msg, "not primary") || strings.Contains(msg, "NotWritablePrimary") {
		st.discNow = true
	}
}

// unreachable says whether err means the node itself could not be reached
// (refused, reset, unresolvable, no answer at all, or our credentials
// refused), as opposed to one command failing on a node that answers.
func unreachable(err error) bool {
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "server selection") || strings.Contains(msg, "AuthenticationFailed") ||
		strings.Contains(msg, "auth error") || errors.Is(err, errShuttingDown)
}
