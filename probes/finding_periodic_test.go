package probes

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// minutes builds a minute series of a base with noise and spikes of
// `dur` minutes at the given starts.
func minutes(n int, base float64, starts []int, dur int, height float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = base * (1 + 0.06*jitter(i, "m"))
	}
	for _, s := range starts {
		for j := s; j < s+dur && j < n; j++ {
			xs[j] = height * (1 + 0.05*jitter(j, "h"))
		}
	}
	return xs
}

func every(from, period, n int) []int {
	var out []int
	for s := from; s < n; s += period {
		out = append(out, s)
	}
	return out
}

func TestPeriodicPattern(t *testing.T) {
	p, ok := findPattern(minutes(120, 1000, every(3, 10, 120), 3, 2600), 5)
	if !ok || p.period != 10 || len(p.spikes) != 12 || p.lastPeakAge > 10 {
		t.Errorf("10-minute spikes: %v %+v", ok, p)
	}
	if p, ok := findPattern(minutes(180, 40e6, every(7, 25, 180), 2, 90e6), 50e3); !ok || p.period != 25 {
		t.Errorf("25-minute spikes: %v %+v", ok, p)
	}
	// One missing spike breaks the regularity; irregular spikes, too few
	// spikes, a flat series, a short history and small rises are no pattern.
	gappy := every(3, 10, 120)
	gappy = append(gappy[:5], gappy[6:]...)
	for name, xs := range map[string][]float64{
		"a missing spike": minutes(120, 1000, gappy, 3, 2600),
		"irregular":       minutes(120, 1000, []int{4, 11, 31, 38, 60, 88, 93, 117}, 2, 2600),
		"three spikes":    minutes(120, 1000, []int{70, 80, 90}, 2, 2600),
		"flat":            minutes(120, 1000, nil, 0, 0),
		"short history":   minutes(29, 1000, every(3, 8, 29), 2, 2600),
		"small rises":     minutes(120, 1000, every(3, 10, 120), 3, 1300),
		"idle series":     minutes(120, 0.2, every(3, 10, 120), 2, 3),
	} {
		if p, ok := findPattern(xs, 5); ok {
			t.Errorf("%s: found a %d-minute pattern", name, p.period)
		}
	}
	// Gaps in the history (NaN) do not make spikes.
	xs := minutes(120, 1000, every(3, 10, 120), 3, 2600)
	for i := 50; i < 60; i++ {
		xs[i] = math.NaN()
	}
	if _, ok := findPattern(xs, 5); ok {
		t.Errorf("a gap broke the spacing yet a pattern was found")
	}
}

// rollupJob is a batch job that runs for 3 minutes every 10, from minute
// 3: big aggregations on chat.messages by "analytics", tripling the
// routers' getMores and network out.
func rollupJob(step int, s *Snapshot, plan string, until time.Duration) {
	el := s.TakenAt.Sub(t0)
	if el < 3*time.Minute || el >= until {
		return
	}
	k := int((el - 3*time.Minute) / (10 * time.Minute))
	in := el - 3*time.Minute - time.Duration(k)*10*time.Minute
	if in >= 3*time.Minute {
		return
	}
	for _, m := range []string{mongos1, mongos2} {
		r := s.Opcounters.Nodes[m]
		r.Getmore, r.Query = r.Getmore*6, r.Query+vary(90, step, m+"job", 0.1)
		s.Opcounters.Nodes[m] = r
	}
	for _, a := range []string{mongos1, mongos2, member("shard1", "a"), member("shard2", "a")} { // shards to routers to the job
		nw := s.Network.Nodes[a]
		nw.BytesOutPerSec *= 3
		s.Network.Nodes[a] = nw
	}
	c := s.Opcounters.Nodes[mongos1].Add(s.Opcounters.Nodes[mongos2])
	s.Opcounters.Cluster = &c
	for _, sh := range sceneShards {
		flags := []string{FlagLong}
		if plan == "COLLSCAN" {
			flags = append(flags, FlagCollscan)
		}
		s.Ops = append(s.Ops, Op{Node: member(sh, "a"), Shard: sh, OpID: fmt.Sprintf("%s:%d", sh, 6600000+k), Op: "command", NS: "chat.messages",
			SecsRunning: in.Seconds() + 0.5, PlanSummary: plan, AppName: "analytics", User: "analyst@admin", Flags: flags,
			Command: `{"aggregate":"messages","pipeline":[{"$match":{"sentAt":{"$gte":{"$date":"2025-03-04T02:50:00Z"}},"read":false}},{"$group":{"_id":"$to","n":{"$sum":1}}}],"cursor":{},"$db":"chat"}`})
	}
}

func TestFindingPeriodicSpike(t *testing.T) {
	sc := scene{interval: 5 * time.Second}
	steps := int(50 * time.Minute / sc.interval)
	r := sc.run(steps, func(step int, s *Snapshot) { rollupJob(step, s, "IXSCAN { sentAt: 1 }", time.Hour) })
	inc := r.only(t, FindingPeriodicSpike)
	// The fourth spike starts at minute 33 and is a closed minute at 34.
	if at := sc.at(r.firstStart[FindingPeriodicSpike]).Sub(t0); at < 34*time.Minute || at > 35*time.Minute {
		t.Errorf("found after %s", at)
	}
	if inc.ID != "periodic-spike:every-10m" || figure(inc, "period") != 10 || !contains(inc.Evidence.Series, "cluster getmore") ||
		!contains(inc.Evidence.Series, "cluster netOut") || inc.Evidence.Namespaces[0] != "chat.messages" || inc.Evidence.Apps[0] != "analytics" ||
		!strings.Contains(inc.Summary, "every 10 min") || inc.Action.Filter != "ns:chat.messages" {
		t.Errorf("%q %+v %+v", inc.Summary, inc.Evidence, inc.Action)
	}
	if !inc.Since.Equal(t0.Add(3*time.Minute)) && !inc.Since.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("since %s, want the first spike at 03:03", inc.Since.Format("15:04"))
	}
}

func TestFindingPeriodicSpikeEndsWhenTheJobStops(t *testing.T) {
	sc := scene{interval: 5 * time.Second}
	r := sc.run(int(90*time.Minute/sc.interval), func(step int, s *Snapshot) { rollupJob(step, s, "IXSCAN { sentAt: 1 }", 45*time.Minute) })
	r.only(t, FindingPeriodicSpike)
	if len(r.ended) != 1 {
		t.Fatalf("want the finding ended once the job stopped, got %d ends", len(r.ended))
	}
	// The last spike ran 03:43-03:46; it ends two periods after.
	if end := r.ended[0].Until.Sub(t0); end < 60*time.Minute || end > 70*time.Minute {
		t.Errorf("ended at +%s", end)
	}
}

// The first field report's story: an analytics job without an index,
// every ten minutes. Both findings name it, and the missing index stays one
// finding across the runs.
func TestFindingPeriodicSpikeOfAMissingIndex(t *testing.T) {
	sc := scene{interval: 5 * time.Second}
	r := sc.run(int(50*time.Minute/sc.interval), func(step int, s *Snapshot) { rollupJob(step, s, "COLLSCAN", time.Hour) })
	kinds := map[string]int{}
	for _, inc := range r.started {
		kinds[inc.Kind]++
	}
	if len(kinds) != 2 || kinds[FindingMissingIndex] != 1 || kinds[FindingPeriodicSpike] != 1 {
		t.Fatalf("started %v, want one missing-index and one periodic-spike", kinds)
	}
	mi, _ := r.latest("missing-index:chat.messages")
	if !strings.Contains(mi.Action.Copy, "createIndex({ read: 1, sentAt: 1 })") || mi.Evidence.Apps[0] != "analytics" {
		t.Errorf("%q %+v", mi.Summary, mi.Action)
	}
	ps, _ := r.latest("periodic-spike:every-10m")
	if ps.Evidence.Namespaces[0] != "chat.messages" {
		t.Errorf("%+v", ps.Evidence)
	}
}
