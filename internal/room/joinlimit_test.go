package room_test

import (
	"fmt"
	"testing"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
)

// TestJoinLimitPerIdentity: an identity's joins past the burst are
// refused rate_limited with a wait, whatever their outcome would have
// been, and counted; another identity of the same owner, and the same
// subject of another owner, join meanwhile; one interval later one more
// join of the identity is allowed. The refusals are one join_throttled
// event (the refusal throttle) and no decision event.
func TestJoinLimitPerIdentity(t *testing.T) {
	clk := newFakeClock()
	cfg := clk.config()
	cfg.AutoCreate = true
	var limited []string
	cfg.Limited = func(reason string) { limited = append(limited, reason) }
	m := newManager(t, cfg)
	all := subscribe(t, m)

	p, _ := join(t, m, "r", "alice", allGrants)
	p.Leave(room.ReasonLeft)
	for i := 1; i < room.JoinBurstPerIdentity; i++ {
		// Refused identity_in_use or admitted, a join counts.
		mem, _, err := m.Join(room.JoinRequest{Claims: claims("r", "alice", allGrants), Listener: &recorder{}})
		if err != nil {
			t.Fatalf("join %d within the burst: %v", i+1, err)
		}
		mem.Leave(room.ReasonLeft)
	}
	all.reset()
	for i := range 3 {
		_, d, err := m.Join(room.JoinRequest{Claims: claims("r", "alice", allGrants), Listener: &recorder{}, Addr: "192.0.2.8"})
		if room.Code(err) != protocol.CodeRateLimited || d.Outcome != room.Refused || room.RetryAfter(err) <= 0 ||
			room.RetryAfter(err) > room.JoinIntervalPerIdentity {
			t.Fatalf("join %d past the burst: %+v, %v (retry after %s)", room.JoinBurstPerIdentity+i+1, d, err, room.RetryAfter(err))
		}
	}
	join(t, m, "r", "bob", allGrants)
	if _, _, err := m.Join(room.JoinRequest{Claims: claimsBy(otherOwner, "r2", "alice", allGrants), Listener: &recorder{}}); err != nil {
		t.Fatalf("the same subject of another owner: %v", err)
	}
	if len(limited) != 3 || limited[0] != room.LimitJoinIdentity {
		t.Fatalf("limited: %v", limited)
	}
	var throttled int
	for _, e := range all.all() {
		if e.Kind == room.EventDecision && e.Decision.Outcome != room.Admitted {
			t.Errorf("a decision event for a join over the limit: %+v", e.Decision)
		}
		if e.Kind == room.EventSecurity && e.Security.Kind == room.SecurityJoinThrottled {
			throttled++
			if e.Security.Subject != "alice" || e.Security.IP != "192.0.2.8" || e.Room != "r" {
				t.Errorf("join_throttled %+v in %q", e.Security, e.Room)
			}
		}
	}
	if throttled != 1 {
		t.Fatalf("%d join_throttled events published at once, want 1 (the rest counted)", throttled)
	}
	clk.Advance(room.JoinIntervalPerIdentity)
	if _, _, err := m.Join(room.JoinRequest{Claims: claims("r", "alice", allGrants), Listener: &recorder{}}); err != nil {
		t.Fatalf("one interval later: %v", err)
	}
	if _, _, err := m.Join(room.JoinRequest{Claims: claims("r", "alice", allGrants), Listener: &recorder{}}); room.Code(err) != protocol.CodeRateLimited {
		t.Fatalf("a second join in that interval: %v", err)
	}
}

// TestPasswordThrottlePerIdentity: one identity guessing a room's
// password from many addresses is throttled after the free tries, though
// no address is; another identity still gets its password checked; the
// right password, once the wait is over, resets the identity.
func TestPasswordThrottlePerIdentity(t *testing.T) {
	clk := newFakeClock()
	cfg := clk.config()
	cfg.Passwords = fakePasswords{}
	m := newManager(t, cfg)
	const pw = "correct horse battery"
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner, Password: pw}); err != nil {
		t.Fatal(err)
	}
	try := func(identity, password, addr string) error {
		_, _, err := m.Join(room.JoinRequest{Claims: claims("r", identity, allGrants), Listener: &recorder{}, Password: password, Addr: addr})
		return err
	}
	for i := range 5 {
		if err := try("mallory", fmt.Sprintf("wrong guess %d", i), fmt.Sprintf("198.51.100.%d", i)); room.Code(err) != protocol.CodePasswordWrong {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if err := try("mallory", "wrong guess 5", "198.51.100.5"); room.Code(err) != protocol.CodePasswordWrong {
		t.Fatalf("the sixth guess is checked: %v", err)
	}
	err := try("mallory", pw, "198.51.100.6")
	if room.Code(err) != protocol.CodeTooManyAttempts || room.RetryAfter(err) <= 0 {
		t.Fatalf("the identity from a fresh address: %v", err)
	}
	if err := try("carol", pw, "198.51.100.7"); err != nil {
		t.Fatalf("another identity: %v", err)
	}
	clk.Advance(room.RetryAfter(err))
	p, _, err := m.Join(room.JoinRequest{Claims: claims("r", "mallory", allGrants), Listener: &recorder{}, Password: pw, Addr: "198.51.100.8"})
	if err != nil {
		t.Fatalf("after the wait, the right password: %v", err)
	}
	p.Leave(room.ReasonLeft)
	if err := try("mallory", "wrong again", "198.51.100.9"); room.Code(err) != protocol.CodePasswordWrong {
		t.Fatalf("after a right password the identity starts afresh: %v", err)
	}
}
