package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/internal/webhooks"
	"github.com/conclave-video/conclave/webhook"
)

const hookSecret = "a-webhook-secret-of-at-least-32-bytes!!"

// hookReceiver is a real HTTPS receiver: it answers 503 to the first
// failFirst attempts of each delivery, then verifies with the public
// helper and keeps what it accepted, with the raw request to replay.
type hookReceiver struct {
	srv       *httptest.Server
	failFirst int
	verifier  *webhook.Verifier

	mu       sync.Mutex
	tries    map[string]int
	accepted []webhook.Event
	raw      []hookRequest
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T, failFirst int) *hookReceiver {
	rc := &hookReceiver{failFirst: failFirst, tries: map[string]int{},
		verifier: &webhook.Verifier{Secrets: [][]byte{[]byte(hookSecret)}, Seen: webhook.NewMemorySeen(0)}}
	rc.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		id := r.Header.Get(webhook.HeaderID)
		rc.tries[id]++
		if rc.tries[id] <= rc.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if _, err := rc.verifier.Verify(r.Header, body); err != nil {
			t.Errorf("a delivery did not verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhook.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("a delivery's body: %v", err)
		}
		rc.accepted = append(rc.accepted, ev)
		rc.raw = append(rc.raw, hookRequest{r.Header.Clone(), body})
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *hookReceiver) find(kind string) (webhook.Event, hookRequest, int, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, ev := range rc.accepted {
		if ev.Kind == kind {
			return ev, rc.raw[i], rc.tries[rc.raw[i].header.Get(webhook.HeaderID)], true
		}
	}
	return webhook.Event{}, hookRequest{}, 0, false
}

// hookConfig configures a webhook to rc: its certificate authority in a
// file, the secret in a file only its owner reads.
func hookConfig(t *testing.T, rc *hookReceiver) func(*config.Config) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rc.srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "hook.secret")
	if err := os.WriteFile(secret, []byte(hookSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *config.Config) {
		c.Accounts.RequireSecondFactor = "none"
		c.Webhooks = []config.Webhook{{Name: "siem", URL: rc.srv.URL + "/conclave?key=receiver-own", SecretFile: secret, CAFile: ca,
			MinSeverity: "notice", RetryMin: 100 * time.Millisecond}}
	}
}

// TestWebhookFailedSignin: a real failed sign-in reaches a real HTTPS
// receiver, signed validly, after the receiver failed twice and the
// server retried; a replay of that delivery and a stale copy are refused
// by the helper; the status is visible to an admin and to nobody else;
// the event is in GET /v1/security/events and in Prometheus.
func TestWebhookFailedSignin(t *testing.T) {
	rc := newHookReceiver(t, 2)
	e := newEnv(t, hookConfig(t, rc))
	const password = "not the password, and never on the wire to a receiver"
	r := e.do("POST", "/v1/auth/signin", `{"email":"victim@example.org","password":"`+password+`"}`, "Content-Type", "application/json")
	if r.status != http.StatusUnauthorized {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}

	var ev webhook.Event
	var req hookRequest
	var tries int
	testkit.Eventually(t, "the failed sign-in delivered", func() bool {
		var ok bool
		ev, req, tries, ok = rc.find("signin_failed")
		return ok
	})
	if ev.Severity != "notice" || ev.Outcome != "refused" || ev.IP != "127.0.0.1" || ev.Time.IsZero() {
		t.Errorf("delivered event: %+v", ev)
	}
	if tries != 3 {
		t.Errorf("delivered on attempt %d, want 3 (two 503s retried)", tries)
	}
	if bytes.Contains(req.body, []byte(password)) || bytes.Contains(req.body, []byte("victim@")) {
		t.Errorf("the delivery carries the password or the email: %s", req.body)
	}

	// The receiver's helper refuses the same delivery again, and a copy
	// whose timestamp is stale even with a valid signature.
	if _, err := rc.verifier.Verify(req.header, req.body); !errors.Is(err, webhook.ErrReplayed) {
		t.Errorf("replay: %v, want ErrReplayed", err)
	}
	stale := http.Header{}
	webhook.SetHeaders(stale, []byte(hookSecret), "wh_stale_copy", time.Now().Add(-10*time.Minute), req.body)
	if _, err := rc.verifier.Verify(stale, req.body); !errors.Is(err, webhook.ErrStale) {
		t.Errorf("stale: %v, want ErrStale", err)
	}

	// The status: an admin sees it; a member is refused.
	member := e.signedIn("member@example.org")
	if status, _ := member.do("GET", "/v1/webhooks/deliveries", "", nil); status != http.StatusForbidden {
		t.Errorf("a member reads the deliveries: %d", status)
	}
	admin := e.signedIn("admin@example.org")
	if _, err := e.Srv.Store().UpdateUser(context.Background(), admin.user.ID, func(u *store.User) error {
		u.Role = store.RoleAdmin
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var st server.WebhookDeliveries
	testkit.Eventually(t, "the delivery's status in the API", func() bool {
		if status, b := admin.do("GET", "/v1/webhooks/deliveries", "", &st); status != http.StatusOK {
			t.Fatalf("deliveries: %d %s", status, b)
		}
		return len(st.Webhooks) == 1 && st.Webhooks[0].Delivered >= 1
	})
	h := st.Webhooks[0]
	if h.Name != "siem" || strings.Contains(h.URL, "receiver-own") {
		t.Errorf("webhook status: %+v", h)
	}
	var d *webhooks.Delivery
	for i := range h.Recent {
		if h.Recent[i].Kind == "signin_failed" {
			d = &h.Recent[i]
		}
	}
	if d == nil || d.State != webhooks.StateDelivered || len(d.Attempts) != 3 ||
		d.Attempts[0].Status != 503 || d.Attempts[1].Status != 503 || d.Attempts[2].Status != 200 || d.ID != req.header.Get(webhook.HeaderID) {
		t.Errorf("the delivery's status: %+v", d)
	}

	// The event in the admin's list of security events, and counted.
	var evs server.SecurityEvents
	testkit.Eventually(t, "the failed sign-in in /v1/security/events", func() bool {
		if status, b := admin.do("GET", "/v1/security/events?limit=50", "", &evs); status != http.StatusOK {
			t.Fatalf("events: %d %s", status, b)
		}
		for _, ev := range evs.Events {
			if ev.Kind == "signin_failed" && ev.Severity == "notice" && ev.IP == "127.0.0.1" {
				return true
			}
		}
		return false
	})
	if status, _ := admin.do("GET", "/v1/security/events?since=yesterday", "", nil); status != http.StatusBadRequest {
		t.Errorf("a bad since: %d", status)
	}
	m := e.Metrics()
	if m[`conclave_security_events_by_severity_total{kind="signin_failed",severity="notice"}`] < 1 ||
		m[`conclave_webhook_deliveries_total{result="retried",webhook="siem"}`] < 2 ||
		m[`conclave_webhook_deliveries_total{result="delivered",webhook="siem"}`] < 1 {
		t.Errorf("metrics: %v", filterMetrics(m, "webhook", "severity"))
	}
}

func filterMetrics(m map[string]float64, subs ...string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		for _, s := range subs {
			if strings.Contains(k, s) {
				out[k] = v
			}
		}
	}
	return out
}

// TestWebhookSecretRefused: a secret file others may read, or a secret
// too short, stops the server from starting, without printing it.
func TestWebhookSecretRefused(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open.secret")
	if err := os.WriteFile(open, []byte(hookSecret), 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.secret")
	if err := os.WriteFile(short, []byte("short-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{open: "may be read by others", short: "at least 32 bytes"} {
		cfg := config.DefaultDev()
		cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", t.TempDir()
		cfg.Webhooks = []config.Webhook{{Name: "siem", URL: "https://siem.example.org/", SecretFile: file}}
		s, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err == nil {
			s.Shutdown(context.Background())
			t.Fatalf("%s: the server started", file)
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), hookSecret) || strings.Contains(err.Error(), "short-secret") {
			t.Errorf("%s: %v", file, err)
		}
	}
}

// TestSecurityEventLogLine: a failed sign-in is one structured log line,
// component security, with its kind and severity, and neither the email
// nor the password.
func TestSecurityEventLogLine(t *testing.T) {
	var log lockedBuffer
	e := &env{Server: testserver.StartWithLog(t, &log), t: t}
	const password = "a password typed in the wrong place"
	r := e.do("POST", "/v1/auth/signin", `{"email":"someone@example.org","password":"`+password+`"}`, "Content-Type", "application/json")
	if r.status != http.StatusUnauthorized {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	var line string
	testkit.Eventually(t, "the security event's log line", func() bool {
		for _, l := range strings.Split(string(log.Bytes()), "\n") {
			if strings.Contains(l, "security event") && strings.Contains(l, "kind=signin_failed") {
				line = l
				return true
			}
		}
		return false
	})
	for _, want := range []string{"component=security", "severity=notice", "outcome=refused", "ip=127.0.0.1"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %s", line, want)
		}
	}
	if strings.Contains(string(log.Bytes()), "someone@example.org") || strings.Contains(string(log.Bytes()), password) {
		t.Error("the log holds the email or the password")
	}
}
