package probes

import (
	"context"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// dialWatch is the driver's dialer, remembering how the last connection
// attempt to each address went. The driver retries a refused node quietly
// until server selection gives up; the dial itself fails at once, so the
// node list can say "connection refused" now instead of "slow" for the
// whole connect timeout.
type dialWatch struct {
	d  net.Dialer
	mu sync.Mutex
	// last is the outcome of the newest attempt per address: "" for a
	// connection made.
	last map[string]string
	at   map[string]time.Time // when it failed (monotonic clock)
}

func newDialWatch(timeout time.Duration) *dialWatch {
	return &dialWatch{d: net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}, last: map[string]string{}, at: map[string]time.Time{}}
}

// DialContext implements the driver's options.ContextDialer.
func (w *dialWatch) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := w.d.DialContext(ctx, network, addr)
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
	if !strings.HasPrefix(w.last[addr], handshakeFailed) {
		w.last[addr], w.at[addr] = "", time.Now()
	}
}

const handshakeFailed = "its handshake failed: "

// note records how the newest attempt to reach addr went ("" for well).
func (w *dialWatch) note(addr, why string) {
	w.mu.Lock()
	w.last[addr], w.at[addr] = why, time.Now()
	w.mu.Unlock()
}

// failingSince is why the newest connection attempt to addr failed, if it
// failed after the given time (the node's last good answer); "" otherwise.
func (w *dialWatch) failingSince(addr string, since time.Time) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last[addr] == "" || !w.at[addr].After(since) {
		return ""
	}
	return w.last[addr]
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

// allRefused is the reason when every address's newest attempt was refused
// or did not resolve: nothing is listening there, and waiting for the
// connect timeout would only hide that. "" otherwise.
func (w *dialWatch) allRefused(addrs []string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	why := ""
	for _, a := range addrs {
		r := w.last[a]
		if r != "connection refused" && !strings.HasPrefix(r, "the name does not resolve") {
			return ""
		}
		why = r
	}
	return why
}

// cancelWhenAllRefuse cancels a connect as soon as every seed refused; the
// returned function stops the watch.
func (w *dialWatch) cancelWhenAllRefuse(ctx context.Context, seeds []string, cancel context.CancelFunc) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if w.allRefused(seeds) != "" {
					cancel()
					return
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(done) }
}

// describeDialErr names a failed connection attempt in the operator's
// words; the host name came from a server's host list: sanitized.
func describeDialErr(err error) string {
	return safetext.Line(describeDialErrText(err))
}

func describeDialErrText(err error) string {
	var dnsErr *net.DNSError
	switch {
	case asDNS(err, &dnsErr):
		return "the name does not resolve from here (" + dnsErr.Name + ")"
	case isRefused(err):
		return "connection refused"
	case isTimeout(err):
		return "no answer to the connection attempt"
	}
	return "cannot connect: " + shorten(firstLine(err.Error()), 120)
}
