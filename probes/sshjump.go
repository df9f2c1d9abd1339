package probes

import (
	"context"
	"errors"
	"fmt"
	"github.com/mongoscope/mongoscope/internal/safetext"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshJump dials every node through one SSH bastion (direct-tcpip, as
// `ssh -J` does), so names that resolve only inside the deployment's
// network are resolved by the bastion. One SSH connection carries every
// node's connections; it is made again when it drops.
type sshJump struct {
	bastion string // host:port
	user    string
	cfg     *ssh.ClientConfig
	timeout time.Duration
	agent   net.Conn // the agent's socket, closed with the jump
	offered string   // which keys the login offers, for a refusal

	mu      sync.Mutex
	client  *ssh.Client
	closed  bool
	watches sync.WaitGroup // one per connection made, until it ends
}

// newSSHJump checks the --ssh settings and prepares the client config; it
// does not connect.
func newSSHJump(cfg Config) (*sshJump, error) {
	user, host, found := strings.Cut(cfg.SSH, "@")
	if !found {
		user, host = cfg.SSHUser, cfg.SSH
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "22")
	}
	if user == "" || strings.HasPrefix(host, ":") {
		return nil, fmt.Errorf("%w: --ssh %q: use user@bastion[:port]", ErrBadURI, cfg.SSH)
	}
	j := &sshJump{bastion: host, user: user, timeout: cfg.ConnectTimeout}
	auth, err := j.authMethods(cfg)
	if err != nil {
		return nil, err
	}
	hostKey, algos, err := hostKeyCheck(cfg, host)
	if err != nil {
		j.close()
		return nil, err
	}
	j.cfg = &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: hostKey, HostKeyAlgorithms: algos,
		Timeout: cfg.ConnectTimeout, ClientVersion: "SSH-2.0-mongoscope"}
	return j, nil
}

// authMethods offers the identity file, then the agent's keys.
func (j *sshJump) authMethods(cfg Config) ([]ssh.AuthMethod, error) {
	var signers []ssh.Signer
	if cfg.SSHIdentity != "" {
		pem, err := os.ReadFile(cfg.SSHIdentity)
		if err != nil {
			return nil, fmt.Errorf("%w: --ssh-identity: %v", ErrBadURI, unwrapPath(err))
		}
		s, err := ssh.ParsePrivateKey(pem)
		var pass *ssh.PassphraseMissingError
		if errors.As(err, &pass) {
			return nil, fmt.Errorf("%w: --ssh-identity %s is protected by a passphrase: add it to ssh-agent (ssh-add) and leave --ssh-identity out", ErrBadURI, cfg.SSHIdentity)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: --ssh-identity %s: not a private key (%v)", ErrBadURI, cfg.SSHIdentity, err)
		}
		signers = append(signers, s)
	}
	var fromAgent func() ([]ssh.Signer, error)
	if cfg.SSHAgentSocket != "" {
		conn, err := net.DialTimeout("unix", cfg.SSHAgentSocket, cfg.ConnectTimeout)
		if err == nil {
			j.agent = conn
			fromAgent = agent.NewClient(conn).Signers
		} else if len(signers) == 0 {
			return nil, fmt.Errorf("%w: cannot reach the SSH agent at %s (%v): pass --ssh-identity FILE", ErrBadURI, cfg.SSHAgentSocket, unwrapOp(err))
		}
	}
	switch {
	case len(signers) == 0 && j.agent == nil:
		return nil, fmt.Errorf("%w: --ssh needs a key: pass --ssh-identity FILE or run ssh-agent (SSH_AUTH_SOCK)", ErrBadURI)
	case j.agent == nil:
		j.offered = "the key in " + cfg.SSHIdentity
	case len(signers) == 0:
		j.offered = "the SSH agent's keys"
	default:
		j.offered = "the key in " + cfg.SSHIdentity + " and the SSH agent's keys"
	}
	// One publickey method: the client tries each method name only once.
	return []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		if fromAgent == nil {
			return signers, nil
		}
		more, err := fromAgent()
		if err != nil && len(signers) == 0 {
			return nil, err
		}
		return append(append([]ssh.Signer(nil), signers...), more...), nil
	})}, nil
}

// hostKeyCheck checks the bastion's key against known_hosts, offering the
// key types known_hosts holds for it so the server does not present
// another; --ssh-insecure-host-key skips the check by explicit choice.
func hostKeyCheck(cfg Config, bastion string) (ssh.HostKeyCallback, []string, error) {
	if cfg.SSHInsecureHostKey {
		return ssh.InsecureIgnoreHostKey(), nil, nil
	}
	if cfg.SSHKnownHosts == "" {
		return nil, nil, fmt.Errorf("%w: --ssh: no known_hosts file to check %s against (or pass --ssh-insecure-host-key)", ErrBadURI, bastion)
	}
	cb, err := knownhosts.New(cfg.SSHKnownHosts)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --ssh: cannot read %s: %v", ErrBadURI, cfg.SSHKnownHosts, unwrapPath(err))
	}
	file := cfg.SSHKnownHosts
	check := func(host string, remote net.Addr, key ssh.PublicKey) error {
		var ke *knownhosts.KeyError
		err := cb(host, remote, key)
		switch {
		case errors.As(err, &ke) && len(ke.Want) > 0:
			return hostKeyError(fmt.Sprintf("its host key (%s) does not match %s:%d: someone may be intercepting the connection, or the key changed",
				key.Type(), ke.Want[0].Filename, ke.Want[0].Line))
		case errors.As(err, &ke):
			return hostKeyError(fmt.Sprintf("it is not in %s: check its key and add it (ssh-keyscan -p %s %s >> %s), or pass --ssh-insecure-host-key",
				file, portOf(host), hostOf(host), file))
		}
		return err
	}
	return check, knownKeyTypes(cb, bastion), nil
}

// hostKeyError is the bastion's key failing the known_hosts check, worded.
type hostKeyError string

func (e hostKeyError) Error() string { return string(e) }

// knownKeyTypes lists the host key algorithms known_hosts holds for addr
// (none: let the server choose).
func knownKeyTypes(cb ssh.HostKeyCallback, addr string) []string {
	var ke *knownhosts.KeyError
	if err := cb(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey{}); !errors.As(err, &ke) {
		return nil
	}
	var out []string
	for _, k := range ke.Want {
		if k.Key.Type() == ssh.KeyAlgoRSA {
			out = append(out, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256)
		}
		out = append(out, k.Key.Type())
	}
	return out
}

// probeKey is a key no known_hosts holds, to learn which ones it does.
type probeKey struct{}

func (probeKey) Type() string                        { return "mongoscope-probe" }
func (probeKey) Marshal() []byte                     { return []byte("mongoscope-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("not a key") }

// connect makes the SSH connection unless it is up; an error is one
// sentence naming the bastion.
func (j *sshJump) connect(ctx context.Context) (*ssh.Client, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil, errShuttingDown
	}
	if j.client != nil {
		return j.client, nil
	}
	d := net.Dialer{Timeout: j.timeout}
	conn, err := d.DialContext(ctx, "tcp", j.bastion)
	if err != nil {
		return nil, fmt.Errorf("%w: ssh bastion %s: %s", ErrUnreachable, j.bastion, describeDialErr(err))
	}
	conn.SetDeadline(time.Now().Add(j.timeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	c, chans, reqs, err := ssh.NewClientConn(conn, j.bastion, j.cfg)
	stop()
	if err != nil {
		conn.Close()
		return nil, j.handshakeError(ctx, err)
	}
	conn.SetDeadline(time.Time{})
	client := ssh.NewClient(c, chans, reqs)
	j.client = client
	j.watches.Add(1)
	go func() { // forget a connection that dropped: the next dial makes another
		defer j.watches.Done()
		client.Wait()
		j.mu.Lock()
		if j.client == client {
			j.client = nil
		}
		j.mu.Unlock()
	}()
	return client, nil
}

// handshakeError words a failed SSH handshake in one line.
func (j *sshJump) handshakeError(ctx context.Context, err error) error {
	msg := err.Error()
	why := shorten(firstLine(safetext.Line(strings.TrimPrefix(msg, "ssh: handshake failed: "))), 200)
	var hk hostKeyError
	switch {
	case ctx.Err() != nil:
		why = "interrupted"
	case errors.As(err, &hk):
		why = string(hk)
	case strings.Contains(msg, "unable to authenticate"):
		why = fmt.Sprintf("the bastion refused the login as %q (offered %s)", j.user, j.offered)
	case isTimeout(err):
		why = fmt.Sprintf("no SSH handshake within %s", j.timeout)
	}
	return fmt.Errorf("%w: ssh bastion %s: %s", ErrUnreachable, j.bastion, why)
}

// dial opens a forwarded connection to target from the bastion.
func (j *sshJump) dial(ctx context.Context, target string) (net.Conn, error) {
	client, err := j.connect(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := client.DialContext(ctx, "tcp", target)
	var refused *ssh.OpenChannelError
	if err != nil && ctx.Err() == nil && !errors.As(err, &refused) {
		client.Close() // the SSH connection itself failed: make another next time
	}
	if err != nil {
		return nil, err
	}
	return withDeadlines(conn), nil
}

// withDeadlines gives a forwarded connection the deadlines the driver sets
// on every read and write: an SSH channel has none, net.Pipe has them.
func withDeadlines(ch net.Conn) net.Conn {
	inner, outer := net.Pipe()
	go func() {
		io.Copy(inner, ch)
		inner.Close()
	}()
	go func() {
		io.Copy(ch, inner)
		ch.Close()
	}()
	return outer
}

// close ends the SSH connection; forwarded connections end with it.
func (j *sshJump) close() {
	j.mu.Lock()
	client := j.client
	j.client, j.closed = nil, true
	j.mu.Unlock()
	if client != nil {
		client.Close()
	}
	j.watches.Wait()
	if j.agent != nil {
		j.agent.Close()
	}
}

func hostOf(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

func portOf(hostport string) string {
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "22"
	}
	return p
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func unwrapOp(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Err
	}
	return err
}
