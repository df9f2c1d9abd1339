package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// troubledSnapshot is the sample cluster at 3 a.m.: the mongos answers
// late (ops and cluster rates old or unknown), a secondary is slow, one is
// down, shard2 lags 30 s, the balancer's state is 40 s old.
func troubledSnapshot(i int) probes.Snapshot {
	s := sampleSnapshot(i)
	s.Stale = map[string]string{
		"ops":            "as of 14:02:10, 23s old: mongos1:27017 waiting 23s for its answer",
		"hotCollections": "as of 14:02:10, 23s old: s0-0:27018 no new answer",
	}
	s.Opcounters.Cluster, s.Opcounters.ClusterWhy = nil, "mongos1:27017 has no fresh rate (answering late)"
	nodes := s.Deployment.Nodes
	slow := &nodes[5] // s1-1
	slow.State, slow.Slow, slow.Error = probes.StateSlow, true, "answering late: waiting 2.1s for serverStatus"
	slow.Probes = map[string]probes.ProbeStatus{"serverStatus": {AgeSeconds: f(23)}, "replication": {AgeSeconds: f(0.4)}}
	nodes[3].Probes = map[string]probes.ProbeStatus{"serverStatus": {AgeSeconds: f(95), Error: "connection refused"}}
	nodes[0].Probes = map[string]probes.ProbeStatus{"balancer": {AgeSeconds: f(23)}, "chunks": {AgeSeconds: f(22)},
		"serverStatus": {AgeSeconds: f(0.3)}}
	s.Replication[2] = replSet("shard2", "shard2", "s2-%d:27018", 30, 0.6)
	s.Replication[1].Stale = "as of 14:02:20, 13s old: s1-0:27018 no new answer"
	s.Balancer.Stale = "as of 14:02:01, 40s old: cfg-0:27019 no new answer"
	return s
}

func troubledModel(t *testing.T, w, h int) Model {
	m := newTestModel(t, Options{}, w, h, 5)
	for i := 5; i < 10; i++ {
		m = send(m, snapshotMsg{troubledSnapshot(i)})
	}
	return m
}

func TestHeaderSaysSlowDownAndStaleSources(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		scr := screen(troubledModel(t, size[0], size[1]))
		lines := strings.Split(scr, "\n")
		if !strings.Contains(lines[0], "12/13 nodes up (slow: s1-1:27018) (down: s0-2:27018)") {
			t.Errorf("%v: header line 1 = %q", size, lines[0])
		}
		for _, want := range []string{"stale: hot collections 23s old — s0-0:27018 no new answer", "ops 23s old — mongos1:27017"} {
			if !strings.Contains(lines[1], want) && size[0] >= 120 {
				t.Errorf("%v: header line 2 lacks %q: %q", size, want, lines[1])
			}
		}
		if !strings.HasPrefix(lines[1], " stale: ") {
			t.Errorf("%v: no stale line under the header: %q", size, lines[1])
		}
		if len(lines) != size[1] {
			t.Errorf("%v: %d lines", size, len(lines))
		}
	}
	// Fresh again: the second line goes and the layout takes it back.
	m := send(troubledModel(t, 120, 40), snapshotMsg{sampleSnapshot(10)})
	if lines := strings.Split(screen(m), "\n"); strings.Contains(lines[1], "stale") || len(lines) != 40 {
		t.Errorf("recovered, the header still says stale:\n%s", screen(m))
	}
}

func TestStaleOpsAndBalancerAreNotShownAsLive(t *testing.T) {
	scr := screen(troubledModel(t, 120, 40))
	if !strings.Contains(scr, "87 running as of 14:02:10, 23s old (mongos1:27017 waiting 23s for its answer), 3 shown") {
		t.Errorf("the op count does not say how old it is:\n%s", scr)
	}
	for _, line := range strings.Split(scr, "\n") {
		if strings.Contains(line, "shard0:88121") && !strings.Contains(line, "stale") {
			t.Errorf("an op from the late mongos is not marked stale: %q", line)
		}
	}
	if strings.Contains(scr, "Balancer  ON") || !strings.Contains(scr, "6 Balancer  was ON 40s old") {
		t.Errorf("the balancer's 40 s old ON is drawn as current:\n%s", scr)
	}
	if !strings.Contains(scr, "│as of 14:02:01, 40s old") {
		t.Errorf("the balancer pane does not say how old it is:\n%s", scr)
	}
	if !strings.Contains(scr, "│as of 14:02:10, 23s old — s0-0:27018") {
		t.Errorf("the hot collections pane does not say how old it is:\n%s", scr)
	}
}

func TestUnknownClusterRatesAreDashesWithTheReason(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {200, 60}} {
		m := troubledModel(t, size[0], size[1])
		scr := screen(m)
		if !regexp.MustCompile(`query +-/s .*unknown: mongos1:27017 has no fres`).MatchString(scr) {
			t.Errorf("%v: the unknown query rate is not '-' with its reason:\n%s", size, scr)
		}
		if regexp.MustCompile(`\b0/s|min 0 max 0`).MatchString(scr) {
			t.Errorf("%v: an unknown rate reads 0:\n%s", size, scr)
		}
		// The history keeps a gap where the rate was unknown: the last
		// five points of the sparkline are blank.
		if !regexp.MustCompile(`query +-/s [▁▂▃▄▅▆▇█]+ {5} `).MatchString(scr) {
			t.Errorf("%v: the sparkline does not end in a gap:\n%s", size, scr)
		}
	}
	compact := screen(troubledModel(t, 80, 24))
	if !strings.Contains(compact, "ops/s - (mongos1:27017 has no fresh rate") {
		t.Errorf("80×24 strip does not say why the rate is unknown:\n%s", compact)
	}
	m := press(t, troubledModel(t, 120, 40), "1", "z")
	if scr := screen(m); strings.Contains(scr, "collecting history") || !strings.Contains(scr, "query, update, insert per second") {
		t.Errorf("the zoomed graph does not draw the known points around the gap:\n%s", scr)
	}
}

func TestNodeListSaysUpSlowDownAndProbeAges(t *testing.T) {
	m := press(t, troubledModel(t, 120, 40), "7")
	scr := screen(m)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`DOWN s0-2:27018 .*connection refused`),
		regexp.MustCompile(`serverStatus 1m35s ✗ connection refused`),
		regexp.MustCompile(`SLOW s1-1:27018 .*answering late: waiting 2.1s for serverStatus`),
		regexp.MustCompile(`replication 0.4s · serverStatus 23s old`),
		// chunks are read every 30 s or so: 22 s is not old.
		regexp.MustCompile(`UP   mongos1:27017 .*\n.*balancer 23s old · chunks 22s · serverStatus 0.3s`),
	} {
		if !want.MatchString(scr) {
			t.Errorf("the node list lacks %v:\n%s", want, scr)
		}
	}
	if strings.Index(scr, "DOWN s0-2") > strings.Index(scr, "SLOW s1-1") || strings.Index(scr, "SLOW s1-1") > strings.Index(scr, "UP   ") {
		t.Errorf("down, then slow, then up:\n%s", scr)
	}
}

// replPane is the lines of the replication pane's box at 120 columns and
// more: the right part of the top row.
func replPane(scr string, w int) string {
	var out []string
	for _, line := range strings.Split(scr, "\n") {
		r := []rune(line)
		if len(r) >= w && strings.Contains(string(r[w*55/100:]), "│") {
			out = append(out, string(r[w*55/100:]))
		}
		if strings.Contains(line, "3 Operations") {
			break
		}
	}
	return strings.Join(out, "\n")
}

func TestEverySetsWorstLagIsOnTheMainScreen(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {200, 60}} {
		m := troubledModel(t, size[0], size[1])
		pane := replPane(screen(m), size[0])
		for _, rs := range m.tl.shown.Replication {
			summary := fmt.Sprintf("%s  max lag %.1fs %s", rs.Set, *rs.MaxLagSeconds, rs.MaxLagMember)
			member := regexp.MustCompile(regexp.QuoteMeta(rs.MaxLagMember) + ` +lag +` + regexp.QuoteMeta(fmt.Sprintf("%.1fs", *rs.MaxLagSeconds)))
			if !strings.Contains(pane, summary) && !(strings.Contains(pane, rs.Set) && member.MatchString(pane)) {
				t.Errorf("%v: %s's worst lag is not on screen:\n%s", size, rs.Set, pane)
			}
		}
		if !regexp.MustCompile(`s2-1:27018 +lag +30.0s ▲`).MatchString(pane) {
			t.Errorf("%v: shard2, the set in trouble, is not drawn in full:\n%s", size, pane)
		}
		if !strings.Contains(pane, "shard1  max lag 0.3s s1-2:27018  (13s old)") && !strings.Contains(pane, "shard1  (13s old)") {
			t.Errorf("%v: shard1's replication status does not say it is old:\n%s", size, pane)
		}
		if strings.Index(pane, "configRepl") < strings.Index(pane, "shard2") {
			t.Errorf("%v: configRepl is listed before the shards:\n%s", size, pane)
		}
	}
}

// With more sets than the pane has lines, each set's worst lag is still
// there, several to a line.
func TestManySetsArePackedNotDropped(t *testing.T) {
	s := troubledSnapshot(0)
	s.Replication = nil
	for i := range 14 {
		s.Replication = append(s.Replication, replSet(fmt.Sprintf("shard%d", i), fmt.Sprintf("shard%d", i), fmt.Sprintf("s%d-%%d:1", i), 0.1, float64(i)+0.5))
	}
	m := send(newTestModel(t, Options{}, 120, 40, 0), snapshotMsg{s})
	pane := replPane(screen(m), 120)
	for i := range 14 {
		if !strings.Contains(pane, fmt.Sprintf("shard%d %d.5s", i, i)) {
			t.Errorf("shard%d's lag is missing:\n%s", i, pane)
		}
	}
}

func TestConnectingScreenFromTheFirstFrame(t *testing.T) {
	m := New(Options{Interval: time.Second, Connecting: &Connecting{Seeds: []string{"db1:27017", "db2:27017"},
		Since: time.Now(), Timeout: 10 * time.Second}})
	if v := m.View().Content; !strings.Contains(v, "connecting to db1:27017, db2:27017…") {
		t.Fatalf("before the terminal's size is known: %q", v)
	}
	m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if !regexp.MustCompile(`connecting to db1:27017, db2:27017… \d+(\.\d)?m?s \(gives up after 10s\)`).MatchString(screen(m)) {
		t.Fatalf("no connecting screen:\n%s", screen(m))
	}
	m = send(m, ConnectProgressMsg{Text: "found shard0: 3 members"})
	if !strings.Contains(screen(m), "found shard0: 3 members") {
		t.Fatalf("progress not shown:\n%s", screen(m))
	}
	m = send(m, ConnectFailedMsg{Err: "unreachable: cannot reach db1:27017: connection refused"})
	m = send(m, streamEndMsg{})
	scr := screen(m)
	if !strings.Contains(scr, "cannot connect to db1:27017, db2:27017") || !strings.Contains(scr, "connection refused") ||
		strings.Contains(scr, "polling stopped") {
		t.Fatalf("the failure is not on screen:\n%s", scr)
	}
	if _, cmd := m.Update(keyMsg("q")); cmd == nil {
		t.Fatal("q does not quit the failed connecting screen")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit the failed connecting screen")
	}
}

func TestConnectedReadsPrivilegesAgain(t *testing.T) {
	a := &fakeActor{}
	m := New(Options{Actor: a, Interval: time.Second, Connecting: &Connecting{Seeds: []string{"db1:27017"}, Since: time.Now()}})
	if m.keys.Table.Kill.Enabled() {
		t.Fatal("kill enabled before the privileges are known")
	}
	a.privs = probes.Privileges{KillOp: true}
	m = send(m, ConnectedMsg{})
	if !m.keys.Table.Kill.Enabled() {
		t.Fatal("kill still off after connecting with the killop privilege")
	}
	m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(screen(m), "connected to db1:27017; waiting for the first complete poll") {
		t.Fatalf("after connecting:\n%s", screen(m))
	}
}

// A set drawn as one line still says a member is down.
func TestCollapsedSetSaysMembersDown(t *testing.T) {
	s := troubledSnapshot(0)
	s.Replication[3].Members[1].Health, s.Replication[3].Members[1].LagSeconds = 0, nil
	m := send(newTestModel(t, Options{}, 120, 40, 0), snapshotMsg{s})
	if pane := replPane(screen(m), 120); !strings.Contains(pane, "configRepl  max lag 0.2s cfg-2:27019  1 DOWN") {
		t.Fatalf("the config set's summary does not say a member is down:\n%s", pane)
	}
}

// Held ticket counts (before 8.0, read every few polls) show the oldest's
// age beside them; stale ones say they are not judged.
func TestTicketsShowTheirAge(t *testing.T) {
	for _, c := range []struct {
		age   float64
		stale string
		want  string
	}{{0, "", "tickets out r "}, {8.2, "", "· 8.2s old"},
		{40, "as of 14:02:01, 40s old: s0-0:27018 no ticket counts since", "· 40s old · stale, not judged"}} {
		m := newTestModel(t, Options{}, 160, 50, 5)
		for i := 5; i < 10; i++ {
			s := sampleSnapshot(i)
			q := s.Queues.Nodes["s0-0:27018"]
			if c.age > 0 {
				q.TicketsAgeSeconds = f(c.age)
			}
			q.TicketsStale = c.stale
			s.Queues.Nodes["s0-0:27018"] = q
			m = send(m, snapshotMsg{s})
		}
		scr := screen(m)
		if !strings.Contains(scr, c.want) || c.age == 0 && strings.Contains(scr, " old · ") {
			t.Errorf("tickets %vs old, stale %q: the screen lacks %q:\n%s", c.age, c.stale, c.want, scr)
		}
	}
}

// A notice of the program (recording stopped) is said in the footer once,
// its control characters replaced, and not said again on later snapshots.
func TestProgramNoticeIsSaidOnceAndClean(t *testing.T) {
	var notices []string
	m := newTestModel(t, Options{Notices: func() []string { return notices }}, 160, 40, 3)
	notices = append(notices, "recording stopped: write failed (disk \x1b]52;c;ZXZpbA==\x07full); the file holds snapshots up to 14:02:10")
	m = send(m, snapshotMsg{sampleSnapshot(3)})
	lines := strings.Split(screen(m), "\n")
	footer := lines[len(lines)-1]
	if !strings.HasPrefix(footer, "recording stopped: write failed (disk ?]52;c;ZXZpbA==?full)") || strings.ContainsAny(m.View().Content, "\x07") {
		t.Fatalf("footer %q", footer)
	}
	m = send(m, keyMsg("esc"))
	m = send(m, snapshotMsg{sampleSnapshot(4)})
	if scr := screen(m); strings.Contains(scr, "recording stopped") {
		t.Fatalf("the notice is said again:\n%s", scr)
	}
}

// config.migrations has no start time: a migration whose donor op is not
// known has run for an unknown time, and the balancer pane leaves it out
// rather than drawing 0 s; a known one is drawn.
func TestMigrationOfUnknownElapsedIsNotZero(t *testing.T) {
	m := newTestModel(t, Options{}, 200, 60, 5)
	s := sampleSnapshot(5)
	s.Balancer.Migrations[0].ElapsedSecs = nil
	scr := screen(send(m, snapshotMsg{s}))
	line := regexp.MustCompile(`migrating app\.messages shard0→shard2[^│]*`).FindString(scr)
	if line == "" || strings.TrimSpace(line) != "migrating app.messages shard0→shard2" {
		t.Errorf("a migration of unknown running time is drawn %q:\n%s", line, scr)
	}
	scr = screen(send(m, snapshotMsg{sampleSnapshot(6)}))
	if !strings.Contains(scr, "migrating app.messages shard0→shard2 12.0s") {
		t.Errorf("a known running time is not drawn:\n%s", scr)
	}
}
