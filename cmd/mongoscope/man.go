package main

import (
	"fmt"
	"io"
	"strings"
)

// runMan is `mongoscope man`: the man page in roff, made from the same
// command and flag tables as --help.
func runMan(argv []string, _ map[string]string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(argv) != 0 {
		fmt.Fprintln(stderr, "mongoscope man: takes no argument (read it with: mongoscope man | man -l -)")
		return exitUsage
	}
	fmt.Fprint(stdout, manPage(versionInfo()))
	return exitOK
}

// manPage is deterministic for a build: its date is the commit's.
func manPage(v BuildVersion) string {
	var b strings.Builder
	date := v.CommitDate
	if len(date) > len("2006-01-02") {
		date = date[:len("2006-01-02")]
	}
	fmt.Fprintf(&b, ".TH MONGOSCOPE 1 \"%s\" \"mongoscope %s\" \"User Commands\"\n", date, roff(v.Version))
	fmt.Fprintf(&b, ".SH NAME\nmongoscope \\- %s\n.SH SYNOPSIS\n.nf\n", roff(tagline))
	for _, c := range commands() {
		fmt.Fprintf(&b, "\\fB%s\\fR %s\n", roff(strings.TrimSpace("mongoscope "+c.name)), roff(c.args))
	}
	b.WriteString(".fi\n" + manDescription + ".SH COMMANDS\n")
	for _, c := range commands() {
		if c.name != "" {
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR %s\n%s.\n", c.name, roff(c.args), roff(c.summary))
		}
	}
	b.WriteString(".SH OPTIONS\nA flag is written \\fB\\-\\-name\\fR or \\fB\\-name\\fR; its value follows as the next " +
		"argument or after \\fB=\\fR. The watch command and \\fBsnapshot\\fR take these:\n")
	defs := watchFlags()
	for _, g := range flagGroups {
		fmt.Fprintf(&b, ".SS %s\n", strings.ToUpper(g[:1])+g[1:])
		manFlags(&b, flagsOfGroup(defs, g))
	}
	for _, c := range commands() {
		if c.flags != nil {
			fmt.Fprintf(&b, ".SS \"Flags of %s\"\n", c.name)
			manFlags(&b, c.flags())
		}
	}
	b.WriteString(manTrailer)
	return b.String()
}

func manFlags(b *strings.Builder, defs []flagDef) {
	for _, d := range defs {
		fmt.Fprintf(b, ".TP\n\\fB\\-\\-%s\\fR", roff(d.name))
		if d.arg != "" {
			fmt.Fprintf(b, " \\fI%s\\fR", roff(d.arg))
		}
		fmt.Fprintf(b, "\n%s.", roff(d.usage))
		if def := d.defaultText(); def != "" {
			fmt.Fprintf(b, " Default: %s.", roff(def))
		}
		b.WriteString("\n")
	}
}

// roff escapes text for a roff line: backslashes, hyphens (so they stay
// minus signs and can be searched) and a leading control character.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

const manDescription = `.SH DESCRIPTION
\fBmongoscope\fR shows a MongoDB deployment live in the terminal: the operations running now,
opcounters and network, connections, replication lag and the balancer. It discovers every node
from the seed URI and polls each over its own connection. On a terminal it runs the interactive
view, whose keys can kill an operation or stop the balancer (every action is written to the audit
log); otherwise it prints one line per node per interval.
.PP
The URI is the argument, else \fB$MONGODB_URI\fR, else \fBmongodb://localhost:27017\fR.
Watching needs the \fBclusterMonitor\fR role.
`

const manTrailer = `.SH ENVIRONMENT
.TP
.B MONGODB_URI
the deployment to watch when no URI is given.
.TP
.B XDG_STATE_HOME
where the audit log goes by default.
.TP
.B NO_COLOR
turns colours off.
.TP
.B GOMEMLIMIT
overrides mongoscope's soft memory limit (52 MiB).
.SH FILES
.TP
.I $XDG_STATE_HOME/mongoscope/audit.log
the audit log (\fI~/.local/state/mongoscope/audit.log\fR when \fBXDG_STATE_HOME\fR is not set),
one JSON line per action.
.SH EXIT STATUS
.TP
.B 0
success.
.TP
.B 1
the deployment is unreachable, authentication failed, or a failure at run time.
.TP
.B 2
a mistake on the command line: an unknown flag, a bad value or URI, an unreadable file.
.TP
.B 3
\fBsnapshot\fR: some node did not answer (it appears in the JSON with its error).
.SH SEE ALSO
.BR mongosh (1),
.BR mongostat (1),
.BR mongotop (1)
`
