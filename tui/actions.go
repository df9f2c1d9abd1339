package tui

import (
	"context"
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// dialogKey gives the open dialog the key and starts its action once
// confirmed.
func (m Model) dialogKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	outcome, cmd := m.dialog.update(msg)
	switch outcome {
	case dialogCancelled:
		m.dialog, m.footer = nil, "cancelled"
	case dialogConfirmed:
		d := m.dialog
		m.dialog = nil
		return m.startAction(d.action(m.ctx, m.opts.Actor))
	}
	return m, cmd
}

// action is what a confirmed dialog does: a label for the spinner and the
// command doing it.
func (d *dialog) action(ctx context.Context, a probes.Actor) (string, tea.Cmd) {
	switch d.kind {
	case dialogKill:
		if d.useSess {
			return "killing the session of " + d.ops[0].OpID, killSessionCmd(ctx, a, d.ops[0])
		}
		return "killing " + d.ops[0].OpID, killCmd(ctx, a, d.ops)
	case dialogBulkKill:
		return "killing " + strconv.Itoa(len(d.ops)) + " operations", killCmd(ctx, a, d.ops)
	case dialogBalancer:
		if d.stop {
			return "stopping the balancer: waiting for the current round", balancerCmd(ctx, a, true)
		}
		return "starting the balancer", balancerCmd(ctx, a, false)
	}
	return "setting the balancer window", setWindowCmd(ctx, a, d.window)
}

func (m Model) startAction(label string, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	if cmd == nil {
		m.footer = "actions are not available here"
		return m, nil
	}
	m.busy = &busyAction{label: label, start: time.Now()}
	m.footer = ""
	return m, tea.Batch(cmd, m.spin.Tick)
}

// Action commands run in tea.Cmds with copies of what they need, never
// the model, and answer with an actionMsg.

func killCmd(ctx context.Context, a probes.Actor, ops []probes.Op) tea.Cmd {
	if a == nil {
		return nil
	}
	ops = append([]probes.Op(nil), ops...)
	return func() tea.Msg {
		if len(ops) == 1 {
			return actionMsg{a.KillOp(ctx, ops[0])}
		}
		counts := map[probes.Outcome]int{}
		var last probes.ActionResult
		for _, op := range ops {
			if op.System {
				continue // never in a bulk kill
			}
			last = a.KillOp(ctx, op)
			counts[last.Outcome]++
		}
		last.Message = fmt.Sprintf("bulk kill: %d gone, %d still killPending, %d already finished, %d refused, %d failed",
			counts[probes.OutcomeGone], counts[probes.OutcomeKillPending], counts[probes.OutcomeAlreadyFinished],
			counts[probes.OutcomeNotAllowed], counts[probes.OutcomeFailed]+counts[probes.OutcomeTimeout])
		return actionMsg{last}
	}
}

func killSessionCmd(ctx context.Context, a probes.Actor, op probes.Op) tea.Cmd {
	if a == nil {
		return nil
	}
	return func() tea.Msg { return actionMsg{a.KillSession(ctx, op)} }
}

func balancerCmd(ctx context.Context, a probes.Actor, stop bool) tea.Cmd {
	if a == nil {
		return nil
	}
	return func() tea.Msg {
		if stop {
			return actionMsg{a.StopBalancer(ctx)}
		}
		return actionMsg{a.StartBalancer(ctx)}
	}
}

func setWindowCmd(ctx context.Context, a probes.Actor, w *probes.Window) tea.Cmd {
	if a == nil {
		return nil
	}
	return func() tea.Msg { return actionMsg{a.SetBalancerWindow(ctx, w)} }
}
