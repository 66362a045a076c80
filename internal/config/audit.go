package config

import (
	"fmt"
	"time"
)

// Audit configures the tamper-evident audit log (docs/audit.md).
type Audit struct {
	// CheckpointRecords: a signed checkpoint is written once this many
	// records follow the last one.
	CheckpointRecords int `yaml:"checkpoint_records"`
	// CheckpointInterval: and at the latest this long after a record
	// that no checkpoint covers yet.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// Retention: records older than this are pruned behind a signed
	// checkpoint. 0 keeps every record.
	Retention time.Duration `yaml:"retention"`
}

// Limits of the audit keys (internal/audit holds the same).
const (
	auditMaxCheckpointRecords  = 10000
	auditMinCheckpointInterval = time.Second
	auditMaxCheckpointInterval = time.Hour
	auditMinRetention          = 24 * time.Hour
)

func defaultAudit() Audit {
	return Audit{CheckpointRecords: 100, CheckpointInterval: time.Minute}
}

func (a Audit) validate(bad func(key, format string, args ...any)) {
	if n := a.CheckpointRecords; n < 1 || n > auditMaxCheckpointRecords {
		bad("audit.checkpoint_records", "must be 1..%d, got %d", auditMaxCheckpointRecords, n)
	}
	if d := a.CheckpointInterval; d < auditMinCheckpointInterval || d > auditMaxCheckpointInterval {
		bad("audit.checkpoint_interval", "must be between %s and %s, got %s", auditMinCheckpointInterval, auditMaxCheckpointInterval, d)
	}
	if r := a.Retention; r != 0 && r < auditMinRetention {
		bad("audit.retention", "must be 0 (keep every record) or at least %s, got %s", fmtHours(auditMinRetention), r)
	}
}

func fmtHours(d time.Duration) string { return fmt.Sprintf("%dh", int(d.Hours())) }
