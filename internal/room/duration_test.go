package room_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/room"
)

// fakeClock is the rooms' clock driven by the test: timers fire, in order
// of their time, only when Advance passes it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) room.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the clock by d, firing every timer that falls due, each
// with the clock at its time.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.stopped && !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		next.stopped = true
		c.now = next.at
		c.mu.Unlock()
		next.f()
	}
}

func (c *fakeClock) config() room.Config {
	return room.Config{Now: c.Now, AfterFunc: c.AfterFunc}
}

// TestMaxDuration: a 30-minute meeting warns everyone 5 minutes and 1
// minute before its end, then ends (max_duration), on the room's clock.
func TestMaxDuration(t *testing.T) {
	clk := newFakeClock()
	m := newManager(t, clk.config())
	all := subscribe(t, m)
	info, err := m.Create(room.Spec{Name: "r", Owner: owner, MaxDuration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	if info.MaxDuration != 1800 || info.EndsAt == nil || !info.EndsAt.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("info: %+v", info)
	}
	_, rec := joinAs(t, m, "pat", room.RoleParticipant)
	if ev := rec.of(room.EventJoined); len(ev) != 1 || !ev[0].EndsAt.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("joined does not say when the meeting ends: %+v", ev)
	}

	clk.Advance(25*time.Minute - time.Second)
	if n := len(rec.of(room.EventMeetingEnding)); n != 0 {
		t.Fatalf("%d warnings before the first is due", n)
	}
	clk.Advance(time.Second)
	clk.Advance(4 * time.Minute)
	warn := rec.of(room.EventMeetingEnding)
	if len(warn) != 2 || warn[0].Remaining != 5*time.Minute || warn[1].Remaining != time.Minute {
		t.Fatalf("warnings %+v", warn)
	}
	if _, err := m.Get("r"); err != nil {
		t.Fatal("the meeting ended early")
	}
	clk.Advance(time.Minute)
	if ev := rec.of(room.EventRemoved); len(ev) != 1 || ev[0].Reason != room.ReasonMaxDuration {
		t.Fatalf("participant heard %v", kinds(rec.all()))
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("room after its duration: %v", err)
	}
	found := slices.ContainsFunc(all.of(room.EventSecurity), func(e room.Event) bool {
		return e.Security.Kind == room.SecurityMeetingEnded && e.Security.Actor == "server" && e.Security.Reason == "max_duration"
	})
	if !found {
		t.Fatal("no meeting_ended security event by the server")
	}
}

// TestMaxDurationBound: the server's bound applies to a room that asks for
// none or for more, not to one that asks for less; a short meeting gets
// only the warnings that fit; a room restored after its end is ended.
func TestMaxDurationBound(t *testing.T) {
	clk := newFakeClock()
	cfg := clk.config()
	cfg.MaxDuration = time.Hour
	m := newManager(t, cfg)
	for _, tt := range []struct {
		name      string
		ask, want time.Duration
	}{
		{"none", 0, time.Hour},
		{"more", 2 * time.Hour, time.Hour},
		{"less", 3 * time.Minute, 3 * time.Minute},
	} {
		info, err := m.Create(room.Spec{Name: room.RoomName(tt.name), Owner: owner, MaxDuration: tt.ask})
		if err != nil {
			t.Fatal(err)
		}
		if info.MaxDuration != int64(tt.want/time.Second) {
			t.Errorf("%s: max duration %ds, want %s", tt.name, info.MaxDuration, tt.want)
		}
	}
	if _, err := m.Create(room.Spec{Name: "neg", Owner: owner, MaxDuration: -time.Second}); err == nil {
		t.Error("a negative duration was accepted")
	}

	rec := &recorder{}
	if _, _, err := m.Join(room.JoinRequest{Claims: claims("less", "pat", allGrants), Listener: rec}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(3 * time.Minute)
	if w := rec.of(room.EventMeetingEnding); len(w) != 1 || w[0].Remaining != time.Minute {
		t.Fatalf("a 3-minute meeting warned %+v, want once, a minute before", w)
	}
	if _, err := m.Get("less"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatal("the 3-minute meeting did not end")
	}

	if err := m.Restore(room.Spec{Name: "old", Owner: owner}, clk.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(0)
	if _, err := m.Get("old"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatal("a room restored past its end was not ended")
	}
}
