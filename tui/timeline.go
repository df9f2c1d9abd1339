package tui

import (
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// timeline decides which snapshot is on screen: the latest (live), the
// one the display was paused on, or one stepped back to in the history.
// Sampling never stops; pausing only freezes what is shown. Steps move
// in time from the moment shown, one sample interval each, so a step
// never lands later than asked however many samples arrive meanwhile.
type timeline struct {
	hist   *probes.History
	latest probes.Snapshot
	shown  probes.Snapshot
	have   bool // a snapshot arrived
	paused bool // space froze the display
	back   bool // stepped back in history
	steps  int  // snapshots newer than the one shown (where series end)
	behind int  // snapshots received since the display left live
}

// live says the latest snapshot is on screen and follows new ones.
func (t *timeline) live() bool { return !t.paused && !t.back }

// add records a snapshot; it is shown when live.
func (t *timeline) add(s probes.Snapshot) (shown bool) {
	t.hist.Add(s)
	t.latest, t.have = s, true
	if !t.live() {
		t.behind++
		t.steps = min(t.steps+1, t.hist.FullLen()-1) // stay on the same moment
		return false
	}
	t.shown = s
	return true
}

// togglePause freezes the display, or returns it to live (a second
// space, also after stepping back).
func (t *timeline) togglePause() {
	if t.live() {
		t.paused = true
		return
	}
	t.toLive()
}

// toLive shows the latest snapshot and follows new ones again.
func (t *timeline) toLive() {
	t.paused, t.back, t.steps, t.behind = false, false, 0, 0
	t.shown = t.latest
}

// step moves the moment shown one sample interval back (dir < 0) or
// forward; forward onto the latest snapshot is live again. It reports
// false when there is nothing further that way.
func (t *timeline) step(dir int) bool {
	iv := t.shown.IntervalSeconds.D()
	if iv <= 0 {
		iv = time.Second
	}
	target := t.shown.TakenAt.Add(time.Duration(dir) * iv)
	i, ok := t.find(dir, target)
	if !ok {
		return false
	}
	if i == 0 {
		t.toLive()
		return true
	}
	s, _ := t.hist.At(i)
	t.shown, t.steps, t.back = s, i, true
	return true
}

// find is the history index of the snapshot a step lands on: the one
// nearest the target among those before (dir < 0) or after the moment
// shown, so polls that drift a little around the interval still step one
// at a time; back past the oldest kept, the oldest; forward past the
// latest, the latest.
func (t *timeline) find(dir int, target time.Time) (int, bool) {
	n := t.hist.FullLen()
	if dir < 0 && t.steps >= n-1 || dir > 0 && t.steps == 0 {
		return 0, false // nothing further that way
	}
	best, bestGap := -1, time.Duration(0)
	for i := t.steps - dir; i >= 0 && i < n; i -= dir {
		s, ok := t.hist.At(i)
		if !ok {
			break
		}
		gap := s.TakenAt.Sub(target).Abs()
		if best >= 0 && gap > bestGap {
			break // moving away from the target now
		}
		best, bestGap = i, gap
	}
	return best, best >= 0
}

// lag is how far the moment shown is behind the latest snapshot.
func (t *timeline) lag() time.Duration { return t.latest.TakenAt.Sub(t.shown.TakenAt) }
