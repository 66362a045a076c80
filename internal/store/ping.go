package store

import "context"

// Ping checks that the database answers, for readiness probes.
func (s *SQLite) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
