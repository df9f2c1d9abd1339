package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Connecting is what the screen shows from the first frame while the
// deployment is discovered: what is tried and for how long, each node as
// it is found, and a failure the moment it is known.
type Connecting struct {
	Seeds   []string      // the hosts of the URI
	Since   time.Time     // when connecting started
	Timeout time.Duration // --connect-timeout, shown so the wait has an end
}

// Messages the command line sends while it connects.
type (
	// ConnectProgressMsg is one step of discovery ("found shard1: 3 members").
	ConnectProgressMsg struct{ Text string }
	// ConnectedMsg: discovery is done; privileges are read again.
	ConnectedMsg struct{}
	// ConnectFailedMsg: discovery failed; the screen says why until q.
	ConnectFailedMsg struct{ Err string }
	connectTickMsg   struct{}
)

// connectState is the model's side of connecting.
type connectState struct {
	Connecting
	steps  []string
	failed string
	took   time.Duration // until it failed
	done   bool
}

// connectTick redraws the elapsed time while connecting.
func connectTick() tea.Cmd {
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return connectTickMsg{} })
}

// connectUpdate handles the connecting messages; ok is false for others.
func (m Model) connectUpdate(msg tea.Msg) (Model, tea.Cmd, bool) {
	c := m.conn
	switch msg := msg.(type) {
	case connectTickMsg:
		if c != nil && !c.done && c.failed == "" {
			return m, connectTick(), true
		}
	case ConnectProgressMsg:
		if c != nil {
			c.steps = append(c.steps, clean(msg.Text))
		}
	case ConnectedMsg:
		if c != nil {
			c.done = true
		}
		if m.opts.Actor != nil {
			m.privs = m.opts.Actor.Privileges()
		}
		m.applyKeyState()
	case ConnectFailedMsg:
		if c != nil {
			c.failed, c.took = clean(msg.Err), time.Since(c.Since).Round(100*time.Millisecond)
		}
	default:
		return m, nil, false
	}
	return m, nil, true
}

// connectView is the body before the first snapshot.
func (m *Model) connectView() string {
	st, c := m.styles, m.conn
	if c == nil {
		return st.Dim.Render("waiting for the first complete poll…")
	}
	elapsed := time.Since(c.Since).Round(100 * time.Millisecond)
	hosts := strings.Join(c.Seeds, ", ")
	var lines []string
	switch {
	case c.failed != "":
		lines = append(lines, st.Bad.Render("cannot connect to "+hosts+" (after "+c.took.String()+"):"),
			st.Bad.Render(ansi.Wrap(c.failed, max(m.layout.w-frameSize, 10), " ")), "",
			fmt.Sprintf("%s quits.", m.keys.Global.Quit.Help().Key))
	case c.done:
		lines = append(lines, fmt.Sprintf("connected to %s; waiting for the first complete poll… %s", hosts, elapsed))
	default:
		line := fmt.Sprintf("connecting to %s… %s", hosts, elapsed)
		if c.Timeout > 0 {
			line += st.Dim.Render(fmt.Sprintf(" (gives up after %s)", c.Timeout))
		}
		lines = append(lines, line)
	}
	for _, s := range c.steps {
		lines = append(lines, "  "+s)
	}
	return strings.Join(lines, "\n")
}
