package probes

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// Hostile text as any client can send it: an OSC 52 clipboard write, a
// clear screen, SGR 8 (conceal: hides the rest of a row) and a bidi
// override.
const (
	osc52   = "\x1b]52;c;ZXZpbA==\x07"
	clear2J = "\x1b[2J"
	sgr8    = "\x1b[8m"
	rlo     = "\u202E"
)

func hostileOpDoc(t testing.TB, text string) bson.Raw {
	t.Helper()
	d, err := bson.Marshal(bson.D{{Key: "type", Value: "op"}, {Key: "host", Value: "h:1" + text},
		{Key: "desc", Value: "conn7" + text}, {Key: "connectionId", Value: int32(7)},
		{Key: "client", Value: "10.0.0.9:5000" + text}, {Key: "appName", Value: "web" + text},
		{Key: "active", Value: true}, {Key: "opid", Value: int32(4242)}, {Key: "secs_running", Value: int64(90)},
		{Key: "op", Value: "query" + text}, {Key: "ns", Value: "shop.orders" + text},
		{Key: "planSummary", Value: "COLLSCAN" + text}, {Key: "msg", Value: "msg" + text},
		{Key: "command", Value: bson.D{{Key: "find", Value: "orders"}, {Key: "comment", Value: "c" + text}}},
		{Key: "effectiveUsers", Value: bson.A{bson.D{{Key: "user", Value: "app" + text}, {Key: "db", Value: "admin"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// stringFields lists every string field of v (recursively), by name.
func stringFields(v reflect.Value, name string, out map[string]string) {
	switch v.Kind() {
	case reflect.String:
		out[name] = v.String()
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				stringFields(v.Field(i), name+"."+v.Type().Field(i).Name, out)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			stringFields(v.Index(i), name, out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			stringFields(k, name+"[key]", out)
			stringFields(v.MapIndex(k), name+"[]", out)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			stringFields(v.Elem(), name, out)
		}
	}
}

func assertSafe(t *testing.T, v any) {
	t.Helper()
	fields := map[string]string{}
	stringFields(reflect.ValueOf(v), "", fields)
	for name, s := range fields {
		if !safetext.Safe(s) {
			t.Errorf("%s holds text a terminal would interpret: %q", name, s)
		}
	}
}

func TestDecodeOpSanitizesEveryTextAndJSONKeepsTheOriginal(t *testing.T) {
	text := osc52 + clear2J + sgr8 + rlo + "\u009b"
	op, ok := DecodeOp(hostileOpDoc(t, text), OpSource{Node: "h:1", ViaMongos: true, Mongos: "m:1", Shard: "s" + sgr8})
	if !ok {
		t.Fatal("not decoded")
	}
	assertSafe(t, op)
	want := "␛]52;c;ZXZpbA==␇␛[2J␛[8m<U+202E><U+009B>"
	if op.AppName != "web"+want || op.Node != "h:1"+want || op.Shard != "s␛[8m" || !strings.Contains(op.Command, `\u001b[8m<U+202E><U+009B>`) {
		t.Fatalf("appName %q node %q command %q", op.AppName, op.Node, op.Command)
	}
	if !strings.HasPrefix(op.NS, "shop.orders␛]52") || !strings.HasPrefix(op.User, "app␛") || !strings.HasPrefix(op.Client, "10.0.0.9:5000␛") {
		t.Fatalf("ns %q user %q client %q", op.NS, op.User, op.Client)
	}
	js, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	if !safetext.Safe(string(js)) {
		t.Fatalf("the JSON itself holds raw control characters: %s", js)
	}
	var plain map[string]any
	if err := json.Unmarshal(js, &plain); err != nil {
		t.Fatal(err)
	}
	if plain["appName"] != "web"+text || plain["ns"] != "shop.orders"+text || plain["client"] != "10.0.0.9:5000"+text {
		t.Fatalf("the JSON does not keep the original bytes: %s", js)
	}
	var back Op
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.AppName != op.AppName || back.Command != op.Command {
		t.Fatalf("read back from JSON (a replay), the op is not sanitized again: %+v", back)
	}
	if again, _ := json.Marshal(back); string(again) != string(js) {
		t.Fatalf("a replayed op's JSON differs:\n%s\n%s", again, js)
	}
}

func TestCleanOpsCostNothingExtra(t *testing.T) {
	doc := hostileOpDoc(t, "")
	op, _ := DecodeOp(doc, OpSource{Node: "h:1"})
	if op.raw != nil || op.wireOpID() != "4242" {
		t.Fatalf("a clean op keeps originals: %q", op.raw)
	}
}

func TestServerTextElsewhereIsSanitized(t *testing.T) {
	text := osc52 + sgr8 + rlo
	rs, _, err := DecodeReplSetGetStatus(mustMarshal(t, bson.D{{Key: "set", Value: "rs" + text}, {Key: "members", Value: bson.A{
		bson.D{{Key: "name", Value: "h:1" + text}, {Key: "stateStr", Value: "PRIMARY" + text}, {Key: "syncSourceHost", Value: text}}}}}))
	if err != nil {
		t.Fatal(err)
	}
	assertSafe(t, rs)
	ev, ok := DecodeChangelogMigration(mustMarshal(t, bson.D{{Key: "what", Value: "moveChunk.error"}, {Key: "ns", Value: "a.b" + text},
		{Key: "details", Value: bson.D{{Key: "from", Value: "s0" + text}, {Key: "to", Value: "s1" + text}, {Key: "errmsg", Value: text}}}}))
	if !ok {
		t.Fatal("changelog entry not decoded")
	}
	assertSafe(t, ev)
	m, _ := DecodeMigrationsDoc(mustMarshal(t, bson.D{{Key: "ns", Value: "a.b" + text}, {Key: "fromShard", Value: "s0" + text}}))
	assertSafe(t, m)
	if js, _ := json.Marshal([]any{ev, m}); !strings.Contains(string(js), `a.b\u001b]52`) || !safetext.Safe(string(js)) {
		t.Fatalf("migration JSON: %s", js)
	}
	b := countConnections([]bson.Raw{hostileOpDoc(t, text), hostileOpDoc(t, "")})
	assertSafe(t, *b)
	if b.ByApp["web␛]52;c;ZXZpbA==␇␛[8m<U+202E>"] != 1 || b.ByApp["web"] != 1 {
		t.Fatalf("breakdown by app: %v", b.ByApp)
	}
	if js, _ := json.Marshal(b); !strings.Contains(string(js), `web\u001b]52;c;ZXZpbA==\u0007\u001b[8m\u202e`) {
		t.Fatalf("breakdown JSON does not keep the original app name: %s", js)
	}
	hot := HotCollections(map[string]TopTotals{"n": {"a.b" + text: {Count: 1}}}, map[string]TopTotals{"n": {"a.b" + text: {Count: 5}}}, 1e9, 5)
	assertSafe(t, hot)
	if mode, _, _, _ := DecodeBalancerStatus(mustMarshal(t, bson.D{{Key: "mode", Value: "full" + text}})); !safetext.Safe(mode) {
		t.Fatalf("balancer mode %q", mode)
	}
}

func TestServerErrorTextIsSanitized(t *testing.T) {
	text := osc52 + clear2J + "\x1b]0;owned\x07" + rlo
	for _, err := range []error{
		mongo.CommandError{Code: 2, Name: "BadValue", Message: "bad " + text},
		errors.New("replSetGetStatus: " + text),
		errors.New("network error: \xff" + text),
	} {
		got := describeErr(err)
		if !safetext.Safe(got) || !strings.Contains(got, "␛]52;c;") {
			t.Errorf("describeErr(%q) = %q", err, got)
		}
	}
	if why, _ := notAvailable(mongo.CommandError{Code: 13, Message: "not allowed " + text}); !safetext.Safe(why) {
		t.Errorf("notAvailable: %q", why)
	}
	if got := shorten("ab日本", 4); got != "ab…" {
		t.Errorf("shorten cut a character: %q", got)
	}
}

// FuzzDecodeOpText: whatever text a server puts in an op's fields, every
// field the screens read is safe, and the JSON is safe to print yet holds
// the original text.
func FuzzDecodeOpText(f *testing.F) {
	for _, s := range []string{"plain", osc52, clear2J + sgr8 + rlo, "\xff\xfe", "tab\tnl\n\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		op, ok := DecodeOp(hostileOpDoc(t, text), OpSource{Node: "h:1", CommandCap: 64})
		if !ok {
			t.Fatal("not decoded")
		}
		assertSafe(t, op)
		js, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		if !safetext.Safe(string(js)) {
			t.Fatalf("JSON holds raw control characters: %q", js)
		}
		var back Op
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		assertSafe(t, back)
		var plain map[string]any
		json.Unmarshal(js, &plain)
		if strings.ToValidUTF8(text, "\uFFFD") == text && plain["appName"] != "web"+text {
			t.Fatalf("JSON appName %q, want the original %q", plain["appName"], "web"+text)
		}
	})
}
