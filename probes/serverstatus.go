package probes

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Counters are serverStatus.opcounters (or opcountersRepl), cumulative.
type Counters struct {
	Insert, Query, Update, Delete, Getmore, Command int64
}

// ServerStatus is the part of one serverStatus reply mongoscope reads.
// Pointers are nil where the server did not report the section.
type ServerStatus struct {
	Host, Version, Process string // process: "mongod" or "mongos"
	Uptime                 float64
	LocalTime              time.Time
	Opcounters             Counters
	OpcountersRepl         *Counters
	Network                struct{ BytesIn, BytesOut, NumRequests int64 }
	Connections            struct {
		Current, Available, TotalCreated, Active int64
		Rejected                                 *int64
	}
	GlobalLock *struct{ QueueReaders, QueueWriters, ActiveReaders, ActiveWriters int64 }
	Tickets    *struct {
		ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
	}
	ReplApplyOps    *int64
	ReplBufferCount *int64
	Repl            *ReplInfo
	// OplogEarliest/Latest come from the opt-in `oplog` section.
	OplogEarliest, OplogLatest time.Time
	// TTLDeletedDocuments is metrics.ttl.deletedDocuments: documents the
	// TTL monitor deleted (it runs on primaries only).
	TTLDeletedDocuments *int64
	// Documents are the per-document counters of metrics; nil when the
	// server does not report metrics.document.
	Documents *DocumentCounters
	Pid       int64
	// Bad lists the counters that were missing, not numbers, or negative:
	// their rates are unknown, never zero.
	Bad []string
}

// ReplInfo is serverStatus.repl, the hello subset a member reports.
type ReplInfo struct {
	SetName, Primary, Me         string
	Hosts                        []string
	IsWritablePrimary, Secondary bool
}

// DecodeServerStatus reads one serverStatus reply; it never panics and
// leaves what it cannot read unknown.
func DecodeServerStatus(raw bson.Raw) (s ServerStatus, err error) {
	defer safely("serverStatus", &err)
	if err := raw.Validate(); err != nil {
		return s, errors.New("serverStatus reply is not a valid BSON document")
	}
	if _, ok := lookup(raw, "opcounters"); !ok {
		if msg := getString(raw, "errmsg"); msg != "" {
			return s, errors.New(msg)
		}
		return s, errors.New("serverStatus reply has no opcounters section")
	}
	s.Host, s.Version, s.Process = getText(raw, "host"), getText(raw, "version"), getText(raw, "process")
	s.Uptime, _ = getFloat(raw, "uptime")
	s.Pid, _ = getInt(raw, "pid")
	s.LocalTime, _ = getTime(raw, "localTime")
	s.Opcounters = decodeCounters(raw, "opcounters", &s.Bad)
	if _, ok := getDoc(raw, "opcountersRepl"); ok {
		var ignored []string // a bad repl counter only loses the repl rate
		c := decodeCounters(raw, "opcountersRepl", &ignored)
		if len(ignored) == 0 {
			s.OpcountersRepl = &c
		}
	}
	counter := func(dst *int64, path ...string) { *dst = readCounter(raw, &s.Bad, path...) }
	counter(&s.Network.BytesIn, "network", "bytesIn")
	counter(&s.Network.BytesOut, "network", "bytesOut")
	counter(&s.Network.NumRequests, "network", "numRequests")
	counter(&s.Connections.Current, "connections", "current")
	counter(&s.Connections.Available, "connections", "available")
	counter(&s.Connections.TotalCreated, "connections", "totalCreated")
	s.Connections.Active, _ = getInt(raw, "connections", "active")
	if n, ok := getInt(raw, "connections", "rejected"); ok {
		s.Connections.Rejected = &n
	}
	if _, ok := getDoc(raw, "globalLock", "currentQueue"); ok {
		g := &struct{ QueueReaders, QueueWriters, ActiveReaders, ActiveWriters int64 }{}
		g.QueueReaders, _ = getInt(raw, "globalLock", "currentQueue", "readers")
		g.QueueWriters, _ = getInt(raw, "globalLock", "currentQueue", "writers")
		g.ActiveReaders, _ = getInt(raw, "globalLock", "activeClients", "readers")
		g.ActiveWriters, _ = getInt(raw, "globalLock", "activeClients", "writers")
		s.GlobalLock = g
	}
	s.Tickets = decodeTickets(raw)
	if n, ok := getInt(raw, "metrics", "repl", "apply", "ops"); ok {
		s.ReplApplyOps = &n
	}
	// 8.0 split the buffer into write and apply stages; ≤7.0 has a flat count.
	if n, ok := getInt(raw, "metrics", "repl", "buffer", "apply", "count"); ok {
		s.ReplBufferCount = &n
	} else if n, ok := getInt(raw, "metrics", "repl", "buffer", "count"); ok {
		s.ReplBufferCount = &n
	}
	s.TTLDeletedDocuments = optCounter(raw, "metrics", "ttl", "deletedDocuments")
	s.Documents = decodeDocuments(raw)
	if repl, ok := getDoc(raw, "repl"); ok {
		r := &ReplInfo{SetName: getText(repl, "setName"), Primary: getText(repl, "primary"), Me: getText(repl, "me"),
			Secondary: getBool(repl, "secondary")}
		r.IsWritablePrimary = getBool(repl, "isWritablePrimary") || getBool(repl, "ismaster")
		for _, h := range getArray(repl, "hosts") {
			if str, ok := h.StringValueOK(); ok {
				r.Hosts = append(r.Hosts, str)
			}
		}
		s.Repl = r
	}
	s.OplogEarliest, _ = getTime(raw, "oplog", "earliestOptime")
	s.OplogLatest, _ = getTime(raw, "oplog", "latestOptime")
	return s, nil
}

func decodeCounters(raw bson.Raw, section string, bad *[]string) Counters {
	var c Counters
	c.Insert = readCounter(raw, bad, section, "insert")
	c.Query = readCounter(raw, bad, section, "query")
	c.Update = readCounter(raw, bad, section, "update")
	c.Delete = readCounter(raw, bad, section, "delete")
	c.Getmore = readCounter(raw, bad, section, "getmore")
	c.Command = readCounter(raw, bad, section, "command")
	return c
}

// readCounter reads a cumulative counter; a missing, non-numeric or
// negative one is listed in bad (its rate is then unknown, not zero).
func readCounter(raw bson.Raw, bad *[]string, path ...string) int64 {
	n, ok := getInt(raw, path...)
	if !ok || n < 0 {
		*bad = append(*bad, strings.Join(path, "."))
		return 0
	}
	return n
}

// badIn says which of the bad counters lie under a section ("" if none).
func (s ServerStatus) badIn(section string) string {
	for _, b := range s.Bad {
		if strings.HasPrefix(b, section+".") {
			return b + " is missing or not a number"
		}
	}
	return ""
}

// decodeTickets reads storage-engine admission: queues.execution on 8.0+,
// wiredTiger.concurrentTransactions up to 7.0.
func decodeTickets(raw bson.Raw) *struct {
	ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
} {
	for _, base := range [][]string{{"queues", "execution"}, {"wiredTiger", "concurrentTransactions"}} {
		if _, ok := getDoc(raw, base...); !ok {
			continue
		}
		t := &struct {
			ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
		}{}
		path := func(k ...string) []string { return append(append([]string{}, base...), k...) }
		t.ReadOut, _ = getInt(raw, path("read", "out")...)
		t.ReadAvailable, _ = getInt(raw, path("read", "available")...)
		t.ReadTotal, _ = getInt(raw, path("read", "totalTickets")...)
		t.WriteOut, _ = getInt(raw, path("write", "out")...)
		t.WriteAvailable, _ = getInt(raw, path("write", "available")...)
		t.WriteTotal, _ = getInt(raw, path("write", "totalTickets")...)
		return t
	}
	return nil
}

// ServerStatusCommand is the cheap serverStatus mongoscope sends. The
// heavy sections (wiredTiger's hundreds of stats, locks, tcmalloc, the
// per-command metrics) are excluded. Before 8.0 the ticket counts live only
// in wiredTiger.concurrentTransactions (8.0 moved them to `queues`), so
// wantWiredTiger keeps that section, every few polls. The oplog section
// (first/last optime, i.e. the oplog window) is opt-in: wantOplog.
func ServerStatusCommand(process string, wantOplog, wantWiredTiger bool) bson.D {
	cmd := bson.D{{Key: "serverStatus", Value: 1}}
	if !wantWiredTiger {
		cmd = append(cmd, bson.E{Key: "wiredTiger", Value: 0})
	}
	for _, section := range []string{"locks", "tcmalloc", "transactions", "flowControl",
		"electionMetrics", "storageEngine", "logicalSessionRecordCache", "catalogStats", "indexBuilds",
		"twoPhaseCommitCoordinator", "encryptionAtRest", "security", "sharding", "shardingStatistics", "asserts",
		"extra_info", "opLatencies", "opWorkingTime", "planCache", "queryAnalyzers", "readConcernCounters",
		"readPreferenceCounters", "scramCache", "tenantMigrations", "trafficRecording", "transportSecurity",
		"watchdog", "health", "defaultRWConcern", "collectionCatalog", "mirroredReads", "changeStreamPreImages",
		"indexBulkBuilder", "internalTransactions", "batchedDeletes", "service", "routerOpLatencies", "ingressAppEstablishment",
		"featureCompatibilityVersion", "oplogTruncation", "shardedIndexConsistency", "hedgingMetrics", "mem", "periodicNoopWriter"} {
		cmd = append(cmd, bson.E{Key: section, Value: 0})
	}
	// metrics is large (commands, aggStageCounters, query…); repl, ttl,
	// document, queryExecutor and operation are read (a few counters each),
	// so keep it but drop its big sub-documents.
	cmd = append(cmd, bson.E{Key: "metrics", Value: bson.D{
		{Key: "commands", Value: 0}, {Key: "aggStageCounters", Value: 0}, {Key: "query", Value: 0},
		{Key: "operatorCounters", Value: 0}, {Key: "cursor", Value: 0}, {Key: "network", Value: 0}}})
	if process == "mongos" {
		return cmd
	}
	if wantOplog {
		cmd = append(cmd, bson.E{Key: "oplog", Value: 1})
	}
	return cmd
}

// statusProbe asks every node for a trimmed serverStatus: opcounters,
// network, connections, queues and tickets, replication apply counters and,
// on primaries every few polls, the oplog window.
type statusProbe struct {
	pairs map[string]*statusPair
}

// statusSample is one serverStatus with when it was taken: the server's
// localTime (at), and the poller's clock (Config.Now: time.Now, monotonic,
// unless a test or soak run fakes it, as it fakes the server's) when the
// request was sent and the reply received (the server's moment lies
// between).
type statusSample struct {
	s          ServerStatus
	at         time.Time
	sent, recv time.Time
	// askedWT says the request kept the wiredTiger section (the tickets
	// before 8.0); ticketsAt is the receipt time of the sample the ticket
	// counts come from (this one, or an earlier one they are held from).
	askedWT   bool
	ticketsAt time.Time
}

// statusPair is a node's last two samples and why they give no rate, if so.
type statusPair struct {
	prev, cur *statusSample
	gap       string
}

func newStatusProbe() *statusProbe { return &statusProbe{pairs: map[string]*statusPair{}} }

func (*statusProbe) name() string           { return probeStatus }
func (*statusProbe) every(*state) int       { return everyPoll }
func (*statusProbe) due(st *state) []string { return st.allNodes() }

func (sp *statusProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	process := "mongod"
	if n.node.Role == RoleMongos {
		process = "mongos"
	}
	// The seed's own window stands in when its primary is not polled.
	fromHere := n.node.Role == RolePrimary || n.node.Role == RoleConfig || n.seed && n.node.Set != ""
	wantOplog := fromHere && (n.cycle == 1 || n.cycle%oplogEvery == 1)
	sent := n.cfg.Now()
	wantWT := process == "mongod" && ticketsInWiredTiger(n.node.Version) && (n.cycle == 1 || n.cycle%everyFewPolls == 1)
	raw, err := n.conn.command(ctx, n.cfg.DownAfter, "admin", ServerStatusCommand(process, wantOplog, wantWT))
	if err != nil {
		return nil, err
	}
	recv := n.cfg.Now()
	s, err := DecodeServerStatus(raw)
	if err != nil {
		return nil, err
	}
	sample := &statusSample{s: s, at: s.LocalTime, sent: sent, recv: recv, askedWT: wantWT}
	if sample.at.IsZero() {
		sample.at = n.now
	}
	addr := n.node.Address
	return func(st *state) { sp.apply(st, addr, sample) }, nil
}

func (sp *statusProbe) apply(st *state, addr string, sample *statusSample) {
	pair, ok := sp.pairs[addr]
	if !ok {
		pair = &statusPair{}
		sp.pairs[addr] = pair
	}
	holdTickets(pair.cur, sample)
	pair.prev, pair.cur = pair.cur, sample
	pair.gap = ""
	if pair.prev != nil {
		pair.gap = rateGap(pair.prev, pair.cur)
	}
	if ns, ok := st.nodes[addr]; ok {
		if sample.s.Version != "" {
			ns.node.Version = sample.s.Version
		}
		ns.connStormy = connectionsStormy(nodeConnections(sample.s, pair), ns.connStormy)
	}
	if !sample.s.OplogEarliest.IsZero() {
		st.oplog[addr] = oplogWindow{first: sample.s.OplogEarliest, last: sample.s.OplogLatest, at: st.now()}
	}
}

// holdTickets dates the sample's ticket counts. Before 8.0 they are read
// every few polls, so a sample that did not ask for them holds the last
// ones with their time; one that asked and got none has none (unknown).
func holdTickets(last, sample *statusSample) {
	switch {
	case sample.s.Tickets != nil:
		sample.ticketsAt = sample.recv
	case last != nil && !sample.askedWT && ticketsInWiredTiger(sample.s.Version):
		sample.s.Tickets, sample.ticketsAt = last.s.Tickets, last.ticketsAt
	}
}

// forget drops what the probe holds of nodes that left.
func (sp *statusProbe) forget(st *state) {
	for addr := range sp.pairs {
		if _, ok := st.nodes[addr]; !ok {
			delete(sp.pairs, addr)
		}
	}
}

// fill adds rates, connections and queues of every node whose sample is
// fresh. A node without a fresh pair has no rate (unknown, never zero), and
// a cluster or shard total missing one of its nodes is null with the reason.
func (sp *statusProbe) fill(snap *Snapshot, st *state) {
	sp.forget(st)
	agg := newStatusTotals()
	for _, n := range snap.Deployment.Nodes {
		pair, ok := sp.pairs[n.Address]
		if !ok || pair.cur == nil {
			agg.missing(n, st, "no serverStatus yet")
			continue
		}
		if why := st.staleness(sp, pair.cur.recvWall(st), n.Address); why != "" || n.State == StateDown {
			agg.missing(n, st, cmp.Or(why, n.Error))
			continue
		}
		agg.add(n, st, pair)
	}
	agg.into(snap)
}

// recvWall is the wall time of receipt, for ages.
func (s *statusSample) recvWall(*state) time.Time { return s.recv }

// ticketsInWiredTiger says whether a release (unknown: assume so) reports
// its tickets under wiredTiger.concurrentTransactions only (before 8.0).
func ticketsInWiredTiger(version string) bool {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return err != nil || n < 8
}
