package main

import (
	"context"
	"io"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
)

// runTUI shows the live deployment. Until the TUI lands it prints lines.
func runTUI(ctx context.Context, o *options, s *session, snaps <-chan probes.Snapshot, stderr io.Writer) int {
	return printLines(ctx, snaps, o.json, os.Stdout)
}

// replay plays a recording: the TUI on a terminal, lines otherwise.
func replay(h record.Header, snaps []probes.Snapshot, stdout, stderr io.Writer) int {
	ch := make(chan probes.Snapshot, len(snaps))
	for _, s := range snaps {
		ch <- s
	}
	close(ch)
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(f.Fd()) {
		_ = f
	}
	return printLines(context.Background(), ch, false, stdout)
}
