package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateAudit(t *testing.T) {
	for _, tt := range []struct {
		name   string
		modify func(a *Audit)
		want   string // "" for valid
	}{
		{"defaults", func(*Audit) {}, ""},
		{"checkpoint every record", func(a *Audit) { a.CheckpointRecords = 1 }, ""},
		{"no checkpoint records", func(a *Audit) { a.CheckpointRecords = 0 }, "audit.checkpoint_records: must be 1..10000, got 0"},
		{"too many checkpoint records", func(a *Audit) { a.CheckpointRecords = 10001 }, "audit.checkpoint_records"},
		{"interval too short", func(a *Audit) { a.CheckpointInterval = 999 * time.Millisecond }, "audit.checkpoint_interval: must be between 1s and 1h0m0s"},
		{"interval too long", func(a *Audit) { a.CheckpointInterval = time.Hour + time.Second }, "audit.checkpoint_interval"},
		{"retention a day", func(a *Audit) { a.Retention = 24 * time.Hour }, ""},
		{"retention too short", func(a *Audit) { a.Retention = time.Hour }, "audit.retention: must be 0 (keep every record) or at least 24h, got 1h0m0s"},
		{"retention negative", func(a *Audit) { a.Retention = -time.Hour }, "audit.retention"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(&c.Audit)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	c, err := Load(writeFile(t, "audit:\n  retention: 2160h\n  checkpoint_records: 50\n"), []string{"CONCLAVE_AUDIT_CHECKPOINT_INTERVAL=10s"})
	if err != nil || c.Audit.Retention != 2160*time.Hour || c.Audit.CheckpointRecords != 50 || c.Audit.CheckpointInterval != 10*time.Second {
		t.Fatalf("Load: %+v, %v", c.Audit, err)
	}
}
