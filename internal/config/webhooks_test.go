package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateWebhooks(t *testing.T) {
	good := Webhook{Name: "siem", URL: "https://siem.example.org/hook", SecretFile: "/etc/conclave/hook.secret"}
	tests := []struct {
		name   string
		modify func(h *Webhook)
		want   string
	}{
		{"good", func(*Webhook) {}, ""},
		{"env secret", func(h *Webhook) { h.SecretFile, h.SecretEnv = "", "HOOK_SECRET" }, ""},
		{"filters", func(h *Webhook) { h.Kinds, h.MinSeverity = []string{"signin_failed"}, "warning" }, ""},
		{"no name", func(h *Webhook) { h.Name = "" }, "webhooks[0].name"},
		{"http", func(h *Webhook) { h.URL = "http://siem.example.org/hook" }, "webhooks[0].url: must be an https:// URL"},
		{"userinfo", func(h *Webhook) { h.URL = "https://u:p@siem.example.org/" }, "webhooks[0].url: must not hold a user"},
		{"no secret", func(h *Webhook) { h.SecretFile = "" }, "webhooks[0].secret_file: exactly one"},
		{"both secrets", func(h *Webhook) { h.SecretEnv = "X" }, "webhooks[0].secret_file: exactly one"},
		{"bad env", func(h *Webhook) { h.SecretFile, h.SecretEnv = "", "A-B" }, "webhooks[0].secret_env"},
		{"bad kind", func(h *Webhook) { h.Kinds = []string{"Sign In"} }, "webhooks[0].kinds[0]"},
		{"bad severity", func(h *Webhook) { h.MinSeverity = "critical" }, "webhooks[0].min_severity"},
		{"retry too short", func(h *Webhook) { h.RetryMin = time.Millisecond }, "webhooks[0].retry_min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			h := good
			tt.modify(&h)
			c.Webhooks = []Webhook{h}
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
	c := Default()
	c.Webhooks = []Webhook{good, good}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "webhooks[1].name: \"siem\" is repeated") {
		t.Errorf("repeated name: %v", err)
	}
}

func TestLoadWebhooks(t *testing.T) {
	c, err := Load(writeFile(t, "webhooks:\n  - name: siem\n    url: https://siem.example.org/hook\n    secret_env: HOOK\n    kinds: [signin_failed, address_blocked]\n    min_severity: notice\n"), nil)
	if err != nil || len(c.Webhooks) != 1 || c.Webhooks[0].SecretEnv != "HOOK" || len(c.Webhooks[0].Kinds) != 2 {
		t.Fatalf("Load: %+v, %v", c.Webhooks, err)
	}
	_, err = Load(writeFile(t, "webhooks:\n  - name: siem\n    url: https://x/\n    secret: inline\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "webhooks[0].secret: line 4: unknown key") {
		t.Fatalf("an inline secret: %v", err)
	}
	_, err = Load(writeFile(t, "webhooks: 3\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "webhooks: line 1: want a list") {
		t.Fatalf("not a list: %v", err)
	}
}
