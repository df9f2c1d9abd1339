package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/internal/safetext"
	"github.com/mongoscope/mongoscope/probes"
)

// realertAfter is how long a finding's ID stays quiet after its alert: a
// finding that ends and starts again within it (a condition hovering
// around its threshold for longer than the hysteresis) does not ring
// twice, while tonight's job starting the same finding again does.
const realertAfter = 30 * time.Minute

// alert rings the bell and sends a desktop notification for each finding
// of warning severity or worse that started, once per finding ID. Off
// with --no-alerts, and in a replay (what it shows happened already).
func (m *Model) alert(started []probes.Finding, now time.Time) tea.Cmd {
	if m.opts.NoAlerts || m.opts.Replay != nil {
		return nil
	}
	var out strings.Builder
	for _, f := range started {
		if f.Severity < probes.Warn {
			continue
		}
		if last, ok := m.alerted[f.ID]; ok && now.Sub(last) < realertAfter {
			continue
		}
		m.alerted[f.ID] = now
		out.WriteString(alertEscape(f.Summary))
	}
	if out.Len() == 0 {
		return nil
	}
	return tea.Raw(out.String())
}

// alertEscape is the bell, then the notification as OSC 9 (iTerm2,
// Windows Terminal, kitty, WezTerm) and OSC 777
// (urxvt, foot, Ghostty, VTE terminals).
func alertEscape(summary string) string {
	text := oscText(summary)
	return "\a\x1b]9;mongoscope: " + text + "\x07\x1b]777;notify;mongoscope;" + text + "\x07"
}

// oscText makes a summary safe inside an OSC string: safetext.Line shows
// every control as a visible placeholder, and ESC, BEL and ST (which end
// an OSC) are dropped should any survive; the length is capped, as
// notifications are one line.
func oscText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case 0x1b, 0x07, 0x9c:
			return -1
		}
		return r
	}, safetext.Line(s))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}
