package probes

import (
	"errors"
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
	TTLDeletedDocuments        *int64
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
	s.Host, s.Version, s.Process = getString(raw, "host"), getString(raw, "version"), getString(raw, "process")
	s.Uptime, _ = getFloat(raw, "uptime")
	s.LocalTime, _ = getTime(raw, "localTime")
	s.Opcounters = decodeCounters(raw, "opcounters")
	if _, ok := getDoc(raw, "opcountersRepl"); ok {
		c := decodeCounters(raw, "opcountersRepl")
		s.OpcountersRepl = &c
	}
	s.Network.BytesIn, _ = getInt(raw, "network", "bytesIn")
	s.Network.BytesOut, _ = getInt(raw, "network", "bytesOut")
	s.Network.NumRequests, _ = getInt(raw, "network", "numRequests")
	s.Connections.Current, _ = getInt(raw, "connections", "current")
	s.Connections.Available, _ = getInt(raw, "connections", "available")
	s.Connections.TotalCreated, _ = getInt(raw, "connections", "totalCreated")
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
	if n, ok := getInt(raw, "metrics", "ttl", "deletedDocuments"); ok {
		s.TTLDeletedDocuments = &n
	}
	if repl, ok := getDoc(raw, "repl"); ok {
		r := &ReplInfo{SetName: getString(repl, "setName"), Primary: getString(repl, "primary"), Me: getString(repl, "me"),
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

func decodeCounters(raw bson.Raw, section string) Counters {
	var c Counters
	c.Insert, _ = getInt(raw, section, "insert")
	c.Query, _ = getInt(raw, section, "query")
	c.Update, _ = getInt(raw, section, "update")
	c.Delete, _ = getInt(raw, section, "delete")
	c.Getmore, _ = getInt(raw, section, "getmore")
	c.Command, _ = getInt(raw, section, "command")
	return c
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
// per-command metrics) are excluded; what we lose is the ≤7.0 ticket counts
// under wiredTiger.concurrentTransactions, which 8.0 reports in `queues`.
// The oplog section (first/last optime, i.e. the oplog window) is opt-in and
// asked for only on replica set members, and only when wantOplog.
func ServerStatusCommand(process string, wantOplog bool) bson.D {
	cmd := bson.D{{Key: "serverStatus", Value: 1}}
	for _, section := range []string{"wiredTiger", "locks", "tcmalloc", "transactions", "flowControl",
		"electionMetrics", "storageEngine", "logicalSessionRecordCache", "catalogStats", "indexBuilds",
		"twoPhaseCommitCoordinator", "encryptionAtRest", "security", "sharding", "shardingStatistics", "asserts",
		"extra_info", "opLatencies", "opWorkingTime", "planCache", "queryAnalyzers", "readConcernCounters",
		"readPreferenceCounters", "scramCache", "tenantMigrations", "trafficRecording", "transportSecurity",
		"watchdog", "health", "defaultRWConcern", "collectionCatalog", "mirroredReads", "changeStreamPreImages",
		"indexBulkBuilder", "internalTransactions", "batchedDeletes", "service", "routerOpLatencies", "ingressAppEstablishment",
		"featureCompatibilityVersion", "oplogTruncation", "shardedIndexConsistency", "hedgingMetrics", "mem", "periodicNoopWriter"} {
		cmd = append(cmd, bson.E{Key: section, Value: 0})
	}
	// metrics is large (commands, aggStageCounters, query…); only repl and
	// ttl are read, so keep it but drop its big sub-documents.
	cmd = append(cmd, bson.E{Key: "metrics", Value: bson.D{
		{Key: "commands", Value: 0}, {Key: "aggStageCounters", Value: 0}, {Key: "query", Value: 0},
		{Key: "operatorCounters", Value: 0}, {Key: "queryExecutor", Value: 0}, {Key: "document", Value: 0},
		{Key: "cursor", Value: 0}, {Key: "network", Value: 0}}})
	if process == "mongos" {
		return cmd
	}
	if wantOplog {
		cmd = append(cmd, bson.E{Key: "oplog", Value: 1})
	}
	return cmd
}
