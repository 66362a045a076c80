package rtc

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestSenderReportIntervals: each Peer's sender reports come at RFC 3550
// style randomised intervals (section 6.3.1): every gap between two of a
// Peer's reports lies in [0.5, 1.5] × reportInterval, drawn afresh each
// time, averaging reportInterval; the first comes after half an interval,
// randomised the same way (section 6.3.2). A removed Peer gets no more
// reports and the reporter's goroutine ends with the last Peer.
func TestSenderReportIntervals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		sent := map[*Peer][]time.Time{}
		r := &reporter{send: func(p *Peer, now time.Time) {
			mu.Lock()
			defer mu.Unlock()
			sent[p] = append(sent[p], now)
		}}
		start := time.Now()
		peers := make([]*Peer, 20)
		for i := range peers {
			peers[i] = &Peer{}
			r.add(peers[i])
		}
		const run = 200 * reportInterval
		time.Sleep(run / 2)
		gone := peers[0]
		r.remove(gone)
		removedAt := time.Now()
		time.Sleep(run / 2)
		for _, p := range peers[1:] {
			r.remove(p)
		}
		// The goroutine notices on its next tick that no Peer is left.
		time.Sleep(reportInterval)
		synctest.Wait()
		r.mu.Lock()
		running := r.running
		r.mu.Unlock()
		if running {
			t.Error("the reporter runs on without Peers")
		}

		mu.Lock()
		defer mu.Unlock()
		lo, hi := reportInterval/2, reportInterval*3/2
		var total time.Duration
		var gaps int
		for i, p := range peers {
			times := sent[p]
			if len(times) < 50 {
				t.Fatalf("peer %d: %d reports in %s", i, len(times), run)
			}
			if first := times[0].Sub(start); first < lo/2 || first > hi/2 {
				t.Errorf("peer %d: first report after %s, want %s..%s", i, first, lo/2, hi/2)
			}
			distinct := map[time.Duration]bool{}
			for j := 1; j < len(times); j++ {
				gap := times[j].Sub(times[j-1])
				if gap < lo || gap > hi {
					t.Errorf("peer %d: reports %s apart, want %s..%s", i, gap, lo, hi)
				}
				distinct[gap] = true
				total += gap
				gaps++
			}
			if len(distinct) < 5 {
				t.Errorf("peer %d: only %d different intervals in %d reports: not randomised", i, len(distinct), len(times))
			}
		}
		if mean := total / time.Duration(gaps); mean < reportInterval*95/100 || mean > reportInterval*105/100 {
			t.Errorf("mean interval %s, want about %s", mean, reportInterval)
		}
		if last := sent[gone][len(sent[gone])-1]; last.After(removedAt) {
			t.Errorf("a removed peer got a report %s after its removal", last.Sub(removedAt))
		}
	})
}
