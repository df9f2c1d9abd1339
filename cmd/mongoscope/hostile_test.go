package main

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	mopts "go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
	"github.com/mongoscope/mongoscope/probes"
)

// Hostile text: an OSC 52 clipboard write, a clear screen, SGR 8
// (conceal: hides the rest of the row) and a right-to-left override.
const (
	osc52   = "\x1b]52;c;ZXZpbA==\x07"
	clear2J = "\x1b[2J"
	sgr8    = "\x1b[8m"
	rlo     = "\u202E"
)

// hostileServer stands between mongoscope and a simulated standalone and
// forwards every command to it. Its $currentOp also reports, as running,
// the last command of each client that sent a comment, the way a server
// reports a client's op: the appName the client set in its connection
// string (appName=…), the ns and comment of its command. The client
// address gets hostile text too, as a buggy or compromised router could
// report. Commands named in fail are answered with errText.
type hostileServer struct {
	srv     *wire.Server
	up      *mongo.Client
	mu      sync.Mutex
	ops     map[int64]bson.D
	fail    map[string]bool
	errText string
	kills   atomic.Int32
}

func startHostileServer(t *testing.T) *hostileServer {
	t.Helper()
	sim, err := simcluster.Start(simcluster.Config{Topology: simcluster.Standalone, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	up, err := mongo.Connect(mopts.Client().ApplyURI(sim.URI() + "/?directConnection=true"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Disconnect(context.Background()) })
	h := &hostileServer{up: up, ops: map[int64]bson.D{}, fail: map[string]bool{}}
	if h.srv, err = wire.Listen("127.0.0.1:0", h, wire.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.srv.Close() })
	return h
}

func (h *hostileServer) uri() string { return "mongodb://" + h.srv.Addr() }

func (h *hostileServer) Handle(ctx context.Context, req *wire.Request) bson.Raw {
	body := forwardable(req.Body)
	h.mu.Lock()
	failing := h.fail[req.Name]
	h.mu.Unlock()
	switch {
	case failing:
		return mustRaw(bson.D{{Key: "ok", Value: 0}, {Key: "errmsg", Value: h.errText}, {Key: "code", Value: 2}, {Key: "codeName", Value: "BadValue"}})
	case req.Name == "killOp":
		h.kills.Add(1)
		h.mu.Lock()
		clear(h.ops)
		h.mu.Unlock()
		return mustRaw(bson.D{{Key: "info", Value: "attempting to kill op"}, {Key: "ok", Value: 1}})
	case req.Name != "aggregate" && req.Body.Lookup("comment").Type != 0:
		h.record(req, body)
		return mustRaw(bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: bson.A{}}, {Key: "id", Value: int64(0)},
			{Key: "ns", Value: req.DB + "." + req.Name}}}, {Key: "ok", Value: 1}})
	}
	raw, err := h.up.Database(req.DB).RunCommand(ctx, body).Raw()
	if err != nil {
		return mustRaw(bson.D{{Key: "ok", Value: 0}, {Key: "errmsg", Value: err.Error()}, {Key: "code", Value: 1}})
	}
	if req.Name == "aggregate" && strings.Contains(req.Body.Lookup("pipeline").String(), "$currentOp") {
		return h.withClientOps(raw)
	}
	return raw
}

// record keeps a client's command as its running op.
func (h *hostileServer) record(req *wire.Request, cmd bson.D) {
	coll, _ := req.Body.Lookup(req.Name).StringValueOK()
	op := bson.D{{Key: "type", Value: "op"}, {Key: "host", Value: h.srv.Addr()}, {Key: "desc", Value: "conn42"},
		{Key: "connectionId", Value: int32(42)}, {Key: "client", Value: req.Conn.Remote + sgr8 + rlo},
		{Key: "appName", Value: req.Conn.AppName}, {Key: "active", Value: true}, {Key: "opid", Value: int32(4242)},
		{Key: "secs_running", Value: int64(75)}, {Key: "microsecs_running", Value: int64(75e6)}, {Key: "op", Value: "query"},
		{Key: "ns", Value: req.DB + "." + coll}, {Key: "command", Value: cmd}, {Key: "planSummary", Value: "COLLSCAN"}}
	h.mu.Lock()
	h.ops[req.Conn.ID] = op
	h.mu.Unlock()
}

func (h *hostileServer) withClientOps(raw bson.Raw) bson.Raw {
	var reply struct {
		Cursor struct {
			FirstBatch []bson.Raw `bson:"firstBatch"`
			ID         int64      `bson:"id"`
			NS         string     `bson:"ns"`
		} `bson:"cursor"`
	}
	if bson.Unmarshal(raw, &reply) != nil {
		return raw
	}
	batch := bson.A{}
	for _, d := range reply.Cursor.FirstBatch {
		batch = append(batch, d)
	}
	h.mu.Lock()
	for _, op := range h.ops {
		batch = append(batch, op)
	}
	h.mu.Unlock()
	return mustRaw(bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: batch}, {Key: "id", Value: reply.Cursor.ID},
		{Key: "ns", Value: reply.Cursor.NS}}}, {Key: "ok", Value: 1}})
}

// forwardable drops what the driver adds to every command by itself.
func forwardable(body bson.Raw) bson.D {
	elems, _ := body.Elements()
	var out bson.D
	for _, e := range elems {
		switch k := e.Key(); {
		case strings.HasPrefix(k, "$"), k == "lsid", k == "txnNumber", k == "client", k == "compression",
			k == "speculativeAuthenticate", k == "saslSupportedMechs", k == "loadBalanced":
		default:
			out = append(out, bson.E{Key: k, Value: e.Value()})
		}
	}
	return out
}

func mustRaw(d bson.D) bson.Raw {
	b, err := bson.Marshal(d)
	if err != nil {
		panic(err)
	}
	return b
}

// hostileClient connects with a hostile appName and leaves a command with a
// hostile ns and comment running.
func hostileClient(t *testing.T, h *hostileServer) {
	t.Helper()
	app := "web" + sgr8 + rlo + osc52
	c, err := mongo.Connect(mopts.Client().ApplyURI(h.uri() + "/?directConnection=true&appName=" + url.QueryEscape(app)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	coll := c.Database("shop").Collection("orders" + clear2J + rlo)
	cur, err := coll.Find(ctx, bson.D{}, mopts.Find().SetComment(osc52+sgr8+"\x1b]0;owned\x07"))
	if err != nil {
		t.Fatal(err)
	}
	cur.Close(ctx)
}

// interpretable names what in out a terminal would act on that mongoscope
// did not put there itself: any ESC not starting one of lipgloss's SGR
// colour sequences, BEL, C1 and bidi controls.
func interpretable(out string) string {
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[8m", "\x1bP", "\x07", "\u009b", "\u009d", rlo, "\u202d", "\u2066"} {
		if strings.Contains(out, bad) {
			return bad
		}
	}
	return ""
}

// enter presses enter, feeding back what the press asks for.
func (o *operatorView) enter() {
	var cmd tea.Cmd
	o.m, cmd = o.m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	for _, msg := range actionMsgs(cmd) {
		o.m, _ = o.m.Update(msg)
	}
}

func TestHostileTextIsShownNotInterpreted(t *testing.T) {
	h := startHostileServer(t)
	hostileClient(t, h)
	o := operatorViewOn(t, h.uri(), 200, 200*time.Millisecond, nil)
	o.until("shop.orders␛[2J<U+202E>", 20)
	if bad := interpretable(o.m.View().Content); bad != "" {
		t.Fatalf("the ops table holds %q:\n%q", bad, o.m.View().Content)
	}
	for _, k := range "3/4242" {
		o.key(string(k))
	}
	o.enter()                                 // keep the filter
	o.enter()                                 // open the op
	scr := o.until(`\u001b]0;owned\u0007`, 3) // the comment, inside the command's JSON
	for _, want := range []string{"web␛[8m<U+202E>␛]52;c;ZXZpbA==␇", "shop.orders␛[2J<U+202E>", "␛[8m<U+202E>"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the detail view does not show %q:\n%s", want, scr)
		}
	}
	if bad := interpretable(o.m.View().Content); bad != "" {
		t.Fatalf("the detail view holds %q:\n%q", bad, o.m.View().Content)
	}
}

// hostilePoller polls the hostile server, read-only.
func hostilePoller(t *testing.T, h *hostileServer) <-chan probes.Snapshot {
	t.Helper()
	p, err := probes.NewPoller(probes.Config{URI: h.uri(), Interval: 200 * time.Millisecond, ConnectTimeout: 3 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); p.Close(context.Background()) })
	return p.Run(ctx)
}

// In line mode (stdout not a terminal) a server's error text was printed
// raw: an OSC 52 clipboard write, a clear screen, a window title.
func TestHostileServerErrorInLineMode(t *testing.T) {
	h := startHostileServer(t)
	h.errText = "no top for you" + osc52 + clear2J + "\x1b]0;owned\x07" + rlo + "\u009b31m"
	h.fail["top"] = true
	snaps := hostilePoller(t, h)
	var failing probes.Snapshot
	for i := 0; i < 30 && failing.TakenAt.IsZero(); i++ {
		s := <-snaps
		if n := s.Deployment.Nodes; len(n) > 0 && strings.Contains(n[0].Error, "top failing") {
			failing = s
		}
	}
	if failing.TakenAt.IsZero() {
		t.Fatal("the failing top never shows in the node's error")
	}
	for _, asJSON := range []bool{false, true} {
		out, _ := printed(asJSON, failing)
		if bad := interpretable(out); bad != "" || strings.ContainsAny(out, "\x1b\x07\x7f") {
			t.Errorf("line mode (json %v) prints %q raw:\n%q", asJSON, bad, out)
		}
		if !strings.Contains(out, "no top for you␛]52;c;ZXZpbA==␇␛[2J␛]0;owned␇<U+202E><U+009B>31m") {
			t.Errorf("line mode (json %v) does not show the error as visible text:\n%s", asJSON, out)
		}
	}
}
