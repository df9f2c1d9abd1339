package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/tui"
)

// operatorView drives the real TUI model headless with the real poller's
// snapshots, so fault tests assert what the operator sees.
type operatorView struct {
	t     *testing.T
	m     tea.Model
	snaps <-chan probes.Snapshot
}

func newOperatorView(t *testing.T, sim *simcluster.Cluster, interval time.Duration, audit *probes.AuditLog) *operatorView {
	t.Helper()
	return operatorViewOn(t, sim.URI(), 160, interval, audit)
}

// operatorViewOn is an operatorView of any server, width columns wide (50
// rows); without an audit log it is read-only.
func operatorViewOn(t *testing.T, uri string, width int, interval time.Duration, audit *probes.AuditLog) *operatorView {
	t.Helper()
	return operatorViewOf(t, probes.Config{URI: uri, Interval: interval, ConnectTimeout: 3 * time.Second,
		ReadOnly: audit == nil, Audit: audit}, width)
}

// operatorViewOf is an operatorView of a poller configured as cfg.
func operatorViewOf(t *testing.T, cfg probes.Config, width int) *operatorView {
	t.Helper()
	interval := cfg.Interval
	p, err := probes.NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); p.Close(context.Background()) })
	var m tea.Model = tui.New(tui.Options{Interval: interval, ReadOnly: cfg.ReadOnly, Actor: p, Context: ctx})
	m, _ = m.Update(tea.WindowSizeMsg{Width: width, Height: 50})
	return &operatorView{t: t, m: m, snaps: p.Run(ctx)}
}

// until feeds snapshots until the screen shows want, at most n snapshots.
func (o *operatorView) until(want string, n int) string {
	o.t.Helper()
	var scr string
	for i := 0; i < n; i++ {
		s, ok := <-o.snaps
		if !ok {
			o.t.Fatal("the poller stopped")
		}
		o.m, _ = o.m.Update(tui.SnapshotMsg(s))
		scr = ansi.Strip(o.m.View().Content)
		if strings.Contains(scr, want) {
			return scr
		}
	}
	o.t.Fatalf("after %d snapshots the screen does not show %q:\n%s", n, want, scr)
	return ""
}

// key presses a key and runs the action it starts, feeding the answer
// back (timers such as the spinner are left alone).
func (o *operatorView) key(k string) {
	var cmd tea.Cmd
	o.m, cmd = o.m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
	for _, msg := range actionMsgs(cmd) {
		o.m, _ = o.m.Update(msg)
	}
}

func actionMsgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if batch, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range batch {
				out = append(out, actionMsgs(c)...)
			}
			return out
		}
		if msg != nil {
			return []tea.Msg{msg}
		}
	case <-time.After(3 * time.Second): // a spinner tick never comes back this fast; actions do
	}
	return nil
}

func TestOperatorSeesFaults(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Shards: 2, Members: 3, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	role := func(r, shard string) string {
		for _, n := range sim.Nodes() {
			if n.Role == r && n.Shard == shard {
				return n.Address
			}
		}
		return ""
	}
	o := newOperatorView(t, sim, 200*time.Millisecond, nil)
	all := len(sim.Nodes())
	up := func(n int) string { return fmt.Sprintf("%d/%d nodes up", n, all) }
	o.until(up(all), 20)

	// 1. A secondary stops: down, with its address, within a few intervals
	// (other nodes may be shown slow meanwhile on a busy machine: the
	// header lists them apart).
	sec := role("secondary", "shard1")
	sim.Fault(simcluster.Fault{Kind: "stop", Node: sec})
	if scr := o.until("(down: "+sec+")", 5); !strings.Contains(scr, up(all-1)) {
		t.Errorf("the header does not count the stopped node out:\n%s", scr)
	}
	o.key("7") // the nodes pane says why
	scr := o.until("connection refused", 10)
	if !strings.Contains(scr, "DOWN") {
		t.Errorf("the nodes pane does not mark it DOWN:\n%s", scr)
	}
	// 2. It comes back.
	sim.Fault(simcluster.Fault{Kind: "start", Node: sec})
	o.until(up(all), 20)

	// 3. The primary steps down: the new primary shows in the replication pane.
	old := role("primary", "shard0")
	sim.Fault(simcluster.Fault{Kind: "stepDown", Node: old})
	o.key("2")
	o.until("SECONDARY "+old, 20)

	// 4. A node answers 2 s late (less than DownAfter, the 3 s connect
	// timeout): slow, not down; the screen keeps updating.
	slow := role("secondary", "shard0")
	if slow == "" || slow == old {
		slow = role("secondary", "shard1")
	}
	sim.Fault(simcluster.Fault{Kind: "delay", Node: slow, Ms: 2000})
	o.key("7")
	scr = o.until("answering late", 20)
	if strings.Contains(scr, "(down: "+slow) {
		t.Errorf("a node 2 s late is shown down:\n%s", scr)
	}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: slow})

	// 6. Every reply reset mid-way: down at once when the reset reaches a
	// request, at the latest once DownAfter (the 3 s connect timeout) passes
	// while the driver waits for the node; then recovery.
	sim.Fault(simcluster.Fault{Kind: "reset", Node: sec})
	o.until("(down: "+sec+")", 25)
	sim.Fault(simcluster.Fault{Kind: "clear", Node: sec})
	o.until(up(all), 40)
}

// Items 8 and 10 of the fault suite, as the operator sees them: a refused
// kill names the missing privilege and is audited; a balancerStop that
// times out says so.
func TestOperatorSeesRefusalsAndTimeouts(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Shards: 2, Members: 1, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	mongos := sim.Nodes()[0].Address
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "killOp", Code: 13})
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "balancerStop", Code: 50})
	path := filepath.Join(t.TempDir(), "audit.log")
	audit, err := probes.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	o := newOperatorView(t, sim, 200*time.Millisecond, audit)
	o.until("3 Operations", 10)
	o.until("shard0:", 20) // a user op through mongos is listed
	o.key("k")
	o.until("Kill this operation?", 1)
	o.key("y")
	scr := o.until("refused by the server", 2)
	if !strings.Contains(scr, "killop") {
		t.Errorf("the refusal does not name the privilege:\n%s", scr)
	}
	o.key("b")
	o.until("Stop the balancer?", 1)
	o.key("y")
	o.until("timed out", 2)
	log, _ := os.ReadFile(path)
	for _, want := range []string{`"action":"killOp"`, `"outcome":"notAllowed"`, `"action":"balancerStop"`, `"outcome":"timeout"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
}

// Before 8.0 the ticket counts are read every few polls and held between:
// on a 4.4 replica set the operator sees how old held counts are, on the
// line that shows them.
func TestOperatorSeesHeldTicketsAge(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Topology: "replset", Members: 2, Version: "4.4", Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	o := newOperatorView(t, sim, 200*time.Millisecond, nil)
	line := func(scr string) string {
		for l := range strings.Lines(scr) {
			if strings.Contains(l, "tickets out r") {
				return l
			}
		}
		return ""
	}
	held, fresh := "", ""
	for i := 0; i < 40 && (held == "" || fresh == ""); i++ {
		l := line(o.until("tickets out r", 1))
		if strings.Contains(l, "/256") && strings.Contains(l, " old") { // two members, 128 each
			held = l
		} else if strings.Contains(l, "/256") {
			fresh = l
		}
	}
	if held == "" || fresh == "" {
		t.Fatalf("within 40 polls the tickets were not shown both held with their age and fresh: held %q, fresh %q", held, fresh)
	}
	if !regexp.MustCompile(`tickets out r \d+/256 w \d+/256 · \d+\.\ds old`).MatchString(held) {
		t.Errorf("the held tickets' age is not beside them: %q", held)
	}
}

// A mongos that answers but may not list its shards (not authorized):
// mongoscope connects and shows the mongos alone, says the shards are
// unknown and why, and shows them once listShards works.
func TestOperatorSeesShardsUnknown(t *testing.T) {
	sim, mongos := simRefusingListShards(t)
	o := operatorViewOf(t, probes.Config{URI: sim.URI(), Interval: 200 * time.Millisecond, ConnectTimeout: 3 * time.Second,
		ReadOnly: true, Rediscover: time.Second}, 160)
	o.until("1/1 nodes up (shards unknown)", 20)
	o.key("7")
	scr := o.until("shards unknown: listShards on "+mongos+" failed: (Unauthorized) not authorized", 5)
	if !strings.Contains(scr, "UP   "+mongos) {
		t.Errorf("the nodes pane does not show the mongos up:\n%s", scr)
	}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: mongos})
	all := len(sim.Nodes())
	scr = o.until(fmt.Sprintf("%d/%d nodes up", all, all), 40)
	if strings.Contains(scr, "shards unknown") {
		t.Errorf("the shards are listed but still said unknown:\n%s", scr)
	}
}

// simRefusingListShards is a sharded simulated cluster whose mongos answers
// but refuses listShards (not authorized) until the fault is cleared.
func simRefusingListShards(t *testing.T) (sim *simcluster.Cluster, mongos string) {
	t.Helper()
	sim, err := simcluster.Start(simcluster.Config{Shards: 2, Members: 1, ConfigMembers: 1, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	for _, n := range sim.Nodes() {
		if n.Role == "mongos" {
			mongos = n.Address
		}
	}
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "listShards", Code: 13})
	return sim, mongos
}

// The connection-storm finding as the operator sees it on pane 8, the
// connections pane never opened: the poller reads who holds the connections
// on its own while they storm, so the finding names the app and the hosts
// opening them. (Workload time runs 5× faster: the storm is at its height
// within seconds; the finding needs it held 20 s of real time.)
func TestOperatorSeesWhoOpensAConnectionStorm(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Scenario: "connection-storm", Speed: 5, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	o := newOperatorView(t, sim, 200*time.Millisecond, nil)
	o.key("8")
	scr := o.until("mostly from checkout-worker", 600) // polls, not time: 2 minutes idle, longer on a busy machine
	for _, want := range []string{"connection-storm", "apps checkout-worker", "hosts 10.0.9.2"} {
		if !strings.Contains(scr, want) {
			t.Errorf("pane 8 does not show %q:\n%s", want, scr)
		}
	}
}
