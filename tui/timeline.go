package tui

import "github.com/mongoscope/mongoscope/probes"

// timeline decides which snapshot is on screen: the latest, the one the
// display was paused on, or one scrubbed back to in the history. Sampling
// never stops; pausing only freezes what is shown.
type timeline struct {
	hist   *probes.History
	latest probes.Snapshot
	shown  probes.Snapshot
	have   bool // a snapshot arrived
	paused bool
	behind int // snapshots received while paused or scrubbed
	scrub  int // steps back in history; 0 = now
}

// add records a snapshot; it is shown unless paused or scrubbed back.
func (t *timeline) add(s probes.Snapshot) (shown bool) {
	t.hist.Add(s)
	t.latest, t.have = s, true
	if t.paused || t.scrub > 0 {
		t.behind++
		if t.scrub > 0 {
			t.scrub = min(t.scrub+1, t.hist.FullLen()-1) // stay on the same moment
		}
		return false
	}
	t.shown = s
	return true
}

// togglePause freezes the display or returns it to now.
func (t *timeline) togglePause() {
	t.paused = !t.paused
	if !t.paused {
		t.behind, t.scrub = 0, 0
		t.shown = t.latest
	}
}

// scrubTo moves the time cursor steps back from now.
func (t *timeline) scrubTo(steps int) {
	steps = max(min(steps, t.hist.FullLen()-1), 0)
	t.scrub = steps
	if s, ok := t.hist.At(steps); ok {
		t.shown = s
	}
	if steps == 0 && !t.paused {
		t.behind = 0
		t.shown = t.latest
	}
}
