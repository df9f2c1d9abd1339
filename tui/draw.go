package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// frameSize is what box's border takes from a pane, across and down.
const frameSize = 2

// box draws a rounded frame of exactly w×h cells with a title in the top
// edge; content lines are cut or padded to fit. Drawing it by hand keeps
// the title in the border, which lipgloss borders don't do.
func box(st Styles, title, content string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return ""
	}
	bs := st.Border
	if focused {
		bs = st.BorderFocused
	}
	inner := w - 2
	t := ansi.Truncate(" "+title+" ", inner-1, "…")
	top := bs.Render("╭─") + t + bs.Render(strings.Repeat("─", max(inner-1-lipgloss.Width(t), 0))+"╮")
	lines := strings.Split(content, "\n")
	var b strings.Builder
	b.WriteString(top)
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		b.WriteString("\n" + bs.Render("│") + fit(line, inner) + bs.Render("│"))
	}
	b.WriteString("\n" + bs.Render("╰"+strings.Repeat("─", inner)+"╯"))
	return b.String()
}

// fit cuts or pads a styled line to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := lipgloss.Width(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// cutLines keeps at most n lines.
func cutLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:max(n, 0)]
	}
	return strings.Join(lines, "\n")
}

var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last w points as block characters scaled to their
// own max; gaps (NaN) are blank, so an outage stays visible.
func sparkline(data []float64, w int) string {
	if len(data) > w {
		data = data[len(data)-w:]
	}
	hi := 0.0
	for _, v := range data {
		if !math.IsNaN(v) && v > hi {
			hi = v
		}
	}
	var b strings.Builder
	for _, v := range data {
		switch {
		case math.IsNaN(v):
			b.WriteRune(' ')
		case hi <= 0:
			b.WriteRune(sparkBlocks[0])
		default:
			b.WriteRune(sparkBlocks[min(int(v/hi*float64(len(sparkBlocks)-1)+0.5), len(sparkBlocks)-1)])
		}
	}
	return b.String()
}

// minMax ignores gaps; ok is false when there is no value.
func minMax(data []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range data {
		if math.IsNaN(v) {
			continue
		}
		lo, hi, ok = math.Min(lo, v), math.Max(hi, v), true
	}
	return lo, hi, ok
}

// num formats a count with thousands separators: 12,345.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// bytesRate formats bytes per second: 38 MB/s.
func bytesRate(v float64) string {
	n, unit := ScaleBytes(v)
	return n + " " + unit + "/s"
}

// ScaleBytes writes a byte count with three significant digits in decimal
// units: ("38.0", "MB"), ("212", "MB"), ("512", "B"). The TUI and the line
// printer both format bytes with it.
func ScaleBytes(v float64) (number, unit string) {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if v >= 100 || i == 0 {
		return fmt.Sprintf("%.0f", v), units[i]
	}
	return fmt.Sprintf("%.1f", v), units[i]
}

// secs formats a running time: 412.3s, 31m, 2h05m.
func secs(s float64) string {
	switch {
	case s < 600:
		return fmt.Sprintf("%.1fs", s)
	case s < 3600:
		return fmt.Sprintf("%dm", int(s/60))
	}
	return fmt.Sprintf("%dh%02dm", int(s/3600), int(s/60)%60)
}

// countdown formats a duration as 3h58m or 12m.
func countdown(d time.Duration) string {
	d = d.Round(time.Minute)
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

// bar draws a proportional bar of up to w cells.
func bar(frac float64, w int) string {
	if frac < 0 || math.IsNaN(frac) {
		frac = 0
	}
	n := int(math.Round(frac * float64(w)))
	return strings.Repeat("█", min(n, w))
}

// shortHost drops the domain of host:port for narrow columns.
func shortHost(addr string) string {
	host, port, found := strings.Cut(addr, ":")
	if i := strings.IndexByte(host, '.'); i > 0 && !isIP(host) {
		host = host[:i]
	}
	if found {
		return host + ":" + port
	}
	return host
}

func isIP(h string) bool {
	return strings.Trim(h, "0123456789.") == ""
}

// clean makes text from a server safe to draw: control characters
// (escape sequences, newlines, tabs, C1 codes) become "?", so a hostile
// app name or namespace cannot move the cursor or restyle the screen.
func clean(s string) string {
	for _, r := range s {
		if isControl(r) {
			return strings.Map(func(r rune) rune {
				if isControl(r) {
					return '?'
				}
				return r
			}, s)
		}
	}
	return s
}

func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// cleanLines is clean for text of several lines: the line breaks stay.
func cleanLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

// wrapCells joins cells with sep into lines of at most w cells, never
// splitting a cell (one wider than w is cut).
func wrapCells(cells []string, sep string, w int) string {
	var lines []string
	cur := ""
	for _, c := range cells {
		if cur != "" && lipgloss.Width(cur)+lipgloss.Width(sep)+lipgloss.Width(c) > w {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += sep
		}
		cur += c
	}
	return strings.Join(append(lines, cur), "\n")
}

// wrap breaks text into lines of at most w cells, at spaces where it can
// and inside a word only when one is longer than w.
func wrap(s string, w int) string {
	return ansi.Wrap(s, max(w, 1), " ")
}

// asciiGlyphs are the ASCII stand-ins for what mongoscope draws, one cell
// for one cell so nothing moves: boxes, sparkline blocks, arrows, marks.
var asciiGlyphs = strings.NewReplacer(
	"╭", "+", "╮", "+", "╰", "+", "╯", "+", "─", "-", "│", "|", "┤", "|", "├", "|", "┼", "+", "┬", "+", "┴", "+", "└", "+", "┘", "+", "╶", "-", "╴", "-",
	"▁", "_", "▂", ".", "▃", ".", "▄", "-", "▅", "=", "▆", "=", "▇", "#", "█", "#",
	"…", "~", "—", "-", "–", "-", "·", ".", "•", "*", "▲", "^", "▴", "^", "▾", "v", "◀", "<", "▶", ">",
	"←", "<", "→", ">", "↑", "^", "↓", "v", "≈", "~", "≫", ">", "⚠", "!", "✗", "x", "×", "x",
)

// toASCII redraws a screen for a terminal that is not UTF-8: the glyphs
// above, and "?" for any other character (per cell it takes).
func toASCII(s string) string {
	s = asciiGlyphs.Replace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return asciiOnly(s)
		}
	}
	return s
}

// asciiOnly replaces what is left outside ASCII with a "?" a cell.
func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		b.WriteString(strings.Repeat("?", max(ansi.StringWidth(string(r)), 1)))
	}
	return b.String()
}
