package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
)

// recordOperator writes a change the command line made (an API key
// created or revoked, an account created, disabled, enabled, or its
// password or second factors reset) to the audit log itself: the command
// line changes the database directly, so no running server sees it (no
// webhook, no metric; docs/webhooks.md). The record is the one the server
// keeps of the same security event (audit.FromEvent), with actor
// "operator", outcome succeeded and "via": "command line"; extra adds
// details. The log's appends are serialized across processes by the
// store's write transaction, so a server writing at the same time is no
// harm. Without a server key (the server never started) it makes the
// key as the server would (server.LoadServerKey), and the server then
// uses it; a failing append is an error, the change being made already.
// A server key that exists but cannot be used refuses the change before
// it is made (operatorAuditReady).
func recordOperator(ctx context.Context, st *store.SQLite, dataDir string, ev room.SecurityEvent, extra map[string]string) error {
	key, err := server.LoadServerKey(ctx, st, dataDir)
	if err != nil {
		return fmt.Errorf("the change is made but not recorded in the audit log: %w", err)
	}
	lg, err := audit.New(audit.Config{Store: st, KeyID: key.ID, Key: key.Private})
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	ev.Actor, ev.Outcome = "operator", room.OutcomeSucceeded
	en, ok := audit.FromEvent(room.Event{Kind: room.EventSecurity, Security: &ev})
	if !ok {
		return fmt.Errorf("audit log: %s is not an event the log keeps", ev.Kind)
	}
	if en.Details == nil {
		en.Details = map[string]string{}
	}
	en.Details["via"] = "command line"
	for k, v := range extra {
		if v != "" {
			en.Details[k] = audit.Clip(v, audit.MaxDetailValueBytes)
		}
	}
	if _, err := lg.Append(ctx, en); err != nil {
		return fmt.Errorf("the change is made but not recorded in the audit log: %w", err)
	}
	return nil
}

// operatorAuditReady is called before a command changes anything: a
// server key file that exists but cannot be used (open to others,
// damaged) would leave the change out of the audit log, so the command
// refuses and changes nothing. No key file at all is the server never
// started: recordOperator makes it.
func operatorAuditReady(dataDir string) error {
	if _, err := serverKey(dataDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("nothing was changed: the audit log could not record it: %w", err)
	}
	return nil
}
