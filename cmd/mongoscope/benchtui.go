package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Markers of what is on screen: the help lists the keys' descriptions
// (the dashboard never shows them); the dashboard's ops pane title is
// under the help while it is open.
const (
	helpShown      = "shorter interval"
	dashboardShown = "Operations"
)

// realProgram runs mongoscope itself on a 120×40 pseudo-terminal against
// the simulator: its first frame, CPU, output and memory, and keypress to
// frame, idle then with a node hung and every core busy.
func (b *bench) realProgram(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	run, err := startPTY(exe, 120, 40, "--read-only", "--interval", b.interval.String(), b.uri)
	if err != nil {
		return err
	}
	n := len(b.dep.Nodes)
	seen, err := run.waitFor(60*time.Second, fmt.Sprintf("%d/%d nodes up", n, n))
	if err != nil {
		run.quit(time.Second)
		return err
	}
	first := seen.Sub(run.started)
	b.row("real program: first frame with every node up", first.Round(time.Millisecond).String(),
		fmt.Sprintf("≤ %s", b.targets.firstFrame), first <= b.targets.firstFrame)
	cpu0, out0, wall0 := run.cpu(), run.total, time.Now()
	time.Sleep(b.duration)
	wall := time.Since(wall0)
	cpu := 100 * (run.cpu() - cpu0).Seconds() / wall.Seconds()
	b.row(fmt.Sprintf("real program (TUI + poller) CPU over %s", b.duration), fmt.Sprintf("%.2f%% of a core", cpu),
		fmt.Sprintf("≤ %.0f%%", b.targets.cpu), cpu <= b.targets.cpu)
	b.row("real program: terminal output at 120×40", fmt.Sprintf("%.1f KB/s", float64(run.total-out0)/1000/wall.Seconds()), "≤ 4 KB/s",
		float64(run.total-out0)/1000/wall.Seconds() <= 4)
	b.row(fmt.Sprintf("real program: RSS after %s", time.Since(run.started).Round(time.Second)), fmt.Sprintf("%.1f MiB", run.rssMiB()), "", true)
	b.keyLatency(ctx, run)
	peak, err := run.quit(30 * time.Second)
	if err != nil {
		return err
	}
	b.row("real program: peak RSS (whole run)", fmt.Sprintf("%.1f MiB", peak), "", true)
	return nil
}

// keyLatency opens and closes the help with ?, timing each press until
// the frame showing it has come back.
func (b *bench) keyLatency(ctx context.Context, run *ptyRun) {
	measure := func(presses int) (lat []time.Duration, err error) {
		for i := range presses {
			want := helpShown
			if i%2 == 1 {
				want = dashboardShown
			}
			d, err := run.press("?", want)
			if err != nil {
				return lat, err
			}
			lat = append(lat, d)
		}
		return lat, nil
	}
	idle, err := measure(50)
	p50, p99, worst := percentiles(idle)
	b.row("keypress → frame, idle: p50 / p99 / max of 50", latencies(p50, p99, worst, err), "", true)
	unhang := b.hang(ctx)
	defer unhang()
	time.Sleep(3 * b.interval) // polls are now stuck on the hung node
	hung, err := measure(50)
	p50, p99, worst = percentiles(hung)
	b.row("keypress → frame, a node hung: p50 / p99 / max of 50", latencies(p50, p99, worst, err), "", true)
	stop := busy()
	loaded, err := measure(100)
	stop()
	p50, p99, worst = percentiles(loaded)
	b.row("keypress → frame, a node hung, every core busy: p50 / p99 / max of 100", latencies(p50, p99, worst, err),
		"p99 ≤ 50ms", err == nil && p99 <= 50*time.Millisecond)
}

func latencies(p50, p99, worst time.Duration, err error) string {
	if err != nil {
		return "not measured: " + err.Error()
	}
	return fmt.Sprintf("%s / %s / %s", p50, p99, worst)
}
