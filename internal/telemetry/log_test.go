package telemetry

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

const secret = "eyJhbGciOiJFZERTQSJ9.c2VjcmV0.c2ln"

type leaky struct{}

func (leaky) LogValue() slog.Value {
	return slog.GroupValue(slog.String("api_token", secret), slog.String("id", "visible-id"))
}

func TestRedaction(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"plain", func(l *slog.Logger) { l.Info("join", "token", secret, "id", "visible-id") }},
		{"case and separators", func(l *slog.Logger) {
			l.Info("x", "Join_Token", secret, "privateKey", secret, "Private-Key", secret, "AUTHORIZATION", secret, "id", "visible-id")
		}},
		{"other secrets", func(l *slog.Logger) {
			l.Info("x", "password", secret, "resume_secret", secret, "sdp", secret, "cookie", secret, "id", "visible-id")
		}},
		{"group", func(l *slog.Logger) {
			l.Info("x", slog.Group("req", slog.String("id", "visible-id"), slog.Group("auth", slog.String("token", secret))))
		}},
		{"secret group", func(l *slog.Logger) {
			l.Info("x", "id", "visible-id", slog.Group("credentials", slog.String("user", secret)))
		}},
		{"with attrs", func(l *slog.Logger) { l.With("token", secret).Info("x", "id", "visible-id") }},
		{"with group", func(l *slog.Logger) { l.WithGroup("session").Info("x", "token", secret, "id", "visible-id") }},
		{"log valuer", func(l *slog.Logger) { l.Info("x", "thing", leaky{}) }},
		{"non-string value", func(l *slog.Logger) { l.Info("x", "token", []byte(secret), "id", "visible-id") }},
	}
	for _, tt := range tests {
		for _, format := range []string{"text", "json"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				tt.log(NewLogger(&buf, "debug", format))
				out := buf.String()
				if strings.Contains(out, secret) || strings.Contains(out, "c2VjcmV0") {
					t.Errorf("secret leaked: %s", out)
				}
				if !strings.Contains(out, Redacted) && tt.name != "secret group" {
					t.Errorf("no %s marker: %s", Redacted, out)
				}
				if !strings.Contains(out, "visible-id") {
					t.Errorf("ordinary attribute lost: %s", out)
				}
			})
		}
	}
}

func TestLevelAndFormat(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, "warn", "json")
	l.Info("hidden")
	l.Warn("shown", "n", 1)
	out := buf.String()
	if strings.Contains(out, "hidden") || !strings.Contains(out, `"msg":"shown"`) {
		t.Errorf("unexpected output: %s", out)
	}
	buf.Reset()
	NewLogger(&buf, "info", "text").Debug("hidden")
	if buf.Len() != 0 {
		t.Errorf("debug logged at info: %s", buf.String())
	}
}

func TestIsSensitiveKey(t *testing.T) {
	for key, want := range map[string]bool{
		"token": true, "access_token": true, "ClientSecret": true, "password_hash": true,
		"private_key": true, "Authorization": true, "sdp": true, "offer_sdp": true,
		"room": false, "participant_id": false, "key_id": false, "identity": false,
	} {
		if got := IsSensitiveKey(key); got != want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
}
