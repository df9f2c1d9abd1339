package tui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

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

func balancerCmd(ctx context.Context, a probes.Actor, stop bool) tea.Cmd {
	if a == nil {
		return nil
	}
	return func() tea.Msg {
		if stop {
			return actionMsg{a.StopBalancer(ctx, nil)}
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
