package guard

import (
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func countAllowed(l *Limiter, n int) int {
	ok := 0
	for range n {
		if l.Allow() {
			ok++
		}
	}
	return ok
}

// step advances the clock, then calls Allow tries times expecting want successes.
type step struct {
	advance time.Duration
	tries   int
	want    int
}

func TestLimiter(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"burst then refill", 50, 100, []step{
			{0, 150, 100},                           // the burst, no more
			{10 * time.Millisecond, 5, 0},           // half a token
			{10 * time.Millisecond, 5, 1},           // one token
			{time.Second, 60, 50},                   // one second is 50
			{time.Hour, 500, 100},                   // never beyond burst
			{-time.Hour, 5, 0},                      // clock stepping back refills nothing
			{time.Hour + 20*time.Millisecond, 2, 1}, // and does not double-count
		}},
		{"zero rate never refills", 0, 3, []step{
			{0, 5, 3},
			{time.Hour, 5, 0},
		}},
		{"burst below one is one", 1, 0, []step{
			{0, 3, 1},
			{time.Second, 3, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			l := NewLimiter(tt.rate, tt.burst, clk.now)
			for i, s := range tt.steps {
				clk.advance(s.advance)
				if got := countAllowed(l, s.tries); got != s.want {
					t.Fatalf("step %d: allowed %d of %d, want %d", i, got, s.tries, s.want)
				}
			}
		})
	}
}

func TestLimiterDoesNotAllocate(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(1000, 10, clk.now)
	if n := testing.AllocsPerRun(1000, func() { clk.advance(time.Millisecond); l.Allow() }); n != 0 {
		t.Errorf("Allow allocates %v times per call", n)
	}
	real := NewLimiter(1000, 10, nil)
	if n := testing.AllocsPerRun(1000, func() { real.Allow() }); n != 0 {
		t.Errorf("Allow with time.Now allocates %v times per call", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(0, 1000, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 8 {
		wg.Go(func() {
			n := countAllowed(l, 500)
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 1000 {
		t.Errorf("allowed %d, want exactly the burst of 1000", total)
	}
}

func BenchmarkAllow(b *testing.B) {
	l := NewLimiter(1e9, 100, nil)
	b.ReportAllocs()
	for b.Loop() {
		l.Allow()
	}
}
