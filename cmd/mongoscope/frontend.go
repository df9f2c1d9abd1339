package main

import (
	"context"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
	"github.com/mongoscope/mongoscope/tui"
)

// runTUI shows the live deployment until q; bubbletea restores the
// terminal on every way out, panics included.
func runTUI(ctx context.Context, o *options, s *session, snaps <-chan probes.Snapshot, stderr io.Writer) int {
	uiCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := tui.New(tui.Options{Snapshots: snaps, Actor: s.poller, ReadOnly: o.readOnly, Interval: o.interval,
		SetInterval: s.poller.SetInterval, SetConnectionBreakdown: s.poller.SetConnectionBreakdown,
		Title: s.label, Context: uiCtx})
	if _, err := tea.NewProgram(m, tea.WithContext(ctx)).Run(); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// replayTUI plays a recording in the TUI.
func replayTUI(h record.Header, player *record.Player, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := tui.New(tui.Options{Snapshots: player.Run(ctx), ReadOnly: true, Interval: h.Interval, Replay: player,
		Title: "replay of " + h.Deployment.Name})
	if _, err := tea.NewProgram(m).Run(); err != nil {
		fmt.Fprintln(stderr, "mongoscope: the terminal UI stopped: "+err.Error())
		return exitFailure
	}
	return exitOK
}

// isTerminal says w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
