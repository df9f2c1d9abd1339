package tui

import (
	"image/color"
	"os"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// everyScreen drives a model through each screen it can show (panes
// zoomed, help, the op detail, dialogs, the filter prompt, a stale and
// troubled cluster) and returns the raw output of each, styles included.
func everyScreen(t *testing.T, opts Options, background color.Color) []string {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}}
	opts.Actor = a
	m := newTestModel(t, opts, 120, 40, 12)
	m = send(m, tea.BackgroundColorMsg{Color: background})
	m = send(m, snapshotMsg{troubledSnapshot(12)})
	var out []string
	grab := func(keys ...string) {
		m = press(t, m, keys...)
		out = append(out, m.View().Content)
	}
	grab()
	for _, p := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		grab(p, "z")
		grab("esc")
	}
	grab("3", "?")
	grab("esc", "enter")
	grab("esc", "k")
	grab("esc", "K")
	grab("esc", "b")
	grab("esc", "w")
	grab("esc", "/")
	grab("x")
	grab("esc", "left")
	m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	grab("end")
	return out
}

// The README promises the 16-colour palette: no 256-colour (38;5 / 48;5)
// or true-colour (38;2 / 48;2) sequence anywhere, bubbles' defaults
// included.
func TestSixteenColourPaletteOnly(t *testing.T) {
	old, had := os.LookupEnv("NO_COLOR")
	os.Unsetenv("NO_COLOR")
	defer func() {
		if had {
			os.Setenv("NO_COLOR", old)
		}
	}()
	wide := regexp.MustCompile(`\x1b\[[0-9;:]*[34]8[;:][25][;:]`)
	colour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7])m`)
	for _, bg := range []color.Color{color.Black, color.White} {
		dark := bg == color.Black
		coloured := 0
		for i, scr := range everyScreen(t, Options{}, bg) {
			if loc := wide.FindStringIndex(scr); loc != nil {
				t.Errorf("screen %d (dark %v): a colour outside the 16-colour palette: %q", i, dark, scr[max(loc[0]-40, 0):min(loc[1]+20, len(scr))])
			}
			if colour.MatchString(scr) {
				coloured++
			}
		}
		if coloured == 0 {
			t.Fatal("no screen has any colour: the test sees nothing")
		}
	}
}

// ASCII mode (a locale that is not UTF-8, or --ascii) draws with ASCII
// only: boxes, sparklines, arrows and marks included.
func TestASCIIFallback(t *testing.T) {
	for i, scr := range everyScreen(t, Options{ASCII: true}, color.Black) {
		for j, r := range scr {
			if r >= 0x80 {
				t.Errorf("screen %d: %q at %d in ASCII mode: …%s…", i, r, j, scr[max(j-60, 0):min(j+20, len(scr))])
				break
			}
		}
	}
	m := newTestModel(t, Options{ASCII: true}, 120, 40, 12)
	if scr := screen(m); !regexp.MustCompile(`\+- 1 Throughput`).MatchString(scr) || !regexp.MustCompile(`[_.=#-]{10}`).MatchString(scr) {
		t.Fatalf("boxes or sparklines are not drawn in ASCII:\n%s", scr)
	}
}

// --demo says DEMO in the header at every size; a damaged recording's
// notice is on screen from the start.
func TestDemoMarkerAndNotice(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		lines := screen(newTestModel(t, Options{Demo: true, Title: "demo"}, size[0], size[1], 2))
		if header := lines[:strings.Index(lines, "\n")]; !strings.Contains(header, "DEMO") {
			t.Errorf("%v: header %q", size, header)
		}
	}
	m := newTestModel(t, Options{Replay: &fakeReplay{speed: 1}, Notice: "record 12: unexpected EOF; replaying what came before"}, 120, 40, 2)
	if !strings.Contains(screen(m), "record 12: unexpected EOF; replaying what came before") {
		t.Fatalf("the damaged recording's notice is not shown:\n%s", screen(m))
	}
}
