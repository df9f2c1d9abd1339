package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/keymap"
	"github.com/mongoscope/mongoscope/probes"
)

// viewer is a scrollable page over the dashboard: one op in full, or the
// help. Its keys are the keymap's detail group.
type viewer struct {
	title  string
	isHelp bool
	vp     viewport.Model
	op     *opDetail // the op shown, followed live; nil for help
}

func newViewer(title, content string, w, h int, keys keymap.DetailKeys) *viewer {
	v := &viewer{title: title, vp: viewport.New()}
	v.vp.KeyMap = keys.ViewportKeyMap()
	v.setSize(w, h)
	v.vp.SetContent(content)
	return v
}

// opDetail is the op a detail shows, kept up to date from each snapshot
// shown: its running time and progress move, and when it is gone the
// detail says since when, and kill is off.
type opDetail struct {
	op    probes.Op
	ended time.Time // the first live snapshot without it
	asOf  time.Time // the snapshot it was last read from
	live  bool
}

// newDetail is one op in full: the command as indented JSON, plan, locks,
// client, users, session and timings.
func newDetail(op probes.Op, ended time.Time, s probes.Snapshot, live bool, w, h int, keys keymap.DetailKeys) *viewer {
	d := &opDetail{op: op, ended: ended, asOf: s.TakenAt, live: live}
	v := newViewer("Operation "+clean(op.OpID), d.content(), w, h, keys)
	v.op = d
	return v
}

// follow reads the op again from the snapshot now shown.
func (v *viewer) follow(s probes.Snapshot, live bool) {
	d := v.op
	if d == nil {
		return
	}
	d.live, d.asOf = live, s.TakenAt
	found := false
	for _, op := range s.Ops {
		if opKey(op) == opKey(d.op) {
			d.op, d.ended, found = op, time.Time{}, true
			break
		}
	}
	if !found && live && d.ended.IsZero() {
		d.ended = s.TakenAt
	}
	v.vp.SetContent(d.content()) // keeps the scroll position
}

// gone says the op is not running at the moment shown.
func (d *opDetail) gone() bool { return !d.ended.IsZero() }

func (d *opDetail) content() string {
	op := d.op
	var cmd bytes.Buffer
	if err := json.Indent(&cmd, []byte(op.Command), "", "  "); err != nil {
		cmd.Reset()
		cmd.WriteString(op.Command)
	}
	fields := []string{d.status(),
		fmt.Sprintf("node %s  shard %s  opid %s  (kill via %s)", clean(op.Node), dash(clean(op.Shard)), clean(op.OpID), dash(clean(op.KillVia))),
		fmt.Sprintf("op %s  ns %s  running %s  yields %d", clean(op.Op), clean(op.NS), secs(op.SecsRunning), op.NumYields),
		fmt.Sprintf("plan %s  waiting for lock %v  killPending %v", dash(clean(op.PlanSummary)), op.WaitingForLock, op.KillPending),
		fmt.Sprintf("app %s  client %s  user %s  connection %d", dash(clean(op.AppName)), dash(clean(op.Client)), dash(clean(op.User)), op.ConnectionID),
		fmt.Sprintf("desc %s  session %s", dash(clean(op.Desc)), dash(clean(op.LSID))),
	}
	if p := progress(op); p != "" {
		fields = append(fields, "progress "+p)
	}
	if op.Msg != "" {
		fields = append(fields, "msg "+clean(op.Msg))
	}
	if len(op.Flags) > 0 {
		fields = append(fields, "flags "+strings.Join(op.Flags, ", "))
	}
	return strings.Join(fields, "\n") + "\n\ncommand:\n" + cleanLines(cmd.String())
}

// status is the detail's first line: live, from a past moment, or gone.
func (d *opDetail) status() string {
	at := d.asOf.Local().Format("15:04:05")
	switch {
	case d.gone() && d.live:
		return "finished at " + d.ended.Local().Format("15:04:05") + " (no longer running): nothing to kill"
	case d.gone():
		return "not running at " + at + ", the moment shown"
	case !d.live:
		return "as of " + at + " (not live: kill is off)"
	}
	return "running, as of " + at + " (live)"
}

// progress is an index build's progress: "46% (46/100)".
func progress(op probes.Op) string {
	if op.ProgressTotal <= 0 {
		return ""
	}
	return fmt.Sprintf("%.0f%% (%s/%s)", op.ProgressDone/op.ProgressTotal*100, num(op.ProgressDone), num(op.ProgressTotal))
}

// setSize fits the viewport to the inside of the body's frame.
func (v *viewer) setSize(w, h int) {
	v.vp.SetWidth(max(w, 10))
	v.vp.SetHeight(max(h, 3))
}

// update scrolls: top and bottom here, the rest through the viewport's
// keymap (built from the same group).
func (v *viewer) update(msg tea.KeyPressMsg, keys keymap.DetailKeys) tea.Cmd {
	switch {
	case key.Matches(msg, keys.Top):
		v.vp.GotoTop()
	case key.Matches(msg, keys.Bottom):
		v.vp.GotoBottom()
	default:
		var cmd tea.Cmd
		v.vp, cmd = v.vp.Update(msg)
		return cmd
	}
	return nil
}

func (v *viewer) view() string { return v.vp.View() }

// heading is the title, with a mark when there is more to scroll to.
func (v *viewer) heading() string {
	switch {
	case !v.vp.AtBottom() && !v.vp.AtTop():
		return v.title + "  ↑↓ more"
	case !v.vp.AtBottom():
		return v.title + "  ↓ more"
	case !v.vp.AtTop():
		return v.title + "  ↑ more"
	}
	return v.title
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
