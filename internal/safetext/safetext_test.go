package safetext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineMakesEveryInterpretedCharacterVisible(t *testing.T) {
	cases := []struct{ in, want string }{
		{"web\x1b[8mhidden", "web␛[8mhidden"},
		{"\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇"},
		{"\x1b[2J", "␛[2J"},
		{"\x1b]0;title\x1b\\", "␛]0;title␛\\"},
		{"\x1bP1$r\x1b\\", "␛P1$r␛\\"},
		{"a\tb\nc\rd\x00e\x7f", "a␉b␊c␍d␀e␡"},
		{"csi\u009b31m", "csi<U+009B>31m"},
		{"osc\u009d0;x\u009c", "osc<U+009D>0;x<U+009C>"},
		{"\u0085nel", "<U+0085>nel"},
		{"txt.\u202Eexe", "txt.<U+202E>exe"},
		{"\u202A\u202B\u202C\u202D", "<U+202A><U+202B><U+202C><U+202D>"},
		{"\u2066\u2067\u2068\u2069", "<U+2066><U+2067><U+2068><U+2069>"},
		{"\u200E\u200F\u061C", "<U+200E><U+200F><U+061C>"},
		{"line\u2028para\u2029", "line<U+2028>para<U+2029>"},
		{"bad\xff\xfeutf8\xc3", "bad\uFFFD\uFFFDutf8\uFFFD"},
		{"ünïcødé 日本 ␛ ok", "ünïcødé 日本 ␛ ok"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
		if !Safe(Line(c.in)) {
			t.Errorf("Line(%q) is not Safe", c.in)
		}
	}
}

func TestCleanTextIsReturnedWithoutAllocating(t *testing.T) {
	clean := "shop.orders COLLSCAN ünïcødé 日本 127.0.0.1:27017"
	if Line(clean) != clean || !Safe(clean) {
		t.Fatal("clean text changed")
	}
	if n := testing.AllocsPerRun(100, func() { _ = Line(clean) }); n != 0 {
		t.Fatalf("Line allocates %v times on clean text", n)
	}
	b := []byte(`{"appName":"web ünïcødé"}`)
	if n := testing.AllocsPerRun(100, func() { _ = EscapeJSON(b) }); n != 0 {
		t.Fatalf("EscapeJSON allocates %v times on clean JSON", n)
	}
}

func TestEscapeJSONKeepsTheOriginalText(t *testing.T) {
	orig := "a\x7fb\u009bc\u202Ed\u2066e\u061Cf\x1b[8m ü"
	raw, err := json.Marshal(map[string]string{"k": orig})
	if err != nil {
		t.Fatal(err)
	}
	out := EscapeJSON(raw)
	for _, bad := range []string{"\x7f", "\u009b", "\u202E", "\u2066", "\u061C", "\x1b"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("escaped JSON still holds %q: %s", bad, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("escaped JSON is not valid: %v: %s", err, out)
	}
	if back["k"] != orig {
		t.Fatalf("escaped JSON decodes to %q, want %q", back["k"], orig)
	}
}

// interpreted says whether s holds a byte or character a terminal acts on.
func interpreted(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			return "a C0 control or DEL"
		case r >= 0x80 && r <= 0x9f:
			return "a C1 control"
		case r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return "a bidi control"
		}
	}
	return ""
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"plain", "web\x1b[8m", "\x1b]52;c;ZXZpbA==\x07", "\u202Eexe", "\xff\u009b", "a\tb\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Line(in)
		if why := interpreted(out); why != "" {
			t.Fatalf("Line(%q) = %q still holds %s", in, out, why)
		}
		if Line(out) != out {
			t.Fatalf("Line is not idempotent on %q", in)
		}
		if interpreted(in) == "" && out != in {
			t.Fatalf("clean %q changed to %q", in, out)
		}
		if strings.Count(in, "\x1b") != strings.Count(out, "␛")-strings.Count(in, "␛") {
			t.Fatalf("an ESC of %q is not shown as ␛ in %q", in, out)
		}
		js, _ := json.Marshal(in)
		esc := EscapeJSON(js)
		if why := interpreted(string(esc)); why != "" {
			t.Fatalf("EscapeJSON(%s) = %s still holds %s", js, esc, why)
		}
		var a, b string
		if json.Unmarshal(js, &a) != nil || json.Unmarshal(esc, &b) != nil || a != b {
			t.Fatalf("EscapeJSON changed the meaning of %s: %s", js, esc)
		}
	})
}

func BenchmarkLine(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"clean-ascii", "shop.orders { find: \"orders\", filter: { status: \"A\" } } COLLSCAN 10.0.0.12:53211"},
		{"clean-unicode", "boutique.commandes ünïcødé 日本語のアプリ 10.0.0.12:53211"},
		{"hostile", "web\x1b[8m\x1b]52;c;ZXZpbA==\x07\u202Eexe\x1b[2J 10.0.0.12:53211"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				_ = Line(c.s)
			}
		})
	}
}
