package guard

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// TestKeyed: each key has its own bucket; past maxKeys, idle (full)
// buckets are forgotten, and a new key is refused while none is.
func TestKeyed(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	k := NewKeyed(1, 2, 2, clock)
	for i := range 2 {
		if !k.Allow("a") {
			t.Fatalf("a's %d of a burst of 2 refused", i+1)
		}
	}
	if k.Allow("a") {
		t.Fatal("a past its burst allowed")
	}
	if !k.Allow("b") {
		t.Fatal("b refused for a's use")
	}
	if k.Allow("c") {
		t.Fatal("a third key allowed while both buckets are in use")
	}
	now = now.Add(2 * time.Second) // both refill
	if !k.Allow("c") {
		t.Fatal("a new key refused after the others went idle")
	}
	if !k.Allow("a") {
		t.Fatal("a refused after refilling")
	}
}

// TestKeyedTakeWait: a refusal says how long until the key's next token;
// a bucket that never refills says MaxWait.
func TestKeyedTakeWait(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	k := NewKeyed(1.0/3, 2, 10, clock)
	for range 2 {
		if ok, wait := k.Take("id"); !ok || wait != 0 {
			t.Fatalf("within the burst: %v %s", ok, wait)
		}
	}
	if ok, wait := k.Take("id"); ok || wait != 3*time.Second {
		t.Fatalf("past the burst: %v, wait %s; want refused, 3s", ok, wait)
	}
	now = now.Add(time.Second)
	if ok, wait := k.Take("id"); ok || wait != 2*time.Second {
		t.Fatalf("a second later: %v, wait %s; want refused, 2s", ok, wait)
	}
	never := NewKeyed(0, 1, 10, clock)
	never.Take("x")
	if ok, wait := never.Take("x"); ok || wait != MaxWait {
		t.Fatalf("a bucket that never refills: %v %s", ok, wait)
	}
}

// TestClientAddrContext: the address a context carries is the one put in;
// a context without one, or with the zero address, has none.
func TestClientAddrContext(t *testing.T) {
	a := netip.MustParseAddr("203.0.113.9")
	if got, ok := ClientAddr(WithClientAddr(context.Background(), a)); !ok || got != a {
		t.Fatalf("got %v %v", got, ok)
	}
	if _, ok := ClientAddr(context.Background()); ok {
		t.Fatal("an address from an empty context")
	}
	if _, ok := ClientAddr(WithClientAddr(context.Background(), netip.Addr{})); ok {
		t.Fatal("the zero address counted")
	}
}
