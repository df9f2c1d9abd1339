// Package probes discovers a MongoDB deployment, polls every node cheaply and
// acts on it. It knows MongoDB and nothing about terminals: it never imports
// bubbletea, lipgloss or tui, nor the simulator (internal/simcluster, which
// tests start), and it returns numbers, never formatted strings, so the
// same Snapshot feeds a table cell, a sparkline, --json, a recording and the
// `mongoscope snapshot` command.
//
// The contract with the rest of mongoscope is this file: the Poller emits one
// Snapshot per interval; the TUI, the snapshot command, the non-TTY printer and
// the recorder all consume Snapshots. Field names and JSON tags follow the
// snapshot schema documented in README.md; keep them stable.
package probes

import (
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Kind is the shape of the deployment mongoscope is connected to.
type Kind string

const (
	KindSharded    Kind = "sharded"
	KindReplicaSet Kind = "replicaSet"
	KindStandalone Kind = "standalone"
)

// Role is what one node is in the deployment.
type Role string

const (
	RoleMongos     Role = "mongos"
	RolePrimary    Role = "primary"
	RoleSecondary  Role = "secondary"
	RoleArbiter    Role = "arbiter"
	RoleConfig     Role = "config" // a config server member (primary or secondary; see ConfigPrimary)
	RoleStandalone Role = "standalone"
	RoleOther      Role = "other" // RECOVERING, STARTUP2, ROLLBACK, unknown…
)

// Snapshot is everything mongoscope knows about the deployment at one moment.
// A stream the server does not provide is nil, with a NotAvailable entry
// saying why; it is never a made-up zero.
type Snapshot struct {
	// Mongoscope is the build that took the snapshot (nil in tests).
	Mongoscope     *BuildInfo        `json:"mongoscope,omitempty"`
	TakenAt        time.Time         `json:"takenAt"`
	Deployment     Deployment        `json:"deployment"`
	Opcounters     *OpcounterRates   `json:"opcounters"`
	Network        *NetworkRates     `json:"network"`
	Documents      *DocumentStats    `json:"documents"`
	Connections    *ConnectionStats  `json:"connections"`
	Queues         *QueueStats       `json:"queues"`
	Ops            []Op              `json:"ops"`
	OpsTotal       int               `json:"opsTotal"`
	HotCollections []HotCollection   `json:"hotCollections"`
	Replication    []ReplicaSet      `json:"replication"`
	Balancer       *Balancer         `json:"balancer"`
	Overhead       Overhead          `json:"overhead"`
	NotAvailable   map[string]string `json:"notAvailable,omitempty"` // stream name -> reason
	// IntervalSeconds is the polling interval this snapshot was taken at.
	IntervalSeconds Seconds `json:"intervalSeconds"`
	// OpsAsOf is when the oldest source of Ops was read.
	OpsAsOf time.Time `json:"opsAsOf,omitzero"`
	// HotCollectionsAsOf is when the oldest `top` counted was read.
	HotCollectionsAsOf time.Time `json:"hotCollectionsAsOf,omitzero"`
	// Stale names each section drawn from an answer older than its cadence
	// allows, with its age and why: "ops": "as of 12:34:56, 23s old: …".
	Stale map[string]string `json:"stale,omitempty"`
	// Findings are the incident stories active at this moment, worst
	// first, as a Findings tracker fed every snapshot judged them; the
	// poller leaves it nil (its owner, which keeps the history, fills it).
	Findings []Finding `json:"findings"`
}

// BuildInfo says which mongoscope took a snapshot (or an action): the
// version, the commit and its date, the Go version and platform.
type BuildInfo struct {
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`
	CommitDate string `json:"commitDate,omitempty"`
	Modified   bool   `json:"modified,omitempty"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// Seconds is a duration that reads as seconds in JSON.
type Seconds time.Duration

// D is the duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

func (s *Seconds) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("a duration in seconds: %w", err)
	}
	*s = Seconds(f * float64(time.Second))
	return nil
}

// Deployment is the discovered topology and each node's health.
type Deployment struct {
	Kind    Kind   `json:"kind"`
	Name    string `json:"name"`    // replica set name, or the seed host for sharded/standalone
	Version string `json:"version"` // server version of the seed (mongos or primary)
	Nodes   []Node `json:"nodes"`
	// Changes says what the last re-discovery found different (a member
	// joined or left, an election), for the operator to notice.
	Changes []string `json:"changes,omitempty"`
	// Direct is directConnection=true: only the seed is polled, and the
	// other nodes are shown as it reports them. DirectNote says so in one
	// sentence for the header.
	Direct     bool   `json:"direct,omitempty"`
	DirectNote string `json:"directNote,omitempty"`
	// Via is how every node is reached when not directly: "ssh user@host:22".
	Via string `json:"via,omitempty"`
	// ShardsUnknown says why a sharded cluster's shards are not listed:
	// the router answers, but listShards failed (not authorized, an
	// error). The routers are polled meanwhile, and discovery retries on
	// its cadence until the shards can be listed.
	ShardsUnknown string `json:"shardsUnknown,omitempty"`
}

// Node is one mongod or mongos.
type Node struct {
	Address string `json:"address"` // host:port as the deployment names it
	Role    Role   `json:"role"`
	Shard   string `json:"shard"` // shard name, "config" for config servers, "" otherwise
	Set     string `json:"set"`   // replica set name, "" for mongos and standalone
	// State is up, slow or down (see freshness.go); Up and Slow say the
	// same for older readers.
	State  string `json:"state"`
	Up     bool   `json:"up"`
	Slow   bool   `json:"slow"`
	Error  string `json:"error"` // why slow or down, one sentence; "" when up
	Hidden bool   `json:"hidden,omitempty"`
	// ConfigPrimary marks the config server set's primary.
	ConfigPrimary bool `json:"configPrimary,omitempty"`
	// Probes is each probe's freshness on this node.
	Probes  map[string]ProbeStatus `json:"probes,omitempty"`
	Version string                 `json:"version,omitempty"`
	// LastOK is when this node last answered; zero if never.
	LastOK time.Time `json:"lastOK,omitempty"`
	// DialAddress is where the node is really dialed when that is not
	// Address: a --map entry, or the address the user gave for the seed.
	DialAddress string `json:"dialAddress,omitempty"`
	// NotPolled says why mongoscope does not poll this node
	// (directConnection=true); its State is then what its set reports.
	NotPolled string `json:"notPolled,omitempty"`
}

// Rates are operations per second from serverStatus.opcounters.
type Rates struct {
	Insert  float64 `json:"insert"`
	Query   float64 `json:"query"`
	Update  float64 `json:"update"`
	Delete  float64 `json:"delete"`
	Getmore float64 `json:"getmore"`
	Command float64 `json:"command"`
}

// OpcounterRates are opcounters per second, summed per shard and for the
// cluster. Nodes missing a rate (first sample, restart, down) are absent.
// The cluster sum counts data-bearing user traffic: through mongos on a
// sharded cluster, the primary on a replica set.
type OpcounterRates struct {
	// Cluster is null, with ClusterWhy, when a node it sums has no rate.
	Cluster    *Rates           `json:"cluster"`
	ClusterWhy string           `json:"clusterWhy,omitempty"`
	Shards     map[string]Rates `json:"shards"`
	// ShardsWhy says why a shard is missing from Shards.
	ShardsWhy map[string]string `json:"shardsWhy,omitempty"`
	Nodes     map[string]Rates  `json:"nodes"`
	// Repl is opcountersRepl per second (ops applied by replication), per node.
	Repl map[string]Rates `json:"repl,omitempty"`
}

// DocumentStats are serverStatus.metrics' per-document counters per
// second (documents.go says what each counts): per node, summed over the
// data-bearing primaries, and the updates their secondaries applied. Nodes
// missing a rate (first sample, restart, down, no metrics.document) are
// absent; a sum missing one of its nodes is null with the reason.
type DocumentStats struct {
	// Cluster sums the data-bearing primaries (each shard's, the replica
	// set's, the standalone): where statements meet documents. Null, with
	// ClusterWhy, when one of them has no fresh rate.
	Cluster    *DocumentRates `json:"cluster"`
	ClusterWhy string         `json:"clusterWhy,omitempty"`
	// UpdatesApplied is the update oplog entries applied per second by the
	// most caught-up secondary of each set Cluster sums (opcountersRepl
	// .update), summed: the documents updates modified (an update that
	// changes nothing writes no oplog entry). Null, with UpdatesAppliedWhy,
	// when a set has no secondary with a fresh rate, or on a standalone.
	UpdatesApplied    *float64                 `json:"updatesApplied"`
	UpdatesAppliedWhy string                   `json:"updatesAppliedWhy,omitempty"`
	Nodes             map[string]DocumentRates `json:"nodes"`
}

// DocumentRates are one node's (or a sum's) per-document counters per
// second. Optional ones are null when the server does not report them.
type DocumentRates struct {
	Inserted float64 `json:"inserted"` // metrics.document.inserted
	Returned float64 `json:"returned"` // metrics.document.returned: by queries
	// Updated is metrics.document.updated: documents update statements
	// MATCHED, modified or not.
	Updated float64 `json:"updated"`
	Deleted float64 `json:"deleted"` // metrics.document.deleted
	// UpdateStatements is opcounters.update of the same node(s) over the
	// same time: Updated/UpdateStatements is documents matched per statement.
	UpdateStatements float64  `json:"updateStatements"`
	KeysExamined     *float64 `json:"keysExamined"`    // metrics.queryExecutor.scanned
	DocsExamined     *float64 `json:"docsExamined"`    // metrics.queryExecutor.scannedObjects
	CollectionScans  *float64 `json:"collectionScans"` // metrics.queryExecutor.collectionScans.total (4.4+)
	ScanAndOrder     *float64 `json:"scanAndOrder"`    // metrics.operation.scanAndOrder: in-memory sorts
	WriteConflicts   *float64 `json:"writeConflicts"`  // metrics.operation.writeConflicts
	// TTLDeleted is metrics.ttl.deletedDocuments: documents the TTL
	// monitor deleted (on primaries; secondaries replicate the deletes).
	TTLDeleted *float64 `json:"ttlDeleted"`
}

// NetworkRates are serverStatus.network counters per second, per node.
type NetworkRates struct {
	Nodes map[string]NetworkRate `json:"nodes"`
}

type NetworkRate struct {
	BytesInPerSec  float64 `json:"bytesInPerSec"`
	BytesOutPerSec float64 `json:"bytesOutPerSec"`
	RequestsPerSec float64 `json:"requestsPerSec"`
}

// ConnectionStats are serverStatus.connections per node, plus, while the
// connections pane asks for it or a node's connections storm (it costs a
// $currentOp with idleConnections), who holds them.
type ConnectionStats struct {
	Nodes     map[string]NodeConnections `json:"nodes"`
	Breakdown *ConnectionBreakdown       `json:"breakdown,omitempty"`
}

type NodeConnections struct {
	Current       int64    `json:"current"`
	Available     int64    `json:"available"`
	Active        int64    `json:"active"`
	TotalCreated  int64    `json:"totalCreated"`
	CreatedPerSec *float64 `json:"createdPerSec"`      // null until two samples agree
	Rejected      *int64   `json:"rejected,omitempty"` // 6.3+ only
	PercentUsed   float64  `json:"percentUsed"`        // current / (current+available) * 100
}

// ConnectionBreakdown counts client connections by who opened them.
type ConnectionBreakdown struct {
	ByApp  map[string]int `json:"byApp"`
	ByHost map[string]int `json:"byHost"`
	ByUser map[string]int `json:"byUser"`

	// Of is the node whose client connections are counted: a mongos (its
	// own clients, where the applications connect), a primary or a
	// standalone. Breakdowns of different nodes do not compare.
	Of string `json:"of"`

	raw *ConnectionBreakdown // the maps as the server sent them, when a key was sanitized (text.go)
}

// QueueStats are globalLock queues and storage-engine tickets per node.
type QueueStats struct {
	Nodes map[string]NodeQueues `json:"nodes"`
}

// Node is one node's queues, if known (nil-safe).
func (q *QueueStats) Node(addr string) (NodeQueues, bool) {
	if q == nil {
		return NodeQueues{}, false
	}
	nq, ok := q.Nodes[addr]
	return nq, ok
}

type NodeQueues struct {
	ReadersQueued      int64   `json:"readersQueued"`
	WritersQueued      int64   `json:"writersQueued"`
	ActiveReaders      int64   `json:"activeReaders"`
	ActiveWriters      int64   `json:"activeWriters"`
	ReadTicketsOut     int64   `json:"readTicketsOut"`
	ReadTicketsTotal   int64   `json:"readTicketsTotal"`
	WriteTicketsOut    int64   `json:"writeTicketsOut"`
	WriteTicketsTotal  int64   `json:"writeTicketsTotal"`
	ReplApplyOpsPerSec float64 `json:"replApplyOpsPerSec,omitempty"`
	ReplBufferCount    int64   `json:"replBufferCount,omitempty"`
	// TicketsAsOf is when the ticket counts were read. Before 8.0 they live
	// in wiredTiger.concurrentTransactions, which is asked for every few
	// polls and held between, while the queues are read every poll.
	TicketsAsOf time.Time `json:"ticketsAsOf,omitzero"`
	// TicketsAgeSeconds is how old held ticket counts are (read in an
	// earlier poll than the rest of the node's figures); absent when they
	// are from the latest poll.
	TicketsAgeSeconds *float64 `json:"ticketsAgeSeconds,omitempty"`
	// TicketsStale says, when the counts are older than their cadence
	// allows, how old and why ("as of 12:34:56, 23s old: <addr> <why>");
	// judgments then treat them as unknown.
	TicketsStale string `json:"ticketsStale,omitempty"`
}

// Op is one in-progress operation.
type Op struct {
	Node  string `json:"node"`  // host:port that runs it (for mongos-sourced ops, the shard primary if known)
	Shard string `json:"shard"` // shard name, "" outside a sharded cluster
	// OpID is the opid as a string: "12345" on mongod, "shard0:12345" through mongos.
	// KillVia says where a kill must be sent; KillOpID is what to send there.
	OpID           string  `json:"opid"`
	KillVia        string  `json:"killVia,omitempty"` // address of the node (or mongos) to send killOp to
	Op             string  `json:"op"`
	NS             string  `json:"ns"`
	SecsRunning    float64 `json:"secsRunning"`
	PlanSummary    string  `json:"planSummary"`
	AppName        string  `json:"appName"`
	Client         string  `json:"client"`
	User           string  `json:"user"` // "name@db", first effective user
	Desc           string  `json:"desc"`
	ConnectionID   int64   `json:"connectionId,omitempty"`
	LSID           string  `json:"lsid,omitempty"` // session id as hex UUID, for killSessions
	WaitingForLock bool    `json:"waitingForLock"`
	NumYields      int64   `json:"numYields"`
	Msg            string  `json:"msg,omitempty"`
	// ProgressDone/Total come from progress{done,total} (index builds).
	ProgressDone  float64  `json:"progressDone,omitempty"`
	ProgressTotal float64  `json:"progressTotal,omitempty"`
	KillPending   bool     `json:"killPending"`
	System        bool     `json:"system"` // internal thread, replication, balancer, TTL, monitoring, mongoscope's own
	Flags         []string `json:"flags"`  // see Flag* constants
	// Command is the command document as relaxed extended JSON, truncated to
	// a cap; shown in the kill dialog, the detail view, and copied with y.
	Command string `json:"command,omitempty"`

	// cmd is the raw command, rendered into Command only for the ops a
	// snapshot keeps (rendering JSON for 10,000 ops would dominate a poll).
	cmd bson.Raw
	// raw keeps the original text of the fields sanitizing changed, for
	// JSON (text.go); nil when nothing changed.
	raw []string
}

// Op flags.
const (
	FlagCollscan    = "COLLSCAN"
	FlagLockWait    = "LOCK_WAIT"
	FlagIndexBuild  = "INDEX_BUILD"
	FlagMigration   = "MIGRATION"
	FlagLong        = "LONG"
	FlagKillPending = "KILL_PENDING"
	FlagTTL         = "TTL"
)

// HotCollection is one namespace's time spent per second from `top`, merged
// across every shard.
type HotCollection struct {
	NS            string  `json:"ns"`
	ReadMsPerSec  float64 `json:"readMsPerSec"`
	WriteMsPerSec float64 `json:"writeMsPerSec"`
	OpsPerSec     float64 `json:"opsPerSec"`

	raw []string // the namespace as the server sent it, if sanitized (text.go)
}

// ReplicaSet is one set's members and oplog window.
type ReplicaSet struct {
	Set              string   `json:"set"`
	Shard            string   `json:"shard,omitempty"`
	Primary          string   `json:"primary"`
	OplogWindowHours *float64 `json:"oplogWindowHours"`
	// OplogWindowAsOf is when the primary last reported its oplog (it is
	// read every few polls and kept between).
	OplogWindowAsOf time.Time `json:"oplogWindowAsOf,omitzero"`
	Members         []Member  `json:"members"`
	// MaxLagSeconds is the worst lag of any member, MaxLagMember its address.
	MaxLagSeconds *float64  `json:"maxLagSeconds"`
	MaxLagMember  string    `json:"maxLagMember,omitempty"`
	AsOf          time.Time `json:"asOf"`
	Stale         string    `json:"stale,omitempty"` // age and reason when AsOf is old
}

type Member struct {
	Address        string   `json:"address"`
	State          string   `json:"state"` // stateStr: PRIMARY, SECONDARY, ARBITER, RECOVERING…
	Health         float64  `json:"health"`
	LagSeconds     *float64 `json:"lagSeconds"` // nil for the primary, arbiters and unhealthy members
	PingMs         *float64 `json:"pingMs"`     // nil for the member answering
	SyncSource     string   `json:"syncSource"`
	UptimeSecs     int64    `json:"uptimeSecs"`
	Hidden         bool     `json:"hidden,omitempty"`
	ApplyOpsPerSec float64  `json:"applyOpsPerSec,omitempty"`
}

// Balancer is the sharded cluster's balancer state.
type Balancer struct {
	Mode         string  `json:"mode"` // full | off
	Enabled      bool    `json:"enabled"`
	InRound      bool    `json:"inRound"`
	Rounds       int64   `json:"rounds"`
	Window       *Window `json:"window"`
	InsideWindow bool    `json:"insideWindow"`
	// UntilWindowChange is how long until the window opens (outside) or
	// closes (inside); zero without a window.
	UntilWindowChange Seconds          `json:"untilWindowChangeSeconds"`
	AsOf              time.Time        `json:"asOf"`
	Stale             string           `json:"stale,omitempty"` // age and reason when AsOf is old
	Migrations        []Migration      `json:"migrations"`
	RecentMigrations  []MigrationEvent `json:"recentMigrations"`
	ChunksPerShard    map[string]int   `json:"chunksPerShard"`
	// ChunksAt says when the chunk counts were read: they are polled on a
	// slower cadence because counting chunks is slow on big clusters.
	ChunksAt              time.Time      `json:"chunksAt"`
	JumboChunks           int            `json:"jumboChunks"`
	RangeDeletionsPending map[string]int `json:"rangeDeletionsPending"`
}

// Window is config.settings' activeWindow, in the config primary's time zone.
type Window struct {
	Start string `json:"start"` // HH:MM
	Stop  string `json:"stop"`  // HH:MM
}

// Migration is a chunk migration in flight.
type Migration struct {
	NS   string `json:"ns"`
	From string `json:"from"`
	To   string `json:"to"`
	// ElapsedSecs is how long its donor command (moveChunk, or from 6.0
	// _shardsvrMoveRange, on the donor shard's primary) has run, as read by
	// the last fresh $currentOp; nil when no such op is known:
	// config.migrations carries no start time.
	ElapsedSecs *float64 `json:"elapsedSecs"`

	raw []string // the namespace as the server sent it, if sanitized (text.go)
}

// MigrationEvent is one finished (or failed) migration from config.changelog.
type MigrationEvent struct {
	Time         time.Time `json:"time"`
	NS           string    `json:"ns"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	DurationSecs float64   `json:"durationSecs"`
	Error        string    `json:"error,omitempty"`

	raw []string // the namespace as the server sent it, if sanitized (text.go)
}

// Overhead is mongoscope's own load on the cluster, measured by the poller.
type Overhead struct {
	CommandsPerSec float64 `json:"commandsPerSec"`
	BytesPerSec    float64 `json:"bytesPerSec"` // request + reply bytes
	// CommandsPerNodePoll is the average number of commands one node served
	// per poll cycle, the figure the performance targets speak of.
	CommandsPerNodePoll float64 `json:"commandsPerNodePoll"`
}
