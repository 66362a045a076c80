package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// identityEnv is a server behind a trusted proxy on loopback, loopback
// itself not on the allow-list, with the per-address limits loose: what
// binds is the per-identity and per-invite limits under test.
func identityEnv(t *testing.T) *env {
	return newEnv(t, func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.1"}
		c.Guard.Allow = nil
		c.Guard.Failures = 1000
		c.Guard.JoinBurst, c.Guard.JoinRate = 1000, 1000
		c.Guard.AuthBurst, c.Guard.AuthRate = 1000, 1000
		c.Accounts.RequireSecondFactor = "none"
	})
}

// joinFrom opens a signaling connection from the client address ip
// ("": loopback itself) and sends a join with tok and password. It
// returns the code of the error the server answers, or "" once joined;
// the connection stays open until the test ends.
func (e *env) joinFrom(ctx context.Context, t *testing.T, ip, tok, password string) (code, msg string) {
	t.Helper()
	if m := e.joinRefusal(ctx, t, ip, tok, password); m != nil {
		return m.Code, m.Message
	}
	return "", ""
}

// joinRefusal is joinFrom's join, returning the whole error the server
// answers, decoded as strictly as a client does (nil once joined).
func (e *env) joinRefusal(ctx context.Context, t *testing.T, ip, tok, password string) *protocol.Error {
	t.Helper()
	h := http.Header{}
	if ip != "" {
		h.Set("X-Forwarded-For", ip)
	}
	ws, resp, err := websocket.Dial(ctx, "wss://"+strings.TrimPrefix(e.Srv.URL(), "https://")+client.SignalPath,
		&websocket.DialOptions{HTTPClient: e.HTTPClient(), HTTPHeader: h})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial from %s: %d %v", ip, status, err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = ws.CloseNow() })
	frame, _ := json.Marshal(map[string]any{"v": 1, "type": "join", "data": protocol.Join{Token: tok, Password: password}})
	if err := ws.Write(ctx, websocket.MessageText, frame); err != nil {
		t.Fatalf("send join: %v", err)
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("no answer to the join from %s: %v", ip, err)
		}
		typ, p, err := protocol.DecodeServer(b)
		if err != nil {
			t.Fatalf("server message %q: %v", b, err)
		}
		switch typ {
		case protocol.TypeJoined:
			return nil
		case protocol.TypeError:
			return p.(*protocol.Error)
		}
	}
}

// TestJoinLimitPerIdentity: one identity joining again and again from
// one address is refused rate_limited once past its burst (not before),
// with a wait in the message, counted, and recorded as a join_throttled
// security event; another identity joins from the same address at once.
func TestJoinLimitPerIdentity(t *testing.T) {
	e := identityEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "busy"}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	const addr = "203.0.113.40"
	alice := mintToken(t, e.Key, "busy", "alice", joinAll)
	start := time.Now()
	if code, msg := e.joinFrom(ctx, t, addr, alice, ""); code != "" {
		t.Fatalf("alice's first join: %s %s", code, msg)
	}
	// Alice stays; her next joins are refused identity_in_use, and count.
	n := 1
	var refusal *protocol.Error
	for {
		n++
		m := e.joinRefusal(ctx, t, addr, alice, "")
		if m == nil {
			t.Fatalf("join %d: joined while alice is in the room", n)
		}
		if m.Code == protocol.CodeRateLimited {
			refusal = m
			break
		}
		if m.Code != protocol.CodeIdentityInUse || m.RetryAfter != 0 {
			t.Fatalf("join %d: %+v", n, m)
		}
		if n > 200 {
			t.Fatal("alice's joins were never limited")
		}
	}
	// The bucket refills one join every interval: a slow machine may
	// have earned a few more since the start, never fewer.
	earned := int(time.Since(start) / room.JoinIntervalPerIdentity)
	if n <= room.JoinBurstPerIdentity || n > room.JoinBurstPerIdentity+earned+1 {
		t.Fatalf("limited at join %d, want %d (+%d refilled)", n, room.JoinBurstPerIdentity+1, earned)
	}
	if !strings.Contains(refusal.Message, "try again in") {
		t.Errorf("the refusal's message gives no wait: %q", refusal.Message)
	}
	// The wait is for the next join token: at most one interval, rounded
	// up to whole seconds, and never 0 (which would invite a tight loop).
	if most := int64(room.JoinIntervalPerIdentity / time.Second); refusal.RetryAfter < 1 || refusal.RetryAfter > most {
		t.Errorf("retry_after %d s, want 1 to %d", refusal.RetryAfter, most)
	}
	if want := fmt.Sprintf("try again in %d s", refusal.RetryAfter); !strings.Contains(refusal.Message, want) {
		t.Errorf("retry_after %d and the message %q disagree", refusal.RetryAfter, refusal.Message)
	}
	bob := mintToken(t, e.Key, "busy", "bob", joinAll)
	if code, m := e.joinFrom(ctx, t, addr, bob, ""); code != "" {
		t.Fatalf("another identity from the same address: %s %s", code, m)
	}
	if got := e.Metrics()[`conclave_guard_refused_total{reason="rate_join_identity"}`]; got < 1 {
		t.Errorf("refusals counted: %v", got)
	}
	rec := auditHas(t, e, "join_throttled in the audit log", string(room.SecurityJoinThrottled), nil)
	if rec.Target != "alice" || rec.IP != addr || rec.Room != "busy" {
		t.Errorf("join_throttled record: %+v", rec)
	}
}

// TestPasswordGuessesPerIdentity: one identity guessing a room's password
// from a new address each time is throttled after its free tries, though
// no address has failed more than once: its next try, the right password
// from a fresh address, is refused too_many_attempts; another identity
// with the password gets in.
func TestPasswordGuessesPerIdentity(t *testing.T) {
	e := identityEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	const pw = "correct horse battery"
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "vault", "password": pw}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	mallory := mintToken(t, e.Key, "vault", "mallory", joinAll)
	for i := range 5 {
		if code, m := e.joinFrom(ctx, t, fmt.Sprintf("198.51.100.%d", 10+i), mallory, fmt.Sprintf("wrong guess %d", i)); code != protocol.CodePasswordWrong {
			t.Fatalf("guess %d: %q %s", i, code, m)
		}
	}
	// The sixth is still checked (five are free); it makes the identity wait.
	if code, m := e.joinFrom(ctx, t, "198.51.100.15", mallory, "wrong guess 5"); code != protocol.CodePasswordWrong {
		t.Fatalf("guess 5: %q %s", code, m)
	}
	if m := e.joinRefusal(ctx, t, "198.51.100.16", mallory, pw); m == nil || m.Code != protocol.CodeTooManyAttempts ||
		!strings.Contains(m.Message, fmt.Sprintf("try again in %d s", m.RetryAfter)) || m.RetryAfter < 1 {
		t.Fatalf("the identity from a fresh address: %+v", m)
	}
	carol := mintToken(t, e.Key, "vault", "carol", joinAll)
	if code, m := e.joinFrom(ctx, t, "198.51.100.17", carol, pw); code != "" {
		t.Fatalf("another identity with the password: %q %s", code, m)
	}
	auditHas(t, e, "room_password_throttled for mallory", string(room.SecurityRoomPasswordThrottled), func(r store.AuditRecord) bool {
		return r.Target == "mallory" && r.IP == "198.51.100.16"
	})
	auditHas(t, e, "carol's join admitted, with her address", "decision", func(r store.AuditRecord) bool {
		return r.Actor == "carol" && r.IP == "198.51.100.17" && strings.Contains(r.Details, `"admitted"`)
	})
}

// redeemFrom redeems an invite as a guest from the client address ip.
func (e *env) redeemFrom(ip string, body map[string]string) httpResult {
	e.t.Helper()
	b, _ := json.Marshal(body)
	return e.do("POST", "/v1/invites/redeem", string(b), "Content-Type", "application/json", "Origin", e.Srv.URL(),
		"X-Forwarded-For", ip)
}

// TestInviteHammered: one invite link redeemed at once from 300
// addresses is refused 429 rate_limited with Retry-After past its burst
// (and what refilled meanwhile), not before; then from a fresh address
// too, counted and recorded; another invite is unaffected, and the fresh
// address is not counted a failure.
func TestInviteHammered(t *testing.T) {
	e := identityEnv(t)
	alice := e.signedIn("alice@example.org")
	name := string(alice.createMeeting(`{"e2ee":"off"}`).Room.Name)
	leaked := alice.invite(name, `{"max_uses":1000}`)
	const tries = 300
	results := make([]httpResult, tries)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			results[i] = e.redeemFrom(fmt.Sprintf("203.0.%d.%d", 1+i/250, 1+i%250), map[string]string{"invite": leaked.Token, "name": "guest"})
		})
	}
	wg.Wait()
	earned := int(time.Since(start)/(100*time.Millisecond)) + 1
	admitted, limited := 0, 0
	for i, r := range results {
		switch {
		case r.status == http.StatusOK:
			admitted++
		case r.status == http.StatusTooManyRequests && errorCode(r.body) == protocol.CodeRateLimited:
			limited++
			if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
		default:
			t.Fatalf("redemption %d: %d %s", i, r.status, r.body)
		}
	}
	if admitted < 100 || admitted > 100+earned || limited == 0 {
		t.Fatalf("%d admitted, %d limited; want the burst of 100 (+%d refilled) admitted and the rest limited", admitted, limited, earned)
	}
	// Drain what refilled, then a fresh address is limited too.
	var last httpResult
	for i := range 1000 {
		if last = e.redeemFrom(fmt.Sprintf("198.51.100.%d", 1+i%250), map[string]string{"invite": leaked.Token, "name": "late"}); last.status != http.StatusOK {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || errorCode(last.body) != protocol.CodeRateLimited {
		t.Fatalf("from a fresh address: %d %s", last.status, last.body)
	}
	other := alice.invite(name, `{}`)
	if r := e.redeemFrom("192.0.2.200", map[string]string{"invite": other.Token, "name": "other"}); r.status != http.StatusOK {
		t.Fatalf("another invite: %d %s", r.status, r.body)
	}
	if got := e.Metrics()[`conclave_guard_refused_total{reason="rate_invite"}`]; got < 2 {
		t.Errorf("refusals counted: %v", got)
	}
	auditHas(t, e, "the refusal in the audit log", string(room.SecurityMeetingInviteRedeemed), func(r store.AuditRecord) bool {
		return r.Target == leaked.Invite.ID && strings.Contains(r.Details, protocol.CodeRateLimited)
	})
}

// TestInviteGuessesThrottleInvite: wrong email domains against one invite,
// each from its own address, throttle the invite: past the free ones, a
// try with the right domain from a fresh address is refused 429
// too_many_attempts with Retry-After.
func TestInviteGuessesThrottleInvite(t *testing.T) {
	e := identityEnv(t)
	alice := e.signedIn("alice@example.org")
	name := string(alice.createMeeting(`{"e2ee":"off"}`).Room.Name)
	dom := alice.invite(name, `{"email_domain":"example.com","max_uses":10}`)
	for i := range 6 {
		r := e.redeemFrom(fmt.Sprintf("192.0.2.%d", 50+i), map[string]string{"invite": dom.Token, "name": "g", "email": fmt.Sprintf("g%d@guess.example", i)})
		if r.status != http.StatusForbidden || errorCode(r.body) != protocol.CodeInviteEmailDomain {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.redeemFrom("192.0.2.99", map[string]string{"invite": dom.Token, "name": "g", "email": "g@example.com"})
	if r.status != http.StatusTooManyRequests || errorCode(r.body) != protocol.CodeTooManyAttempts || r.header.Get("Retry-After") == "" {
		t.Fatalf("after the guesses: %d %s %v", r.status, r.body, r.header)
	}
	if got := e.Metrics()[`conclave_guard_refused_total{reason="invite_failures"}`]; got < 1 {
		t.Errorf("refusals counted: %v", got)
	}
	testkit.Eventually(t, "the throttle to end", func() bool {
		return e.redeemFrom("192.0.2.98", map[string]string{"invite": dom.Token, "name": "g", "email": "g@example.com"}).status == http.StatusOK
	})
}

// TestTokenRefusedCarriesIP: a refused join token over signaling and a
// refused bearer token on the API are token_refused events with the
// client's address (from X-Forwarded-For through the trusted proxy).
func TestTokenRefusedCarriesIP(t *testing.T) {
	e := identityEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	tok := mintToken(t, e.Key, "r", "eve", joinAll)
	bad := tok[:len(tok)-4] + "AAAA"
	if code, m := e.joinFrom(ctx, t, "203.0.113.81", bad, ""); code != protocol.CodeTokenSignature {
		t.Fatalf("a forged join token: %q %s", code, m)
	}
	if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+bad, "X-Forwarded-For", "203.0.113.82"); r.status != http.StatusUnauthorized {
		t.Fatalf("a forged API token: %d %s", r.status, r.body)
	}
	for surface, ip := range map[string]string{"signal": "203.0.113.81", "rest": "203.0.113.82"} {
		auditHas(t, e, "token_refused from "+surface, string(room.SecurityTokenRefused), func(r store.AuditRecord) bool {
			return r.IP == ip && strings.Contains(r.Details, surface+": "+protocol.CodeTokenSignature)
		})
	}
}
