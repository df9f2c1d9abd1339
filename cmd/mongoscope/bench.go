package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
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
// the CPU and memory figures are the poller's alone).
func runBench(argv []string, stdout, stderr io.Writer) int {
	fs := subcommandFlagSet("bench", stderr) // the flags: benchFlags
	if err := fs.Parse(argv); err != nil {
		return exitUsage
	}
	shards, members := flagValue[int](fs, "shards"), flagValue[int](fs, "members")
	interval, duration := flagValue[time.Duration](fs, "interval"), flagValue[time.Duration](fs, "duration")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uri, stop, err := startSimChild(ctx, shards, members)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope bench: "+err.Error())
		return exitFailure
	}
	defer stop()
	b := &bench{out: stdout, uri: uri, interval: interval}
	if err := b.run(ctx, duration); err != nil {
		fmt.Fprintln(stderr, "mongoscope bench: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// startSimChild runs `mongoscope sim --port 0` and returns its URI.
func startSimChild(ctx context.Context, shards, members int) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "sim", "--port", "0", "--shards", fmt.Sprint(shards), "--members", fmt.Sprint(members))
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
	admin    *mongo.Client
}

func (b *bench) row(name, value, target string) {
	fmt.Fprintf(b.out, "%-52s %-26s %s\n", name, value, target)
}

func (b *bench) run(ctx context.Context, duration time.Duration) error {
	var err error
	b.admin, err = mongo.Connect(mopts.Client().ApplyURI(b.uri).SetAppName("bench"))
	if err != nil {
		return err
	}
	defer b.admin.Disconnect(context.Background())
	start := time.Now()
	p, err := probes.NewPoller(probes.Config{URI: b.uri, Interval: b.interval, ReadOnly: true})
	if err != nil {
		return err
	}
	defer p.Close(context.Background())
	dep, err := p.Connect(ctx)
	if err != nil {
		return err
	}
	snaps := p.Run(ctx)
	var first time.Duration
	var last probes.Snapshot
	for s := range snaps {
		last = s
		if complete(s) {
			first = time.Since(start)
			break
		}
	}
	fmt.Fprintf(b.out, "mongoscope bench: %d nodes, interval %s, steady state %s (%s)\n\n", len(dep.Nodes), b.interval, duration, time.Now().Format(time.RFC3339))
	b.row("measure", "value", "target")
	b.row("time to the first complete sample", first.Round(time.Millisecond).String(), "≤ 2s")

	before := b.served(ctx, dep)
	if path := os.Getenv("MONGOSCOPE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	cpu0, wall0 := cpuTime(), time.Now()
	polls := 0
	hist := probes.NewHistory(3600, 600)
	for polls < int(duration/b.interval) {
		s, ok := <-snaps
		if !ok {
			break
		}
		hist.Add(s)
		last = s
		polls++
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	pprof.StopCPUProfile()
	after := b.served(ctx, dep)
	var cmds, bytes int64
	maxCmds := 0.0
	for addr, a := range after {
		d := a.sub(before[addr])
		cmds += d.commands
		bytes += d.bytes
		maxCmds = max(maxCmds, float64(d.commands)/float64(polls))
	}
	n := float64(len(dep.Nodes))
	b.row("commands per node per poll (average / busiest node)", fmt.Sprintf("%.2f / %.1f", float64(cmds)/n/float64(polls), maxCmds), "≤ 3")
	b.row("bytes served per node per poll", fmt.Sprintf("%.0f", float64(bytes)/n/float64(polls)), "")
	full, trimmed := b.statusSizes(ctx, dep)
	b.row("serverStatus reply: full / as mongoscope asks", fmt.Sprintf("%d B / %d B (%.0f%%)", full, trimmed, 100*float64(trimmed)/float64(max(full, 1))), "a small fraction")
	b.row("poller CPU per poll cycle", fmt.Sprintf("%.1f ms (%.2f%% of one core)", cpu.Seconds()*1000/float64(polls), 100*cpu.Seconds()/wall.Seconds()), "≤ 5% of one core")
	if path := os.Getenv("MONGOSCOPE_HEAPPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	heap, rss := memory()
	b.row("heap / RSS after the steady state", fmt.Sprintf("%.1f MiB / %.1f MiB", heap, rss), "")
	for hist.Len() < 3600 { // a fake clock: the last snapshot, an hour's worth
		last.TakenAt = last.TakenAt.Add(b.interval)
		hist.Add(last)
	}
	heap, rss = memory()
	b.row("heap / RSS with 1 h of 1 s history", fmt.Sprintf("%.1f MiB / %.1f MiB", heap, rss), "≤ 64 MiB RSS")
	runtime.KeepAlive(hist)
	b.row("keypress to frame, one node hanging (max)", b.keyLatency(ctx, snaps, dep).String(), "≤ 50ms")
	b.row("terminal output at 120×40, steady state", b.terminalBytes(snaps), "≤ 4 KB/s")
	return nil
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

type servedCount struct{ commands, bytes int64 }

func (a servedCount) sub(b servedCount) servedCount {
	return servedCount{a.commands - b.commands, a.bytes - b.bytes}
}

// served asks each node's simStats what mongoscope made it serve.
func (b *bench) served(ctx context.Context, dep probes.Deployment) map[string]servedCount {
	out := map[string]servedCount{}
	for _, n := range dep.Nodes {
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
func (b *bench) statusSizes(ctx context.Context, dep probes.Deployment) (int, int) {
	for _, n := range dep.Nodes {
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

// keyLatency hangs a secondary, then times key presses through the TUI
// model (Update and View, what a frame costs) while snapshots keep coming.
func (b *bench) keyLatency(ctx context.Context, snaps <-chan probes.Snapshot, dep probes.Deployment) time.Duration {
	for _, n := range dep.Nodes {
		if n.Role == probes.RoleSecondary {
			b.admin.Database("admin").RunCommand(ctx, bson.D{{Key: "simFault", Value: "hang"}, {Key: "node", Value: n.Address}})
			defer b.admin.Database("admin").RunCommand(ctx, bson.D{{Key: "simFault", Value: "clear"}, {Key: "node", Value: n.Address}})
			break
		}
	}
	var m tea.Model = tui.New(tui.Options{Interval: b.interval})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	worst := time.Duration(0)
	keys := []tea.KeyPressMsg{{Code: tea.KeyDown}, {Code: 's', Text: "s"}, {Code: tea.KeyUp}, {Code: 'a', Text: "a"}}
	for i := 0; i < 5; i++ {
		s, ok := <-snaps
		if !ok {
			break
		}
		m, _ = m.Update(tui.SnapshotMsg(s))
		for j := 0; j < 20; j++ {
			t := time.Now()
			m, _ = m.Update(keys[j%len(keys)])
			_ = m.View()
			worst = max(worst, time.Since(t))
		}
	}
	return worst.Round(10 * time.Microsecond)
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
	heapMiB = float64(ms.HeapAlloc) / (1 << 20)
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				var v float64
				fmt.Sscanf(strings.TrimSpace(kb), "%f", &v)
				rssMiB = v / 1024
			}
		}
	}
	return heapMiB, rssMiB
}
