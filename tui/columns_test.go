package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mongoscope/mongoscope/probes"
)

// longSnapshot is a cluster with long names everywhere: host names,
// namespaces, app names, plans, ten-digit opids, and ops read straight
// from secondaries.
func longSnapshot(i int) probes.Snapshot {
	s := sampleSnapshot(i)
	host := func(shard, mem int) string {
		return fmt.Sprintf("mongodb-shard%d-replica%d.prod.eu-west-1.internal:27018", shard, mem)
	}
	for j := range s.Deployment.Nodes {
		n := &s.Deployment.Nodes[j]
		var sh, mem int
		if _, err := fmt.Sscanf(n.Address, "s%d-%d:27018", &sh, &mem); err == nil {
			n.Address = host(sh, mem)
		}
	}
	s.Ops = []probes.Op{
		{Node: host(1, 0), Shard: "shard1", OpID: "shard1:1473353255", KillVia: "mongos1:27017", Op: "command",
			NS: "shop_production_eu.order_line_items_archive_2024", SecsRunning: 410.2, AppName: "MongoDB Shell",
			Client: "10.120.33.201:51234", ProgressDone: 46, ProgressTotal: 100, Flags: []string{probes.FlagIndexBuild, probes.FlagLong}},
		{Node: host(0, 0), Shard: "shard0", OpID: "shard0:1526628596", KillVia: "mongos1:27017", Op: "query",
			NS: "shop_production_eu.orders", SecsRunning: 190.3, PlanSummary: "COLLSCAN", AppName: "web-frontend-checkout-service-v2",
			Client: "10.120.34.17:40001", Flags: []string{probes.FlagCollscan, probes.FlagLong}},
		{Node: host(2, 2), Shard: "shard2", OpID: "1320248267", KillVia: host(2, 2), Op: "query",
			NS: "shop_production_eu.customers", SecsRunning: 3.1, PlanSummary: "IXSCAN { customerId: 1, createdAt: -1 }",
			AppName: "analytics-nightly-rollup", Client: "10.120.40.2:60000"},
		{Node: host(1, 1), Shard: "shard1", OpID: "998877", KillVia: host(1, 1), Op: "getmore",
			NS: "shop_production_eu.events", SecsRunning: 0.4, PlanSummary: "IXSCAN { ts: 1 }", AppName: "reporting",
			Client: "10.120.40.3:60001"},
	}
	return s
}

func longModel(t *testing.T, w, h int) Model {
	m := newTestModel(t, Options{Title: "shop-production-eu-west-1"}, w, h, 0)
	for i := range 12 {
		m = send(m, snapshotMsg{longSnapshot(i)})
	}
	return m
}

func TestGoldenScreensWithLongNames(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		scr := screen(longModel(t, size[0], size[1]))
		golden(t, fmt.Sprintf("long-%dx%d.golden", size[0], size[1]), scr)
		for _, op := range longSnapshot(0).Ops {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(op.OpID) + `\b`).MatchString(scr) {
				t.Errorf("%v: opid %s is cut or missing", size, op.OpID)
			}
		}
		for _, label := range []string{"shard2/s2", "shard1/s1"} {
			if !strings.Contains(scr, " "+label+" ") {
				t.Errorf("%v: the secondary's op is not labelled %s:\n%s", size, label, scr)
			}
		}
		if strings.Contains(scr, "mongodb-shard2-rep…") || strings.Contains(scr, "127.0.0…") {
			t.Errorf("%v: a node is shown as a cut address", size)
		}
	}
	wide := screen(longModel(t, 200, 60))
	for _, want := range []string{"web-frontend-checkout-service-v2", "shop_production_eu.order_line_items_archive_2024",
		"10.120.33.201:51234", "index build 46% long"} {
		if !strings.Contains(wide, want) {
			t.Errorf("200 columns: %q should be shown whole", want)
		}
	}
	narrow := screen(longModel(t, 80, 24))
	header := regexp.MustCompile(`│ node .*`).FindString(narrow)
	for _, col := range []string{"node", "opid", "op", "ns", "time", "flags"} {
		if !regexp.MustCompile(`\b` + col + `\b`).MatchString(header) {
			t.Errorf("80 columns: the %s column is missing:\n%s", col, narrow)
		}
	}
}

func TestColumnWidths(t *testing.T) {
	natural := [colCount]int{9, 17, 7, 48, 6, 40, 32, 19, 20}
	for _, w := range []int{76, 118, 198} {
		got := columnWidths(natural, w)
		total := 0
		for c, width := range got {
			if width > 0 {
				total += width + cellPad
			}
			if width > natural[c] {
				t.Errorf("w %d: %s is %d wide, wider than its widest cell %d", w, colTitles[c], width, natural[c])
			}
		}
		if total > w {
			t.Errorf("w %d: the columns take %d", w, total)
		}
		for _, c := range []int{colNode, colOpID, colOp, colTime} {
			if got[c] != natural[c] {
				t.Errorf("w %d: %s cut to %d", w, colTitles[c], got[c])
			}
		}
	}
	if got := columnWidths(natural, 216); got != natural {
		t.Errorf("216 columns hold every column whole: %v", got)
	}
}

func TestDialogsWrapTheirText(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}}
	m := newTestModel(t, Options{Actor: a}, 80, 24, 1)
	m = press(t, m, "b")
	scr := screen(m)
	for _, want := range []string{"New rounds stop at once;", "to end (up to 60 s), as balancerStop does."} {
		if !strings.Contains(scr, want) {
			t.Errorf("the balancer dialog cut its text (%q missing):\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "p…") {
		t.Errorf("a dialog line is cut:\n%s", scr)
	}
}
