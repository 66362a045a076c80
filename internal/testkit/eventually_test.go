package testkit

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// fakeT records a failure instead of failing the test; like testing.T, its
// Fatalf ends the goroutine that calls it.
type fakeT struct {
	testing.TB
	failure string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls check with a fakeT on a goroutine of its own, as Fatalf needs,
// and returns the failure, if any.
func run(t *testing.T, check func(testing.TB)) string {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(f)
	}()
	<-done
	return f.failure
}

// The tests run in synctest bubbles, so the limits pass on the bubble's
// clock, in no time.

func TestEventually(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		polls := 0
		failure := run(t, func(tb testing.TB) {
			Eventually(tb, "the third poll", func() bool { polls++; return polls == 3 })
		})
		if failure != "" || polls != 3 {
			t.Fatalf("Eventually: failure %q after %d polls, want none after 3", failure, polls)
		}
		if d := time.Since(start); d != 3*time.Millisecond {
			t.Errorf("three polls took %v, want 3ms (1ms, then 2ms)", d)
		}
	})
}

func TestEventuallyGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		failure := run(t, func(tb testing.TB) {
			EventuallyWithin(tb, time.Second, "the impossible", func() bool { return false })
		})
		if want := "gave up after 1s waiting for the impossible"; failure != want {
			t.Errorf("failure %q, want %q", failure, want)
		}
		// The polls back off to 100 ms: the last one is at most that late.
		if d := time.Since(start); d <= time.Second || d > time.Second+100*time.Millisecond {
			t.Errorf("gave up after %v, want just past 1s", d)
		}
	})
}

func TestReceive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t.Setenv("CONCLAVE_TEST_WAIT", "5s")
		ch := make(chan int, 1)
		ch <- 7
		if v := Receive(t, ch, "seven"); v != 7 {
			t.Errorf("Receive = %d, want 7", v)
		}
		done := make(chan struct{})
		close(done)
		Receive(t, done, "a closed channel")

		start := time.Now()
		failure := run(t, func(tb testing.TB) { Receive(tb, make(chan int), "nothing") })
		if !strings.HasPrefix(failure, "gave up after 5s waiting for nothing") {
			t.Errorf("failure %q, want it to say it gave up waiting for nothing", failure)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("gave up after %v, want CONCLAVE_TEST_WAIT's 5s", d)
		}
	})
}
