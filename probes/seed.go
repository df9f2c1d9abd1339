package probes

import (
	"context"
	"errors"
	"fmt"
	"github.com/mongoscope/mongoscope/internal/safetext"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// seedAnswer is the node discovery starts from: the first host of the
// connection string to answer hello. It is always polled through the
// address the user gave, whatever name it gives of itself.
type seedAnswer struct {
	given string // the address in the connection string
	name  string // the node's own name (hello's me, replSetGetStatus self), else given
	hello bson.Raw
	conn  *nodeConn
}

// seedConcurrency bounds the hosts of the connection string tried at once.
const seedConcurrency = 32

// seedShown is how many failing hosts an error line names before "and N more".
const seedShown = 3

// reachError is a host that could not be reached, in the operator's words.
type reachError struct{ why string }

func (e reachError) Error() string { return e.why }

// reachSeed finds the node to discover from: the last seed while it still
// answers, else the first host of the connection string to answer.
func (p *Poller) reachSeed(ctx context.Context) (seedAnswer, error) {
	p.mu.Lock()
	name, given := p.st.seedName, p.st.seedGiven
	p.mu.Unlock()
	if given != "" {
		if conn, err := p.pool.node(name); err == nil {
			if hello, err := conn.command(ctx, p.cfg.ConnectTimeout, "admin", helloCmd); err == nil {
				return seedAnswer{given: given, name: name, hello: hello, conn: conn}, nil
			}
		}
	}
	return p.helloSeeds(ctx)
}

var helloCmd = bson.D{{Key: "hello", Value: 1}}

type seedResult struct {
	addr  string
	hello bson.Raw
	err   error
}

// helloSeeds asks every host of the connection string at once (a few
// dozen at a time), all within one connect timeout, and takes the first
// to answer; the others are called off.
func (p *Poller) helloSeeds(ctx context.Context) (seedAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	defer cancel()
	hosts := p.seedHosts()
	results := make(chan seedResult, len(hosts))
	slots := make(chan struct{}, seedConcurrency)
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
				hello, err := p.helloGiven(ctx, h)
				<-slots
				results <- seedResult{h, hello, err}
			case <-ctx.Done():
				results <- seedResult{h, nil, ctx.Err()}
			}
		}()
	}
	var won *seedResult
	failed := make(map[string]error, len(hosts))
	for range hosts {
		r := <-results
		if r.err == nil && won == nil {
			won = &r
			cancel()
			continue
		}
		failed[r.addr] = r.err
	}
	wg.Wait()
	if won == nil {
		return seedAnswer{}, p.seedError(hosts, failed)
	}
	return p.answeredAs(won.addr, won.hello)
}

// helloGiven asks one host of the connection string for hello on a
// connection of its own. The host is dialed first, so one that cannot be
// reached fails at once, in words.
func (p *Poller) helloGiven(ctx context.Context, addr string) (bson.Raw, error) {
	if err := p.dial.check(ctx, addr); err != nil {
		return nil, err
	}
	c, err := mongo.Connect(nodeOptions(p.pool.base, addr, p.pool.meter, p.cfg.ConnectTimeout, nil))
	if err != nil {
		return nil, err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		c.Disconnect(dctx)
	}()
	return runCommand(ctx, c, p.cfg.ConnectTimeout, "admin", helloCmd)
}

// answeredAs makes the node that answered on given the seed: dialed at
// given under its own name.
func (p *Poller) answeredAs(given string, hello bson.Raw) (seedAnswer, error) {
	name := given
	if me := getString(hello, "me"); me != "" {
		name = me
	}
	p.dial.aliasSeed(name, given)
	conn, err := p.pool.node(name)
	if err != nil {
		return seedAnswer{}, fmt.Errorf("%w: %s", ErrUnreachable, describeErr(err))
	}
	return seedAnswer{given: given, name: name, hello: hello, conn: conn}, nil
}

// seedError is one line for hosts none of which answered: the one host's
// reason, or the first few hosts with theirs and how many more failed.
func (p *Poller) seedError(hosts []string, failed map[string]error) error {
	for _, h := range hosts { // wrong credentials or TLS say more than the rest
		if tls, auth := tlsOrAuth(failed[h]); tls || auth {
			return p.connectError(h, failed[h])
		}
	}
	if len(hosts) == 1 {
		return p.connectError(hosts[0], failed[hosts[0]])
	}
	var parts []string
	for _, h := range hosts[:min(seedShown, len(hosts))] {
		parts = append(parts, fmt.Sprintf("%s (%s)", safetext.Line(h), reasonFor(failed[h])))
	}
	more := ""
	if n := len(hosts) - seedShown; n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	return fmt.Errorf("%w: none of the %d hosts answered within %s: %s%s", ErrUnreachable, len(hosts),
		p.cfg.ConnectTimeout, strings.Join(parts, ", "), more)
}

// connectError turns one host's failure into one sentence naming it.
func (p *Poller) connectError(host string, err error) error {
	if err == nil {
		err = context.DeadlineExceeded
	}
	host = safetext.Line(host)
	switch tls, auth := tlsOrAuth(err); {
	case tls:
		msg := safetext.Line(redactErr(err, p.cfg))
		return fmt.Errorf("%w: TLS handshake with %s failed (%s): check --tls-ca-file or the tls options", ErrUnreachable, host, shorten(lastClause(msg), 140))
	case auth:
		return p.authError()
	}
	return fmt.Errorf("%w: cannot reach %s within %s: %s", ErrUnreachable, host, p.cfg.ConnectTimeout, reasonFor(err))
}

// tlsOrAuth says whether a host's failure is the TLS handshake or our
// credentials, which say more than its being unreachable.
func tlsOrAuth(err error) (tls, auth bool) {
	var reach reachError
	if err == nil || errors.As(err, &reach) {
		return false, false
	}
	lower := strings.ToLower(err.Error())
	tls = strings.Contains(lower, "certificate") || strings.Contains(lower, "tls") || strings.Contains(lower, "x509")
	auth = strings.Contains(lower, "authentication failed") || strings.Contains(lower, "auth error") || strings.Contains(lower, "authenticationfailed")
	return tls, auth
}

func (p *Poller) authError() error {
	user := p.cfg.Username
	if user == "" && p.pool.base.Auth != nil {
		user = p.pool.base.Auth.Username
	}
	src := "admin"
	if p.pool.base.Auth != nil && p.pool.base.Auth.AuthSource != "" {
		src = p.pool.base.Auth.AuthSource
	}
	return fmt.Errorf("%w for user %q on %s: check the username and password (and --tls/authSource options)", ErrAuth, user, src)
}

// reasonFor is why a host did not answer, in a few words.
func reasonFor(err error) string {
	var reach reachError
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case errors.As(err, &reach):
		return reach.why
	case strings.Contains(msg, "checking out a connection"):
		return describeErr(err)
	case err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "no answer"
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	case strings.Contains(msg, "no such host"):
		return "the name does not resolve from here"
	}
	return safetext.Line(describeErr(err))
}

func lastClause(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
