package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
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
	if err := runProgram(ctx, m); err != nil && ctx.Err() == nil {
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
	if err := runProgram(ctx, m); err != nil {
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

// The largest terminal drawn, in cells: the renderer keeps cells for the
// whole terminal and the panes draw to its size, so a 10000×10000 terminal
// took 3.6 GB and ignored q for 40 s. No one reads more than this; a larger
// terminal shows the screen in its top left corner.
const maxColumns, maxRows = 640, 240

func capSize(w, h int) (int, int) { return min(w, maxColumns), min(h, maxRows) }

// runProgram runs m on the terminal with its size capped: bubbletea gets
// stdout as a plain writer, so it never asks the terminal's size itself,
// and the capped size now and after every resize.
func runProgram(ctx context.Context, m tea.Model) error {
	w, h, err := term.GetSize(os.Stdout.Fd())
	if err != nil {
		return err
	}
	w, h = capSize(w, h)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithOutput(plainWriter{os.Stdout}), tea.WithWindowSize(w, h),
		tea.WithColorProfile(colorprofile.Detect(os.Stdout, os.Environ())))
	resized := make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	defer func() { signal.Stop(resized); close(resized) }()
	go func() {
		for range resized {
			if w, h, err := term.GetSize(os.Stdout.Fd()); err == nil {
				w, h = capSize(w, h)
				p.Send(tea.WindowSizeMsg{Width: w, Height: h})
			}
		}
	}()
	_, err = p.Run()
	return err
}

// plainWriter hides that stdout is a terminal from bubbletea (see runProgram).
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
