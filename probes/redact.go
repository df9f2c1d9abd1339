package probes

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// Credentials never leave mongoscope. They are removed from messages by
// parsing: each connection string in a message is split at its userinfo
// and options, and only the password part is replaced; a known password
// (the prompt's, the URI's) is replaced only where it stands as a whole
// word. Searching for fragments instead turned a password "p" into
// "error ****arsing uri" while other fragments still showed.

// CheckURI refuses a connection string that the driver would split in the
// wrong place: a user name or password holding an unescaped '@', ':' or
// '/', or a '%' that starts no %XX escape. The driver reads up to the first
// '@' as the userinfo, so "user:p@ss:w/o%rd@host" would make "ss:w" a host
// and its errors would quote it. The message names no part of the
// credentials.
func CheckURI(uri string) error {
	scheme := schemeOf(uri)
	if scheme == "" {
		return nil
	}
	body := uri[len(scheme):]
	first := strings.IndexByte(body, '@')
	if first < 0 {
		return nil
	}
	user, password, _ := strings.Cut(body[:first], ":")
	var what string
	switch {
	case !wellFormedAfter(body[first+1:]):
		what = "an '@'"
	case strings.Contains(user, "/") || strings.ContainsAny(password, ":/"):
		what = "a ':' or '/'"
	case badEscape(user) || badEscape(password):
		what = "a '%' that starts no %XX escape"
	default:
		return nil
	}
	return fmt.Errorf("the connection string's user name or password holds %s that must be percent-encoded "+
		"(@ as %%40, : as %%3A, / as %%2F, %% as %%25); or leave the password out of it and use --password-prompt", what)
}

// wellFormedAfter says whether what follows the userinfo's '@' (hosts,
// path, options) holds no '@' before its options: if it does, that '@'
// belongs to the credentials.
func wellFormedAfter(rest string) bool {
	at, q := strings.IndexByte(rest, '@'), strings.IndexByte(rest, '?')
	return at < 0 || q >= 0 && q < at
}

func badEscape(s string) bool {
	_, err := url.PathUnescape(s)
	return err != nil
}

// schemeOf is s's "scheme://" prefix, or "".
func schemeOf(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 {
		return ""
	}
	for j := 0; j < i; j++ {
		if !schemeChar(s[j]) {
			return ""
		}
	}
	return s[:i+3]
}

func schemeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// splitUserinfo splits the part of a connection string after its scheme
// at the '@' that ends its credentials. For a string CheckURI accepts
// that is the first '@', as the driver reads it; for one it refuses, the
// last '@', so everything that may be part of the password is inside.
func splitUserinfo(body string) (userinfo, rest string, ok bool) {
	first := strings.IndexByte(body, '@')
	if first < 0 {
		return "", body, false
	}
	end := first
	if !wellFormedAfter(body[first+1:]) {
		end = strings.LastIndexByte(body, '@')
	}
	return body[:end], body[end+1:], true
}

// RedactURI returns the connection string (or any scheme://user:pw@host
// URL) s with its password, and the values of its password options,
// replaced by ****. The user name, hosts, database and other options stay.
func RedactURI(s string) string {
	scheme := schemeOf(s)
	if scheme == "" {
		return s
	}
	userinfo, rest, ok := splitUserinfo(s[len(scheme):])
	if !ok {
		return scheme + redactOptions(rest)
	}
	if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
		userinfo = user + ":****"
	}
	return scheme + userinfo + "@" + redactOptions(rest)
}

// redactOptions hides the values of options that carry secrets: any
// option named like a password, and authMechanismProperties holding an
// AWS_SESSION_TOKEN.
func redactOptions(rest string) string {
	head, query, found := strings.Cut(rest, "?")
	if !found {
		return rest
	}
	var b strings.Builder
	b.WriteString(head + "?")
	start := 0
	for i := 0; i <= len(query); i++ {
		if i < len(query) && query[i] != '&' && query[i] != ';' {
			continue
		}
		b.WriteString(redactOption(query[start:i]))
		if i < len(query) {
			b.WriteByte(query[i])
		}
		start = i + 1
	}
	return b.String()
}

func redactOption(pair string) string {
	k, v, _ := strings.Cut(pair, "=")
	lower := strings.ToLower(k)
	if v != "" && (strings.Contains(lower, "password") || lower == "authmechanismproperties" && strings.Contains(v, "AWS_SESSION_TOKEN")) {
		return k + "=****"
	}
	return pair
}

// Redact returns msg without credentials: every connection string in it is
// redacted (RedactURI), and each of secrets (a password, as typed or as
// percent- or Go-escaped in a message) becomes **** where it stands as a
// whole word. The rest of the message is left as it was.
func Redact(msg string, secrets ...string) string {
	msg = redactConnectionStrings(msg)
	for _, s := range secrets {
		for _, form := range secretForms(s) {
			msg = redactWord(msg, form)
		}
	}
	return msg
}

// redactConnectionStrings redacts each scheme://… word of msg.
func redactConnectionStrings(msg string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, "://")
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		start, end := i, i+3
		for start > 0 && schemeChar(msg[start-1]) {
			start--
		}
		for end < len(msg) && !strings.ContainsRune(" \t\r\n\"'`<>", rune(msg[end])) {
			end++
		}
		b.WriteString(msg[:start])
		b.WriteString(RedactURI(msg[start:end]))
		msg = msg[end:]
	}
}

// secretForms are the ways a secret can appear in a message.
func secretForms(s string) []string {
	if s == "" {
		return nil
	}
	q := strconv.Quote(s)
	forms := []string{s}
	for _, f := range []string{url.PathEscape(s), url.QueryEscape(s), q[1 : len(q)-1]} {
		if f != s {
			forms = append(forms, f)
		}
	}
	return forms
}

// redactWord replaces secret in msg wherever it is not part of a longer
// word (letters, digits, '_' on either side).
func redactWord(msg, secret string) string {
	var b strings.Builder
	pos := 0
	for {
		i := strings.Index(msg[pos:], secret)
		if i < 0 {
			break
		}
		i += pos
		j := i + len(secret)
		if wordEdge(msg, i, j) {
			b.WriteString(msg[pos:i])
			b.WriteString("****")
		} else {
			b.WriteString(msg[pos:j])
		}
		pos = j
	}
	if pos == 0 {
		return msg
	}
	b.WriteString(msg[pos:])
	return b.String()
}

// wordEdge says whether msg[i:j] has no word character right before or
// after it.
func wordEdge(msg string, i, j int) bool {
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	if r, _ := utf8.DecodeLastRuneInString(msg[:i]); i > 0 && isWord(r) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(msg[j:]); j < len(msg) && isWord(r) {
		return false
	}
	return true
}

// passwordOf is the connection string's password, unescaped, for
// redaction.
func passwordOf(uri string) string {
	scheme := schemeOf(uri)
	if scheme == "" {
		return ""
	}
	userinfo, _, ok := splitUserinfo(uri[len(scheme):])
	if !ok {
		return ""
	}
	_, password, _ := strings.Cut(userinfo, ":")
	if p, err := url.PathUnescape(password); err == nil {
		return p
	}
	return password
}

// redactErr is err's message without the configured credentials, made
// safe to print. A connection string the driver misreads gets CheckURI's
// sentence instead: the driver's own would quote part of the password.
func redactErr(err error, cfg Config) string {
	if bad := CheckURI(cfg.URI); bad != nil {
		return bad.Error()
	}
	raw := ""
	if scheme := schemeOf(cfg.URI); scheme != "" {
		if userinfo, _, ok := splitUserinfo(cfg.URI[len(scheme):]); ok {
			_, raw, _ = strings.Cut(userinfo, ":")
		}
	}
	return safetext.Line(Redact(err.Error(), cfg.Password, passwordOf(cfg.URI), raw))
}
