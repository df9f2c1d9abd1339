package probes

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

var uriCredentials = regexp.MustCompile(`(mongodb(?:\+srv)?://)([^:@/]+):([^@/]*)@`)

// RedactURI hides the password of a connection string: user:****@host.
func RedactURI(s string) string {
	return uriCredentials.ReplaceAllString(s, "${1}${2}:****@")
}

// Redact removes every trace of the configured password from a message.
func Redact(msg string, password string) string {
	msg = RedactURI(msg)
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "****")
		if esc := url.QueryEscape(password); esc != password {
			msg = strings.ReplaceAll(msg, esc, "****")
		}
	}
	return msg
}

// passwordOf extracts the URI's password (for redaction).
func passwordOf(uri string) string {
	if m := uriCredentials.FindStringSubmatch(uri); m != nil {
		p, err := url.PathUnescape(m[3])
		if err != nil {
			return m[3]
		}
		return p
	}
	return ""
}

func redactErr(err error, cfg Config) string {
	msg := Redact(err.Error(), cfg.Password)
	return Redact(msg, passwordOf(cfg.URI))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// describeErr turns a driver error into one sentence for the node list.
func describeErr(err error) string {
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

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func asDNS(err error, target **net.DNSError) bool { return errors.As(err, target) }

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
