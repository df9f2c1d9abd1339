package probes

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// NSTotals are one namespace's cumulative `top` counters (microseconds).
type NSTotals struct {
	ReadMicros, WriteMicros, Count int64
}

// TopTotals are a `top` reply: namespace -> totals.
type TopTotals map[string]NSTotals

// DecodeTop reads {totals: {ns: {readLock: {time, count}, writeLock: …, total: …}}}.
func DecodeTop(raw bson.Raw) (out TopTotals, err error) {
	defer safely("top", &err)
	if raw.Validate() != nil {
		return nil, errors.New("top reply is not a valid BSON document")
	}
	totals, ok := getDoc(raw, "totals")
	if !ok {
		if msg := getString(raw, "errmsg"); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, errors.New("top reply has no totals")
	}
	elems, _ := totals.Elements()
	out = make(TopTotals, len(elems))
	for _, e := range elems {
		doc, ok := e.Value().DocumentOK()
		if !ok {
			continue // "note": "all times in microseconds"
		}
		var t NSTotals
		t.ReadMicros, _ = getInt(doc, "readLock", "time")
		t.WriteMicros, _ = getInt(doc, "writeLock", "time")
		t.Count, _ = getInt(doc, "total", "count")
		out[e.Key()] = t
	}
	return out, nil
}

// HotCollections merges per-node `top` deltas into one cluster-wide
// ranking by total time per second, skipping system namespaces.
func HotCollections(prev, cur map[string]TopTotals, dt time.Duration, k int) []HotCollection {
	if dt <= 0 {
		return nil
	}
	merged := map[string]*HotCollection{}
	// Nodes in one order: float sums in map order differ in the last digit
	// from poll to poll (53.6, 53.599999999999994).
	for _, node := range slices.Sorted(maps.Keys(cur)) {
		now := cur[node]
		before, ok := prev[node]
		if !ok {
			continue
		}
		for ns, t := range now {
			if isSystemNS(ns) {
				continue
			}
			p, ok := before[ns]
			if !ok || t.ReadMicros < p.ReadMicros || t.WriteMicros < p.WriteMicros || t.Count < p.Count {
				continue
			}
			h := merged[ns]
			if h == nil {
				h = newHotCollection(ns)
				merged[ns] = h
			}
			secs := dt.Seconds()
			h.ReadMsPerSec += float64(t.ReadMicros-p.ReadMicros) / 1000 / secs
			h.WriteMsPerSec += float64(t.WriteMicros-p.WriteMicros) / 1000 / secs
			h.OpsPerSec += float64(t.Count-p.Count) / secs
		}
	}
	out := make([]HotCollection, 0, len(merged))
	for _, h := range merged {
		if h.ReadMsPerSec+h.WriteMsPerSec+h.OpsPerSec > 0 {
			out = append(out, *h)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].ReadMsPerSec+out[i].WriteMsPerSec, out[j].ReadMsPerSec+out[j].WriteMsPerSec
		if a != b {
			return a > b
		}
		return out[i].NS < out[j].NS
	})
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out
}

func isSystemNS(ns string) bool {
	db, coll, _ := strings.Cut(ns, ".")
	return db == "admin" || db == "local" || db == "config" || strings.HasPrefix(coll, "system.") || coll == ""
}

// topProbe asks every data-bearing primary (and a standalone) for `top`:
// time spent per namespace, turned into the hot collections.
type topProbe struct {
	pairs map[string][2]topSample
}

type topSample struct {
	totals TopTotals
	at     time.Time
}

func newTopProbe() *topProbe { return &topProbe{pairs: map[string][2]topSample{}} }

func (*topProbe) name() string     { return probeTop }
func (*topProbe) every(*state) int { return everyPoll }

func (*topProbe) due(st *state) []string {
	var out []string
	for _, ns := range st.byRole(RolePrimary, RoleStandalone) {
		if ns.node.Shard != "config" {
			out = append(out, ns.node.Address)
		}
	}
	return out
}

func (tp *topProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	raw, err := n.conn.command(ctx, n.cfg.DownAfter, "admin", bson.D{{Key: "top", Value: 1}})
	if err != nil {
		return nil, err
	}
	t, err := DecodeTop(raw)
	if err != nil {
		return nil, err
	}
	addr, sample := n.node.Address, topSample{t, n.now}
	return func(*state) {
		prev := tp.pairs[addr]
		tp.pairs[addr] = [2]topSample{prev[1], sample}
	}, nil
}

// fill ranks the namespaces over the nodes with two fresh samples; a node
// that is no longer a primary, or is stale, no longer counts.
func (tp *topProbe) fill(snap *Snapshot, st *state) {
	if why, gone := st.unavailable[probeTop]; gone {
		snap.NotAvailable[probeTop] = why
		return
	}
	due := map[string]bool{}
	for _, addr := range tp.due(st) {
		due[addr] = true
	}
	prev, cur := map[string]TopTotals{}, map[string]TopTotals{}
	var dt time.Duration
	var asOf time.Time
	for addr, pair := range tp.pairs {
		if !due[addr] {
			delete(tp.pairs, addr)
			continue
		}
		if pair[0].totals == nil || pair[1].totals == nil {
			continue
		}
		if why := st.staleness(tp, pair[1].at, addr); why != "" {
			snap.Stale = setWhy(snap.Stale, "hotCollections", why)
			continue
		}
		prev[addr], cur[addr] = pair[0].totals, pair[1].totals
		dt = max(dt, pair[1].at.Sub(pair[0].at))
		if asOf.IsZero() || pair[1].at.Before(asOf) {
			asOf = pair[1].at
		}
	}
	snap.HotCollections, snap.HotCollectionsAsOf = HotCollections(prev, cur, dt, 20), asOf
	if snap.HotCollections == nil {
		snap.HotCollections = []HotCollection{}
	}
}
