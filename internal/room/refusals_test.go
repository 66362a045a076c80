package room_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/room"
)

// TestRefusalEventsThrottled: refusal security events of one kind, room,
// identity and reason are published once per interval; the others are
// counted and reported by one more event at the interval's end
// (Suppressed). Another identity has its own; past MaxRefusalKeys the
// rest share one key.
func TestRefusalEventsThrottled(t *testing.T) {
	clk := newFakeClock()
	m := newManager(t, clk.config())
	all := subscribe(t, m)
	ev := func(subject string) room.SecurityEvent {
		return room.SecurityEvent{Kind: room.SecurityBannedRefused, Outcome: room.OutcomeRefused, Reason: "join", Subject: subject}
	}
	published := func() []room.SecurityEvent {
		var out []room.SecurityEvent
		for _, e := range all.of(room.EventSecurity) {
			out = append(out, *e.Security)
		}
		return out
	}
	for range 50 {
		m.SecurityRefused("r", ev("mal"))
	}
	m.SecurityRefused("r", ev("eve"))
	// The same refusal from another address is that address's first.
	other := ev("mal")
	other.IP = "198.51.100.7"
	m.SecurityRefused("r", other)
	if got := published(); len(got) != 3 || got[0].Subject != "mal" || got[0].Suppressed != 0 || got[1].Subject != "eve" ||
		got[2].IP != "198.51.100.7" {
		t.Fatalf("published %+v, want one for mal, one for eve and one for mal from 198.51.100.7", got)
	}
	clk.Advance(room.RefusalEventInterval)
	got := published()
	if len(got) != 4 || got[3].Subject != "mal" || got[3].Suppressed != 49 || got[3].IP != "" {
		t.Fatalf("after the interval: %+v, want mal's summary of 49", got)
	}
	// A quiet key reports nothing more, and its next refusal is published.
	clk.Advance(2 * room.RefusalEventInterval)
	m.SecurityRefused("r", ev("eve"))
	if got := published(); len(got) != 5 || got[4].Subject != "eve" || got[4].Suppressed != 0 {
		t.Fatalf("eve after a quiet interval: %+v", got)
	}

	// Past the cap of keys, the rest share one.
	all.reset()
	for i := range room.MaxRefusalKeys + 10 {
		m.SecurityRefused("r", ev(fmt.Sprintf("flood-%d", i)))
	}
	got = published()
	if n := len(got); n > room.MaxRefusalKeys+1 {
		t.Fatalf("%d events for %d identities, want at most %d", n, room.MaxRefusalKeys+10, room.MaxRefusalKeys+1)
	}
	if last := got[len(got)-1]; last.Reason != "overflow" || last.Subject != "" {
		t.Errorf("the last event %+v, want the overflow key's", last)
	}
	clk.Advance(time.Minute)
	if last := published()[len(published())-1]; last.Reason != "overflow" || last.Suppressed < 1 {
		t.Errorf("the overflow key's summary: %+v", last)
	}
}

// TestFlushRefusals: at shutdown the counts still waiting for their
// interval are published at once, and the interval's timer then adds
// nothing: no count is lost, and none is reported twice.
func TestFlushRefusals(t *testing.T) {
	clk := newFakeClock()
	m := newManager(t, clk.config())
	all := subscribe(t, m)
	ev := room.SecurityEvent{Kind: room.SecurityRevokedTokenRefused, Outcome: room.OutcomeRefused, Reason: "signal", Subject: "mal"}
	for range 5 {
		m.SecurityRefused("r", ev)
	}
	m.SecurityRefused("q", ev) // another room: its own window, nothing suppressed
	if n := len(all.of(room.EventSecurity)); n != 2 {
		t.Fatalf("%d events before the flush, want 2 (the first of each window)", n)
	}
	m.FlushRefusals()
	got := all.of(room.EventSecurity)
	if len(got) != 3 || got[2].Room != "r" || got[2].Security.Suppressed != 4 {
		t.Fatalf("after the flush: %d events, last %+v; want r's count of 4", len(got), got[len(got)-1])
	}
	clk.Advance(room.RefusalEventInterval)
	if n := len(all.of(room.EventSecurity)); n != 3 {
		t.Errorf("%d events after the interval, want still 3: the flushed count is not reported again", n)
	}
}
