package guard

import (
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
