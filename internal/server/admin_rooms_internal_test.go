package server

import (
	"testing"

	"github.com/conclave-video/conclave/internal/room"
)

// TestWorstReception: a participant's loss and RTT on GET
// /v1/admin/rooms are the worst its reported subscriptions give; a
// subscription not reported yet, or without an RTT, adds nothing.
func TestWorstReception(t *testing.T) {
	for _, tc := range []struct {
		name      string
		subs      []room.SubscriptionMedia
		loss, rtt float64 // -1: absent
	}{
		{"none", nil, -1, -1},
		{"not reported yet", []room.SubscriptionMedia{{Loss: 0.5, RTT: 2, HasRTT: true}}, -1, -1},
		{"no RTT yet", []room.SubscriptionMedia{{Reported: true, Loss: 0.02}}, 0.02, -1},
		{"no loss", []room.SubscriptionMedia{{Reported: true, HasRTT: true, RTT: 0.01}}, 0, 0.01},
		{"the worst of each", []room.SubscriptionMedia{
			{Reported: true, Loss: 0.25, RTT: 0.01, HasRTT: true},
			{Reported: true, Loss: 0.01, RTT: 0.3, HasRTT: true},
			{Reported: true, Loss: 0.9, RTT: 9}, // an RTT not measured is not the worst
			{Loss: 1, RTT: 10, HasRTT: true},    // not reported
		}, 0.9, 0.3},
	} {
		loss, rtt := worstReception(tc.subs)
		if got := orAbsent(loss); got != tc.loss {
			t.Errorf("%s: loss %v, want %v", tc.name, got, tc.loss)
		}
		if got := orAbsent(rtt); got != tc.rtt {
			t.Errorf("%s: rtt %v, want %v", tc.name, got, tc.rtt)
		}
	}
}

func orAbsent(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}
