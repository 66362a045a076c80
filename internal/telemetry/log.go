// Package telemetry owns Conclave's observability: the slog logger (with
// secrets redacted before they reach any output) and the Prometheus metrics
// served on the admin listener.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces the value of every sensitive attribute.
const Redacted = "[REDACTED]"

// sensitive lists substrings of attribute keys whose values are never logged.
// Keys are compared lower-cased with '_' and '-' removed, so "privateKey",
// "private_key" and "Private-Key" all match "privatekey".
var sensitive = [...]string{
	"token", "secret", "password", "passwd", "privatekey", "authorization",
	"cookie", "credential", "sdp", "seed", "signature", "totp",
}

// IsSensitiveKey reports whether values logged under key are redacted.
func IsSensitiveKey(key string) bool {
	k := strings.ToLower(key)
	k = strings.NewReplacer("_", "", "-", "", ".", "").Replace(k)
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// NewLogger returns a logger writing to w at level (debug, info, warn,
// error; anything else is info) in format "json" or text (anything else).
// Attribute values whose key looks secret (token, secret, password,
// private_key, authorization, sdp, …) are replaced by [REDACTED], inside
// groups too.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn", "warning":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	if strings.ToLower(format) == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewRedactingHandler(h))
}

// NewRedactingHandler wraps h so that sensitive attribute values never reach
// it. Redaction happens before h sees the record, so h's ReplaceAttr and
// output format cannot undo it.
func NewRedactingHandler(h slog.Handler) slog.Handler {
	return redactingHandler{next: h}
}

type redactingHandler struct{ next slog.Handler }

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redact(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redact(a)
	}
	return redactingHandler{next: h.next.WithAttrs(clean)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{next: h.next.WithGroup(name)}
}

// redact resolves LogValuers (so a value cannot smuggle a secret out through
// its LogValue) and replaces sensitive values, walking groups.
func redact(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if IsSensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	if a.Value.Kind() != slog.KindGroup {
		return a
	}
	group := a.Value.Group()
	clean := make([]slog.Attr, len(group))
	for i, g := range group {
		clean[i] = redact(g)
	}
	return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
}
