package config

import "time"

// Doctor configures what `conclave doctor`, the security self-audit,
// holds an installation to (docs/operations.md, "Self-audit").
type Doctor struct {
	// APIKeyRotation: an API key in use longer than this is reported as
	// due for rotation.
	APIKeyRotation time.Duration `yaml:"api_key_rotation"`
	// MaxBinaryAge: a binary built longer ago than this is reported as
	// old (low), and one built more than twice as long ago as stale
	// (medium): it misses the fixes released since.
	MaxBinaryAge time.Duration `yaml:"max_binary_age"`
}

// Limits of the doctor keys: neither check can be switched off, only
// tuned within a range an auditor would accept.
const (
	doctorMinPeriod = 24 * time.Hour
	doctorMaxPeriod = 3660 * 24 * time.Hour // about ten years
)

func defaultDoctor() Doctor {
	return Doctor{APIKeyRotation: 180 * 24 * time.Hour, MaxBinaryAge: 90 * 24 * time.Hour}
}

func (d Doctor) validate(bad func(key, format string, args ...any)) {
	for _, k := range []struct {
		key string
		v   time.Duration
	}{{"doctor.api_key_rotation", d.APIKeyRotation}, {"doctor.max_binary_age", d.MaxBinaryAge}} {
		if k.v < doctorMinPeriod || k.v > doctorMaxPeriod {
			bad(k.key, "must be between %s and %s, got %s", fmtHours(doctorMinPeriod), fmtHours(doctorMaxPeriod), k.v)
		}
	}
}
