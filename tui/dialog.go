package tui

import (
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
	confirm bool // the Kill/Stop button has focus
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
	case key.Matches(msg, k.Confirm), key.Matches(msg, k.Press) && d.confirm:
		return dialogConfirmed, nil
	case key.Matches(msg, k.Deny, k.Press):
		return dialogCancelled, nil
	case key.Matches(msg, k.Switch):
		d.confirm = !d.confirm
	}
	return dialogOpen, nil
}

// shortHelp is the footer while the dialog is open.
func (d *dialog) shortHelp() []key.Binding {
	k := d.keys
	if d.hasInput() {
		return []key.Binding{k.Press, k.Cancel}
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

func newKillDialog(op probes.Op, keys keymap.DialogKeys) *dialog {
	where := op.Node
	if op.Shard != "" {
		where = op.Shard + " (" + op.Node + ")"
	}
	cmd := op.Command
	if len(cmd) > 200 {
		cmd = cmd[:200] + "…"
	}
	body := []string{
		fmt.Sprintf("%s on %s", op.OpID, where),
		fmt.Sprintf("%s %s  running %s  %s", op.Op, op.NS, secs(op.SecsRunning), op.PlanSummary),
		fmt.Sprintf("app %s  client %s  user %s", dash(op.AppName), dash(op.Client), dash(op.User)),
	}
	if cmd != "" {
		body = append(body, cmd)
	}
	return &dialog{kind: dialogKill, title: "Kill this operation?", body: body, ops: []probes.Op{op}, keys: keys}
}

func newBulkKillDialog(ops []probes.Op, filter string, keys keymap.DialogKeys) *dialog {
	in := textinput.New()
	in.Placeholder = strconv.Itoa(len(ops))
	in.Focus()
	if filter == "" {
		filter = "(no filter: every user op shown)"
	}
	return &dialog{kind: dialogBulkKill, title: fmt.Sprintf("Kill %d operations?", len(ops)), ops: ops, input: in, keys: keys,
		body: []string{"filter: " + filter, "system ops are never included",
			fmt.Sprintf("type %d and press %s to kill them; %s cancels", len(ops), keys.Press.Help().Key, keys.Cancel.Help().Key)}}
}

func newBalancerDialog(b *probes.Balancer, keys keymap.DialogKeys) *dialog {
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
		lines = append(lines, "", d.input.View())
	}
	if d.err != "" {
		lines = append(lines, st.Bad.Render(wrap(d.err, w-2)))
	}
	if d.kind == dialogKill || d.kind == dialogBalancer {
		verb := "Kill"
		if d.kind == dialogBalancer {
			verb = map[bool]string{true: "Stop", false: "Start"}[d.stop]
		}
		cancel, act := st.ButtonActive.Render("[ Cancel ]"), st.Button.Render("[ "+verb+" ]")
		if d.confirm {
			cancel, act = st.Button.Render("[ Cancel ]"), st.ButtonActive.Render("[ "+verb+" ]")
		}
		buttons := cancel + "    " + act + "   " + d.keys.Confirm.Help().Key + " / " + d.keys.Deny.Help().Key
		lines = append(lines, "", strings.Repeat(" ", max((w-4-lipgloss.Width(buttons))/2, 0))+buttons)
	}
	content := strings.Join(lines, "\n")
	return box(st, d.title, content, w, strings.Count(content, "\n")+3, true)
}
