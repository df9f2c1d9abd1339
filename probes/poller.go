package probes

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Poller discovers the deployment and polls every node. Each probe on
// each node has at most one request in flight: a tick that finds the last
// one still running skips that node and marks it slow instead of queueing
// behind it, so mongoscope never piles load onto a struggling node.
type Poller struct {
	cfg      Config
	base     *options.ClientOptions
	meter    costMeter
	interval atomic.Int64
	connBrk  atomic.Bool
	sem      chan struct{}

	mu         sync.Mutex
	seed       *mongo.Client
	clients    map[string]*mongo.Client
	dep        Deployment
	nodes      map[string]*nodeState
	privs      Privileges
	cycle      int
	lastDisc   time.Time
	discNow    bool // an error suggested the topology changed
	discBusy   bool
	changes    []string
	stream     streams
	costWindow []costPoint
	closed     bool
	wg         sync.WaitGroup
	cancelRun  context.CancelFunc
}

// NewPoller validates the configuration; it does not connect.
func NewPoller(cfg Config) (*Poller, error) {
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
	if cfg.Interval < 100*time.Millisecond {
		return nil, fmt.Errorf("the interval %v is too short: use at least 100ms", cfg.Interval)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = min(cfg.Interval*8/10, 5*time.Second)
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
	base, err := baseOptions(cfg)
	if err != nil {
		return nil, err
	}
	p := &Poller{cfg: cfg, base: base, clients: map[string]*mongo.Client{}, nodes: map[string]*nodeState{},
		sem: make(chan struct{}, cfg.MaxConcurrency)}
	p.interval.Store(int64(cfg.Interval))
	p.stream.init()
	return p, nil
}

func (p *Poller) now() time.Time { return p.cfg.Now() }

// Interval is the current polling interval.
func (p *Poller) Interval() time.Duration { return time.Duration(p.interval.Load()) }

// SetInterval changes the polling interval from the next tick on.
func (p *Poller) SetInterval(d time.Duration) {
	if d < 100*time.Millisecond {
		d = 100 * time.Millisecond
	}
	p.interval.Store(int64(d))
}

// SetConnectionBreakdown turns on the costlier who-holds-connections query.
func (p *Poller) SetConnectionBreakdown(on bool) { p.connBrk.Store(on) }

// Privileges says what the connected user may do.
func (p *Poller) Privileges() Privileges {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.privs
}

// Connect discovers the deployment and reads the user's privileges.
func (p *Poller) Connect(ctx context.Context) (Deployment, error) {
	dep, err := p.discover(ctx)
	if err != nil {
		return Deployment{}, err
	}
	p.mu.Lock()
	p.applyDiscoveryLocked(dep)
	p.mu.Unlock()
	privs := p.readPrivileges(ctx)
	p.mu.Lock()
	p.privs = privs
	p.mu.Unlock()
	return dep, nil
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
		for {
			start := time.Now()
			snap := p.poll(ctx)
			if ctx.Err() != nil {
				return
			}
			select {
			case out <- snap:
			case <-ctx.Done():
				return
			}
			wait := p.Interval() - time.Since(start)
			if wait < 0 {
				wait = 0
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// poll runs one cycle: launch what is due, wait for it (bounded), assemble.
// A node's requests run one after another in one goroutine, so a node has
// at most one request of ours in flight; nodes run in parallel, bounded by
// MaxConcurrency. A node that has not answered within Timeout is shown slow
// and skipped by later ticks until it answers: mongoscope waits for the one
// request rather than piling more onto a struggling server.
func (p *Poller) poll(ctx context.Context) Snapshot {
	p.maybeRediscover(ctx)
	p.mu.Lock()
	p.cycle++
	jobs := p.dueJobsLocked(p.now())
	byNode := map[string][]job{}
	var order []string
	for _, j := range jobs {
		if _, ok := byNode[j.node]; !ok {
			order = append(order, j.node)
		}
		byNode[j.node] = append(byNode[j.node], j)
	}
	for _, addr := range order {
		ns := p.nodes[addr]
		ns.busy, ns.busySince = true, time.Now()
	}
	p.mu.Unlock()
	done := make(chan struct{}, len(order))
	for _, addr := range order {
		nodeJobs := byNode[addr]
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() { done <- struct{}{} }()
			defer p.release(addr)
			select {
			case p.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-p.sem }()
			for _, j := range nodeJobs {
				res, err := j.run(ctx)
				p.finish(j, res, err)
				if ctx.Err() != nil {
					return
				}
			}
		}()
	}
	deadline := time.NewTimer(min(p.cfg.Timeout+100*time.Millisecond, p.Interval()*9/10))
	defer deadline.Stop()
	for range order {
		select {
		case <-done:
		case <-deadline.C:
			return p.assemble()
		case <-ctx.Done():
			return Snapshot{}
		}
	}
	return p.assemble()
}

// release marks a node free for the next tick.
func (p *Poller) release(addr string) {
	p.mu.Lock()
	if ns, ok := p.nodes[addr]; ok {
		ns.busy = false
	}
	p.mu.Unlock()
}

// Close stops polling and disconnects every client.
func (p *Poller) Close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	if p.cancelRun != nil {
		p.cancelRun()
	}
	clients := make([]*mongo.Client, 0, len(p.clients)+1)
	for _, c := range p.clients {
		clients = append(clients, c)
	}
	if p.seed != nil {
		clients = append(clients, p.seed)
	}
	p.clients, p.seed = map[string]*mongo.Client{}, nil
	p.mu.Unlock()
	p.wg.Wait()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond) // quitting must not wait on a hung node
			defer cancel()
			c.Disconnect(dctx)
		}()
	}
	wg.Wait()
	return nil
}

// seedClient is the client on the URI as given (it may span hosts).
func (p *Poller) seedClient() (*mongo.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("mongoscope is shutting down")
	}
	if p.seed == nil {
		o := *p.base
		o.SetMonitor(p.meter.monitor())
		c, err := mongo.Connect(&o)
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrBadURI, redactErr(err, p.cfg))
		}
		p.seed = c
	}
	return p.seed, nil
}

// nodeClient is the direct client of one node, made on first use.
func (p *Poller) nodeClient(addr string) (*mongo.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("mongoscope is shutting down")
	}
	if c, ok := p.clients[addr]; ok {
		return c, nil
	}
	c, err := mongo.Connect(nodeOptions(p.base, addr, &p.meter, max(p.cfg.Timeout, time.Second)))
	if err != nil {
		return nil, err
	}
	p.clients[addr] = c
	return c, nil
}

func (p *Poller) seedHosts() []string {
	if len(p.base.Hosts) == 0 {
		return []string{"localhost:27017"}
	}
	return p.base.Hosts
}

func (p *Poller) seedName() string { return p.seedHosts()[0] }
