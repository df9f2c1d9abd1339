package probes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// nodeState is what the poller remembers about one node between ticks.
type nodeState struct {
	node Node
	// busy is set while this node's requests of a poll are running; they run
	// one at a time, so the node never has more than one of ours in flight.
	busy      bool
	busySince time.Time
	slow      bool
	cur       *statusSample
	prev      *statusSample
	err       string
	failures  int
	nextTry   time.Time
	lastOK    time.Time
}

type statusSample struct {
	s  ServerStatus
	at time.Time // the server's localTime, or when we got the reply
}

// job is one request of one probe to one node.
type job struct {
	node, probe string
	run         func(ctx context.Context) (any, error)
}

// applyDiscoveryLocked installs a new node list, keeping what we know of
// nodes that stay.
func (p *Poller) applyDiscoveryLocked(dep Deployment) {
	if len(p.dep.Nodes) > 0 {
		if ch := diffNodes(p.dep.Nodes, dep.Nodes); len(ch) > 0 {
			p.changes = append(p.changes, ch...)
		}
	}
	nodes := make(map[string]*nodeState, len(dep.Nodes))
	for _, n := range dep.Nodes {
		ns, ok := p.nodes[n.Address]
		if !ok {
			ns = &nodeState{}
		}
		ns.node = n
		nodes[n.Address] = ns
	}
	p.nodes = nodes
	p.dep = dep
	p.lastDisc = p.now()
	p.discNow = false
}

// maybeRediscover re-runs discovery every 30 s, or at once after an error
// that suggests the deployment changed, in the background.
func (p *Poller) maybeRediscover(ctx context.Context) {
	p.mu.Lock()
	due := !p.discBusy && (p.discNow || p.now().Sub(p.lastDisc) >= p.cfg.Rediscover)
	if due {
		p.discBusy = true
	}
	p.mu.Unlock()
	if !due {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		dep, err := p.discover(ctx)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.discBusy = false
		if err != nil {
			p.lastDisc = p.now() // retry on the normal cadence
			return
		}
		p.applyDiscoveryLocked(dep)
	}()
}

// finish records a job's outcome.
func (p *Poller) finish(j job, res any, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ns, ok := p.nodes[j.node]
	if err != nil {
		if reason, unavailable := notAvailable(err); unavailable {
			p.stream.unavailable[j.probe] = reason
			return
		}
		if !ok {
			return
		}
		if j.probe == probeStatus || mongo.IsNetworkError(err) || errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err) {
			ns.err = describeErr(err, j.node, p.cfg.Timeout)
			ns.slow = errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err)
			ns.failures++
			backoff := p.Interval() << min(ns.failures-1, 5)
			ns.nextTry = p.now().Add(min(backoff, 30*time.Second))
			if ns.node.Role == RolePrimary || ns.node.Role == RoleMongos {
				p.discNow = true
			}
		}
		if strings.Contains(err.Error(), "not primary") || strings.Contains(err.Error(), "NotWritablePrimary") {
			p.discNow = true
		}
		p.stream.errors[j.probe] = describeErr(err, j.node, p.cfg.Timeout)
		return
	}
	delete(p.stream.unavailable, j.probe)
	delete(p.stream.errors, j.probe)
	if ok {
		ns.err, ns.slow, ns.failures, ns.nextTry = "", false, 0, time.Time{}
		ns.lastOK = p.now()
	}
	p.stream.record(p, j, ns, res)
}

// connectError turns the first discovery's failure into one sentence.
func (p *Poller) connectError(err error) error {
	msg := redactErr(err, p.cfg)
	hosts := strings.Join(p.seedHosts(), ",")
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "certificate") || strings.Contains(lower, "tls") || strings.Contains(lower, "x509"):
		return fmt.Errorf("%w: TLS handshake with %s failed (%s): check --tls-ca-file or the tls options", ErrUnreachable, hosts, shorten(lastClause(msg), 140))
	case strings.Contains(lower, "authentication failed") || strings.Contains(lower, "auth error") || strings.Contains(lower, "authenticationfailed"):
		user := p.cfg.Username
		if user == "" && p.base.Auth != nil {
			user = p.base.Auth.Username
		}
		src := "admin"
		if p.base.Auth != nil && p.base.Auth.AuthSource != "" {
			src = p.base.Auth.AuthSource
		}
		return fmt.Errorf("%w for user %q on %s: check the username and password (and --tls/authSource options)", ErrAuth, user, src)
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(lower, "server selection") || mongo.IsNetworkError(err):
		reason := "no answer"
		if strings.Contains(lower, "connection refused") {
			reason = "connection refused"
		} else if strings.Contains(lower, "no such host") {
			reason = "host name not found"
		}
		return fmt.Errorf("%w: cannot reach %s within %s: %s", ErrUnreachable, hosts, p.cfg.ConnectTimeout, reason)
	}
	return fmt.Errorf("%w: %s: %s", ErrUnreachable, hosts, shorten(firstLine(msg), 160))
}

func lastClause(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
