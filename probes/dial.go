package probes

import (
	"context"
	"net"
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
}

func newDialWatch(timeout time.Duration) *dialWatch {
	return &dialWatch{d: net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}, last: map[string]string{}}
}

// DialContext implements the driver's options.ContextDialer.
func (w *dialWatch) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := w.d.DialContext(ctx, network, addr)
	why := ""
	if err != nil && ctx.Err() == nil {
		why = describeDialErr(err)
	}
	w.mu.Lock()
	if err == nil || why != "" {
		w.last[addr] = why
	}
	w.mu.Unlock()
	return c, err
}

// failing is why the newest connection attempt to addr failed; "" if it
// succeeded or none was made.
func (w *dialWatch) failing(addr string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last[addr]
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
