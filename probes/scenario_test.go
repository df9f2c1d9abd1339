package probes

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// End to end, each simulator scenario (simcluster.Config.Scenario) makes
// the real poller, polling the simulated cluster over the wire, feed the
// findings engine the story it tells: the finding of its kind, with the
// right evidence, soon enough, and no finding of another kind. The clock
// is simulated and advanced per poll (as in the soak test): no sleeping.

// scenarioRun polls one simulated cluster telling one scenario.
type scenarioRun struct {
	t       *testing.T
	clock   *fakeClock
	sim     *simcluster.Cluster
	p       *Poller
	h       *History
	f       *Findings
	step    time.Duration
	start   time.Time
	started map[string]Finding // the first start of each kind
	at      map[string]time.Duration
	starts  map[string]int // how often each kind started
	last    Snapshot
}

// scenarioSeed is the demo's (mongoscope --demo --scenario NAME); the
// topology is the demo's too (simcluster's defaults).
var scenarioSeed = flag.Int64("scenario-seed", 1, "workload seed of the scenario tests")

// scenarioStart is minute-aligned, as the minute history is.
var scenarioStart = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func newScenarioRun(t *testing.T, name string, step time.Duration) *scenarioRun {
	t.Helper()
	return newScenarioRunOn(t, simcluster.Config{Scenario: name}, step)
}

// newScenarioRunOn runs cfg's scenario on cfg's deployment.
func newScenarioRunOn(t *testing.T, cfg simcluster.Config, step time.Duration) *scenarioRun {
	t.Helper()
	clock := &fakeClock{now: scenarioStart}
	cfg.Now, cfg.Seed = clock.Now, *scenarioSeed
	sim := startSim(t, cfg)
	p, err := NewPoller(Config{URI: sim.URI(), Interval: step, ConnectTimeout: 5 * time.Second, Now: clock.Now, Rediscover: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	if _, err := p.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The connections pane is never opened (no SetConnectionBreakdown), as on
	// the dashboard: what a finding needs the poller reads on its own.
	return &scenarioRun{t: t, clock: clock, sim: sim, p: p, h: NewHistory(3600, 60), f: NewFindings(), step: step,
		start: clock.Now(), started: map[string]Finding{}, at: map[string]time.Duration{}, starts: map[string]int{}}
}

// poll advances the clock one step, polls, and judges the snapshot.
func (r *scenarioRun) poll() {
	r.clock.Advance(r.step)
	s := r.p.poll(context.Background())
	r.h.Add(s)
	_, started, _ := r.f.Update(s, r.h)
	for _, inc := range started {
		r.starts[inc.Kind]++
		if _, ok := r.started[inc.Kind]; !ok {
			r.started[inc.Kind], r.at[inc.Kind] = inc, r.elapsed()
		}
	}
	r.last = s
}

func (r *scenarioRun) elapsed() time.Duration { return r.clock.Now().Sub(r.start) }

// until polls until kind starts or budget passes; it returns the finding
// as it stands at the end (its evidence updated each poll).
func (r *scenarioRun) until(kind string, budget time.Duration) (Finding, bool) {
	for r.elapsed() < budget {
		r.poll()
		if _, ok := r.started[kind]; ok {
			return r.active(kind)
		}
	}
	return Finding{}, false
}

func (r *scenarioRun) active(kind string) (Finding, bool) {
	for _, inc := range r.f.Active() {
		if inc.Kind == kind {
			return inc, true
		}
	}
	return Finding{}, false
}

// pollFor polls d more.
func (r *scenarioRun) pollFor(d time.Duration) {
	for end := r.elapsed() + d; r.elapsed() < end; {
		r.poll()
	}
}

// others lists the findings of other kinds than kind that started.
func (r *scenarioRun) others(kind string) []string {
	var out []string
	for k, inc := range r.started {
		if k != kind {
			out = append(out, fmt.Sprintf("%s at %v: %s", k, r.at[k], inc.Summary))
		}
	}
	slices.Sort(out)
	return out
}

// node finds the address of a node of the simulated cluster.
func (r *scenarioRun) node(shard, role string, nth int) string {
	r.t.Helper()
	i := 0
	for _, n := range r.sim.Nodes() {
		if n.Shard == shard && n.Role == role {
			if i == nth {
				return n.Address
			}
			i++
		}
	}
	r.t.Fatalf("no %s #%d in %s", role, nth, shard)
	return ""
}

func (r *scenarioRun) lastSecondary(shard string) string {
	var last string
	for _, n := range r.sim.Nodes() {
		if n.Shard == shard && n.Role == "secondary" {
			last = n.Address
		}
	}
	return last
}

// scenarioCase is one story: what its finding's evidence must name. Every
// story's finding must start within scenarioBudget of the scenario's start
// (the "within a minute of simulated time").
type scenarioCase struct {
	kind  string
	check func(r *scenarioRun, inc Finding) []string
}

// scenarioBudget bounds, in simulated time from the scenario's start, when
// each kind's finding starts. periodic-spike alone cannot meet it: it needs
// 30 minutes of minute history and 4 spikes (periodicMinMinutes,
// periodicMinSpikes), so TestScenarioPeriodicSpike has its own bound.
const scenarioBudget = time.Minute

var scenarioCases = []scenarioCase{
	{FindingMissingIndex, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Namespaces, "shop.orders"), evFirst(inc.Evidence.Apps, "report-service"),
			evText(inc.Evidence.Shape, "status"), evText(inc.Action.Copy, "status: 1, createdAt: -1, total: 1"))
	}},
	{FindingNeedlessUpdates, func(r *scenarioRun, inc Finding) []string {
		return evWant(evFirst(inc.Evidence.Namespaces, "shop.orders"), evFirst(inc.Evidence.Apps, "web-frontend"),
			evText(inc.Summary, "match no document"), evCheck(figure(inc, "matched per statement") <= 0.05, "a 25th of the statements matching a document"))
	}},
	{FindingConnectionStorm, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Members, r.node("", "mongos", 0)), evFirst(inc.Evidence.Apps, "checkout-worker"),
			evHas(inc.Evidence.Hosts, "10.0.9.21"), evText(inc.Summary, "mostly from checkout-worker"))
	}},
	{FindingIndexBuild, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Namespaces, "shop.events"), evHas(inc.Evidence.Shards, "shard1"),
			evHas(inc.Evidence.Members, r.node("shard1", "primary", 0)), evFirst(inc.Evidence.Apps, "ops-scripts"))
	}},
	{FindingTTLDeletes, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Namespaces, "shop.sessions"), evHas(inc.Evidence.Shards, "shard2"),
			evHas(inc.Evidence.Members, r.node("shard2", "primary", 0)),
			evCheck(figure(inc, "deleted by the TTL monitor now") >= 2000, "the TTL monitor's pace (metrics.ttl.deletedDocuments) of 2,400/s"))
	}},
	{FindingRangeDeletions, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Shards, "shard0"), evHas(inc.Evidence.Namespaces, "shop.orders"))
	}},
	{FindingHotShard, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Shards, "shard0"), evHas(inc.Evidence.Members, r.node("shard0", "primary", 0)),
			evHas(inc.Evidence.Namespaces, "shop.orders"), evHas(inc.Evidence.Apps, "web-frontend"))
	}},
	{FindingLaggingSecondary, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Members, r.lastSecondary("shard0")), evHas(inc.Evidence.Shards, "shard0"),
			evText(inc.Evidence.Cause, "apply buffer"))
	}},
	{FindingWindowClosing, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Namespaces, "shop.orders"), evHas(inc.Evidence.Shards, "shard0"),
			evCheck(figure(inc, "migration running") >= 1, "how long the migration has run, from its donor's op"))
	}},
	{FindingOplogWindowShort, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Shards, "shard1"), evHas(inc.Evidence.Members, r.node("shard1", "primary", 0)))
	}},
	{FindingTicketsExhausted, func(r *scenarioRun, inc Finding) []string {
		return evWant(evHas(inc.Evidence.Members, r.node("shard1", "primary", 0)), evHas(inc.Evidence.Shards, "shard1"),
			evFirst(inc.Evidence.Apps, "export-job"), evHas(inc.Evidence.Namespaces, "shop.orders"))
	}},
}

// scenarioStep is the simulated time between polls (and the poller's
// interval).
const scenarioStep = 2 * time.Second

// Each scenario runs at least scenarioLength, and scenarioAfter past its
// finding, for findings of other kinds to show up if the story made them,
// and for its own to flap if it would.
const scenarioAfter = time.Minute

// scenarioLength, calmStep and periodicAfter are shorter or coarser with
// -short and under the race detector (which slows each poll about
// tenfold), so the set stays quick in CI: a story then runs scenarioAfter
// past its finding, no more.
func scenarioSizes() (length, calmStep, periodicAfter time.Duration) {
	if testing.Short() || raceEnabled {
		return 0, 6 * time.Second, 5 * time.Minute
	}
	return 6 * time.Minute, scenarioStep, 10 * time.Minute
}

func TestScenarioTellsItsStory(t *testing.T) {
	startedAt := map[string]time.Duration{}
	for _, sc := range scenarioCases {
		t.Run(sc.kind, func(t *testing.T) {
			r := newScenarioRun(t, sc.kind, scenarioStep)
			inc := r.tellsOnly(sc.kind)
			startedAt[sc.kind] = r.at[sc.kind]
			for _, miss := range sc.check(r, inc) {
				t.Errorf("evidence: %s in %+v", miss, inc.Evidence)
			}
		})
	}
	var lines []string
	for _, sc := range scenarioCases {
		if at, ok := startedAt[sc.kind]; ok {
			lines = append(lines, fmt.Sprintf("%-24s %v", sc.kind, at))
		}
	}
	t.Logf("each kind's start, from its scenario's start (simulated time, polled every %v):\n%s", scenarioStep, strings.Join(lines, "\n"))
}

// tellsOnly polls until kind's finding starts within scenarioBudget, then
// on to the scenario's length, and checks that it started once and nothing
// else did. It returns the finding as it stood when it started.
func (r *scenarioRun) tellsOnly(kind string) Finding {
	r.t.Helper()
	inc, ok := r.until(kind, scenarioBudget)
	if !ok {
		r.t.Fatalf("no %s finding within %v of simulated time; others: %v", kind, scenarioBudget, r.others(kind))
	}
	if at := r.at[kind]; at > scenarioBudget {
		r.t.Errorf("%s started %v after the scenario began, past %v", kind, at, scenarioBudget)
	}
	r.t.Logf("%s after %v: %s", kind, r.at[kind], inc.Summary)
	length, _, _ := scenarioSizes()
	r.pollFor(max(scenarioAfter, length-r.elapsed()))
	if other := r.others(kind); len(other) > 0 {
		r.t.Errorf("the %s scenario also made: %s", kind, strings.Join(other, "; "))
	}
	if n := r.starts[kind]; n != 1 {
		r.t.Errorf("%s started %d times in %v", kind, n, r.elapsed())
	}
	return inc
}

// TestScenarioOnEveryTopology: on a replica set and a standalone, every
// scenario they can tell makes its finding as soon, and nothing else; the
// others are refused when the cluster starts.
func TestScenarioOnEveryTopology(t *testing.T) {
	for _, topo := range []simcluster.Topology{simcluster.ReplSet, simcluster.Standalone} {
		for _, sc := range scenarioCases {
			t.Run(string(topo)+"/"+sc.kind, func(t *testing.T) {
				cfg := simcluster.Config{Topology: topo, Scenario: sc.kind}
				if err := simcluster.CheckScenario(cfg); err != nil {
					if _, startErr := simcluster.Start(cfg); startErr == nil || startErr.Error() != err.Error() {
						t.Fatalf("refused by CheckScenario (%v) but Start says %v", err, startErr)
					}
					return
				}
				newScenarioRunOn(t, cfg, scenarioStep).tellsOnly(sc.kind)
			})
		}
	}
}

// TestScenarioCalmTellsNothing: half an hour of the calm cluster starts no
// finding (900 polls; 300 with -short).
func TestScenarioCalmTellsNothing(t *testing.T) {
	_, step, _ := scenarioSizes()
	r := newScenarioRun(t, simcluster.ScenarioCalm, step)
	r.pollFor(30 * time.Minute)
	if other := r.others(""); len(other) > 0 {
		t.Errorf("the calm cluster made findings: %s", strings.Join(other, "; "))
	}
	if r.last.Opcounters == nil || r.last.Opcounters.Cluster == nil || r.last.Replication == nil || r.last.Balancer == nil {
		t.Fatalf("the calm run read nothing to judge: %+v", r.last.NotAvailable)
	}
}

// TestScenarioPeriodicSpike: the analytics job runs a minute every 5
// minutes. The engine needs 30 minutes of minute history and 4 spikes, so
// the finding comes after about 31 simulated minutes (polled every 10 s).
func TestScenarioPeriodicSpike(t *testing.T) {
	r := newScenarioRun(t, "periodic-spike", 10*time.Second)
	inc, ok := r.until(FindingPeriodicSpike, 33*time.Minute)
	if !ok {
		t.Fatalf("no periodic-spike finding within 33 simulated minutes; others: %v", r.others(FindingPeriodicSpike))
	}
	t.Logf("periodic-spike after %v: %s", r.at[FindingPeriodicSpike], inc.Summary)
	period := 0.0
	for _, fig := range inc.Evidence.Figures {
		if fig.Name == "period" {
			period = fig.Value
		}
	}
	for _, miss := range evWant(evHas(inc.Evidence.Namespaces, "shop.events"), evHas(inc.Evidence.Apps, "analytics"),
		evHas(inc.Evidence.Series, "cluster query"), evCheck(period == 5, fmt.Sprintf("a period of 5 min, not %v", period))) {
		t.Errorf("evidence: %s in %+v", miss, inc.Evidence)
	}
	_, _, after := scenarioSizes()
	r.pollFor(after)
	if other := r.others(FindingPeriodicSpike); len(other) > 0 {
		t.Errorf("the periodic-spike scenario also made: %s", strings.Join(other, "; "))
	}
	if n := r.starts[FindingPeriodicSpike]; n != 1 {
		t.Errorf("periodic-spike started %d times in %v", n, r.elapsed())
	}
}

// Evidence checks: each returns what is missing, or "".

func evWant(checks ...string) []string {
	var out []string
	for _, c := range checks {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

func evCheck(ok bool, what string) string {
	if ok {
		return ""
	}
	return what
}

func evHas(list []string, s string) string {
	return evCheck(slices.Contains(list, s), fmt.Sprintf("%q among %q", s, list))
}

func evFirst(list []string, s string) string {
	return evCheck(len(list) > 0 && list[0] == s, fmt.Sprintf("%q first in %q", s, list))
}

func evText(text, s string) string {
	return evCheck(strings.Contains(text, s), fmt.Sprintf("%q in %q", s, text))
}
