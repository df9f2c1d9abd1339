package probes

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Poller discovers the deployment and polls every node. It schedules the
// probes (schedule.go), tracks how fresh each answer is (freshness.go) and
// assembles one Snapshot per interval (assemble.go).
type Poller struct {
	cfg      Config
	pool     *pool
	dial     *dialWatch
	jump     *sshJump // nil unless --ssh
	meter    costMeter
	probes   []probe
	interval atomic.Int64
	wake     chan struct{} // the interval changed: poll now
	sem      chan struct{}

	mu         sync.Mutex
	st         state
	discBusy   bool
	lastDisc   time.Time
	privs      Privileges
	costWindow []costPoint
	clientLag  time.Duration
	wg         sync.WaitGroup
	cancelRun  context.CancelFunc
}

// oplogWindow is a primary's oldest and newest oplog entry, kept between the
// polls that read it, with when it was read.
type oplogWindow struct {
	first, last, at time.Time
}

// NewPoller validates the configuration; it does not connect.
func NewPoller(cfg Config) (*Poller, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Audit != nil {
		cfg.Audit.setBuild(cfg.Build)
	}
	p := &Poller{cfg: cfg, probes: newProbes(), wake: make(chan struct{}, 1), sem: make(chan struct{}, cfg.MaxConcurrency)}
	hmap, err := parseHostMap(cfg.Map)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURI, err)
	}
	base, err := baseOptions(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.SSH != "" {
		if p.jump, err = newSSHJump(cfg); err != nil {
			return nil, err
		}
	}
	p.dial = newDialWatch(cfg.ConnectTimeout, hmap, p.jump)
	base.SetDialer(p.dial)
	p.pool = &pool{base: base, meter: &p.meter, wait: cfg.ConnectTimeout, watch: p.dial, clients: map[string]*mongo.Client{}}
	p.interval.Store(int64(cfg.Interval))
	p.st = state{cfg: &p.cfg, nodes: map[string]*nodeState{}, interval: cfg.Interval, seedName: p.seedName(),
		unavailable: map[string]string{}, oplog: map[string]oplogWindow{}}
	return p, nil
}

func (p *Poller) now() time.Time { return p.cfg.Now() }

// Interval is the current polling interval.
func (p *Poller) Interval() time.Duration { return time.Duration(p.interval.Load()) }

// SetInterval changes the polling interval at once: a poll waiting for the
// old, longer interval is cut short.
func (p *Poller) SetInterval(d time.Duration) {
	p.interval.Store(int64(max(d, minInterval)))
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// SetConnectionBreakdown turns on the costlier who-holds-connections query.
func (p *Poller) SetConnectionBreakdown(on bool) {
	p.mu.Lock()
	p.st.breakdown = on
	p.mu.Unlock()
}

// Privileges says what the connected user may do.
func (p *Poller) Privileges() Privileges {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.privs
}

// Connect discovers the deployment and reads the user's privileges. With
// --ssh the bastion is reached first, so that its failure is the one named.
func (p *Poller) Connect(ctx context.Context) (Deployment, error) {
	if p.jump != nil {
		if _, err := p.jump.connect(ctx); err != nil {
			return Deployment{}, err
		}
	}
	d, err := p.discover(ctx)
	if err != nil {
		return Deployment{}, err
	}
	p.mu.Lock()
	p.applyDiscoveryLocked(d)
	p.mu.Unlock()
	privs := p.readPrivileges(ctx)
	p.mu.Lock()
	p.privs = privs
	p.mu.Unlock()
	return d.dep, nil
}

// Run polls until ctx ends, sending one Snapshot per interval; the channel
// is closed when polling stops.
func (p *Poller) Run(ctx context.Context) <-chan Snapshot {
	out := make(chan Snapshot, 1)
	ctx, cancel := context.WithCancel(ctx)
	p.mu.Lock()
	p.cancelRun = cancel
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(out)
		defer cancel()
		p.loop(ctx, out)
	}()
	return out
}

// loop polls on a schedule. How late a poll starts is mongoscope's own lag
// (a starved CPU, a busy machine): it is measured, and not held against the
// nodes.
func (p *Poller) loop(ctx context.Context, out chan<- Snapshot) {
	next := time.Now()
	for {
		p.noteClientLag(time.Since(next))
		start := time.Now()
		snap := p.pollUntil(ctx, start.Add(p.Interval()))
		if ctx.Err() != nil {
			return
		}
		select {
		case out <- snap:
		case <-ctx.Done():
			return
		}
		next = start.Add(p.Interval())
		if time.Until(next) < 0 {
			next = time.Now() // fell behind: poll now, never in a burst
		}
		if !p.sleepUntil(ctx, next) {
			return
		}
	}
}

// sleepUntil waits for t, or less if the interval changes; false if ctx ended.
func (p *Poller) sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-p.wake:
	case <-ctx.Done():
		return false
	}
	return true
}

// noteClientLag keeps a decaying maximum of how late polls start.
func (p *Poller) noteClientLag(late time.Duration) {
	p.mu.Lock()
	p.clientLag = max(late, p.clientLag/2)
	p.mu.Unlock()
}

// Close stops polling and disconnects every client.
func (p *Poller) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.cancelRun != nil {
		p.cancelRun()
	}
	p.mu.Unlock()
	p.pool.close(ctx)
	p.wg.Wait()
	if p.jump != nil {
		p.jump.close()
	}
	return nil
}

func (p *Poller) seedHosts() []string {
	if len(p.pool.base.Hosts) == 0 {
		return []string{"localhost:27017"}
	}
	return p.pool.base.Hosts
}

func (p *Poller) seedName() string { return p.seedHosts()[0] }
