package tui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mongoscope/mongoscope/keymap"
	"github.com/mongoscope/mongoscope/probes"
)

// dialogKind says what a confirmation is for.
type dialogKind int

const (
	dialogKill dialogKind = iota
	dialogBulkKill
	dialogBalancer
	dialogWindow
)

// dialog asks before anything changes the deployment. Cancel is the
// default: enter on an untouched dialog cancels.
type dialog struct {
	kind    dialogKind
	title   string
	body    []string
	ops     []probes.Op // what a kill would take
	stop    bool        // balancer: stop (true) or start
	input   textinput.Model
	button  int  // the focused button: 0 Cancel (the default), 1 the action, 2 kill session
	session bool // a kill dialog offering killSessions (a sharded write)
	useSess bool // confirmed with the session button
	err     string
	window  *probes.Window // the window dialog's parsed input
	keys    keymap.DialogKeys
}

// dialogOutcome is what a key did to a dialog.
type dialogOutcome int

const (
	dialogOpen dialogOutcome = iota
	dialogCancelled
	dialogConfirmed
)

// hasInput: the bulk kill and window dialogs take typed text, so only
// Press (enter) and Cancel (esc) are theirs; the others are buttons.
func (d *dialog) hasInput() bool { return d.kind == dialogBulkKill || d.kind == dialogWindow }

// update handles a key: Confirm, Deny or Cancel answer at once, Switch
// moves between the buttons, Press presses the focused one (Cancel unless
// moved) or submits the typed text.
func (d *dialog) update(msg tea.KeyPressMsg) (dialogOutcome, tea.Cmd) {
	k := d.keys
	switch {
	case key.Matches(msg, k.Cancel):
		return dialogCancelled, nil
	case d.hasInput() && key.Matches(msg, k.Press):
		return d.submit(), nil
	case d.hasInput():
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(msg)
		return dialogOpen, cmd
	case d.session && (key.Matches(msg, k.Session) || key.Matches(msg, k.Press) && d.button == 2):
		d.useSess = true
		return dialogConfirmed, nil
	case key.Matches(msg, k.Confirm), key.Matches(msg, k.Press) && d.button == 1:
		return dialogConfirmed, nil
	case key.Matches(msg, k.Deny, k.Press):
		return dialogCancelled, nil
	case key.Matches(msg, k.Switch):
		d.button = (d.button + 1) % len(d.buttons())
	}
	return dialogOpen, nil
}

// buttons are the dialog's buttons, Cancel first.
func (d *dialog) buttons() []string {
	switch {
	case d.kind == dialogBalancer && d.stop:
		return []string{"Cancel", "Stop"}
	case d.kind == dialogBalancer:
		return []string{"Cancel", "Start"}
	case d.session:
		return []string{"Cancel", "Kill op", "Kill session"}
	}
	return []string{"Cancel", "Kill"}
}

// shortHelp is the footer while the dialog is open.
func (d *dialog) shortHelp() []key.Binding {
	k := d.keys
	if d.hasInput() {
		return []key.Binding{k.Press, k.Cancel}
	}
	if d.session {
		return []key.Binding{k.Confirm, k.Session, k.Deny, k.Switch, k.Press, k.Cancel}
	}
	return []key.Binding{k.Confirm, k.Deny, k.Switch, k.Press, k.Cancel}
}

// submit checks the typed input: the exact count for a bulk kill, a
// well-formed window.
func (d *dialog) submit() dialogOutcome {
	if d.kind == dialogBulkKill {
		if d.input.Value() != strconv.Itoa(len(d.ops)) {
			d.err = "type exactly " + strconv.Itoa(len(d.ops)) + " to confirm, or " + d.keys.Cancel.Help().Key + " to cancel"
			return dialogOpen
		}
		return dialogConfirmed
	}
	w, err := parseWindow(d.input.Value())
	if err != nil {
		d.err = err.Error()
		return dialogOpen
	}
	d.window = w
	return dialogConfirmed
}

// newKillDialog shows what the op is, its progress if it builds an
// index, a warning for the ops that are part of the cluster's own work,
// and for a sharded write with a session, killSessions as the other way.
func newKillDialog(op probes.Op, keys keymap.DialogKeys) *dialog {
	where := clean(op.Node)
	if op.Shard != "" {
		where = clean(op.Shard) + " (" + clean(op.Node) + ")"
	}
	cmd := clean(op.Command)
	if len(cmd) > 200 {
		cmd = cmd[:200] + "…"
	}
	body := []string{
		fmt.Sprintf("%s on %s", clean(op.OpID), where),
		fmt.Sprintf("%s %s  running %s  %s", clean(op.Op), clean(op.NS), secs(op.SecsRunning), clean(op.PlanSummary)),
		fmt.Sprintf("app %s  client %s  user %s", dash(clean(op.AppName)), dash(clean(op.Client)), dash(clean(op.User))),
	}
	if cmd != "" {
		body = append(body, cmd)
	}
	body = append(body, killWarnings(op)...)
	d := &dialog{kind: dialogKill, title: "Kill this operation?", ops: []probes.Op{op}, keys: keys, session: sessionKillable(op)}
	if d.session {
		body = append(body, "", fmt.Sprintf("A write routed through mongos with a session: killOp stops it on %s, but the "+
			"router may go on with it on the shards. %s kills its session instead (killSessions): every operation of "+
			"that session stops, on every shard.", dash(clean(op.Shard)), keys.Session.Help().Key))
	}
	d.body = body
	return d
}

// killWarnings say what killing a part of the cluster's own work costs;
// killOp lets these through, the operator should know.
func killWarnings(op probes.Op) []string {
	var out []string
	for _, f := range op.Flags {
		switch f {
		case probes.FlagIndexBuild:
			done := "its progress"
			if p := progress(op); p != "" {
				done = "the " + p + " done"
			}
			out = append(out, "⚠ An index build: killing it aborts the build; "+done+" is lost and it must start over.")
		case probes.FlagMigration:
			out = append(out, "⚠ A chunk migration: killing it aborts the move; the balancer tries it again later.")
		case probes.FlagTTL:
			out = append(out, "⚠ A TTL deletion: expired documents stay until the next pass.")
		}
	}
	if db, _, _ := strings.Cut(op.NS, "."); db == "admin" || db == "config" || db == "local" {
		out = append(out, "⚠ It works on "+clean(op.NS)+", in a system database.")
	}
	if op.KillPending {
		out = append(out, "It is already being killed (killPending): it stops at its next interrupt point.")
	}
	return out
}

// sessionKillable: a write with a session routed through mongos, which
// killOp on the shard may not stop for good.
func sessionKillable(op probes.Op) bool {
	return op.LSID != "" && op.Shard != "" && op.KillVia != op.Node && isWrite(op)
}

// isWrite says whether an op writes: by its type, or for a command by
// the command's name.
func isWrite(op probes.Op) bool {
	switch strings.ToLower(op.Op) {
	case "insert", "update", "remove", "delete":
		return true
	case "command":
		var doc map[string]json.RawMessage
		if json.Unmarshal([]byte(op.Command), &doc) != nil {
			return false
		}
		for _, name := range []string{"insert", "update", "delete", "findAndModify", "findandmodify", "bulkWrite"} {
			if _, ok := doc[name]; ok {
				return true
			}
		}
	}
	return false
}

func newBulkKillDialog(ops []probes.Op, filter string, keys keymap.DialogKeys) *dialog {
	in := textinput.New()
	in.Prompt = fmt.Sprintf("type %d to confirm: ", len(ops)) // the number to type, never a placeholder to mistake
	in.SetWidth(8)
	in.CharLimit = 8
	in.Focus()
	if filter == "" {
		filter = "(no filter: every user op shown)"
	}
	return &dialog{kind: dialogBulkKill, title: fmt.Sprintf("Kill %d operations?", len(ops)), ops: ops, input: in, keys: keys,
		body: []string{"filter: " + filter, "system ops are never included",
			fmt.Sprintf("type %d and press %s to kill them; %s cancels", len(ops), keys.Press.Help().Key, keys.Cancel.Help().Key)}}
}

func newBalancerDialog(b *probes.Balancer, keys keymap.DialogKeys) *dialog {
	d := balancerDialog(b, keys)
	if b != nil && b.Stale != "" {
		d.body = append([]string{"⚠ What mongoscope knows of the balancer is old (" + staleLine(b.Stale) + "): it may have changed since."}, d.body...)
	}
	return d
}

func balancerDialog(b *probes.Balancer, keys keymap.DialogKeys) *dialog {
	if b != nil && b.Enabled {
		body := []string{"New rounds stop at once; mongoscope then waits for the round in progress to end (up to 60 s), as balancerStop does."}
		if len(b.Migrations) > 0 {
			body = append(body, fmt.Sprintf("%d migration(s) in flight will finish first.", len(b.Migrations)))
		}
		return &dialog{kind: dialogBalancer, title: "Stop the balancer?", body: body, stop: true, keys: keys}
	}
	body := []string{"Chunks will move again between shards."}
	if b != nil && b.Window != nil && !b.InsideWindow {
		body = append(body, fmt.Sprintf("Outside the window %s–%s: nothing moves until it opens in %s.",
			b.Window.Start, b.Window.Stop, countdown(b.UntilWindowChange.D())))
	}
	return &dialog{kind: dialogBalancer, title: "Start the balancer?", body: body, keys: keys}
}

func newWindowDialog(b *probes.Balancer, keys keymap.DialogKeys) *dialog {
	in := textinput.New()
	in.Placeholder = "23:00-06:00"
	in.SetWidth(24)
	if b != nil && b.Window != nil {
		in.SetValue(b.Window.Start + "-" + b.Window.Stop)
	}
	in.Focus()
	return &dialog{kind: dialogWindow, title: "Balancer window", input: in, keys: keys,
		body: []string{"HH:MM-HH:MM in the config servers' time zone; empty clears it.",
			keys.Press.Help().Key + " saves, " + keys.Cancel.Help().Key + " cancels"}}
}

// parseWindow reads HH:MM-HH:MM; empty is nil, which clears the window.
func parseWindow(v string) (*probes.Window, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	start, stop, ok := strings.Cut(v, "-")
	if !ok {
		return nil, fmt.Errorf("write the window as HH:MM-HH:MM, e.g. 23:00-06:00")
	}
	return &probes.Window{Start: strings.TrimSpace(start), Stop: strings.TrimSpace(stop)}, nil
}

func (d *dialog) view(st Styles, w int) string {
	var lines []string
	for _, l := range d.body {
		lines = append(lines, strings.Split(wrap(l, w-2), "\n")...) // a dialog never cuts its own words
	}
	if d.hasInput() {
		d.input.SetStyles(st.inputStyles())
		lines = append(lines, "", d.input.View())
	}
	if d.err != "" {
		lines = append(lines, st.Bad.Render(wrap(d.err, w-2)))
	}
	if !d.hasInput() {
		var buttons []string
		for i, b := range d.buttons() {
			style := st.Button
			if i == d.button {
				style = st.ButtonActive
			}
			buttons = append(buttons, style.Render("[ "+b+" ]"))
		}
		keys := d.keys.Confirm.Help().Key + " / " + d.keys.Deny.Help().Key
		if d.session {
			keys = d.keys.Confirm.Help().Key + " op / " + d.keys.Session.Help().Key + " session / " + d.keys.Deny.Help().Key
		}
		row := strings.Join(buttons, "  ") + "   " + keys
		lines = append(lines, "", strings.Repeat(" ", max((w-2-lipgloss.Width(row))/2, 0))+row)
	}
	content := strings.Join(lines, "\n")
	return box(st, d.title, content, w, strings.Count(content, "\n")+3, true)
}
