package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/keymap"
	"github.com/mongoscope/mongoscope/probes"
)

// viewer is a scrollable page over the dashboard: one op in full, or the
// help. Its keys are the keymap's detail group.
type viewer struct {
	title  string
	isHelp bool
	vp     viewport.Model
}

func newViewer(title, content string, w, h int, keys keymap.DetailKeys) *viewer {
	v := &viewer{title: title, vp: viewport.New()}
	v.vp.KeyMap = keys.ViewportKeyMap()
	v.setSize(w, h)
	v.vp.SetContent(content)
	return v
}

// newDetail is one op in full: the command as indented JSON, plan, locks,
// client, users, session and timings.
func newDetail(op probes.Op, w, h int, keys keymap.DetailKeys) *viewer {
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
	return newViewer("Operation "+op.OpID, strings.Join(fields, "\n")+"\n\ncommand:\n"+cmd.String(), w, h, keys)
}

// setSize fits the viewport to the inside of the body's frame.
func (v *viewer) setSize(w, h int) {
	v.vp.SetWidth(max(w, 10))
	v.vp.SetHeight(max(h, 3))
}

// update scrolls: top and bottom here, the rest through the viewport's
// keymap (built from the same group).
func (v *viewer) update(msg tea.KeyPressMsg, keys keymap.DetailKeys) tea.Cmd {
	switch {
	case key.Matches(msg, keys.Top):
		v.vp.GotoTop()
	case key.Matches(msg, keys.Bottom):
		v.vp.GotoBottom()
	default:
		var cmd tea.Cmd
		v.vp, cmd = v.vp.Update(msg)
		return cmd
	}
	return nil
}

func (v *viewer) view() string { return v.vp.View() }

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
