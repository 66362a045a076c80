package guard

import (
	"net/netip"
	"strconv"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)} }
func wantWait(t *testing.T, got, want time.Duration, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: wait %v, want %v", what, got, want)
	}
}

// TestSigninPolicySchedule: four failures are free, then 1 s, 2 s, 4 s, 8 s,
// 16 s from the last failure; the tenth locks for 15 minutes, and every
// failure after the lock locks again; waiting out a delay clears it.
func TestSigninPolicySchedule(t *testing.T) {
	p := DefaultSigninPolicy
	c := newClock()
	var s FailState
	for i := 1; i <= 4; i++ {
		var locked bool
		s, locked = p.Failed(s, c.now())
		if locked {
			t.Fatalf("failure %d locked", i)
		}
		w, _ := p.Wait(s, c.now())
		wantWait(t, w, 0, "after failure "+strconv.Itoa(i))
	}
	for i, d := range []time.Duration{1, 2, 4, 8, 16} {
		s, _ = p.Failed(s, c.now())
		w, locked := p.Wait(s, c.now())
		wantWait(t, w, d*time.Second, "after failure "+strconv.Itoa(5+i))
		if locked {
			t.Fatalf("failure %d: locked", 5+i)
		}
		c.add(d*time.Second - time.Millisecond)
		w, _ = p.Wait(s, c.now())
		wantWait(t, w, time.Millisecond, "just before the delay ends")
		c.add(time.Millisecond)
		w, _ = p.Wait(s, c.now())
		wantWait(t, w, 0, "when the delay ends")
	}
	s, locked := p.Failed(s, c.now())
	if !locked || s.Failures != 10 {
		t.Fatalf("tenth failure: locked %v, failures %d", locked, s.Failures)
	}
	w, locked := p.Wait(s, c.now())
	if !locked || w != 15*time.Minute {
		t.Fatalf("locked wait = %v, %v; want 15m, locked", w, locked)
	}
	c.add(15 * time.Minute)
	if w, locked := p.Wait(s, c.now()); locked || w != 0 {
		t.Fatalf("after the lock: wait %v locked %v, want a try at once", w, locked)
	}
	if _, locked := p.Failed(s, c.now()); !locked {
		t.Fatal("a failure after a lock does not lock again")
	}
}

// TestSigninPolicyMaxDelay: the delay doubles up to MaxDelay and no further.
func TestSigninPolicyMaxDelay(t *testing.T) {
	p := DefaultSigninPolicy
	p.LockAfter = 1000
	c := newClock()
	s := FailState{Failures: 40, LastFailure: c.now()}
	if w, _ := p.Wait(s, c.now()); w != p.MaxDelay {
		t.Fatalf("wait after 40 failures = %v, want %v", w, p.MaxDelay)
	}
}

// TestSigninTrackerAddresses: an address fails 20 times in the window
// freely, then waits; its count is forgotten after a quiet window; other
// addresses are not affected.
func TestSigninTrackerAddresses(t *testing.T) {
	c := newClock()
	tr := NewSigninTracker(DefaultSigninPolicy, c.now)
	const a, b = "192.0.2.1", "192.0.2.2"
	for i := 0; i < 20; i++ {
		tr.AddrFailed(a)
		wantWait(t, tr.AddrWait(a), 0, "within the free failures")
	}
	tr.AddrFailed(a)
	wantWait(t, tr.AddrWait(a), time.Second, "21st failure")
	tr.AddrFailed(a)
	wantWait(t, tr.AddrWait(a), 2*time.Second, "22nd failure")
	wantWait(t, tr.AddrWait(b), 0, "another address")
	c.add(DefaultSigninPolicy.AddrWindow)
	wantWait(t, tr.AddrWait(a), 0, "after a quiet window")
	tr.AddrFailed(a)
	wantWait(t, tr.AddrWait(a), 0, "counting starts again")
}

// TestSigninTrackerEmails: an unknown email locks exactly as an account
// would.
func TestSigninTrackerEmails(t *testing.T) {
	c := newClock()
	p := DefaultSigninPolicy
	tr := NewSigninTracker(p, c.now)
	var acct FailState
	for i := 1; i <= 12; i++ {
		var la bool
		acct, la = p.Failed(acct, c.now())
		le := tr.EmailFailed("nobody@example.org")
		if la != le {
			t.Fatalf("failure %d: account locked %v, unknown email locked %v", i, la, le)
		}
		wa, lka := p.Wait(acct, c.now())
		we, lke := tr.EmailWait("nobody@example.org")
		if wa != we || lka != lke {
			t.Fatalf("failure %d: account waits %v (%v), unknown email %v (%v)", i, wa, lka, we, lke)
		}
		c.add(time.Second)
	}
}

// TestSigninTrackerBounded: no more than MaxTracked addresses are
// remembered; stale ones go first.
func TestSigninTrackerBounded(t *testing.T) {
	c := newClock()
	tr := NewSigninTracker(DefaultSigninPolicy, c.now)
	for i := 0; i < MaxTracked; i++ {
		tr.AddrFailed("a" + strconv.Itoa(i))
	}
	c.add(time.Hour) // every one of them stale
	tr.AddrFailed("fresh")
	if n, _ := tr.Tracked(); n != 1 {
		t.Fatalf("tracked %d addresses after the stale ones went, want 1", n)
	}
	for i := 0; i < MaxTracked+10; i++ {
		tr.AddrFailed("b" + strconv.Itoa(i))
	}
	if n, _ := tr.Tracked(); n != MaxTracked {
		t.Fatalf("tracked %d addresses, want at most %d", n, MaxTracked)
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
	} {
		if got := AddrKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("AddrKey(%s) = %s, want %s", in, got, want)
		}
	}
}
