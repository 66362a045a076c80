// Package testkit holds what Conclave's tests share: waiting on a
// condition (Eventually) and a real server to test against (Server). It is
// imported by tests only.
package testkit

import (
	"os"
	"testing"
	"time"
)

// DefaultWait is how long Eventually waits unless told otherwise. It is
// generous on purpose: a condition that holds on a quiet machine in 50 ms
// may take seconds on a loaded one (load average 20 on 2 cores), and a
// test must only get slower there, never fail. CONCLAVE_TEST_WAIT (a Go
// duration) overrides it.
func DefaultWait() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CONCLAVE_TEST_WAIT")); err == nil && d > 0 {
		return d
	}
	return 60 * time.Second
}

// Eventually polls cond until it holds, failing the test with what it was
// waiting for if it does not hold within DefaultWait. Polling starts fast
// and backs off to 100 ms.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	EventuallyWithin(t, DefaultWait(), what, cond)
}

// EventuallyWithin is Eventually with its own limit.
func EventuallyWithin(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	pause := time.Millisecond
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("gave up after %s waiting for %s", limit.Round(time.Millisecond), what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}
