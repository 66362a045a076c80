package room_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/room"
)

// TestBitrateCap: a publisher above the cap is limited once, stays in
// within the grace period, and is disconnected after it with security
// events; one under the cap is never touched, and going back under the cap
// ends the episode.
func TestBitrateCap(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true, MaxPublishBitrate: 1_000_000, BitrateGrace: 4 * time.Second})
	alice, as := join(t, m, "r", "alice", allGrants)
	bob, _ := join(t, m, "r", "bob", allGrants)
	all := subscribe(t, m)
	t0 := time.Unix(1000, 0)
	over := func(at time.Duration) room.MediaReport {
		return room.MediaReport{At: t0.Add(at), Bitrate: 2_000_000}
	}

	if v := bob.ReportMedia(room.MediaReport{At: t0, Bitrate: 900_000}); v.Limit || v.Exceeded || v.Cap != 1_000_000 {
		t.Fatalf("under the cap: %+v", v)
	}
	if v := alice.ReportMedia(over(0)); !v.Limit || !v.First || v.Exceeded {
		t.Fatalf("first excess: %+v", v)
	}
	if v := alice.ReportMedia(over(2 * time.Second)); !v.Limit || v.First || v.Exceeded {
		t.Fatalf("within the grace period: %+v", v)
	}
	// Back under the cap: a new excess starts a new grace period.
	if v := alice.ReportMedia(room.MediaReport{At: t0.Add(3 * time.Second), Bitrate: 500_000}); v.Limit {
		t.Fatalf("back under: %+v", v)
	}
	if v := alice.ReportMedia(over(4 * time.Second)); !v.First {
		t.Fatalf("new episode: %+v", v)
	}
	if v := alice.ReportMedia(over(7 * time.Second)); v.Exceeded {
		t.Fatalf("3 s into the new episode: %+v", v)
	}
	if v := alice.ReportMedia(over(8 * time.Second)); !v.Exceeded {
		t.Fatalf("after the grace period: %+v", v)
	}
	if rm := as.of(room.EventRemoved); len(rm) != 1 || rm[0].Reason != room.ReasonBitrateExceeded {
		t.Fatalf("alice's EventRemoved = %+v", rm)
	}
	var limited, exceeded int
	for _, e := range all.of(room.EventSecurity) {
		switch e.Security.Kind {
		case room.SecurityBitrateLimited:
			limited++
		case room.SecurityBitrateExceeded:
			exceeded++
			if e.Security.Subject != "alice" || e.Security.Reason != "2000000>1000000" {
				t.Fatalf("bitrate_exceeded = %+v", e.Security)
			}
		}
	}
	if limited != 2 || exceeded != 1 {
		t.Fatalf("security events: %d bitrate_limited, %d bitrate_exceeded; want 2, 1", limited, exceeded)
	}
	stats, err := m.MediaStats("r", owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Participant.Identity != "bob" || stats[0].Media.Bitrate != 900_000 {
		t.Fatalf("MediaStats = %+v", stats)
	}
}

// TestBitrateCapBounded: a room cannot ask for more than the configured
// cap, nor for none.
func TestBitrateCapBounded(t *testing.T) {
	m := newManager(t, room.Config{MaxPublishBitrate: 8_000_000})
	for i, tc := range []struct{ ask, want int64 }{{0, 8_000_000}, {9_000_000, 8_000_000}, {2_000_000, 2_000_000}} {
		info, err := m.Create(room.Spec{Name: room.RoomName(fmt.Sprint("r", i)), Owner: owner, MaxPublishBitrate: tc.ask})
		if err != nil {
			t.Fatal(err)
		}
		if info.MaxPublishBitrate != tc.want {
			t.Fatalf("asked %d: got %d, want %d", tc.ask, info.MaxPublishBitrate, tc.want)
		}
	}
}
