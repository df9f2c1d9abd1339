package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// Styles are every style the TUI uses, from one constructor. Colours are
// from the 16-colour ANSI palette so they read the same in any terminal,
// tmux and screen included; the program downsamples them for the terminal.
type Styles struct {
	Title, Dim, Bold, Warn, Bad, Good, Accent lipgloss.Style
	Border, BorderFocused                     lipgloss.Style
	Selected, TableHeader                     lipgloss.Style
	Button, ButtonActive                      lipgloss.Style
	cursor                                    color.Color // the text inputs' cursor
}

// NewStyles builds the styles for a dark or light background; noColor
// (NO_COLOR) keeps only bold, reverse and underline.
func NewStyles(isDark, noColor bool) Styles {
	fg := func(dark, light string) color.Color {
		if noColor {
			return lipgloss.NoColor{}
		}
		if isDark {
			return lipgloss.Color(dark)
		}
		return lipgloss.Color(light)
	}
	s := lipgloss.NewStyle
	return Styles{
		Title:         s().Bold(true).Foreground(fg("14", "4")),
		Dim:           s().Foreground(fg("8", "8")),
		Bold:          s().Bold(true),
		Warn:          s().Foreground(fg("11", "3")).Bold(true),
		Bad:           s().Foreground(fg("9", "1")).Bold(true),
		Good:          s().Foreground(fg("10", "2")),
		Accent:        s().Foreground(fg("12", "4")),
		Border:        s().Foreground(fg("8", "7")),
		BorderFocused: s().Foreground(fg("14", "4")).Bold(true),
		Selected:      s().Reverse(true),
		TableHeader:   s().Bold(true).Underline(true),
		Button:        s().Padding(0, 1),
		ButtonActive:  s().Padding(0, 1).Reverse(true).Bold(true),
		cursor:        fg("15", "0"),
	}
}

// mark renders text in the style of a health judgment; OK stays plain.
func (s Styles) mark(sev probes.Severity, text string) string {
	switch sev {
	case probes.Crit:
		return s.Bad.Render(text)
	case probes.Warn:
		return s.Warn.Render(text)
	}
	return text
}

// helpStyles style the footer's keys from the palette (the bubbles
// defaults are true-colour greys).
func (s Styles) helpStyles() help.Styles {
	return help.Styles{ShortKey: s.Bold, ShortDesc: s.Dim, ShortSeparator: s.Dim, Ellipsis: s.Dim,
		FullKey: s.Bold, FullDesc: s.Dim, FullSeparator: s.Dim}
}

// inputStyles style a text input from the palette (the bubbles defaults
// are 256-colour greys).
func (s Styles) inputStyles() textinput.Styles {
	state := textinput.StyleState{Text: lipgloss.NewStyle(), Placeholder: s.Dim, Suggestion: s.Dim, Prompt: s.Bold}
	return textinput.Styles{Focused: state, Blurred: state, Cursor: textinput.CursorStyle{Color: s.cursor, Blink: true}}
}
