package server_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
	"github.com/conclave-video/conclave/webhook"
)

// guardEnv is a server behind a trusted proxy on loopback: requests that
// carry X-Forwarded-For come from the address it names, so one test can
// be many clients.
func guardEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	return newEnv(t, append([]func(*config.Config){func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.1"}
		c.Guard.Failures = 10
		c.Accounts.RequireSecondFactor = "none"
	}}, mutate...)...)
}

// signinFrom tries a sign-in from the client address ip.
func (e *env) signinFrom(ip, email, password string) httpResult {
	e.t.Helper()
	return e.do("POST", "/v1/auth/signin", `{"email":"`+email+`","password":"`+password+`"}`,
		"Content-Type", "application/json", "X-Forwarded-For", ip)
}

// auditHas waits for an audit record of action that matches.
func auditHas(t *testing.T, e *env, what, action string, match func(store.AuditRecord) bool) store.AuditRecord {
	t.Helper()
	var got store.AuditRecord
	testkit.Eventually(t, what, func() bool {
		for _, rec := range auditRecords(t, e.Srv.Store()) {
			if rec.Action == action && (match == nil || match(rec)) {
				got = rec
				return true
			}
		}
		return false
	})
	return got
}

// TestBruteForceBlocksAddress: 100 wrong sign-ins from one address get
// 401 exactly guard.failures times, then 429 address_blocked with
// Retry-After, for sign-in and everything else, the signaling upgrade
// included; the block is a security event in the audit log and reaches
// a real webhook receiver, signed validly, whose helper then refuses a
// replay of it; other addresses are unaffected.
func TestBruteForceBlocksAddress(t *testing.T) {
	rc := newHookReceiver(t, 0)
	e := guardEnv(t, hookConfig(t, rc), func(c *config.Config) {
		c.Guard.AuthBurst = 1000 // the bucket is TestRateLimits'
	})
	const attacker, other = "203.0.113.66", "198.51.100.20"
	unauthorized, blocked := 0, 0
	for i := range 100 {
		r := e.signinFrom(attacker, fmt.Sprintf("victim%d@example.org", i), "wrong password")
		switch {
		case r.status == http.StatusUnauthorized && blocked == 0:
			unauthorized++
		case r.status == http.StatusTooManyRequests && errorCode(r.body) == "address_blocked":
			blocked++
			if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
		default:
			t.Fatalf("sign-in %d: %d %s", i, r.status, r.body)
		}
	}
	if unauthorized != 10 || blocked != 90 {
		t.Fatalf("%d answered, %d blocked; want 10 and 90", unauthorized, blocked)
	}
	// Blocked across everything: the API, the app, the signaling upgrade.
	for _, p := range []string{"/v1/rooms", "/", "/v1/signal"} {
		if r := e.do("GET", p, "", "X-Forwarded-For", attacker); r.status != http.StatusTooManyRequests || errorCode(r.body) != "address_blocked" {
			t.Fatalf("GET %s from the blocked address: %d %s", p, r.status, r.body)
		}
	}
	// Another address is served as before.
	if r := e.signinFrom(other, "someone@example.org", "wrong password"); r.status != http.StatusUnauthorized {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
	m := e.signedInFrom(other, "member@example.org")
	if m == nil {
		t.Fatal("a member at another address could not sign in")
	}

	rec := auditHas(t, e, "the block in the audit log", "address_blocked", func(r store.AuditRecord) bool { return r.IP == attacker })
	if rec.Actor != "server" || !strings.HasPrefix(rec.Target, "BA_") {
		t.Errorf("the block's record: %+v", rec)
	}
	if got := e.Metrics()[`conclave_guard_refused_total{reason="address_blocked"}`]; got < 93 {
		t.Errorf("refusals of the blocked address counted: %v", got)
	}

	// The webhook: the receiver verified the signature before keeping it.
	var ev webhook.Event
	var req hookRequest
	testkit.Eventually(t, "the block delivered to the webhook", func() bool {
		var ok bool
		ev, req, _, ok = rc.find("address_blocked")
		return ok
	})
	if ev.Severity != "high" || ev.IP != attacker || ev.Subject != rec.Target {
		t.Errorf("delivered event: %+v, want severity high, ip %s, subject %s", ev, attacker, rec.Target)
	}
	if _, err := rc.verifier.Verify(req.header, req.body); !errors.Is(err, webhook.ErrReplayed) {
		t.Errorf("a replay of the delivery: %v, want ErrReplayed", err)
	}
}

// TestBruteForceOneAccountBlocksAddress: 100 sign-ins on one account from
// one address: the account's own delay answers most of them with 429,
// and those tries, made anyway, count against the address too, so the
// address is blocked after guard.failures of them, like one that tries
// many accounts.
func TestBruteForceOneAccountBlocksAddress(t *testing.T) {
	e := guardEnv(t, func(c *config.Config) {
		c.Guard.AuthBurst = 1000 // the bucket is TestRateLimits'
	})
	e.newMember("victim@example.org")
	const attacker = "203.0.113.70"
	var codes []string
	blockedAt := 0
	for i := range 100 {
		r := e.signinFrom(attacker, "victim@example.org", "wrong password")
		code := errorCode(r.body)
		codes = append(codes, code)
		if code == "address_blocked" {
			blockedAt = i + 1
			break
		}
	}
	if blockedAt != 11 {
		t.Fatalf("blocked at try %d, want 11 (guard.failures 10); answers %v", blockedAt, codes)
	}
	auditHas(t, e, "the block", "address_blocked", func(r store.AuditRecord) bool { return r.IP == attacker })
	// The account's owner, from another address, is held by the account's
	// delay but not blocked.
	if r := e.signinFrom("198.51.100.70", "victim@example.org", "wrong password"); errorCode(r.body) == "address_blocked" {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
}

// TestBlockExpires: a short first block ends by itself, failures count
// again, and the address's second block is the next, longer, step.
func TestBlockExpires(t *testing.T) {
	e := guardEnv(t, func(c *config.Config) {
		c.Guard.BlockSteps = []string{"1s", "1h"}
		c.Guard.AuthBurst = 1000
	})
	const attacker = "203.0.113.67"
	for i := range 10 {
		e.signinFrom(attacker, fmt.Sprintf("victim%d@example.org", i), "wrong password")
	}
	auditHas(t, e, "the first block", "address_blocked", func(r store.AuditRecord) bool { return r.IP == attacker })
	testkit.Eventually(t, "the block to expire", func() bool {
		return e.signinFrom(attacker, "expiry@example.org", "wrong password").status == http.StatusUnauthorized
	})
	var last httpResult
	for i := range 20 {
		if last = e.signinFrom(attacker, fmt.Sprintf("again%d@example.org", i), "wrong password"); errorCode(last.body) == "address_blocked" {
			break
		}
	}
	if ra, _ := strconv.Atoi(last.header.Get("Retry-After")); errorCode(last.body) != "address_blocked" || ra < 60 {
		t.Fatalf("the second block: %d %s, Retry-After %q", last.status, last.body, last.header.Get("Retry-After"))
	}
}

// signedInFrom is signedIn from the client address ip.
func (e *env) signedInFrom(ip, email string) *member {
	e.t.Helper()
	m := e.newMember(email)
	if status, body := m.doFrom(ip, "POST", "/v1/auth/signin", `{"email":"`+email+`","password":"`+meetingPassword+`"}`, nil); status != http.StatusOK {
		e.t.Fatalf("sign-in from %s: %d %s", ip, status, body)
	}
	return m
}

// adminFrom is signedInFrom, made an admin.
func (e *env) adminFrom(ip, email string) *member {
	e.t.Helper()
	m := e.signedInFrom(ip, email)
	if _, err := e.Srv.Store().UpdateUser(context.Background(), m.user.ID, func(u *store.User) error {
		u.Role = store.RoleAdmin
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// TestDistributedAttackThrottlesAccount: one wrong sign-in on one account
// from each of 20 addresses throttles the account, with a high-severity
// account_throttled event in the audit log; even the right password,
// from an address that never failed, is then refused; another account
// is not.
func TestDistributedAttackThrottlesAccount(t *testing.T) {
	e := guardEnv(t)
	victim := e.newMember("victim@example.org")
	bystander := e.newMember("bystander@example.org")
	for i := range 20 {
		r := e.signinFrom(fmt.Sprintf("203.0.113.%d", i+1), "victim@example.org", "guess "+strconv.Itoa(i))
		if r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
		if errorCode(r.body) == "address_blocked" {
			t.Fatalf("guess %d: an address blocked after one failure", i)
		}
	}
	rec := auditHas(t, e, "the alert in the audit log", "account_throttled", nil)
	if room.SecurityAccountThrottled.Severity() != room.SeverityHigh {
		t.Errorf("account_throttled is %v, want high", room.SecurityAccountThrottled.Severity())
	}
	if !strings.Contains(rec.Details, `"email":"victim@example.org"`) ||
		!strings.Contains(rec.Details, "20 addresses") {
		t.Errorf("the alert's record: %+v", rec)
	}
	status, body := victim.doFrom("198.51.100.77", "POST", "/v1/auth/signin", `{"email":"victim@example.org","password":"`+meetingPassword+`"}`, nil)
	if status != http.StatusTooManyRequests || !strings.Contains(string(body), "too_many_attempts") {
		t.Fatalf("the throttled account's right password: %d %s", status, body)
	}
	status, body = bystander.doFrom("198.51.100.77", "POST", "/v1/auth/signin", `{"email":"bystander@example.org","password":"`+meetingPassword+`"}`, nil)
	if status != http.StatusOK {
		t.Fatalf("another account: %d %s", status, body)
	}

	// An admin lifts the throttle; the event names the account where
	// emails go, never in its reason (log lines and webhooks carry that).
	admin := e.adminFrom("198.51.100.1", "admin@example.org")
	var list accounts.BlockList
	if status, body := admin.doFrom("198.51.100.1", "GET", "/v1/blocks", "", &list); status != http.StatusOK || len(list.Blocks) != 1 || list.Blocks[0].Account != "victim@example.org" {
		t.Fatalf("GET /v1/blocks: %d %s", status, body)
	}
	if status, body := admin.doFrom("198.51.100.1", "DELETE", "/v1/blocks/"+list.Blocks[0].ID, "", nil); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	un := auditHas(t, e, "the unblock", "address_unblocked", nil)
	if reasonOf(un.Details) != "account" || !strings.Contains(un.Details, `"email":"victim@example.org"`) {
		t.Errorf("the unblock's record: %+v, want reason account and the email apart", un)
	}
	// Lifted (the account's own delay after twenty wrong passwords,
	// docs/accounts.md, may still hold its owner a while: that is not the
	// guard's).
	if status, body := admin.doFrom("198.51.100.1", "GET", "/v1/blocks", "", &list); status != http.StatusOK || len(list.Blocks) != 0 {
		t.Fatalf("GET /v1/blocks after the unblock: %d %s", status, body)
	}
}

// reasonOf is the reason in an audit record's details.
func reasonOf(details string) string {
	var d map[string]string
	if err := json.Unmarshal([]byte(details), &d); err != nil {
		return "!" + err.Error()
	}
	return d["reason"]
}

// TestAllowListNeverBlocked: an address on guard.allow fails 60 times and
// is never blocked.
func TestAllowListNeverBlocked(t *testing.T) {
	e := guardEnv(t, func(c *config.Config) { c.Guard.Allow = []string{"192.0.2.0/24"} })
	for i := range 60 {
		r := e.signinFrom("192.0.2.10", fmt.Sprintf("x%d@example.org", i), "wrong")
		if errorCode(r.body) == "address_blocked" {
			t.Fatalf("the allow-listed address was blocked after %d failures", i)
		}
	}
	r := e.do("GET", "/v1/rooms", "", "X-Forwarded-For", "192.0.2.10")
	if r.status == http.StatusTooManyRequests {
		t.Fatalf("the allow-listed address is refused: %d %s", r.status, r.body)
	}
	// The same failures from elsewhere do block.
	for i := range 10 {
		e.signinFrom("203.0.113.5", fmt.Sprintf("x%d@example.org", i), "wrong")
	}
	if r := e.signinFrom("203.0.113.5", "x@example.org", "wrong"); errorCode(r.body) != "address_blocked" {
		t.Fatalf("an address not on the list: %d %s", r.status, r.body)
	}
}

// TestUnblockAPI: an admin lists the blocks (address and account) and
// lifts one; the address is served again at once; a member may do
// neither; both are security events.
func TestUnblockAPI(t *testing.T) {
	e := guardEnv(t)
	admin := e.adminFrom("198.51.100.1", "admin@example.org")
	plain := e.signedInFrom("198.51.100.2", "plain@example.org")
	for i := range 10 {
		e.signinFrom("203.0.113.9", fmt.Sprintf("x%d@example.org", i), "wrong")
	}
	if r := e.signinFrom("203.0.113.9", "x@example.org", "wrong"); errorCode(r.body) != "address_blocked" {
		t.Fatalf("not blocked: %d %s", r.status, r.body)
	}
	if status, body := plain.doFrom("198.51.100.2", "GET", "/v1/blocks", "", nil); status != http.StatusForbidden {
		t.Fatalf("a member's GET /v1/blocks: %d %s", status, body)
	}
	var list accounts.BlockList
	if status, body := admin.doFrom("198.51.100.1", "GET", "/v1/blocks", "", &list); status != http.StatusOK {
		t.Fatalf("GET /v1/blocks: %d %s", status, body)
	}
	if len(list.Blocks) != 1 || list.Blocks[0].Address != "203.0.113.9" || list.Blocks[0].Kind != "address" ||
		list.Blocks[0].Level != 1 || !list.Blocks[0].Until.After(time.Now()) {
		t.Fatalf("blocks: %+v", list.Blocks)
	}
	if b := list.Blocks[0]; b.SecondsLeft < 1 || b.SecondsLeft > int64(b.Until.Sub(b.Since)/time.Second) {
		t.Errorf("seconds_left %d of a block from %v to %v", b.SecondsLeft, b.Since, b.Until)
	}
	id := list.Blocks[0].ID
	if status, _ := plain.doFrom("198.51.100.2", "DELETE", "/v1/blocks/"+id, "", nil); status != http.StatusForbidden {
		t.Fatalf("a member's DELETE: %d", status)
	}
	if status, body := admin.doFrom("198.51.100.1", "DELETE", "/v1/blocks/BA_0000000000000000", "", nil); status != http.StatusNotFound {
		t.Fatalf("DELETE of an unknown block: %d %s", status, body)
	}
	if status, body := admin.doFrom("198.51.100.1", "DELETE", "/v1/blocks/"+id, "", nil); status != http.StatusNoContent {
		t.Fatalf("DELETE /v1/blocks/{id}: %d %s", status, body)
	}
	if r := e.signinFrom("203.0.113.9", "x@example.org", "wrong"); r.status != http.StatusUnauthorized {
		t.Fatalf("after the unblock: %d %s", r.status, r.body)
	}
	if status, _ := admin.doFrom("198.51.100.1", "DELETE", "/v1/blocks/"+id, "", nil); status != http.StatusNotFound {
		t.Fatalf("a second DELETE: %d", status)
	}
	rec := auditHas(t, e, "the unblock in the audit log", "address_unblocked", nil)
	if rec.Actor != admin.user.ID || rec.Target != id || rec.IP != "198.51.100.1" {
		t.Errorf("the unblock's record: %+v", rec)
	}
	auditHas(t, e, "a member's refusal in the audit log", "admin_refused", func(r store.AuditRecord) bool { return r.Actor == plain.user.ID })
}

// TestBlockSurvivesRestart: a block stored by one server is in force in
// the next one on the same data directory.
func TestBlockSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	setDir := func(c *config.Config) { c.DataDir = dir }
	t.Run("before", func(t *testing.T) {
		e := guardEnv(t, setDir)
		for i := range 10 {
			e.signinFrom("203.0.113.30", fmt.Sprintf("x%d@example.org", i), "wrong")
		}
		auditHas(t, e, "the block in the audit log", "address_blocked", nil)
	})
	e := guardEnv(t, setDir)
	if r := e.signinFrom("203.0.113.30", "x@example.org", "wrong"); errorCode(r.body) != "address_blocked" {
		t.Fatalf("after a restart: %d %s", r.status, r.body)
	}
}

// TestUnblockSurvivesRestart: an unblock the API acknowledges (204) is
// stored before it is answered, so the next server on the same data
// directory does not put the block back; one that cannot be stored is a
// 503 and the block stays.
func TestUnblockSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	setDir := func(c *config.Config) { c.DataDir = dir }
	t.Run("before", func(t *testing.T) {
		e := guardEnv(t, setDir)
		admin := e.adminFrom("198.51.100.1", "admin@example.org")
		for i := range 10 {
			e.signinFrom("203.0.113.31", fmt.Sprintf("x%d@example.org", i), "wrong")
		}
		var list accounts.BlockList
		if status, body := admin.doFrom("198.51.100.1", "GET", "/v1/blocks", "", &list); status != http.StatusOK || len(list.Blocks) != 1 {
			t.Fatalf("GET /v1/blocks: %d %s", status, body)
		}
		// An unblock that cannot be stored is refused, and the block stays.
		lift := e.storeFault(t, "guard_blocks")
		if status, body := admin.doFrom("198.51.100.1", "DELETE", "/v1/blocks/"+list.Blocks[0].ID, "", nil); status != http.StatusServiceUnavailable || errorCode(string(body)) != "unavailable" {
			t.Fatalf("DELETE on a full disk: %d %s, want 503 unavailable", status, body)
		}
		if r := e.signinFrom("203.0.113.31", "x@example.org", "wrong"); errorCode(r.body) != "address_blocked" {
			t.Fatalf("after a refused unblock: %d %s, want still blocked", r.status, r.body)
		}
		lift()
		if status, body := admin.doFrom("198.51.100.1", "DELETE", "/v1/blocks/"+list.Blocks[0].ID, "", nil); status != http.StatusNoContent {
			t.Fatalf("DELETE /v1/blocks/{id}: %d %s", status, body)
		}
	})
	e := guardEnv(t, setDir)
	if r := e.signinFrom("203.0.113.31", "x@example.org", "wrong"); r.status != http.StatusUnauthorized {
		t.Fatalf("after the unblock and a restart: %d %s, want 401 (not blocked)", r.status, r.body)
	}
}

// TestConnectionFlood: one address holding guard.max_connections_per_ip
// connections has its next ones closed before TLS, while another
// address is served; a closed connection frees its place.
func TestConnectionFlood(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // loopback is the client here
		c.Guard.MaxConnectionsPerIP = 4
	})
	addr := strings.TrimPrefix(e.Srv.URL(), "https://")
	dial := func(from string) (*tls.Conn, error) {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
		return tls.DialWithDialer(d, "tcp", addr, e.TLS.Clone())
	}
	var held []*tls.Conn
	for i := range 4 {
		c, err := dial("127.0.0.1")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		held = append(held, c)
		defer c.Close()
	}
	for i := range 20 {
		if c, err := dial("127.0.0.1"); err == nil {
			c.Close()
			t.Fatalf("connection %d past the cap was served", 5+i)
		}
	}
	// Another address is served meanwhile.
	other := e.HTTPClient()
	other.Transport.(*http.Transport).DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext
	res, err := other.Get(e.Srv.URL() + "/healthz")
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("another address: %d", res.StatusCode)
	}
	if got := e.Metrics()[`conclave_guard_refused_total{reason="connections"}`]; got < 20 {
		t.Errorf("refusals counted: %v", got)
	}
	held[0].Close()
	testkit.Eventually(t, "a place freed by a closed connection", func() bool {
		c, err := dial("127.0.0.1")
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// TestConnectionFloodKeepsOthersMedia: while one address floods the
// server with connections (past guard.max_connections_per_ip, each
// closed before TLS), two clients from another address in one room keep
// their signaling and their media.
func TestConnectionFloodKeepsOthersMedia(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // loopback is the client here
		c.Guard.MaxConnectionsPerIP = 4
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	const room = "besieged"
	pub := startMediaClient(ctx, t, e, room, "pub")
	watcher := startMediaClient(ctx, t, e, room, "watcher")
	_ = pub
	intact := func() int64 { n, _ := watcher.totals(); return n }
	testkit.Eventually(t, "the watcher to receive pub's media", func() bool {
		return len(watcher.counts()) == 2 && intact() > 50
	})

	addr := strings.TrimPrefix(e.Srv.URL(), "https://")
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}, Timeout: 10 * time.Second}
	atFlood := intact()
	refused := 0
	for i := range 200 {
		c, err := tls.DialWithDialer(d, "tcp", addr, e.TLS.Clone())
		if err != nil {
			refused++
			continue
		}
		if i >= 4 {
			c.Close()
			t.Fatalf("flood connection %d past the cap was served", i+1)
		}
		defer c.Close()
	}
	if refused != 196 {
		t.Fatalf("%d of 200 flood connections refused, want 196", refused)
	}
	testkit.Eventually(t, "media to keep reaching the watcher through the flood", func() bool {
		return intact() > atFlood+50
	})
	if _, corrupt := watcher.totals(); corrupt != 0 {
		t.Fatalf("the watcher received corrupt packets: %v", watcher.counts())
	}
	if !inRoom(e, room, "pub") || !inRoom(e, room, "watcher") {
		t.Fatal("pub or watcher left the room during the flood")
	}
}

// TestProxiedConnectionCap: behind a trusted proxy the cap counts each
// client's open requests (here WebSocket upgrades held open): the one
// past the cap gets 429 too_many_connections, another client does not.
func TestProxiedConnectionCap(t *testing.T) {
	e := guardEnv(t, func(c *config.Config) { c.Guard.MaxConnectionsPerIP = 2 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(ip string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.Srv.URL()+"/v1/signal", nil)
		req.Header.Set("X-Forwarded-For", ip)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		req.Header.Set("Origin", e.Srv.URL())
		res, err := e.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusSwitchingProtocols {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return res.StatusCode, string(b)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res.StatusCode, ""
	}
	for i := range 2 {
		if status, body := open("203.0.113.40"); status != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade %d: %d %s", i, status, body)
		}
	}
	if status, body := open("203.0.113.40"); status != http.StatusTooManyRequests || errorCode(body) != "too_many_connections" {
		t.Fatalf("past the cap: %d %s", status, body)
	}
	if status, body := open("203.0.113.41"); status != http.StatusSwitchingProtocols {
		t.Fatalf("another client: %d %s", status, body)
	}
}

// TestForwardedForSpoofing: without a trusted proxy, a client's
// X-Forwarded-For changes nothing: failures count against its own
// address whatever it claims.
func TestForwardedForSpoofing(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // loopback is the client here
		c.Guard.Failures = 5
	})
	for i := range 5 {
		e.signinFrom(fmt.Sprintf("203.0.113.%d", i), "x@example.org", "wrong")
	}
	r := e.signinFrom("198.51.100.99", "x@example.org", "wrong")
	if errorCode(r.body) != "address_blocked" {
		t.Fatalf("a client rotating X-Forwarded-For escaped its block: %d %s", r.status, r.body)
	}
	rec := auditHas(t, e, "the block", "address_blocked", nil)
	if rec.IP != "127.0.0.1" {
		t.Fatalf("blocked %q, want the TCP peer", rec.IP)
	}
}

// newMember creates an account (password meetingPassword) that is not
// signed in yet.
func (e *env) newMember(email string) *member {
	e.t.Helper()
	h, err := auth.NewHasher(auth.DefaultArgon2Params(), 1)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := auth.CreateUser(context.Background(), e.Srv.Store(), h,
		auth.NewUser{Email: email, DisplayName: "Member " + email, Role: store.RoleMember, Password: meetingPassword}, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hc := e.HTTPClient()
	hc.Jar = jar
	return &member{e: e, user: u, hc: hc}
}

// doFrom is member.do from the client address ip (X-Forwarded-For,
// believed from the loopback proxy).
func (m *member) doFrom(ip, method, path, body string, v any) (int, []byte) {
	m.e.t.Helper()
	req, err := http.NewRequest(method, m.e.Srv.URL()+path, strings.NewReader(body))
	if err != nil {
		m.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", m.e.Srv.URL())
	req.Header.Set("X-Forwarded-For", ip)
	res, err := m.hc.Do(req)
	if err != nil {
		m.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, v); err != nil {
			m.e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode, b
}

// TestForwardedForGarbage: from a trusted proxy, an X-Forwarded-For
// whose client entry is not an address (a proxy that passes the client's
// header on) is refused with 400 invalid_argument and never charged to
// the proxy: however many such requests fail, the proxy's own address,
// and every client behind it, stays unblocked. The refusal is a
// security event naming the proxy.
func TestForwardedForGarbage(t *testing.T) {
	e := guardEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // the proxy is loopback
		c.Guard.AuthBurst = 1000
	})
	for i := range 40 {
		r := e.do("POST", "/v1/auth/signin", `{"email":"x@example.org","password":"wrong"}`,
			"Content-Type", "application/json", "X-Forwarded-For", "203.0.113.151, garbage")
		if r.status != http.StatusBadRequest || errorCode(r.body) != "invalid_argument" {
			t.Fatalf("request %d with a garbage client entry: %d %s", i, r.status, r.body)
		}
	}
	if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer not-a-token", "X-Forwarded-For", "nonsense"); r.status != http.StatusBadRequest {
		t.Fatalf("a bad token with a garbage header: %d %s, want 400 before the token is read", r.status, r.body)
	}
	// The proxy's own request (no header) and a client behind it are served.
	if r := e.do("GET", "/healthz", ""); r.status != http.StatusOK {
		t.Fatalf("the proxy's own request: %d %s", r.status, r.body)
	}
	if r := e.signinFrom("198.51.100.31", "x@example.org", "wrong"); r.status != http.StatusUnauthorized {
		t.Fatalf("a client behind the proxy: %d %s", r.status, r.body)
	}
	if got := e.Metrics()[`conclave_guard_refused_total{reason="forwarded_for"}`]; got != 41 {
		t.Errorf("refusals counted: %v, want 41", got)
	}
	auditHas(t, e, "the refusal as a security event naming the proxy", string(room.SecurityForwardedForRefused), func(r store.AuditRecord) bool {
		return r.IP == "127.0.0.1"
	})
}

// TestRateLimits: an address past guard.auth_burst credential attempts
// gets 429 rate_limited with Retry-After, not an answer; another address
// is served; one credential past guard.identity_burst requests is
// limited whatever address it comes from.
func TestRateLimits(t *testing.T) {
	e := guardEnv(t, func(c *config.Config) {
		c.Guard.AuthBurst, c.Guard.AuthRate = 5, 0.001
		c.Guard.IdentityBurst, c.Guard.IdentityRate = 8, 0.001
		c.Guard.Failures = 1000
	})
	for i := range 5 {
		if r := e.signinFrom("203.0.113.50", fmt.Sprintf("x%d@example.org", i), "wrong"); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.signinFrom("203.0.113.50", "x@example.org", "wrong")
	if r.status != http.StatusTooManyRequests || errorCode(r.body) != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("past the burst: %d %s %v", r.status, r.body, r.header)
	}
	if r := e.signinFrom("203.0.113.51", "y@example.org", "wrong"); r.status != http.StatusUnauthorized {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
	tok := e.adminToken(e.Key, "")
	limited := false
	for i := range 12 {
		r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+tok, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		if r.status == http.StatusTooManyRequests && errorCode(r.body) == "rate_limited" {
			if i < 8 {
				t.Fatalf("limited after %d requests", i)
			}
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("one credential from many addresses was never limited")
	}
}

// TestRefusedJoinTokensBlock: join tokens refused over signaling count
// against the address like refused sign-ins: after guard.failures of
// them the next signaling upgrade is refused before any WebSocket, and
// the API too.
func TestRefusedJoinTokensBlock(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // loopback is the client here
		c.Guard.Failures = 5
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	other := e.NewKey("other")
	forged, err := other.Mint(token.Options{Identity: "mallory", Room: "r", TTL: time.Minute, Grants: token.Grants{Publish: true, Subscribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	bad := forged[:len(forged)-4] + "AAAA" // a broken signature
	for i := range 5 {
		if code := e.connectCode(ctx, bad); code != "token_signature" {
			t.Fatalf("join %d: %q, want token_signature", i, code)
		}
	}
	testkit.Eventually(t, "the address blocked", func() bool {
		r := e.do("GET", "/v1/signal", "")
		return r.status == http.StatusTooManyRequests && errorCode(r.body) == "address_blocked"
	})
	if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+e.adminToken(e.Key, "")); errorCode(r.body) != "address_blocked" {
		t.Fatalf("the API from the blocked address: %d %s", r.status, r.body)
	}
	rec := auditHas(t, e, "the block", "address_blocked", nil)
	if !strings.Contains(rec.Details, "token_refused") {
		t.Errorf("the block's record: %+v", rec)
	}
}

// TestWrongRoomPasswordsBlock: wrong room passwords given over signaling
// count against the address (through their security events): after
// guard.failures of them the address is blocked everywhere.
func TestWrongRoomPasswordsBlock(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // loopback is the client here
		c.Guard.Failures = 3
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "locked-pw", "password": "correct horse battery"}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	for i := range 3 {
		_, done := e.guest(ctx, mintToken(t, e.Key, "locked-pw", fmt.Sprintf("g%d", i), joinAll), client.WithPassword("wrong password!"))
		if r := <-done; serverCode(r.err) != protocol.CodePasswordWrong {
			t.Fatalf("guess %d: %v", i, r.err)
		}
	}
	testkit.Eventually(t, "the address blocked", func() bool {
		return errorCode(e.do("GET", "/v1/signal", "").body) == "address_blocked"
	})
	auditHas(t, e, "the block", "address_blocked", func(r store.AuditRecord) bool { return strings.Contains(r.Details, "room_password_failed") })
}

// TestStaleCredentialsDoNotBlock: a client retrying an expired token, on
// signaling and on the API, is not guessing: it is refused each time and
// never blocked.
func TestStaleCredentialsDoNotBlock(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Guard.Allow = nil // loopback is the client here
		c.Guard.Failures = 3
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	expired, err := e.Key.MintAt(token.Options{Identity: "late", Room: "r", TTL: time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, RoomList: true}}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if code := e.connectCode(ctx, expired); code != protocol.CodeTokenExpired {
			t.Fatalf("join %d: %q", i, code)
		}
		if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+expired); errorCode(r.body) != protocol.CodeTokenExpired {
			t.Fatalf("API %d: %d %s", i, r.status, r.body)
		}
	}
	if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+e.adminToken(e.Key, "")); r.status != http.StatusOK {
		t.Fatalf("after stale retries: %d %s", r.status, r.body)
	}
}
