// Package testkit holds what Conclave's tests share: waiting on a
// condition (Eventually) or a value (Receive), with a limit generous
// enough for a loaded machine. It imports nothing of Conclave, so the
// in-package tests of any package can use it; the real server to test
// against is in the subpackage testserver.
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

// Receive returns the next value from ch, failing the test with what it
// was waiting for if none arrives within DefaultWait. A closed channel
// yields its zero value at once, so Receive also waits for a done channel
// to close.
func Receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(DefaultWait())
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("gave up after %s waiting for %s", DefaultWait().Round(time.Millisecond), what)
		var zero T
		return zero
	}
}
