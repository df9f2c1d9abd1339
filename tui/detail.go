package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// detailView is one op in full: the command as indented JSON, plan, locks,
// client, users, session and timings, in a scrollable viewport.
type detailView struct {
	title string
	vp    viewport.Model
}

func newDetail(op probes.Op, w, h int) *detailView {
	var cmd bytes.Buffer
	if err := json.Indent(&cmd, []byte(op.Command), "", "  "); err != nil {
		cmd.Reset()
		cmd.WriteString(op.Command)
	}
	fields := []string{
		fmt.Sprintf("node %s  shard %s  opid %s  (kill via %s)", op.Node, dash(op.Shard), op.OpID, dash(op.KillVia)),
		fmt.Sprintf("op %s  ns %s  running %s  yields %d", op.Op, op.NS, secs(op.SecsRunning), op.NumYields),
		fmt.Sprintf("plan %s  waiting for lock %v  killPending %v", dash(op.PlanSummary), op.WaitingForLock, op.KillPending),
		fmt.Sprintf("app %s  client %s  user %s  connection %d", dash(op.AppName), dash(op.Client), dash(op.User), op.ConnectionID),
		fmt.Sprintf("desc %s  session %s", dash(op.Desc), dash(op.LSID)),
	}
	if op.Msg != "" {
		fields = append(fields, "msg "+op.Msg)
	}
	if len(op.Flags) > 0 {
		fields = append(fields, "flags "+strings.Join(op.Flags, ", "))
	}
	vp := viewport.New(viewport.WithWidth(max(w, 10)), viewport.WithHeight(max(h, 3)))
	vp.SetContent(strings.Join(fields, "\n") + "\n\ncommand:\n" + cmd.String())
	return &detailView{title: op.OpID, vp: vp}
}

// setSize fits the viewport to the inside of the body's frame.
func (d *detailView) setSize(w, h int) {
	d.vp.SetWidth(max(w, 10))
	d.vp.SetHeight(max(h, 3))
}

// update scrolls.
func (d *detailView) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.vp, cmd = d.vp.Update(msg)
	return cmd
}

func (d *detailView) view() string { return d.vp.View() }
