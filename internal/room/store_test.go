package room_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
)

var errDiskFull = errors.New("store: disk full")

// fakeStore keeps rooms in a map and fails while told to.
type fakeStore struct {
	mu                   sync.Mutex
	rooms                map[room.RoomName]room.Info
	failSave, failDelete bool
	deletes              int // DeleteRoom calls, failed or not
}

func newStore() *fakeStore { return &fakeStore{rooms: make(map[room.RoomName]room.Info)} }

func (s *fakeStore) SaveRoom(_ context.Context, info room.Info) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSave {
		return errDiskFull
	}
	s.rooms[info.Name] = info
	return nil
}

func (s *fakeStore) DeleteRoom(_ context.Context, name room.RoomName) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deletes++
	if s.failDelete {
		return errDiskFull
	}
	delete(s.rooms, name)
	return nil
}

func (s *fakeStore) SaveRoomState(_ context.Context, name room.RoomName, created time.Time, locked bool, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSave {
		return errDiskFull
	}
	info, ok := s.rooms[name]
	if !ok || !info.CreatedAt.Equal(created) {
		return room.ErrRoomClosed
	}
	info.Locked, info.MaxDuration = locked, int64(d/time.Second)
	s.rooms[name] = info
	return nil
}

func (s *fakeStore) fail(save, del bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSave, s.failDelete = save, del
}

func (s *fakeStore) names() []room.RoomName {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.rooms))
}

func (s *fakeStore) deleteCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deletes
}

func TestCreateUnstored(t *testing.T) {
	st := newStore()
	m := newManager(t, room.Config{Store: st})
	all := subscribe(t, m)
	st.fail(true, false)

	_, err := m.Create(room.Spec{Name: "r", Owner: owner})
	if !errors.Is(err, room.ErrUnavailable) || !errors.Is(err, errDiskFull) || room.Code(err) != protocol.CodeUnavailable {
		t.Fatalf("Create with a failing store = %v (code %q), want ErrUnavailable wrapping the store's error", err, room.Code(err))
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("an unstored room exists: %v", err)
	}
	if n, _, _, _ := m.Counts(); n != 0 || len(m.List("")) != 0 {
		t.Fatalf("%d rooms after a failed create", n)
	}
	if ev := all.all(); len(ev) != 0 {
		t.Fatalf("a failed create emitted %v", kinds(ev))
	}

	st.fail(false, false)
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatalf("Create once the store recovered: %v", err)
	}
	if got := st.names(); !slices.Equal(got, []room.RoomName{"r"}) {
		t.Fatalf("stored rooms %v", got)
	}
	// A restored room is not written again.
	st.fail(true, true)
	if err := m.Restore(room.Spec{Name: "old", Owner: owner}, time.Now()); err != nil {
		t.Fatalf("Restore with a failing store: %v", err)
	}
}

func TestDeleteUnstored(t *testing.T) {
	st := newStore()
	m := newManager(t, room.Config{Store: st})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	alice, as := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", allGrants)
	publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	before, _ := m.Participants("r", owner)
	as.reset()
	bs.reset()
	all := subscribe(t, m)
	st.fail(false, true)

	err := m.Delete("r", owner, room.ReasonRoomDeleted)
	if !errors.Is(err, room.ErrUnavailable) || !errors.Is(err, errDiskFull) {
		t.Fatalf("Delete with a failing store = %v", err)
	}
	info, err := m.Get("r")
	if err != nil || info.NumParticipants != 2 {
		t.Fatalf("room after a failed delete: %+v, %v", info, err)
	}
	after, _ := m.Participants("r", owner)
	if !slices.EqualFunc(before, after, func(a, b room.ParticipantInfo) bool {
		return a.ID == b.ID && slices.Equal(a.Tracks, b.Tracks)
	}) {
		t.Fatalf("participants changed: %+v -> %+v", before, after)
	}
	if n := len(as.all()) + len(bs.all()) + len(all.all()); n != 0 {
		t.Fatalf("a failed delete emitted %v to the room, %v %v to participants", kinds(all.all()), kinds(as.all()), kinds(bs.all()))
	}
	// The room still works.
	if err := alice.SendData([]room.ParticipantID{bob.ID()}, "chat", []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if d := bs.of(room.EventData); len(d) != 1 {
		t.Fatalf("bob's data after a failed delete: %+v", d)
	}

	st.fail(false, false)
	if err := m.Delete("r", owner, room.ReasonRoomDeleted); err != nil {
		t.Fatalf("Delete once the store recovered: %v", err)
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) || len(st.names()) != 0 {
		t.Fatalf("after delete: %v, stored %v", err, st.names())
	}
	if len(bs.of(room.EventRemoved)) != 1 {
		t.Fatalf("bob's events on delete: %v", kinds(bs.all()))
	}
}

func TestAutoCreateJoinUnstored(t *testing.T) {
	st := newStore()
	m := newManager(t, room.Config{AutoCreate: true, Store: st})
	all := subscribe(t, m)
	st.fail(true, false)

	rec := &recorder{}
	mem, d, err := m.Join(room.JoinRequest{Claims: claims("r", "alice", allGrants), Listener: rec})
	if mem != nil || !errors.Is(err, room.ErrUnavailable) || !errors.Is(err, errDiskFull) {
		t.Fatalf("Join = %v, %v; want ErrUnavailable", mem, err)
	}
	if d.Outcome != room.Refused || d.Code() != protocol.CodeUnavailable || d.Role != "" || d.Permissions != 0 {
		t.Fatalf("decision %+v (code %q), want refused, unavailable", d, d.Code())
	}
	ev := all.all()
	if len(ev) != 1 || ev[0].Kind != room.EventDecision || ev[0].Decision.Outcome != room.Refused ||
		ev[0].Decision.Code() != protocol.CodeUnavailable || ev[0].Room != "r" {
		t.Fatalf("events %v (%+v), want one refused decision with code unavailable", kinds(ev), ev)
	}
	if len(rec.all()) != 0 {
		t.Fatalf("refused joiner was told %v", kinds(rec.all()))
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("room after a failed auto-create: %v", err)
	}

	st.fail(false, false)
	join(t, m, "r", "alice", allGrants)
	if got := st.names(); !slices.Equal(got, []room.RoomName{"r"}) {
		t.Fatalf("stored rooms %v", got)
	}
}

// TestEmptyTimeoutUnstored: a room the store cannot forget stays, its timer
// tries again each timeout, and it goes once the store recovers.
func TestEmptyTimeoutUnstored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = time.Minute
		st := newStore()
		m := newManager(t, room.Config{Store: st})
		if _, err := m.Create(room.Spec{Name: "r", Owner: owner, EmptyTimeout: timeout}); err != nil {
			t.Fatal(err)
		}
		all := subscribe(t, m)
		st.fail(false, true)

		// Checks fall a second after each timer, never on the same instant.
		time.Sleep(time.Second)
		for attempt := 1; attempt <= 3; attempt++ {
			time.Sleep(timeout)
			synctest.Wait()
			if n := st.deleteCalls(); n != attempt {
				t.Fatalf("after %d timeouts, %d delete attempts", attempt, n)
			}
			if _, err := m.Get("r"); err != nil {
				t.Fatalf("room gone although the store kept it: %v", err)
			}
		}
		if ev := all.of(room.EventRoomClosed); len(ev) != 0 {
			t.Fatalf("EventRoomClosed for a room that stayed: %+v", ev)
		}

		// A joiner in the meantime keeps the room, and stops the retries.
		alice, _ := join(t, m, "r", "alice", allGrants)
		time.Sleep(3 * timeout)
		synctest.Wait()
		if n := st.deleteCalls(); n != 3 {
			t.Fatalf("%d delete attempts while the room was occupied", n)
		}
		alice.Leave(room.ReasonLeft)

		st.fail(false, false)
		time.Sleep(timeout - time.Second)
		synctest.Wait()
		if _, err := m.Get("r"); err != nil {
			t.Fatalf("room closed before a timeout passed since it emptied: %v", err)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
			t.Fatalf("room after the store recovered: %v", err)
		}
		if got := st.names(); len(got) != 0 {
			t.Fatalf("stored rooms %v", got)
		}
		if ev := all.of(room.EventRoomClosed); len(ev) != 1 || ev[0].Room != "r" || ev[0].Reason != "empty_timeout" {
			t.Fatalf("EventRoomClosed = %+v", ev)
		}
	})
}

// TestLockIsStored: a lock change reaches the store before the room, so
// that a restart keeps it; one the store cannot take is not made
// (unavailable) and nobody is told of it.
func TestLockIsStored(t *testing.T) {
	st := newStore()
	m := newManager(t, room.Config{AutoCreate: true, Store: st})
	host, hostRec := join(t, m, "r", "hana", hostGrants)
	if err := host.SetLocked(true); err != nil {
		t.Fatal(err)
	}
	if info := st.rooms["r"]; !info.Locked {
		t.Fatalf("stored after the lock: %+v", info)
	}
	st.fail(true, false)
	if err := host.SetLocked(false); !errors.Is(err, room.ErrUnavailable) || room.Code(err) != protocol.CodeUnavailable {
		t.Fatalf("unlock the store refused: %v", err)
	}
	if locked, _ := host.Meeting(); !locked || len(hostRec.of(room.EventMeetingUnlocked)) != 0 {
		t.Fatal("an unlock the store refused was made")
	}
	st.fail(false, false)
	if _, err := m.SetLocked("r", adminOf(owner), false); err != nil {
		t.Fatal(err)
	}
	if info := st.rooms["r"]; info.Locked {
		t.Fatalf("stored after the owner's unlock: %+v", info)
	}
}
