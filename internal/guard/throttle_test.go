package guard

import (
	"testing"
	"time"
)

func TestThrottleGrowsAndForgets(t *testing.T) {
	now := time.Unix(1000, 0)
	th := NewThrottle(ThrottlePolicy{Free: 2, Base: time.Second, Max: 4 * time.Second, Forget: time.Minute}, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		th.Failed("a")
		if w := th.Wait("a"); w != 0 {
			t.Fatalf("free failure %d: wait %s", i+1, w)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		th.Failed("a")
		if got := th.Wait("a"); got != w {
			t.Fatalf("failure %d: wait %s, want %s", i+3, got, w)
		}
	}
	if w := th.Wait("b"); w != 0 {
		t.Fatalf("another key waits %s", w)
	}
	now = now.Add(time.Minute)
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("after Forget: wait %s", w)
	}
	th.Failed("a")
	th.Failed("a")
	th.Failed("a")
	th.Reset("a")
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("after Reset: wait %s", w)
	}
}
