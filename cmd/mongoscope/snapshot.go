package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mongoscope/mongoscope/probes"
)

// runSnapshot is `mongoscope snapshot`: poll twice, --interval apart (rates
// need two samples), print one JSON document. Exit 3 if a node failed.
func runSnapshot(argv []string, env map[string]string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseArgs("mongoscope snapshot", argv, env, stderr)
	if code, done := reportParse(err, stdout, stderr); done {
		return code
	}
	o.readOnly = true // a snapshot never acts
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, code := connect(ctx, o, env, stdin, stderr)
	if s == nil {
		return code
	}
	defer s.close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	snaps := s.poller.Run(runCtx)
	if o.follow {
		return followSnapshots(snaps, stdout, stderr)
	}
	var last probes.Snapshot
	for i := 0; i < 2; i++ {
		snap, ok := <-snaps
		if !ok {
			fmt.Fprintln(stderr, "mongoscope: interrupted before two polls completed")
			return exitFailure
		}
		last = snap
	}
	cancel()
	// Findings start only after their condition has held for seconds to
	// minutes: two polls never start one.
	last.Findings = []probes.Finding{}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(last); err != nil {
		fmt.Fprintln(stderr, "mongoscope: cannot write the snapshot: "+err.Error())
		return exitFailure
	}
	for _, n := range last.Deployment.Nodes {
		if !n.Up {
			return exitPartial
		}
	}
	return exitOK
}

// followSnapshots is `snapshot --follow`: every snapshot as one line of JSON,
// the same schema as a single snapshot, until interrupted; its findings
// are the ones active then, judged over the snapshots so far.
func followSnapshots(snaps <-chan probes.Snapshot, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	j := newJudge()
	for snap := range snaps {
		snap.Findings, _, _ = j.update(snap)
		if err := enc.Encode(snap); err != nil {
			fmt.Fprintln(stderr, "mongoscope: cannot write the snapshot: "+err.Error())
			return exitFailure
		}
	}
	return exitOK
}
