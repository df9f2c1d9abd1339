package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	mopts "go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/tui"
)

// runBench is `mongoscope bench`: mongoscope's cost to the cluster and to
// the bastion, measured against a simulated cluster in a child process (so
// the figures are mongoscope's alone), and the real program's first frame,
// keypress latency and memory through a pseudo-terminal.
func runBench(argv []string, stdout, stderr io.Writer) int {
	fs := subcommandFlagSet("bench", stderr) // the flags: benchFlags
	if err := fs.Parse(argv); err != nil {
		return exitUsage
	}
	shards, members := flagValue[int](fs, "shards"), flagValue[int](fs, "members")
	interval, duration := flagValue[time.Duration](fs, "interval"), flagValue[time.Duration](fs, "duration")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fill, points := flagValue[time.Duration](fs, "fill-interval"), flagValue[int](fs, "fill-points")
	replayMB := flagValue[int](fs, "replay-mb")
	uri, stop, err := startSimChild(ctx, shards, members, 10) // 10 simulated seconds a second: every 100 ms poll differs
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope bench: "+err.Error())
		return exitFailure
	}
	defer stop()
	b := &bench{out: stdout, uri: uri, interval: interval, fill: fill, points: points, duration: duration}
	if replayMB > 0 {
		err = b.replay(ctx, replayMB)
	} else {
		err = b.run(ctx)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope bench: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// startSimChild runs `mongoscope sim --port 0` and returns its URI.
func startSimChild(ctx context.Context, shards, members int, speed float64) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "sim", "--port", "0", "--shards", fmt.Sprint(shards), "--members", fmt.Sprint(members),
		"--speed", fmt.Sprint(speed))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if uri, ok := strings.CutPrefix(sc.Text(), "URI: "); ok {
			go io.Copy(io.Discard, out)
			return uri, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("the simulator did not start")
}

type bench struct {
	out      io.Writer
	uri      string
	interval time.Duration
	fill     time.Duration
	points   int
	duration time.Duration
	admin    *mongo.Client
	dep      probes.Deployment
	targets  targets
}

// targets are issue 12's, by deployment size.
type targets struct {
	firstFrame time.Duration
	cpu        float64 // % of one core
	rss        float64 // MiB
}

func targetsFor(nodes int) targets {
	if nodes > 150 {
		return targets{3 * time.Second, 10, 128}
	}
	return targets{2 * time.Second, 3, 64}
}

// row prints one figure, its target and ✗ when it misses it.
func (b *bench) row(name, value, target string, met bool) {
	mark := "✓"
	if !met {
		mark = "✗ MISSED"
	}
	if target == "" {
		mark = ""
	}
	fmt.Fprintf(b.out, "%-72s %-34s %s %s\n", name, value, target, mark)
}

func (b *bench) run(ctx context.Context) error {
	var err error
	if b.admin, err = mongo.Connect(mopts.Client().ApplyURI(b.uri).SetAppName("bench")); err != nil {
		return err
	}
	defer b.admin.Disconnect(context.Background())
	if b.dep, err = discover(ctx, b.uri); err != nil {
		return err
	}
	b.targets = targetsFor(len(b.dep.Nodes))
	fmt.Fprintf(b.out, "mongoscope bench: %d nodes, interval %s, steady states of %s, %s, %d cores, %s\n\n",
		len(b.dep.Nodes), b.interval, b.duration, time.Now().Format(time.RFC3339), runtime.NumCPU(), runtime.Version())
	b.row("measure", "value", "target", true)
	if err := b.realProgram(ctx); err != nil { // alone against the simulator
		return err
	}
	p, err := probes.NewPoller(probes.Config{URI: b.uri, Interval: b.interval, ReadOnly: true})
	if err != nil {
		return err
	}
	defer p.Close(context.Background())
	start := time.Now()
	if _, err = p.Connect(ctx); err != nil {
		return err
	}
	snaps := p.Run(ctx)
	first, err := firstComplete(snaps, start)
	if err != nil {
		return err
	}
	b.row("poller: first complete sample (all nodes, rates)", first.Round(time.Millisecond).String(),
		fmt.Sprintf("≤ %s", b.targets.firstFrame), first <= b.targets.firstFrame)
	hist := probes.NewHistory(3600, 600)
	if err := b.fillHistory(p, snaps, hist); err != nil {
		return err
	}
	p.SetInterval(b.interval)
	b.steadyStates(ctx, snaps, hist)
	b.row("terminal output at 120×40, steady state (in process)", b.terminalBytes(snaps), "≤ 4 KB/s", true)
	return nil
}

// discover is the deployment, from a poller that is closed at once.
func discover(ctx context.Context, uri string) (probes.Deployment, error) {
	p, err := probes.NewPoller(probes.Config{URI: uri, ReadOnly: true})
	if err != nil {
		return probes.Deployment{}, err
	}
	defer p.Close(context.Background())
	return p.Connect(ctx)
}

// firstComplete waits for a sample where every node answered with rates.
func firstComplete(snaps <-chan probes.Snapshot, start time.Time) (time.Duration, error) {
	for s := range snaps {
		if complete(s) {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("polling stopped before a complete sample")
}

// complete: every node answered and rates exist.
func complete(s probes.Snapshot) bool {
	for _, n := range s.Deployment.Nodes {
		if !n.Up {
			return false
		}
	}
	return s.Opcounters != nil && len(s.Opcounters.Nodes) == len(s.Deployment.Nodes)
}

// fillHistory polls at the fill interval until the history holds points
// distinct polls (the scrub store its last 600), then reports memory.
func (b *bench) fillHistory(p *probes.Poller, snaps <-chan probes.Snapshot, hist *probes.History) error {
	p.SetInterval(b.fill)
	t0 := time.Now()
	for hist.Len() < b.points {
		s, ok := <-snaps
		if !ok {
			return fmt.Errorf("polling stopped while filling the history")
		}
		hist.Add(s)
	}
	heap, rss := memory()
	perSnap := float64(hist.ScrubBytes()) / float64(hist.FullLen())
	b.row(fmt.Sprintf("history filled with %d distinct polls (every %s) in", hist.Len(), b.fill), time.Since(t0).Round(time.Second).String(), "", true)
	b.row(fmt.Sprintf("scrub store: bytes per snapshot (%d kept)", hist.FullLen()), fmt.Sprintf("%.1f KB (%.1f MiB)", perSnap/1000, perSnap*float64(hist.FullLen())/(1<<20)), "", true)
	b.row("heap / RSS: scrub store full, 1 h of 1 s points, 24 h of minutes", fmt.Sprintf("%.1f MiB / %.1f MiB", heap, rss),
		fmt.Sprintf("≤ %.0f MiB RSS", b.targets.rss), rss <= b.targets.rss)
	return nil
}

// steadyStates polls at the interval, keeping the history as the TUI does,
// under each collector setting in turn: mongoscope's (memlimit.go), GOGC
// 25, the 52 MiB soft memory limit mongoscope used to set, Go's defaults.
func (b *bench) steadyStates(ctx context.Context, snaps <-chan probes.Snapshot, hist *probes.History) {
	phases := []struct {
		name      string
		gcPercent int
		limit     int64 // 0: mongoscope's, following the live heap
	}{{"mongoscope's setting (limit follows the live heap)", 100, 0},
		{"GOGC 25, no limit", 25, math.MaxInt64},
		{"the old fixed 52 MiB soft limit", 100, 52 << 20},
		{"Go's defaults (GOGC 100, no limit)", 100, math.MaxInt64}}
	tuned := memoryTuning.Load()
	for i, ph := range phases {
		debug.SetGCPercent(ph.gcPercent)
		memoryTuning.Store(ph.limit == 0 && tuned)
		if ph.limit != 0 {
			debug.SetMemoryLimit(ph.limit)
		}
		before := b.served(ctx)
		cpu, polls, gcs := b.steady(snaps, hist, i == 0)
		heap, rss := memory()
		b.row("poller CPU, "+ph.name, fmt.Sprintf("%.2f%% of a core (%d GCs)", cpu, gcs),
			fmt.Sprintf("≤ %.0f%%", b.targets.cpu), cpu <= b.targets.cpu)
		b.row("heap / RSS, "+ph.name, fmt.Sprintf("%.1f MiB / %.1f MiB", heap, rss), fmt.Sprintf("≤ %.0f MiB RSS", b.targets.rss), rss <= b.targets.rss)
		if i == 0 {
			b.load(ctx, before, polls)
		}
	}
	debug.SetGCPercent(100)
	memoryTuning.Store(tuned)
}

// steady polls for the duration; it returns the CPU used (% of a core),
// the polls and the garbage collections.
func (b *bench) steady(snaps <-chan probes.Snapshot, hist *probes.History, profile bool) (float64, int, uint32) {
	if path := os.Getenv("MONGOSCOPE_CPUPROFILE"); path != "" && profile {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc0 := ms.NumGC
	cpu0, wall0 := cpuTime(), time.Now()
	polls := 0
	for polls < int(b.duration/b.interval) {
		s, ok := <-snaps
		if !ok {
			break
		}
		hist.Add(s)
		polls++
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	runtime.ReadMemStats(&ms)
	if path := os.Getenv("MONGOSCOPE_HEAPPROFILE"); path != "" && profile {
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	return 100 * cpu.Seconds() / wall.Seconds(), polls, ms.NumGC - gc0
}

// load reports what the polls cost the cluster, from the simulator's own
// accounting of what appName mongoscope made each node serve.
func (b *bench) load(ctx context.Context, before map[string]servedCount, polls int) {
	after := b.served(ctx)
	var cmds, bytes int64
	busiest := 0.0
	for addr, a := range after {
		d := a.sub(before[addr])
		cmds, bytes = cmds+d.commands, bytes+d.bytes
		busiest = max(busiest, float64(d.commands)/float64(polls))
	}
	n := float64(len(b.dep.Nodes)) * float64(max(polls, 1))
	perNode := float64(cmds) / n
	b.row("commands per node per poll (average / busiest node)", fmt.Sprintf("%.2f / %.1f", perNode, busiest), "≤ 3", perNode <= 3)
	full, trimmed := b.statusSizes(ctx)
	perNodeBytes := float64(bytes) / n
	b.row("bytes per node per poll (mongostat --discover: a full serverStatus)", fmt.Sprintf("%.0f B (mongostat %d B)", perNodeBytes, full),
		fmt.Sprintf("≤ %d B", full/3), perNodeBytes <= float64(full)/3)
	b.row("serverStatus reply: full / as mongoscope asks", fmt.Sprintf("%d B / %d B (%.0f%%)", full, trimmed, 100*float64(trimmed)/float64(max(full, 1))), "", true)
}

type servedCount struct{ commands, bytes int64 }

func (a servedCount) sub(b servedCount) servedCount {
	return servedCount{a.commands - b.commands, a.bytes - b.bytes}
}

// served asks each node's simStats what mongoscope made it serve.
func (b *bench) served(ctx context.Context) map[string]servedCount {
	out := map[string]servedCount{}
	for _, n := range b.dep.Nodes {
		raw, err := b.admin.Database("admin").RunCommand(ctx, bson.D{{Key: "simStats", Value: 1}, {Key: "node", Value: n.Address}}).Raw()
		if err != nil {
			continue
		}
		app, _ := raw.Lookup("byApp", "mongoscope").DocumentOK()
		c, _ := app.Lookup("commands").AsInt64OK()
		bo, _ := app.Lookup("bytesOut").AsInt64OK()
		bi, _ := app.Lookup("bytesIn").AsInt64OK()
		out[n.Address] = servedCount{c, bo + bi}
	}
	return out
}

// statusSizes compares a full serverStatus with mongoscope's on a shard primary.
func (b *bench) statusSizes(ctx context.Context) (int, int) {
	for _, n := range b.dep.Nodes {
		if n.Role != probes.RolePrimary || n.Shard == "config" {
			continue
		}
		c, err := mongo.Connect(mopts.Client().ApplyURI("mongodb://" + n.Address + "/?directConnection=true"))
		if err != nil {
			return 0, 0
		}
		defer c.Disconnect(context.Background())
		full, _ := c.Database("admin").RunCommand(ctx, bson.D{{Key: "serverStatus", Value: 1}}).Raw()
		trimmed, _ := c.Database("admin").RunCommand(ctx, probes.ServerStatusCommand("mongod", false, false)).Raw()
		return len(full), len(trimmed)
	}
	return 0, 0
}

// hang makes a secondary stop answering until the returned func runs.
func (b *bench) hang(ctx context.Context) func() {
	for _, n := range b.dep.Nodes {
		if n.Role == probes.RoleSecondary {
			b.admin.Database("admin").RunCommand(ctx, bson.D{{Key: "simFault", Value: "hang"}, {Key: "node", Value: n.Address}})
			return func() {
				b.admin.Database("admin").RunCommand(ctx, bson.D{{Key: "simFault", Value: "clear"}, {Key: "node", Value: n.Address}})
			}
		}
	}
	return func() {}
}

// busy keeps every core spinning until the returned func runs.
func busy() func() {
	var stop atomic.Bool
	for range runtime.NumCPU() {
		go func() {
			for x := 0; !stop.Load(); x++ {
			}
		}()
	}
	return func() { stop.Store(true) }
}

// terminalBytes runs the real program at 120×40 with its output counted.
func (b *bench) terminalBytes(snaps <-chan probes.Snapshot) string {
	var w countingWriter
	feed := make(chan probes.Snapshot)
	m := tui.New(tui.Options{Snapshots: feed, Interval: b.interval})
	prog := tea.NewProgram(m, tea.WithOutput(&w), tea.WithInput(nil), tea.WithWindowSize(120, 40), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := prog.Run(); done <- err }()
	warm := 3
	var start time.Time
	var startBytes int64
	for i := 0; i < warm+10; i++ {
		s, ok := <-snaps
		if !ok {
			break
		}
		feed <- s
		if i == warm {
			start, startBytes = time.Now(), w.n.Load()
		}
	}
	elapsed := time.Since(start)
	prog.Quit()
	if err := <-done; err != nil {
		return "not measured: " + err.Error()
	}
	return fmt.Sprintf("%.1f KB/s", float64(w.n.Load()-startBytes)/1000/elapsed.Seconds())
}

func memory() (heapMiB, rssMiB float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	data, _ := os.ReadFile("/proc/self/status")
	return float64(ms.HeapAlloc) / (1 << 20), statusMiB(string(data), "VmRSS:")
}

// percentiles of latencies: p50, p99, max.
func percentiles(d []time.Duration) (time.Duration, time.Duration, time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) time.Duration {
		return d[min(int(q*float64(len(d))), len(d)-1)].Round(100 * time.Microsecond)
	}
	return at(0.5), at(0.99), d[len(d)-1].Round(100 * time.Microsecond)
}
