package audit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
)

func TestFromEvent(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		ev   room.Event
		want *Entry
	}{
		{"a failed sign-in", room.Event{Kind: room.EventSecurity, Time: at, Security: &room.SecurityEvent{
			Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, Reason: "password", Email: "a@example.org",
			IP: "192.0.2.7", UserAgent: strings.Repeat("u", 1000),
		}}, &Entry{Time: at, Action: "signin_failed", IP: "192.0.2.7", Details: map[string]string{
			"outcome": "refused", "reason": "password", "email": "a@example.org", "user_agent": strings.Repeat("u", maxUserAgent)}}},
		{"a policy change", room.Event{Kind: room.EventSecurity, Time: at, Security: &room.SecurityEvent{
			Kind: room.SecurityPolicyChanged, Outcome: room.OutcomeSucceeded, Actor: "usr_1", NewVersion: 3, OldVersion: 2,
		}}, &Entry{Time: at, Action: "policy_changed", Actor: "usr_1", Details: map[string]string{
			"outcome": "succeeded", "old_version": "2", "new_version": "3"}}},
		{"a throttled refusal's count", room.Event{Kind: room.EventSecurity, Time: at, Security: &room.SecurityEvent{
			Kind: room.SecurityTokenRefused, Outcome: room.OutcomeRefused, Reason: "rest: token_malformed", IP: "192.0.2.9", Suppressed: 57,
		}}, &Entry{Time: at, Action: "token_refused", IP: "192.0.2.9", Details: map[string]string{
			"outcome": "refused", "reason": "rest: token_malformed", "suppressed": "57"}}},
		{"a removal in a room", room.Event{Kind: room.EventSecurity, Time: at, Room: "standup", Security: &room.SecurityEvent{
			Kind: room.SecurityParticipantRemoved, Outcome: room.OutcomeSucceeded, Actor: "alice", Subject: "bob", Reason: "banned",
		}}, &Entry{Time: at, Action: "participant_removed", Actor: "alice", Target: "bob", Room: "standup", Details: map[string]string{
			"outcome": "succeeded", "reason": "banned"}}},
		{"a refused join", room.Event{Kind: room.EventDecision, Time: at, Room: "standup", Decision: &room.Decision{
			Action: room.ActionJoin, Outcome: room.Refused, Room: "standup", Identity: "eve", Key: "CK1", Err: room.ErrPermissionDenied,
		}}, &Entry{Time: at, Action: "decision", Actor: "eve", Room: "standup", Details: map[string]string{
			"action": "join", "outcome": "refused", "code": room.Code(room.ErrPermissionDenied), "key": "CK1"}}},
		{"an admitted join", room.Event{Kind: room.EventDecision, Time: at, Decision: &room.Decision{
			Action: room.ActionJoin, Outcome: room.Admitted, Room: "standup", Identity: "bob", Role: "host", Addr: "198.51.100.4",
		}}, &Entry{Time: at, Action: "decision", Actor: "bob", IP: "198.51.100.4", Room: "standup", Details: map[string]string{
			"action": "join", "outcome": "admitted", "role": "host"}}},
		{"an admitted read", room.Event{Kind: room.EventDecision, Decision: &room.Decision{Action: room.ActionListRooms, Outcome: room.Admitted}}, nil},
		{"a refused read", room.Event{Kind: room.EventDecision, Decision: &room.Decision{Action: room.ActionListRooms, Outcome: room.Refused, Err: room.ErrPermissionDenied}},
			&Entry{Action: "decision", Details: map[string]string{"action": "list_rooms", "outcome": "refused", "code": room.Code(room.ErrPermissionDenied)}}},
		{"a participant gone", room.Event{Kind: room.EventLeft, Time: at, Room: "standup", Reason: room.ReasonRemoved,
			Participant: room.ParticipantInfo{ID: "PA_1", Identity: "bob"}},
			&Entry{Time: at, Action: "participant_left", Actor: "bob", Room: "standup", Details: map[string]string{"participant": "PA_1", "reason": "removed"}}},
		{"a room created", room.Event{Kind: room.EventRoomCreated, Time: at, Room: "standup"}, &Entry{Time: at, Action: "room_created", Room: "standup", Details: nil}},
		{"a data message", room.Event{Kind: room.EventData, Payload: []byte("secret chat"), Room: "standup"}, nil},
		{"an E2EE relay", room.Event{Kind: room.EventE2EE, Payload: []byte("key package"), Room: "standup"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FromEvent(tc.ev)
			if tc.want == nil {
				if ok {
					t.Fatalf("kept %+v", got)
				}
				return
			}
			if !ok {
				t.Fatal("not kept")
			}
			if got.Details == nil {
				got.Details = map[string]string{}
			}
			if tc.want.Details == nil {
				tc.want.Details = map[string]string{}
			}
			if !got.Time.Equal(tc.want.Time) || got.Actor != tc.want.Actor || got.Action != tc.want.Action || got.Target != tc.want.Target ||
				got.IP != tc.want.IP || got.Room != tc.want.Room || formatDetails(got.Details) != formatDetails(tc.want.Details) {
				t.Fatalf("entry\n got %+v\nwant %+v", got, *tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// syncBuffer is a log destination many goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestSinkWritesEventsAndSignsOnClose(t *testing.T) {
	f := newFixture(t, 1000)
	s := NewSink(SinkConfig{Log: f.log, CheckpointInterval: time.Hour})
	for i := range 50 {
		s.OnEvent(room.Event{Kind: room.EventSecurity, Time: t0, Security: &room.SecurityEvent{
			Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, IP: "192.0.2.1", Email: "x" + strings.Repeat("y", i) + "@example.org"}})
	}
	s.OnEvent(room.Event{Kind: room.EventData, Payload: []byte("not kept")})
	testkit.Eventually(t, "50 records appended", func() bool { return s.Appended() == 50 })
	s.Close()
	if s.Failed() != 0 || s.Err() != nil {
		t.Fatalf("failed %d, err %v", s.Failed(), s.Err())
	}
	// Close signed the tail.
	rep := f.mustVerify()
	if rep.Records != 50 || rep.SignedThrough != 50 {
		t.Fatalf("after Close: %+v", rep)
	}
	if r := f.stored(50); r.Action != "signin_failed" || !strings.HasPrefix(r.Details["email"], "xyyy") {
		t.Fatalf("record 50: %+v", r)
	}
	// After Close an event is lost, and counted.
	s.OnEvent(room.Event{Kind: room.EventSecurity, Security: &room.SecurityEvent{Kind: room.SecuritySignedOut}})
	if s.Failed() != 1 || !errors.Is(s.Err(), ErrNotWriting) {
		t.Fatalf("after Close: failed %d, err %v", s.Failed(), s.Err())
	}
	s.Close() // twice is fine
}

func TestSinkSignsOnItsInterval(t *testing.T) {
	f := newFixture(t, 1000)
	s := NewSink(SinkConfig{Log: f.log, CheckpointInterval: 10 * time.Millisecond})
	defer s.Close()
	s.Add(entry(1))
	testkit.Eventually(t, "a checkpoint signed on the interval", func() bool {
		rep, err := f.verify()
		return err == nil && rep.SignedThrough == 1
	})
}

// A store that fails: the entries wait and are tried again, Err and Sync
// report the failure, logged once at error level; once the store takes
// writes again they are written, nothing lost, and that is logged too.
func TestSinkRetriesAFailingStore(t *testing.T) {
	f := newFixture(t, 1000)
	var logged syncBuffer
	s := NewSink(SinkConfig{Log: f.log, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	defer s.Close()
	f.exec(`CREATE TRIGGER refuse BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	s.Add(entry(1))
	testkit.Eventually(t, "the failure reported", func() bool { return errors.Is(s.Err(), ErrNotWriting) })
	s.Add(entry(2))
	testkit.Eventually(t, "both entries waiting", func() bool { return s.Waiting() == 2 })
	if err := s.Sync(context.Background()); !errors.Is(err, ErrNotWriting) {
		t.Fatalf("Sync while the store fails: %v", err)
	}
	if s.Failed() != 0 || s.Appended() != 0 {
		t.Fatalf("failed %d, appended %d while waiting", s.Failed(), s.Appended())
	}
	if n := strings.Count(logged.String(), "disk on fire"); n != 1 || !strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("the failure logged %d times:\n%s", n, logged.String())
	}
	f.exec(`DROP TRIGGER refuse`)
	testkit.Eventually(t, "the waiting entries written by a retry", func() bool { return s.Appended() == 2 })
	if s.Err() != nil || s.Failed() != 0 || s.Waiting() != 0 || !strings.Contains(logged.String(), "takes records again") {
		t.Fatalf("after the retry: err %v, failed %d, waiting %d; logged:\n%s", s.Err(), s.Failed(), s.Waiting(), logged.String())
	}
	if rep := f.mustVerify(); rep.Records != 2 {
		t.Fatalf("records after the retry: %+v", rep)
	}
	// An invalid entry is lost and counted, not queued.
	s.Add(Entry{Action: strings.Repeat("x", MaxFieldBytes+1)})
	if s.Failed() != 1 {
		t.Fatalf("failed %d after an invalid entry", s.Failed())
	}
}

// Sync returns once what was added before it is written: the records are
// in the store when it returns, with nothing queued at once.
func TestSinkSync(t *testing.T) {
	f := newFixture(t, 1000)
	s := NewSink(SinkConfig{Log: f.log, CheckpointInterval: time.Hour})
	defer s.Close()
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("Sync with nothing queued: %v", err)
	}
	for i := range 20 {
		s.Add(entry(i + 1))
		if err := s.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rep := f.mustVerify(); rep.Records != int64(i+1) {
			t.Fatalf("after Sync %d: %d records stored", i+1, rep.Records)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sync(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with an ended context: %v", err)
	}
	s.Close()
	if err := s.Sync(context.Background()); !errors.Is(err, ErrNotWriting) {
		t.Fatalf("Sync after Close: %v", err)
	}
}

// A store still failing when the sink closes: what waits is lost, and
// counted.
func TestSinkLosesWhatWaitsAtClose(t *testing.T) {
	f := newFixture(t, 1000)
	s := NewSink(SinkConfig{Log: f.log})
	f.exec(`CREATE TRIGGER refuse BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	s.Add(entry(1))
	testkit.Eventually(t, "the entry waiting", func() bool { return s.Waiting() == 1 })
	s.Close()
	if s.Failed() != 1 || s.Appended() != 0 || !errors.Is(s.Err(), ErrNotWriting) {
		t.Fatalf("after Close: failed %d, appended %d, err %v", s.Failed(), s.Appended(), s.Err())
	}
}

// A full queue loses entries without blocking the caller (a room holds
// its lock while it publishes).
func TestSinkQueueFullDoesNotBlock(t *testing.T) {
	f := newFixture(t, 1000)
	// The writer is held by a write transaction of another connection
	// until the test lets go.
	f.exec(`SELECT 1`)
	conn, err := f.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	var logged syncBuffer
	s := NewSink(SinkConfig{Log: f.log, Queue: 4, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	for range 100 {
		s.Add(entry(1))
	}
	if s.Failed() < 90 || !errors.Is(s.Err(), ErrNotWriting) {
		t.Fatalf("failed %d of 100 with a queue of 4", s.Failed())
	}
	if n := strings.Count(logged.String(), "queue is full"); n != 1 {
		t.Errorf("the full queue was logged %d times, want once", n)
	}
	if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := s.Appended() + s.Failed(); got != 100 {
		t.Fatalf("appended %d + failed %d, want 100", s.Appended(), s.Failed())
	}
}
