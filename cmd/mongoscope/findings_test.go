package main

import "testing"

func TestNoAlertsFlag(t *testing.T) {
	o, err := parseArgs("mongoscope", []string{"--no-alerts"}, map[string]string{}, nil)
	if err != nil || !o.noAlerts {
		t.Fatalf("--no-alerts: %+v %v", o, err)
	}
	if o, _ := parseArgs("mongoscope", nil, map[string]string{}, nil); o.noAlerts {
		t.Fatal("alerts are off by default")
	}
}
