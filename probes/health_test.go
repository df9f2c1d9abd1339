package probes

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

func fp(v float64) *float64 { return &v }

func TestHealthThresholds(t *testing.T) {
	cases := []struct {
		name string
		got  Severity
		want Severity
	}{
		{"lag 1.9s", LagSeverity(1900 * time.Millisecond), OK},
		{"lag 2s", LagSeverity(2 * time.Second), Warn},
		{"lag 9.9s", LagSeverity(9900 * time.Millisecond), Warn},
		{"lag 10s", LagSeverity(10 * time.Second), Crit},
		{"member lag unknown", MemberLagSeverity(Member{}), OK},
		{"member lag 12.5s", MemberLagSeverity(Member{LagSeconds: fp(12.5)}), Crit},
		{"member lag absurd", MemberLagSeverity(Member{LagSeconds: fp(1e300)}), Crit},
		{"member lag NaN", MemberLagSeverity(Member{LagSeconds: fp(math.NaN())}), OK},
		{"conn 79.9%", ConnSeverity(NodeConnections{PercentUsed: 79.9}), OK},
		{"conn 80%", ConnSeverity(NodeConnections{PercentUsed: 80}), Crit},
		{"churn 50/s", ChurnSeverity(50), OK},
		{"churn 50.1/s", ChurnSeverity(50.1), Warn},
		{"oplog 24h", OplogWindowSeverity(24 * time.Hour), OK},
		{"oplog 23.9h", OplogWindowSeverity(23*time.Hour + 54*time.Minute), Warn},
		{"set oplog unknown", ReplicaSetOplogSeverity(ReplicaSet{}), OK},
		{"set oplog 31.2h", ReplicaSetOplogSeverity(ReplicaSet{OplogWindowHours: fp(31.2)}), OK},
		{"set oplog 3h", ReplicaSetOplogSeverity(ReplicaSet{OplogWindowHours: fp(3)}), Warn},
		{"no queue", QueueSeverity(0), OK},
		{"one queued", QueueSeverity(1), Warn},
		{"node up", NodeSeverity(Node{Up: true}), OK},
		{"node slow", NodeSeverity(Node{Up: true, Slow: true}), Warn},
		{"node down", NodeSeverity(Node{Slow: true}), Crit},
		{"updates ≈ reads", UpdatesNearReadsSeverity(4310, 4070), Warn},
		{"updates < 80% of reads", UpdatesNearReadsSeverity(4310, 3400), OK},
		{"idle: ratio is noise", UpdatesNearReadsSeverity(100, 100), OK},
		{"out 21× in", OutboundSeverity(10, 210), Warn},
		{"out 20× in", OutboundSeverity(10, 200), OK},
		{"no input", OutboundSeverity(0, 1e6), OK},
		{"shard 71% of 3", ShardShareSeverity(0.71, 3), Warn},
		{"shard 50% of 3", ShardShareSeverity(0.5, 3), OK},
		{"a single shard", ShardShareSeverity(1, 1), OK},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestHealthSeverityWordsAndWorst(t *testing.T) {
	if Worst() != OK || Worst(Warn, OK) != Warn || Worst(Warn, Crit, OK) != Crit {
		t.Fatal("Worst does not pick the most severe")
	}
	b, err := json.Marshal(map[string]Severity{"a": OK, "b": Warn, "c": Crit, "d": Severity(7)})
	if err != nil || string(b) != `{"a":"ok","b":"warn","c":"crit","d":"unknown"}` {
		t.Fatalf("JSON %s %v", b, err)
	}
}

func TestHealthNodeChecks(t *testing.T) {
	s := Snapshot{
		Connections: &ConnectionStats{Nodes: map[string]NodeConnections{
			"a:1": {PercentUsed: 89, CreatedPerSec: fp(310)}, "b:1": {PercentUsed: 10}}},
		Queues: &QueueStats{Nodes: map[string]NodeQueues{"a:1": {WritersQueued: 14}}},
		Replication: []ReplicaSet{{Set: "rs0", Primary: "a:1", OplogWindowHours: fp(5), Members: []Member{
			{Address: "a:1"}, {Address: "b:1", LagSeconds: fp(3)}, {Address: "c:1", LagSeconds: fp(0.2)}}}},
	}
	want := map[string][]NodeCheck{
		"a:1": {{CheckConnections, Crit}, {CheckChurn, Warn}, {CheckOplogWindow, Warn}, {CheckQueues, Warn}},
		"b:1": {{CheckLag, Warn}},
		"c:1": nil,
		"x:1": nil,
	}
	for addr, w := range want {
		if got := NodeChecks(s, addr); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %v, want %v", addr, got, w)
		}
	}
	if got := NodeChecks(Snapshot{}, "a:1"); got != nil {
		t.Errorf("an empty snapshot has findings: %v", got)
	}
}
