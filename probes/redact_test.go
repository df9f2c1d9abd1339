package probes

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRedactURIEveryForm(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://user:pw@h1,h2:27018/db?replicaSet=rs":                 "mongodb://user:****@h1,h2:27018/db?replicaSet=rs",
		"mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true":   "mongodb+srv://user:****@cluster0.example.net/?retryWrites=true",
		"mongodb://user:pw@[::1]:27017,[fe80::1%25eth0]:27018/":          "mongodb://user:****@[::1]:27017,[fe80::1%25eth0]:27018/",
		"mongodb://user@h/?authSource=admin":                             "mongodb://user@h/?authSource=admin",
		"mongodb://h/?authMechanism=PLAIN&password=hunter2&appName=x":    "mongodb://h/?authMechanism=PLAIN&password=****&appName=x",
		"mongodb://h/?tlsCertificateKeyFilePassword=k3y;w=1":             "mongodb://h/?tlsCertificateKeyFilePassword=****;w=1",
		"mongodb://h/?authMechanismProperties=AWS_SESSION_TOKEN:t0k3n":   "mongodb://h/?authMechanismProperties=****",
		"mongodb://u:p%40ss%3Aw%2Fo%25rd@h:1/?appName=a@b":               "mongodb://u:****@h:1/?appName=a@b",
		"mongodb://user:p@ss:w/o%rd@host/":                               "mongodb://user:****@host/",
		"mongodb://user:a?b#c[d]e@host/db":                               "mongodb://user:****@host/db",
		"mongdb://user:pw@h:1":                                           "mongdb://user:****@h:1",
		"mongodb://h1:27017":                                             "mongodb://h1:27017",
		"not a URI":                                                      "not a URI",
		"mongodb://user:pw@h/?appName=me@x":                              "mongodb://user:****@h/?appName=me@x",
		"mongodb://user:ünï:cødé@/@h/":                                   "mongodb://user:****@h/",
		"mongodb+srv://ops:%F0%9F%94%91@c.example.com/?authSource=admin": "mongodb+srv://ops:****@c.example.com/?authSource=admin",
	} {
		if got := RedactURI(in); got != want {
			t.Errorf("RedactURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactKeepsTheRestOfTheMessage(t *testing.T) {
	msg := `error parsing uri: port must be an integer (mongodb://user:p@host:x/); auth failed for "p" (p)`
	want := `error parsing uri: port must be an integer (mongodb://user:****@host:x/); auth failed for "****" (****)`
	if got := Redact(msg, "p"); got != want {
		t.Fatalf("Redact:\n got %q\nwant %q", got, want)
	}
	if got := Redact("parsing port p@ss", "p@ss"); got != "parsing port ****" {
		t.Fatalf("a password with punctuation: %q", got)
	}
	if got := Redact(`bad "sécr\"t" and s%C3%A9cr%22t`, `sécr"t`); got != `bad "****" and ****` {
		t.Fatalf("quoted and escaped forms: %q", got)
	}
}

// passwordsToTry are made of the characters connection strings reserve,
// and unicode; their letter pieces are distinctive so a fragment would be
// found in a message.
var passwordsToTry = []string{"Q7@Zk9:W3/V0%Rd", "Xq?Yb#Zc[Wd]Ve", "Üq:Çø@/Ñz", "]Jq:[Kx@%7E?#", "Pq%", "Mz@", "Nk:", "Lw/", "Hv?#[]"}

func fragments(pw string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(pw, func(r rune) bool { return strings.ContainsRune("@:/%?#[]", r) }) {
		if len(f) >= 2 {
			out = append(out, f)
		}
	}
	return append(out, pw)
}

func TestPasswordsWithReservedCharactersNeverShow(t *testing.T) {
	for _, pw := range passwordsToTry {
		escaped := url.UserPassword("user", pw).String()
		for _, uri := range []string{"mongodb://user:" + pw + "@127.0.0.1:1/", "mongodb://" + escaped + "@127.0.0.1:1/?appName=a@b"} {
			msg := connectMessage(uri)
			for _, f := range append(fragments(pw), url.PathEscape(pw), url.QueryEscape(pw)) {
				if strings.Contains(msg, f) {
					t.Errorf("%q: the message shows %q: %s", uri, f, msg)
				}
			}
			if strings.Contains(msg, "****arsing") || strings.Contains(msg, "****ort") || msg == "" {
				t.Errorf("%q: mangled message: %s", uri, msg)
			}
			if !strings.Contains(msg, "127.0.0.1:1") && !strings.Contains(msg, "percent-encoded") {
				t.Errorf("%q: the message names neither the host nor what to fix: %s", uri, msg)
			}
		}
	}
	msg := connectMessage("mongodb://user:p@ss:w/o%rd@host/")
	if !strings.Contains(msg, "must be percent-encoded (@ as %40") || strings.Contains(msg, "ss:w") || strings.Contains(msg, "o%rd") {
		t.Errorf("the issue's example: %s", msg)
	}
}

// connectMessage is what NewPoller or Connect says about uri.
func connectMessage(uri string) string {
	p, err := NewPoller(Config{URI: uri, ConnectTimeout: 200 * time.Millisecond})
	if err != nil {
		return err.Error()
	}
	defer p.Close(context.Background())
	if _, err := p.Connect(context.Background()); err != nil {
		return err.Error()
	}
	return "connected?"
}

func TestCheckURIAcceptsWhatTheDriverReadsRight(t *testing.T) {
	for _, ok := range []string{"mongodb://h", "mongodb://u:p@h/?appName=a@b", "mongodb://u:a?b#c[d]e@h/", "mongodb://u:%40%3A%2F%25@h1,h2/db",
		"mongodb+srv://u:p@c.example.com", "mongodb://u@h"} {
		if err := CheckURI(ok); err != nil {
			t.Errorf("CheckURI(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"mongodb://u:p@ss@h", "mongodb://u:p@s/x@h/", "mongodb://u:p:q@h", "mongodb://u:p/q@h", "mongodb://u/v:p@h",
		"mongodb://u:p%zz@h"} {
		if err := CheckURI(bad); err == nil {
			t.Errorf("CheckURI(%q) accepts it", bad)
		}
	}
}
