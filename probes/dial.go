package probes

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// dialWatch is the driver's dialer. It decides where each node is really
// dialed (the --map entries, and the seed's own name aliased to the address
// the user gave), dials through the SSH bastion when there is one, and
// remembers how the last connection attempt to each node went. The driver
// retries a refused node quietly until server selection gives up; the dial
// itself fails at once, so the node list can say "connection refused" now
// instead of "slow" for the whole connect timeout.
type dialWatch struct {
	d    net.Dialer
	hmap hostMap
	jump *sshJump // nil: dial directly
	mu   sync.Mutex
	// last is the outcome of the newest attempt per node address: "" for a
	// connection made; at is when it failed (monotonic clock).
	last map[string]string
	at   map[string]time.Time
	// alias maps a node's own name (hello's me) to the address the user
	// gave for it: the seed is always reached the way the user reached it.
	alias map[string]string
	// Both are keyed in lower case: the driver lower-cases host names.
}

func newDialWatch(timeout time.Duration, hmap hostMap, jump *sshJump) *dialWatch {
	return &dialWatch{d: net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}, hmap: hmap, jump: jump,
		last: map[string]string{}, at: map[string]time.Time{}, alias: map[string]string{}}
}

// DialContext implements the driver's options.ContextDialer; addr is the
// node's name as the deployment gives it.
func (w *dialWatch) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := w.dialTarget(ctx, network, w.route(addr))
	switch {
	case err == nil:
		w.connected(addr)
	case ctx.Err() == nil:
		w.note(addr, describeDialErr(err))
	}
	return c, err
}

// connected records a connection made; a handshake that failed on the
// last one still stands until a handshake or a request succeeds.
func (w *dialWatch) connected(addr string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := strings.ToLower(addr)
	if !strings.HasPrefix(w.last[k], handshakeFailed) {
		w.last[k], w.at[k] = "", time.Now()
	}
}

const handshakeFailed = "its handshake failed: "

// note records how the newest attempt to reach addr went ("" for well).
func (w *dialWatch) note(addr, why string) {
	k := strings.ToLower(addr)
	w.mu.Lock()
	w.last[k], w.at[k] = why, time.Now()
	w.mu.Unlock()
}

// failingSince is why the newest connection attempt to addr failed, if it
// failed after the given time (the node's last good answer); "" otherwise.
func (w *dialWatch) failingSince(addr string, since time.Time) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := strings.ToLower(addr)
	if w.last[k] == "" || !w.at[k].After(since) {
		return ""
	}
	return w.last[k]
}

// Dialed is how the newest connection attempt to each address went: "" for
// connected, else why not. The connecting screen shows it while discovery
// runs.
func (p *Poller) Dialed() map[string]string {
	p.dial.mu.Lock()
	defer p.dial.mu.Unlock()
	out := make(map[string]string, len(p.dial.last))
	for addr, why := range p.dial.last {
		out[addr] = why
	}
	return out
}

func (w *dialWatch) dialTarget(ctx context.Context, network, target string) (net.Conn, error) {
	if w.jump != nil {
		return w.jump.dial(ctx, target)
	}
	return w.d.DialContext(ctx, network, target)
}

// route is where the node named addr is dialed: an explicit --map entry
// first, else the address the user gave for it (mapped in turn), else addr.
func (w *dialWatch) route(addr string) string {
	if to, ok := w.hmap.lookup(addr); ok {
		return to
	}
	w.mu.Lock()
	given, aliased := w.alias[strings.ToLower(addr)]
	w.mu.Unlock()
	if aliased {
		to, _ := w.hmap.lookup(given)
		return to
	}
	return addr
}

// dialAddress is where addr is dialed when that is not addr itself.
func (w *dialWatch) dialAddress(addr string) string {
	if to := w.route(addr); to != addr {
		return to
	}
	return ""
}

// aliasSeed makes the node named name be dialed at given, the address the
// user gave and the node answered on.
func (w *dialWatch) aliasSeed(name, given string) {
	if name == given || name == "" {
		return
	}
	w.mu.Lock()
	w.alias[strings.ToLower(name)] = given
	w.mu.Unlock()
}

// check opens and closes one connection to addr, so that an address that
// cannot be reached fails now, in words, rather than after the driver's
// server selection timeout.
func (w *dialWatch) check(ctx context.Context, addr string) error {
	c, err := w.DialContext(ctx, "tcp", addr)
	if err != nil {
		if why := w.failing(addr); why != "" {
			return reachError{why}
		}
		return err
	}
	return c.Close()
}

// failing is why the newest connection attempt to addr failed; "" if it
// succeeded or none was made.
func (w *dialWatch) failing(addr string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last[strings.ToLower(addr)]
}

// describeDialErr names a failed connection attempt in the operator's words.
func describeDialErr(err error) string {
	var dnsErr *net.DNSError
	var chanErr *ssh.OpenChannelError
	switch {
	case asDNS(err, &dnsErr):
		return "the name does not resolve from here (" + shorten(safetext.Line(dnsErr.Name), 100) + ")"
	case errors.Is(err, ErrUnreachable): // the bastion itself
		return strings.TrimPrefix(err.Error(), ErrUnreachable.Error()+": ")
	case errors.As(err, &chanErr):
		return describeBastionRefusal(chanErr)
	case isRefused(err):
		return "connection refused"
	case isTimeout(err):
		return "no answer to the connection attempt"
	}
	return "cannot connect: " + shorten(firstLine(safetext.Line(err.Error())), 120)
}

// describeBastionRefusal words the bastion's refusal to open a forward.
func describeBastionRefusal(e *ssh.OpenChannelError) string {
	msg := strings.ToLower(e.Message)
	switch {
	case strings.Contains(msg, "no such host") || strings.Contains(msg, "not known") || strings.Contains(msg, "resolve"):
		return "the name does not resolve from the bastion"
	case strings.Contains(msg, "refused"):
		return "connection refused (from the bastion)"
	case strings.Contains(msg, "timeout") || strings.Contains(msg, "timed out"):
		return "no answer to the bastion's connection attempt"
	case e.Reason == ssh.Prohibited:
		return "the bastion does not allow forwarding there"
	}
	return "the bastion cannot connect: " + shorten(firstLine(safetext.Line(e.Message)), 100)
}
