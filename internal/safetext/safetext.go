// Package safetext makes text that comes from a server, or from any client
// of it, safe to put on a terminal: every character a terminal would act on
// (control characters, the introducers of escape sequences, bidirectional
// overrides) becomes a visible placeholder. mongoscope applies it once,
// where such text enters its model, so no renderer can forget to.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line returns s with every character a terminal would interpret made
// visible, for a single-line field:
//
//   - C0 controls, tab and newline included, become their control
//     pictures (ESC is ␛, BEL is ␇, NUL is ␀) and DEL becomes ␡;
//   - C1 controls (U+0080–U+009F, among them the one-character CSI, OSC
//     and DCS), bidirectional controls (U+061C, U+200E, U+200F,
//     U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators
//     become <U+XXXX>;
//   - invalid UTF-8 becomes U+FFFD.
//
// An escape sequence is thereby shown whole as text: ESC [ 8 m reads ␛[8m,
// and an OSC 52 clipboard write reads ␛]52;c;…␇. Clean text is returned
// as it is, without allocating.
func Line(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			writeASCII(&b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unsafeRune(r):
			writeCodePoint(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Safe says whether s holds nothing a terminal would interpret: Line(s)
// would return it unchanged.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

// firstUnsafe is the index of the first byte Line must change, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune is a non-ASCII character a terminal acts on instead of
// drawing: a C1 control or a bidirectional control (which reorders what
// follows it, so `exe.txt` can be drawn as `txt.exe`), or a line or
// paragraph separator.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func writeASCII(b *strings.Builder, c byte) {
	switch {
	case c < 0x20:
		b.WriteRune(0x2400 + rune(c)) // ␀ … ␟
	case c == 0x7f:
		b.WriteRune('␡')
	default:
		b.WriteByte(c)
	}
}

func writeCodePoint(b *strings.Builder, r rune) {
	b.WriteString("<U+")
	b.WriteString(strings.ToUpper(hex4(r)))
	b.WriteByte('>')
}

// EscapeJSON rewrites, inside JSON text, the characters a terminal would
// act on that encoding/json leaves raw (DEL, C1 controls, bidirectional
// controls) as \uXXXX escapes, so JSON that keeps a server's original
// bytes can still be printed on a terminal. The JSON means the same after:
// outside strings JSON holds only ASCII punctuation, literals and numbers,
// so every such character is inside a string. It returns b itself when
// there is nothing to rewrite.
func EscapeJSON(b []byte) []byte {
	i := firstJSONUnsafe(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	out = append(out, b[:i]...)
	for i < len(b) {
		if b[i] == 0x7f {
			out = append(out, `\u007f`...)
			i++
			continue
		}
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if unsafeRune(r) {
			out = append(out, `\u`...)
			out = append(out, hex4(r)...)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func firstJSONUnsafe(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] == 0x7f {
			return i
		}
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

func hex4(r rune) string {
	h := strconv.FormatInt(int64(r), 16)
	return strings.Repeat("0", max(4-len(h), 0)) + h
}
