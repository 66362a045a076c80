package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func testMeetingInvite(id string, now time.Time, maxUses int) MeetingInvite {
	return MeetingInvite{ID: id, Room: "r1", Owner: "US_A", CreatedBy: "owner:US_A", Role: "participant",
		MaxUses: maxUses, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

// TestMeetingInviteUseIsAtomic: however many callers race for a
// single-use invite, exactly one use is counted; the others are told it
// is used up.
func TestMeetingInviteUseIsAtomic(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Unix(1_700_000_000, 0).UTC()
	for _, max := range []int{1, 3} {
		id := fmt.Sprintf("MI_%d", max)
		if err := s.CreateMeetingInvite(ctx, testMeetingInvite(id, now, max), 100); err != nil {
			t.Fatal(err)
		}
		const racers = 16
		var wg sync.WaitGroup
		errs := make(chan error, racers)
		for range racers {
			wg.Go(func() {
				_, err := s.UseMeetingInvite(ctx, id, now.Add(time.Second))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrInviteUsedUp):
				t.Errorf("max %d: a racing use failed with %v, want ErrInviteUsedUp", max, err)
			}
		}
		if ok != max {
			t.Errorf("max %d: %d uses succeeded", max, ok)
		}
		in, err := s.MeetingInvite(ctx, id)
		if err != nil || in.Uses != max {
			t.Errorf("max %d: stored uses %d, %v", max, in.Uses, err)
		}
	}
}

func TestMeetingInviteRefusals(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Unix(1_700_000_000, 0).UTC()
	if err := s.CreateMeetingInvite(ctx, testMeetingInvite("MI_X", now, 5), 100); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMeetingInvite(ctx, testMeetingInvite("MI_X", now, 5), 100); !errors.Is(err, ErrExists) {
		t.Errorf("same id again: %v", err)
	}
	if _, err := s.UseMeetingInvite(ctx, "MI_X", now.Add(time.Hour)); !errors.Is(err, ErrInviteExpired) {
		t.Errorf("at expiry: %v", err)
	}
	if _, err := s.UseMeetingInvite(ctx, "MI_NONE", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if err := s.RevokeMeetingInvite(ctx, "US_B", "MI_X", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("another owner's revocation: %v", err)
	}
	if err := s.RevokeMeetingInvite(ctx, "US_A", "MI_X", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseMeetingInvite(ctx, "MI_X", now.Add(2*time.Second)); !errors.Is(err, ErrInviteRevoked) {
		t.Errorf("revoked: %v", err)
	}
	in, err := s.MeetingInvite(ctx, "MI_X")
	if err != nil || in.Uses != 0 || !in.RevokedAt.Equal(now.Add(time.Second)) {
		t.Errorf("after refusals: %+v %v", in, err)
	}
	list, err := s.ListMeetingInvites(ctx, "US_A", "r1", now)
	if err != nil || len(list) != 1 || list[0].ID != "MI_X" {
		t.Errorf("list: %+v %v", list, err)
	}
	if list, _ := s.ListMeetingInvites(ctx, "US_A", "r1", now.Add(time.Minute)); len(list) != 0 {
		t.Errorf("a revoked invite is listed after its revocation: %+v", list)
	}
	if n, err := s.PurgeMeetingInvites(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("purge: %d %v", n, err)
	}
}

// TestMeetingInviteCap: a room's open invites are capped; used-up,
// revoked and expired ones do not count.
func TestMeetingInviteCap(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Unix(1_700_000_000, 0).UTC()
	for i := range 2 {
		if err := s.CreateMeetingInvite(ctx, testMeetingInvite(fmt.Sprintf("MI_%d", i), now, 1), 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateMeetingInvite(ctx, testMeetingInvite("MI_2", now, 1), 2); !errors.Is(err, ErrTooManyInvites) {
		t.Fatalf("third: %v", err)
	}
	if _, err := s.UseMeetingInvite(ctx, "MI_0", now); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMeetingInvite(ctx, testMeetingInvite("MI_2", now, 1), 2); err != nil {
		t.Errorf("after one was used up: %v", err)
	}
}

// TestRoomInviteOnlyStored: the option survives a restart.
func TestRoomInviteOnlyStored(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	if err := s.CreateAPIKey(ctx, APIKey{ID: "K1", Name: "k", PublicKey: make([]byte, 32)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoom(ctx, Room{Name: "a", Owner: "K1", InviteOnly: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRoom(ctx, Room{Name: "b", Owner: "K1"}); err != nil {
		t.Fatal(err)
	}
	a, err := s.Room(ctx, "a")
	b, err2 := s.Room(ctx, "b")
	if err != nil || err2 != nil || !a.InviteOnly || b.InviteOnly {
		t.Errorf("a %+v %v, b %+v %v", a, err, b, err2)
	}
}

// TestWriteGate: a write that waits behind another of this process's
// writes goes on when that one ends; one whose context ends first gives
// up with the context's error, and one that waits past the busy timeout
// with ErrUnavailable, both leaving the gate as it was.
func TestWriteGate(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Unix(1_700_000_000, 0).UTC()
	if err := s.CreateMeetingInvite(ctx, testMeetingInvite("MI_G", now, 10), 100); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.WriteAudit(ctx, func(AuditTx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	short, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.UseMeetingInvite(short, "MI_G", now); !errors.Is(err, context.Canceled) {
		t.Fatalf("a write whose context ended while it waited: %v", err)
	}
	// Without a deadline of its own, a write waits the busy timeout, as
	// it would for SQLite's lock, and then is told the store is busy.
	if _, err := s.UseMeetingInvite(ctx, "MI_G", now); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a write that waited past the busy timeout: %v", err)
	}
	used := make(chan error, 1)
	go func() {
		_, err := s.UseMeetingInvite(ctx, "MI_G", now)
		used <- err
	}()
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-used; err != nil {
		t.Fatalf("the waiting write: %v", err)
	}
	if in, err := s.MeetingInvite(ctx, "MI_G"); err != nil || in.Uses != 1 {
		t.Fatalf("uses %d, %v", in.Uses, err)
	}
}

// BenchmarkInviteRush: 100 guests redeem one invite at once; one
// operation is the whole rush. docs/performance.md records the figures.
func BenchmarkInviteRush(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, filepath.Join(b.TempDir(), "c.db"))
	now := time.Now()
	if err := s.CreateMeetingInvite(ctx, testMeetingInvite("MI_R", now, 1<<30), 100); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if _, err := s.UseMeetingInvite(ctx, "MI_R", now.Add(time.Second)); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}
