package main

import (
	"context"
	"fmt"
	"io"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// recordAPIKey writes an API key's creation or revocation to the audit
// log itself: the command line changes the database directly, so no
// running server sees it (no webhook, no metric; docs/webhooks.md). The
// log's appends are serialized across processes by the store's write
// transaction, so a server writing at the same time is no harm. Without
// a server key (the server never started) the change is made, and the
// warning says it is not in the log; a failing append is an error, the
// change being made already.
func recordAPIKey(ctx context.Context, st *store.SQLite, dataDir string, kind room.SecurityKind, id, name string, stderr io.Writer) error {
	key, err := serverKey(dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "warning: not recorded in the audit log: %v\n", err)
		return nil
	}
	lg, err := audit.New(audit.Config{Store: st, KeyID: key.ID, Key: key.Private})
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	d := map[string]string{"outcome": room.OutcomeSucceeded, "via": "command line"}
	if name != "" {
		d["name"] = audit.Clip(name, audit.MaxDetailValueBytes)
	}
	if _, err := lg.Append(ctx, audit.Entry{Actor: "operator", Action: string(kind), Target: id, Details: d}); err != nil {
		return fmt.Errorf("the change is made but not recorded in the audit log: %w", err)
	}
	return nil
}
