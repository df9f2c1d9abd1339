package probes

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// describeErr turns a driver error into one sentence for the node list,
// the footer and the audit log. The server's words in it are sanitized:
// an error message is text the server (or whoever named what failed)
// chose.
func describeErr(err error) string {
	return safetext.Line(describeErrText(err))
}

func describeErrText(err error) string {
	if strings.Contains(err.Error(), "connection refused") {
		return "connection refused" // also inside server-selection timeouts
	}
	if strings.Contains(err.Error(), "checking out a connection") {
		return "no answer (timed out waiting for a free connection to it)"
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err):
		return "no answer (timed out)"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case mongo.IsNetworkError(err):
		msg := err.Error()
		switch {
		case strings.Contains(msg, "connection refused"):
			return "connection refused"
		case strings.Contains(msg, "reset by peer"), strings.Contains(msg, "EOF"):
			return "connection reset"
		}
		return "network error: " + shorten(firstLine(msg), 120)
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		return shorten(firstLine(err.Error()), 160)
	}
	msg := err.Error()
	if strings.Contains(msg, "server selection") {
		if strings.Contains(msg, "connection refused") {
			return "connection refused"
		}
		return "unreachable (server selection timed out)"
	}
	return shorten(firstLine(msg), 160)
}

// shorten cuts s to at most n bytes, on a character boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func asDNS(err error, target **net.DNSError) bool { return errors.As(err, target) }

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isDialErr says whether err is a failed connection attempt (the dialer
// records those itself).
func isDialErr(err error) bool {
	var oe *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) || errors.As(err, &oe) && oe.Op == "dial"
}
