package config

import (
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Webhook is one receiver of security events (docs/webhooks.md). It is
// configured in the YAML file only (a list has no environment
// variable). The secret is never in the file: SecretFile names a file
// holding it (mode 0600 or stricter), or SecretEnv an environment
// variable; exactly one of them.
type Webhook struct {
	// Name names it in logs, metrics and the delivery status.
	Name string `yaml:"name"`
	// URL is where deliveries are POSTed: https only.
	URL        string `yaml:"url"`
	SecretFile string `yaml:"secret_file"`
	SecretEnv  string `yaml:"secret_env"`
	// Kinds, if any, are the only kinds delivered; MinSeverity the
	// lowest severity delivered (info, notice, warning, high; "": all).
	Kinds       []string `yaml:"kinds"`
	MinSeverity string   `yaml:"min_severity"`
	// CAFile, if set, is a PEM file of the certificate authorities the
	// receiver's certificate must chain to, instead of the system's.
	CAFile string `yaml:"ca_file"`
	// RetryMin is the first retry's delay (0: 1s); each retry doubles
	// it, up to webhookRetryMax, with full jitter.
	RetryMin time.Duration `yaml:"retry_min"`
}

// Limits of the webhooks keys.
const (
	maxWebhooks         = 16
	webhookMinRetry     = 100 * time.Millisecond
	webhookMaxRetryMin  = time.Minute
	maxWebhookKinds     = 128
	webhookSecretEnvMax = 128
)

var webhookName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
var webhookKind = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validateWebhooks(hooks []Webhook, bad func(key, format string, args ...any)) {
	if len(hooks) > maxWebhooks {
		bad("webhooks", "at most %d, got %d", maxWebhooks, len(hooks))
	}
	names := make(map[string]bool)
	for i, h := range hooks {
		key := func(k string) string { return fmt.Sprintf("webhooks[%d].%s", i, k) }
		if !webhookName.MatchString(h.Name) {
			bad(key("name"), "must be 1 to 64 of a-z 0-9 _ - (starting with a letter or digit), got %q", h.Name)
		} else if names[h.Name] {
			bad(key("name"), "%q is repeated", h.Name)
		}
		names[h.Name] = true
		u, err := url.Parse(h.URL)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "":
			bad(key("url"), "must be an https:// URL")
		case u.User != nil:
			bad(key("url"), "must not hold a user or password (the secret signs each delivery)")
		case u.Fragment != "":
			bad(key("url"), "must not have a fragment")
		}
		if (h.SecretFile == "") == (h.SecretEnv == "") {
			bad(key("secret_file"), "exactly one of secret_file and secret_env must be set (the secret is never in this file)")
		}
		if h.SecretEnv != "" && (len(h.SecretEnv) > webhookSecretEnvMax || !envName.MatchString(h.SecretEnv)) {
			bad(key("secret_env"), "%q is not an environment variable name", h.SecretEnv)
		}
		if len(h.Kinds) > maxWebhookKinds {
			bad(key("kinds"), "at most %d", maxWebhookKinds)
		}
		for j, k := range h.Kinds {
			if !webhookKind.MatchString(k) {
				bad(fmt.Sprintf("webhooks[%d].kinds[%d]", i, j), "%q is not a kind", k)
			}
		}
		switch h.MinSeverity {
		case "", "info", "notice", "warning", "high":
		default:
			bad(key("min_severity"), "must be info, notice, warning or high, got %q", h.MinSeverity)
		}
		if r := h.RetryMin; r != 0 && (r < webhookMinRetry || r > webhookMaxRetryMin) {
			bad(key("retry_min"), "must be 0 (1s) or between %s and %s, got %s", webhookMinRetry, webhookMaxRetryMin, r)
		}
	}
}
