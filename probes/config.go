package probes

import (
	"fmt"
	"time"
)

// Config says how to reach the deployment and how hard to poll it.
type Config struct {
	URI            string // anything the v2 Go driver accepts
	Username       string // overrides the URI's user when set
	Password       string // never logged, never recorded
	TLSCAFile      string
	TLSCertKeyFile string
	TLSInsecure    bool
	ConnectTimeout time.Duration // default 10s
	Interval       time.Duration // default 1s, minimum 100ms
	// DownAfter is how long a request may go unanswered before its node is
	// shown down rather than slow; default ConnectTimeout.
	DownAfter time.Duration
	// ActionTimeout bounds each request of an action (killOp, the balancer,
	// its window); default 10s. Actions are needed most when the cluster is
	// slow, so this never follows the polling interval.
	ActionTimeout time.Duration
	// MaxConcurrency bounds requests being sent at once (default 16). A
	// request waiting longer than the interval gives its slot back, so hung
	// nodes cannot starve the healthy ones.
	MaxConcurrency int
	// MaxOps is how many ops a Snapshot keeps (the longest-running); OpsTotal
	// still counts them all. Default 500.
	MaxOps int
	// LongOpSecs is the threshold for FlagLong (default 60).
	LongOpSecs float64
	AppName    string // default "mongoscope"
	// Rediscover is how often the topology is discovered again (default
	// 30 s); errors that suggest a change trigger it at once.
	Rediscover time.Duration
	ReadOnly   bool // actions refuse without sending anything
	Audit      *AuditLog
	Now        func() time.Time // default time.Now; tests and soak runs fake it
	// Build is this binary's version, stamped on every snapshot.
	Build *BuildInfo

	// Map is --map: "FROM=TO" entries; a node named FROM is dialed at TO.
	Map []string
	// SSH is user@bastion[:port]: every node is dialed through the bastion.
	// SSHUser is the user when SSH names none. The bastion's key is checked
	// against SSHKnownHosts unless SSHInsecureHostKey; the login offers
	// SSHIdentity, then the keys of the agent at SSHAgentSocket.
	SSH, SSHUser, SSHIdentity, SSHAgentSocket, SSHKnownHosts string
	SSHInsecureHostKey                                       bool
}

// withDefaults fills what was left unset and checks the rest.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.URI == "" {
		cfg.URI = "mongodb://localhost:27017"
	}
	if cfg.AppName == "" {
		cfg.AppName = "mongoscope"
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Interval < minInterval {
		return cfg, fmt.Errorf("the interval %v is too short: use at least 100ms", cfg.Interval)
	}
	if cfg.DownAfter <= 0 {
		cfg.DownAfter = cfg.ConnectTimeout
	}
	if cfg.ActionTimeout <= 0 {
		cfg.ActionTimeout = 10 * time.Second
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 16
	}
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = 500
	}
	if cfg.LongOpSecs <= 0 {
		cfg.LongOpSecs = 60
	}
	if cfg.Rediscover <= 0 {
		cfg.Rediscover = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

const minInterval = 100 * time.Millisecond
