package probes

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Shell pastes in ../shared/fixtures (copied as captured into testdata) are
// in legacy mongo or mongosh syntax; shellValue turns one value of that
// syntax into extended JSON, values and key order unchanged, so tests read
// the captures themselves rather than hand conversions.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// pasteOps reads the ops of every `db.currentOp()` output in a paste: the
// inprog array of each reply, or the array itself after `.inprog`.
func pasteOps(t testing.TB, name string) []bson.Raw {
	t.Helper()
	text := string(readTestdata(t, name))
	var ops []bson.Raw
	for rest := text; ; {
		at := strings.Index(rest, "db.currentOp()")
		if at < 0 {
			break
		}
		rest = rest[at:]
		start := strings.IndexAny(rest, "{[")
		p := &shellParser{src: rest[start:]}
		js, err := p.value()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rest = p.src[p.pos:]
		ops = append(ops, inprog(t, js)...)
	}
	if len(ops) == 0 {
		t.Fatalf("%s: no ops", name)
	}
	return ops
}

// inprog is the op documents of a currentOp reply or of its inprog array.
func inprog(t testing.TB, js string) []bson.Raw {
	t.Helper()
	if strings.HasPrefix(js, "[") {
		js = `{"inprog":` + js + `}`
	}
	arr, ok := extJSON(t, js).Lookup("inprog").ArrayOK()
	if !ok {
		t.Fatalf("no inprog in %.200s", js)
	}
	vals, err := arr.Values()
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]bson.Raw, len(vals))
	for i, v := range vals {
		docs[i] = v.Document()
	}
	return docs
}

// shellParser reads one shell value from src at pos.
type shellParser struct {
	src string
	pos int
}

func (p *shellParser) skipSpace() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *shellParser) fail(what string) error {
	return fmt.Errorf("%s at %q", what, p.src[p.pos:min(len(p.src), p.pos+40)])
}

// value reads any value and returns it as extended JSON.
func (p *shellParser) value() (string, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return "", p.fail("end of text")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.list('{', '}', true)
	case c == '[':
		return p.list('[', ']', false)
	case c == '"' || c == '\'':
		return p.joinedStr()
	case c == '-' || c >= '0' && c <= '9':
		return p.word(), nil
	}
	name := p.word()
	switch name {
	case "true", "false", "null":
		return name, nil
	case "":
		return "", p.fail("no value")
	}
	return p.call(name)
}

// list reads a document (with keys) or an array.
func (p *shellParser) list(open, close byte, keyed bool) (string, error) {
	var b strings.Builder
	b.WriteByte(open)
	p.pos++
	for n := 0; ; n++ {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == close {
			p.pos++
			b.WriteByte(close)
			return b.String(), nil
		}
		if n > 0 {
			b.WriteByte(',')
		}
		if keyed {
			key, err := p.key()
			if err != nil {
				return "", err
			}
			b.WriteString(quoteJSON(key) + ":")
		}
		v, err := p.value()
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		}
	}
}

// key reads a quoted or bare key and its colon.
func (p *shellParser) key() (string, error) {
	p.skipSpace()
	var key string
	var err error
	quoted := false // a quoted key may be empty ('' in apiVersions)
	if c := p.src[p.pos]; c == '"' || c == '\'' {
		key, err = p.str()
		quoted = true
	} else {
		key = p.word()
	}
	p.skipSpace()
	if err != nil || key == "" && !quoted || p.pos >= len(p.src) || p.src[p.pos] != ':' {
		return "", p.fail("no key")
	}
	p.pos++
	return key, nil
}

// joinedStr reads a string mongosh prints over several lines as quoted
// pieces joined by + (tcmalloc's formattedString), as one string.
func (p *shellParser) joinedStr() (string, error) {
	var b strings.Builder
	for {
		s, err := p.str()
		if err != nil {
			return "", err
		}
		b.WriteString(s)
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '+' {
			return quoteJSON(b.String()), nil
		}
		p.pos++
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' && p.src[p.pos] != '\'' {
			return "", p.fail("no string after +")
		}
	}
}

// str reads a quoted string with its backslash escapes.
func (p *shellParser) str() (string, error) {
	quote := p.src[p.pos]
	var b strings.Builder
	for p.pos++; p.pos < len(p.src); p.pos++ {
		switch c := p.src[p.pos]; c {
		case quote:
			p.pos++
			return b.String(), nil
		case '\\':
			p.pos++
			if p.pos < len(p.src) {
				b.WriteByte(unescape(p.src[p.pos]))
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", p.fail("unterminated string")
}

// unescape is the character a backslash before c stands for.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	}
	return c
}

// word reads a bare word: a number, a key, a name (Binary.createFromBase64).
func (p *shellParser) word() string {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("{}[]():,'\" \t\r\n", p.src[p.pos]) < 0 {
		p.pos++
	}
	return p.src[start:p.pos]
}

// call reads a constructor such as NumberLong(5) and writes its extended JSON.
func (p *shellParser) call(name string) (string, error) {
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return "", p.fail("unknown word " + name)
	}
	p.pos++
	var args []string
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ')' {
			p.pos++
			break
		}
		v, err := p.value()
		if err != nil {
			return "", err
		}
		args = append(args, v)
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		}
	}
	return constructor(name, args)
}

// constructor writes a shell constructor's value as extended JSON; args
// are extended JSON already (strings quoted).
func constructor(name string, args []string) (string, error) {
	arg := func(i int) string { return strings.Trim(args[i], `"`) }
	switch {
	case (name == "NumberLong" || name == "Long") && len(args) == 1:
		return `{"$numberLong":"` + arg(0) + `"}`, nil
	case name == "NumberInt" && len(args) == 1:
		return `{"$numberInt":"` + arg(0) + `"}`, nil
	case name == "Timestamp" && len(args) == 2:
		return `{"$timestamp":{"t":` + args[0] + `,"i":` + args[1] + `}}`, nil
	case name == "Timestamp" && len(args) == 1: // mongosh: Timestamp({ t: 1, i: 2 })
		return `{"$timestamp":` + args[0] + `}`, nil
	case name == "ISODate" && len(args) == 1:
		return `{"$date":"` + arg(0) + `"}`, nil
	case name == "BinData" && len(args) == 2:
		return fmt.Sprintf(`{"$binary":{"base64":"%s","subType":"%02s"}}`, arg(1), arg(0)), nil
	case name == "Binary.createFromBase64" && len(args) == 2:
		return fmt.Sprintf(`{"$binary":{"base64":"%s","subType":"%02s"}}`, arg(0), arg(1)), nil
	case name == "UUID" && len(args) == 1:
		return `{"$uuid":"` + arg(0) + `"}`, nil
	case name == "ObjectId" && len(args) == 1:
		return `{"$oid":"` + arg(0) + `"}`, nil
	}
	return "", fmt.Errorf("unknown constructor %s(%s)", name, strings.Join(args, ", "))
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestShellPasteConversion(t *testing.T) {
	p := &shellParser{src: `{ a: Long('5'), 'b': "x'y", c: [ Timestamp({ t: 1715763925, i: 1 }), Timestamp(1592799055, 1) ],
		d: BinData(0,"AA=="), e: Binary.createFromBase64('AQ==', 4), f: UUID('308b14bd-bedc-44dc-9045-f50f66d48bd3'),
		g: ISODate("2020-06-19T06:18:32.242Z"), h: NumberLong(-7), i: ObjectId('663e63f20832d6b77159ea0d'), j: -1.5, k: {}, }`}
	js, err := p.value()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a": {"$numberLong":"5"},"b": "x'y","c": [{"$timestamp":{"t":1715763925,"i":1}},{"$timestamp":{"t":1592799055,"i":1}}],` +
		`"d": {"$binary":{"base64":"AA==","subType":"00"}},"e": {"$binary":{"base64":"AQ==","subType":"04"}},` +
		`"f": {"$binary":{"base64":"MIsUvb7cRNyQRfUPZtSL0w==","subType":"04"}},"g": {"$date":{"$numberLong":"1592547512242"}},` +
		`"h": {"$numberLong":"-7"},"i": {"$oid":"663e63f20832d6b77159ea0d"},"j": {"$numberDouble":"-1.5"},"k": {}}`
	if got := extJSON(t, js).String(); got != want {
		t.Errorf("converted\n%s\nreads as\n%s\nwant\n%s", js, got, want)
	}
}
