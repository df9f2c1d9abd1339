package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

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
}

// dialogOutcome is what a key did to a dialog.
type dialogOutcome int

const (
	dialogOpen dialogOutcome = iota
	dialogCancelled
	dialogConfirmed
)

// hasInput: the bulk kill and window dialogs take typed text, so only
// enter and esc are theirs; the others are buttons.
func (d *dialog) hasInput() bool { return d.kind == dialogBulkKill || d.kind == dialogWindow }

// update handles a key: y confirms, n/esc cancel, ←/→/tab move between the
// buttons, enter presses the focused one (Cancel unless moved).
func (d *dialog) update(msg tea.KeyPressMsg) (dialogOutcome, tea.Cmd) {
	s := msg.String()
	if s == "esc" {
		return dialogCancelled, nil
	}
	if d.hasInput() {
		if s != "enter" {
			var cmd tea.Cmd
			d.input, cmd = d.input.Update(msg)
			return dialogOpen, cmd
		}
		return d.submit(), nil
	}
	switch s {
	case "y", "Y":
		return dialogConfirmed, nil
	case "n", "N":
		return dialogCancelled, nil
	case "left", "right", "tab", "shift+tab", "h", "l":
		d.confirm = !d.confirm
	case "enter":
		if d.confirm {
			return dialogConfirmed, nil
		}
		return dialogCancelled, nil
	}
	return dialogOpen, nil
}

// submit checks the typed input: the exact count for a bulk kill, a
// well-formed window.
func (d *dialog) submit() dialogOutcome {
	if d.kind == dialogBulkKill {
		if d.input.Value() != strconv.Itoa(len(d.ops)) {
			d.err = "type exactly " + strconv.Itoa(len(d.ops)) + " to confirm, or esc to cancel"
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

func newKillDialog(op probes.Op) *dialog {
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
	return &dialog{kind: dialogKill, title: "Kill this operation?", body: body, ops: []probes.Op{op}}
}

func newBulkKillDialog(ops []probes.Op, filter string) *dialog {
	in := textinput.New()
	in.Placeholder = strconv.Itoa(len(ops))
	in.Focus()
	if filter == "" {
		filter = "(no filter: every user op shown)"
	}
	return &dialog{kind: dialogBulkKill, title: fmt.Sprintf("Kill %d operations?", len(ops)), ops: ops, input: in,
		body: []string{"filter: " + filter, "system ops are never included",
			fmt.Sprintf("type %d and press enter to kill them; esc cancels", len(ops))}}
}

func newBalancerDialog(b *probes.Balancer) *dialog {
	if b != nil && b.Enabled {
		body := []string{"New rounds stop at once; mongoscope then waits for the round in progress",
			"to end (up to 60 s), as balancerStop does."}
		if len(b.Migrations) > 0 {
			body = append(body, fmt.Sprintf("%d migration(s) in flight will finish first.", len(b.Migrations)))
		}
		return &dialog{kind: dialogBalancer, title: "Stop the balancer?", body: body, stop: true}
	}
	body := []string{"Chunks will move again between shards."}
	if b != nil && b.Window != nil && !b.InsideWindow {
		body = append(body, fmt.Sprintf("Outside the window %s–%s: nothing moves until it opens in %s.",
			b.Window.Start, b.Window.Stop, countdown(b.UntilWindowChange)))
	}
	return &dialog{kind: dialogBalancer, title: "Start the balancer?", body: body}
}

func newWindowDialog(b *probes.Balancer) *dialog {
	in := textinput.New()
	in.Placeholder = "23:00-06:00"
	if b != nil && b.Window != nil {
		in.SetValue(b.Window.Start + "-" + b.Window.Stop)
	}
	in.Focus()
	return &dialog{kind: dialogWindow, title: "Balancer window", input: in,
		body: []string{"HH:MM-HH:MM in the config servers' time zone; empty clears it.", "enter saves, esc cancels"}}
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
		lines = append(lines, fit(l, w-4))
	}
	if d.hasInput() {
		lines = append(lines, "", d.input.View())
	}
	if d.err != "" {
		lines = append(lines, st.Bad.Render(d.err))
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
		buttons := cancel + "    " + act + "   y / n"
		lines = append(lines, "", strings.Repeat(" ", max((w-4-lipgloss.Width(buttons))/2, 0))+buttons)
	}
	return box(st, d.title, strings.Join(lines, "\n"), w, len(lines)+2, true)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
