package probes

import (
	"context"
	"flag"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// soakStep is the simulated time between polls. .ci/run runs the soak a
// second time, without -race, at 1 s: 86,400 polls, about three minutes.
var soakStep = flag.Duration("soak-step", 10*time.Second, "simulated time between polls in the soak test")

// fakeClock is a shared simulated wall clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestSoakDayOnNineNodes polls a 10-node sharded deployment through 24
// simulated hours, back to back (one poll every -soak-step of simulated
// time: 10 s by default, 1 s in .ci/run's dedicated run, 60 s under the race
// detector) and checks
// that memory stays bounded after warm-up; goleak (TestMain) checks that
// every goroutine is gone after Close.
func TestSoakDayOnNineNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak test takes about a minute; it runs without -short")
	}
	clock := &fakeClock{now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 3, Now: clock.Now}) // 1 mongos + 6 + 3 config = 10 nodes
	p, err := NewPoller(Config{URI: sim.URI(), Interval: time.Second, ConnectTimeout: 5 * time.Second, Now: clock.Now,
		Rediscover: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer p.Close(context.Background())
	if _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	h := NewHistory(3600, 600)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	step, day := *soakStep, 24*time.Hour
	if raceEnabled && step < time.Minute {
		step = time.Minute // the race detector slows each poll about tenfold
	}
	polls := int(day / step)
	// Warm once the history's rings are full: the 600 whole snapshots kept
	// for scrubbing fill over the first 600 polls.
	warmUp := max(polls/8, 1200)
	var warm uint64
	for i := 0; i < polls; i++ {
		clock.Advance(step)
		s := p.poll(ctx)
		h.Add(s)
		if i == warmUp {
			warm = heap()
		}
		if i == polls-1 {
			for _, n := range s.Deployment.Nodes {
				if !n.Up {
					t.Errorf("after a simulated day %s is down: %s", n.Address, n.Error)
				}
			}
		}
	}
	end := heap()
	runtime.KeepAlive(h)
	t.Logf("%d polls over 24 simulated hours: heap %.1f MiB after warm-up, %.1f MiB at the end", polls, float64(warm)/(1<<20), float64(end)/(1<<20))
	if end > warm*3/2+8<<20 {
		t.Errorf("heap grew from %d to %d bytes over the day", warm, end)
	}
}
