package main

import (
	"flag"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// docs are --help, the three completion scripts and the man page, as the
// program prints them.
func docs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, args := range map[string][]string{"help": {"--help"}, "man": {"man"},
		"bash": {"completion", "bash"}, "zsh": {"completion", "zsh"}, "fish": {"completion", "fish"}} {
		code, stdout, stderr := runCapture(t, nil, args...)
		if code != exitOK || stderr != "" || stdout == "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
		}
		out[name] = stdout
	}
	return out
}

// TestEveryFlagAndCommandIsDocumented: each command's FlagSet, built from
// its flag table, is what --help, the completion scripts and the man page
// describe; a flag or subcommand missing from any of them fails here.
func TestEveryFlagAndCommandIsDocumented(t *testing.T) {
	d := docs(t)
	for _, c := range commands() {
		if c.name != "" {
			mentions := map[string]string{"help": "\n  " + c.synopsis() + " ", "bash": "\n    " + `"` + c.name + `")`,
				"zsh": "\n        '" + c.name + ":", "fish": " -a " + c.name + " ", "man": ".TP\n\\fB" + c.name + "\\fR"}
			for doc, want := range mentions {
				if !strings.Contains(d[doc], want) {
					t.Errorf("subcommand %q is missing from %s (want %q)", c.name, doc, want)
				}
			}
			if _, ok := subcommand(c.name); !ok {
				t.Errorf("subcommand %q is not dispatched", c.name)
			}
		}
		newFlagSet(c.name, c.flagDefs()).VisitAll(func(f *flag.Flag) {
			checkFlagDocumented(t, d, c, f.Name)
		})
	}
}

func checkFlagDocumented(t *testing.T, d map[string]string, c command, name string) {
	t.Helper()
	mentions := map[string]*regexp.Regexp{
		"help": regexp.MustCompile(`(^|\n)  --` + name + ` `),
		"bash": regexp.MustCompile(`[\s"]--` + name + `[\s"]`),
		"zsh":  regexp.MustCompile(`'--` + name + `=?\[`),
		"fish": regexp.MustCompile(` -l ` + name + ` `),
		"man":  regexp.MustCompile(regexp.QuoteMeta(`\fB\-\-` + strings.ReplaceAll(name, "-", `\-`) + `\fR`)),
	}
	for doc, re := range mentions {
		if !re.MatchString(scope(d[doc], doc, c)) {
			t.Errorf("mongoscope %s: --%s is missing from %s", c.name, name, doc)
		}
	}
}

// scope is the part of a document about the command c.
func scope(text, doc string, c command) string {
	own := c.flags != nil
	switch {
	case doc == "help" && own:
		return section(text, "\n"+c.name+" flags:\n", "\n\n")
	case doc == "help":
		return section(text, "\nwatching:\n", "\n\nsim flags:")
	case doc == "bash": // the words offered after "-"
		return strings.Join(grepLines(section(text, "\n    \""+c.name+"\")\n", "\n        ;;"), "[[ $cur == -* ]]"), "\n")
	case doc == "zsh" && c.name == "":
		return section(text, "\n    fi\n", "\n}")
	case doc == "zsh":
		return section(text, "\n        "+c.name+")\n", "return ;;")
	case doc == "fish" && c.name == "":
		return strings.Join(grepLines(text, "-n 'not __fish_seen_subcommand_from "), "\n")
	case doc == "fish":
		return strings.Join(grepLines(text, "-n '__fish_seen_subcommand_from "+c.name+"'"), "\n")
	case doc == "man" && own:
		return section(text, ".SS \"Flags of "+c.name+"\"\n", "\n.S")
	}
	return section(text, "\n.SH OPTIONS\n", ".SS \"Flags of ")
}

// section is text from the end of header to the start of end.
func section(text, header, end string) string {
	_, rest, found := strings.Cut(text, header)
	if !found {
		return ""
	}
	rest, _, _ = strings.Cut(rest, end)
	return rest
}

func grepLines(text, substr string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}

func TestHelpListsEverySubcommandAndExits0(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"snapshot", "--help"}, {"--read-only", "--help"}} {
		code, out, errOut := runCapture(t, nil, args...)
		if code != exitOK || errOut != "" || !strings.HasPrefix(out, "mongoscope: ") {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		for _, want := range []string{"mongoscope snapshot", "mongoscope replay FILE", "mongoscope sim", "mongoscope bench",
			"mongoscope completion bash|zsh|fish", "mongoscope man", "\nwatching:\n", "\nreaching:\n", "\nactions:\n",
			"\nrecording:\n", "\noutput:\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: no %q in\n%s", args, want, out)
			}
		}
	}
}

func TestCompletionAndManUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}, {"man", "extra"}} {
		code, out, errOut := runCapture(t, nil, args...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "mongoscope "+args[0]+": ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestSubcommandHelpComesFromTheTable(t *testing.T) {
	code, out, errOut := runCapture(t, nil, "sim", "--frobnicate")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "flag provided but not defined: -frobnicate") ||
		!strings.Contains(errOut, "usage: mongoscope sim [flags]") || !strings.Contains(errOut, "--topology NAME") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// TestManPageRenders: groff (when installed; CI has it only if Debian's
// image does) finds nothing to warn about.
func TestManPageRenders(t *testing.T) {
	_, page, _ := runCapture(t, nil, "man")
	if !strings.HasPrefix(page, ".TH MONGOSCOPE 1 ") || !strings.Contains(page, "\n.SH EXIT STATUS\n") {
		t.Fatalf("not a man page:\n%.200s", page)
	}
	if _, err := exec.LookPath("groff"); err != nil {
		t.Log("groff is not installed: the page is checked only for its content")
		return
	}
	cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("groff: %v\n%s", err, out)
	}
}
