package probes

import (
	"fmt"
	"math"
	"time"
)

// needless-updates: the first field report's "mark as read" bug showed as
// updates almost as frequent as reads in the opcounters graph. serverStatus
// tells more than that ratio (documents.go says what each counter counts):
//   - update statements that touch no document: opcounters.update counts
//     statements, metrics.document.updated the documents they matched, so
//     matched per statement far below one is statements matching nothing
//     (a guard like {seen: {$ne: true}} that is nearly always false);
//   - updates that change nothing: the documents matched against the
//     update oplog entries the secondaries apply (opcountersRepl.update;
//     a modification writes one entry per document, an update that changes
//     nothing writes none, and an applyOps' inner writes count one by one:
//     jstests/replsets/opcounters_repl.js) is matched documents left as they
//     were ($set to the value already there).
//
// Either, or updates close to reads, is the story; the summary says which.
const (
	// needlessWindow: each figure is a 30 s mean; the finding starts once
	// the shape has held 20 s more (see the table in findings.go).
	needlessWindow = 30 * time.Second
	// needlessHoldRatio: once found, updates must fall below 60 % of
	// reads (from UpdateReadRatio's 80 %) to end it.
	needlessHoldRatio = 0.6
	// needlessBusy: below 50 update statements (or matched documents) a
	// second, what they do is not worth a finding.
	needlessBusy = 50.0
	// needlessShare: at most one statement in five touching a document
	// (or one matched document in five modified) starts it; two in five
	// hold it. A workload of plain updates by _id sits near one.
	needlessShare     = 0.2
	needlessHoldShare = 0.4
)

type needlessUpdates struct{}

func (needlessUpdates) kind() string { return FindingNeedlessUpdates }
func (needlessUpdates) timing() timing {
	return timing{startAfter: 20 * time.Second, endAfter: time.Minute}
}

// updateShape is the cluster's updates over needlessWindow; a part whose
// counters are unknown is not judged.
type updateShape struct {
	reads, updates                    float64 // opcounters through the routers (or the primary)
	ratioKnown                        bool
	statements, matched, inserted     float64 // at the data-bearing primaries
	docsKnown                         bool
	modified                          float64 // update oplog entries their secondaries applied
	modifiedKnown                     bool
	ratioLv, untouchedLv, unchangedLv level
}

func (needlessUpdates) check(in *findingInput) ([]condition, bool) {
	u := readUpdateShape(in)
	if !u.ratioKnown && !u.docsKnown {
		return nil, false
	}
	u.judge()
	lv := max(u.ratioLv, u.untouchedLv, u.unchangedLv)
	if lv == 0 {
		return nil, true
	}
	ev := u.evidence()
	if in.s.Stale["hotCollections"] == "" {
		hot := tally{}
		for _, hc := range in.s.HotCollections {
			hot.add(hc.NS, hc.WriteMsPerSec)
		}
		ev.Namespaces = hot.top(3)
	}
	if in.opsKnown {
		apps := tally{}
		for _, op := range in.s.Ops {
			if !op.System && op.Op == "update" {
				apps.add(orNone(op.AppName), 1)
			}
		}
		ev.Apps = apps.top(3)
	}
	inc := Finding{Severity: Warn, Evidence: ev, Summary: u.summary(),
		Action: Action{Pane: PaneHot, Key: "/", Filter: "op:update",
			Hint: "look for a write on every read (mark-as-read, last-seen stamps) or a guard that is nearly always false: write only when something changes, keep a marker of the last item seen"}}
	return []condition{{subject: "cluster", level: lv, inc: inc}}, true
}

// readUpdateShape takes the means of the cluster's series. The documents'
// figures need the counters of every data-bearing primary (Documents
// .Cluster); the modified documents also a replication that keeps up (a
// secondary falling behind applies fewer updates than its primary makes).
func readUpdateShape(in *findingInput) updateShape {
	var u updateShape
	mean := func(m Metric) (float64, bool) {
		return in.recentMean(SeriesKey{Scope: ScopeCluster, Metric: m}, needlessWindow, 0.8)
	}
	if oc := in.s.Opcounters; oc != nil && oc.Cluster != nil {
		q, okQ := mean(MetricQuery)
		w, okU := mean(MetricUpdate)
		u.reads, u.updates, u.ratioKnown = q, w, okQ && okU
	}
	d := in.s.Documents
	if d == nil || d.Cluster == nil {
		return u
	}
	stm, okS := mean(MetricUpdateStatements)
	matched, okM := mean(MetricDocsMatched)
	u.statements, u.matched, u.inserted, u.docsKnown = stm, matched, d.Cluster.Inserted, okS && okM
	if mod, ok := mean(MetricUpdatesApplied); ok && d.UpdatesApplied != nil && u.docsKnown && replicationKeepsUp(in) {
		u.modified, u.modifiedKnown = mod, true
	}
	return u
}

// replicationKeepsUp: every replica set is known and no member lags
// LagWarn or more.
func replicationKeepsUp(in *findingInput) bool {
	if len(in.s.Replication) == 0 {
		return false
	}
	for _, rs := range in.s.Replication {
		if rs.Stale != "" || rs.MaxLagSeconds == nil || *rs.MaxLagSeconds >= LagWarn.Seconds() {
			return false
		}
	}
	return true
}

// judge sets each part's level: start, hold, or 0.
func (u *updateShape) judge() {
	u.ratioLv = pick(u.ratioKnown && u.reads > BusyQueryPerSec && u.updates >= UpdateReadRatio*u.reads,
		u.ratioKnown && u.reads > BusyQueryPerSec/2 && u.updates >= needlessHoldRatio*u.reads)
	u.untouchedLv = pick(u.docsKnown && u.statements >= needlessBusy && u.matched <= needlessShare*u.statements,
		u.docsKnown && u.statements >= needlessBusy/2 && u.matched <= needlessHoldShare*u.statements)
	u.unchangedLv = pick(u.modifiedKnown && u.matched >= needlessBusy && u.modified <= needlessShare*u.matched,
		u.modifiedKnown && u.matched >= needlessBusy/2 && u.modified <= needlessHoldShare*u.matched)
}

func pick(start, hold bool) level {
	switch {
	case start:
		return levelStart
	case hold:
		return levelHold
	}
	return 0
}

func (u updateShape) evidence() Evidence {
	var ev Evidence
	if u.ratioKnown {
		ev.Figures = append(ev.Figures, Figure{"updates", math.Round(u.updates), "/s"}, Figure{"reads", math.Round(u.reads), "/s"})
		if u.reads > 0 {
			ev.Figures = append(ev.Figures, Figure{"updates per read", roundTo(u.updates/u.reads, 2), ""})
		}
	}
	if u.docsKnown {
		ev.Figures = append(ev.Figures, Figure{"update statements on the primaries", math.Round(u.statements), "/s"},
			Figure{"documents matched", math.Round(u.matched), "/s"})
		if u.statements > 0 {
			ev.Figures = append(ev.Figures, Figure{"matched per statement", roundTo(u.matched/u.statements, 2), ""})
		}
		ev.Figures = append(ev.Figures, Figure{"documents inserted", math.Round(u.inserted), "/s"}) // upserts match nothing too
	}
	if u.modifiedKnown {
		ev.Figures = append(ev.Figures, Figure{"documents modified (oplog)", math.Round(u.modified), "/s"})
	}
	return ev
}

// summary names the story the counters tell, the strongest first.
func (u updateShape) summary() string {
	var s string
	switch {
	case u.untouchedLv > 0:
		s = fmt.Sprintf("%.0f%% of update statements match no document (%.0f statements/s, %.0f documents matched/s)",
			(1-u.matched/u.statements)*100, u.statements, u.matched)
	case u.unchangedLv > 0:
		s = fmt.Sprintf("updates match %.0f documents/s but modify %.0f/s (the oplog): %.0f%% are left as they were",
			u.matched, u.modified, (1-u.modified/u.matched)*100)
	default:
		return fmt.Sprintf("updates run at %.0f%% of reads (%.0f/s vs %.0f/s): is every read followed by a write that changes nothing?",
			u.updates/u.reads*100, u.updates, u.reads)
	}
	if u.ratioLv > 0 {
		s += fmt.Sprintf(", and updates run at %.0f%% of reads", u.updates/u.reads*100)
	}
	return s + ": writes that do nothing but cost a round trip, a lock and an index lookup each"
}
