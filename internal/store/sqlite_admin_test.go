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

func TestUpdateUserKeepAdmin(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	a := testUser(1, t0)
	a.Role = RoleAdmin
	b := testUser(2, t0)
	b.Role = RoleAdmin
	for _, u := range []User{a, b} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	demote := func(x *User) error { x.Role = RoleMember; return nil }
	disable := func(x *User) error { x.Status = StatusDisabled; return nil }

	// Two admins demoting each other at once: exactly one succeeds.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, id := range []string{a.ID, b.ID} {
		wg.Go(func() { _, errs[i] = s.UpdateUserKeepAdmin(ctx, id, demote) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("both or neither demoted: %v, %v", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("refusal: %v, want ErrLastAdmin", err)
		}
	}
	admin := b.ID // the one still an admin
	if errs[0] != nil {
		admin = a.ID
	}
	if _, err := s.UpdateUserKeepAdmin(ctx, admin, disable); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("disabling the last admin: %v", err)
	}
	if u, _ := s.User(ctx, admin); u.Role != RoleAdmin || u.Status != StatusActive {
		t.Fatalf("the last admin changed: %+v", u)
	}
	// Other changes to the last admin are fine.
	if _, err := s.UpdateUserKeepAdmin(ctx, admin, func(x *User) error { x.DisplayName = "Boss"; return nil }); err != nil {
		t.Fatal(err)
	}
	// With no admin at all, members change freely.
	m := mustUser(t, s, 3, t0)
	if _, err := s.UpdateUserKeepAdmin(ctx, m.ID, disable); err != nil {
		t.Fatal(err)
	}
}

func TestListUserListings(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	var ids []string
	for i := range 5 {
		// Two share a creation time: the id breaks the tie.
		u := mustUser(t, s, i+1, t0.Add(time.Duration(i/2)*time.Second))
		ids = append(ids, u.ID)
	}
	if err := s.CreatePasskey(ctx, Passkey{ID: "PK_1", UserID: ids[2], CredentialID: []byte{1}, Credential: []byte{1}, Name: "k", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePasskey(ctx, Passkey{ID: "PK_2", UserID: ids[2], CredentialID: []byte{2}, Credential: []byte{1}, Name: "k", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	signin := t0.Add(time.Hour)
	if err := s.CreateSession(ctx, Session{ID: "SE_1", IDHash: sum("s1"), UserID: ids[1], CreatedAt: signin, ExpiresAt: signin.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for {
		page, err := s.ListUserListings(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d", len(page))
		}
		for _, l := range page {
			got = append(got, l.ID)
			switch l.ID {
			case ids[1]:
				if !l.LastSigninAt.Equal(signin) {
					t.Errorf("last sign-in %v, want %v", l.LastSigninAt, signin)
				}
			case ids[2]:
				if l.Passkeys != 2 {
					t.Errorf("passkeys %d, want 2", l.Passkeys)
				}
			default:
				if !l.LastSigninAt.IsZero() || l.Passkeys != 0 {
					t.Errorf("%s: %+v", l.ID, l)
				}
			}
		}
		after = page[len(page)-1].ID
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("listed %v, want %v", got, ids)
	}
	if l, err := s.UserListing(ctx, ids[2]); err != nil || l.Passkeys != 2 || l.Email != "user3@example.org" {
		t.Fatalf("one listing: %+v %v", l, err)
	}
	if _, err := s.UserListing(ctx, "US_nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := s.ListUserListings(ctx, "US_nobody", 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown cursor: %v", err)
	}
	for _, n := range []int{0, -1, MaxListLimit + 1} {
		if _, err := s.ListUserListings(ctx, "", n); err == nil {
			t.Fatalf("limit %d accepted", n)
		}
	}
}

func TestCreateSignupInviteCapped(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	admin := mustUser(t, s, 1, t0)
	for i := range 3 {
		if err := s.CreateSignupInviteCapped(ctx, testInvite(i, admin, t0), 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSignupInviteCapped(ctx, testInvite(9, admin, t0), 3); !errors.Is(err, ErrLimit) {
		t.Fatalf("fourth: %v", err)
	}
	// A used and an expired invite no longer count.
	u := testUser(2, t0)
	if err := s.RedeemSignupInvite(ctx, sum("invite0"), t0.Add(time.Minute), u); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSignupInviteCapped(ctx, testInvite(10, admin, t0.Add(time.Minute)), 3); err != nil {
		t.Fatalf("after one was used: %v", err)
	}
	later := t0.Add(73 * time.Hour) // the first three and the used one expired
	for i := range 3 {
		if err := s.CreateSignupInviteCapped(ctx, testInvite(20+i, admin, later), 3); err != nil {
			t.Fatalf("after the others expired: %v", err)
		}
	}
	if err := s.CreateSignupInviteCapped(ctx, testInvite(10, admin, later), 100); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestPasswordResets(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	admin := mustUser(t, s, 1, t0)
	u := mustUser(t, s, 2, t0)
	reset := func(n int) PasswordReset {
		return PasswordReset{ID: fmt.Sprintf("RS_%d", n), TokenHash: sum(fmt.Sprint("reset", n)), UserID: u.ID,
			CreatedBy: admin.ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	}
	if err := s.CreatePasswordReset(ctx, reset(1)); err != nil {
		t.Fatal(err)
	}
	got, err := s.PasswordResetByHash(ctx, sum("reset1"))
	if err != nil || got.UserID != u.ID || !got.ExpiresAt.Equal(t0.Add(24*time.Hour)) || got.CreatedBy != admin.ID {
		t.Fatalf("%+v %v", got, err)
	}
	// A newer reset replaces the older.
	if err := s.CreatePasswordReset(ctx, reset(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordResetByHash(ctx, sum("reset1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the older reset remains: %v", err)
	}
	// Expired: refused, nothing changes.
	set := func(x *User) error { x.DisplayName = "reset"; return nil }
	if _, err := s.RedeemPasswordReset(ctx, sum("reset2"), t0.Add(24*time.Hour), set); !errors.Is(err, ErrResetExpired) {
		t.Fatalf("expired: %v", err)
	}
	// fn's error aborts: the reset stays.
	boom := errors.New("boom")
	if _, err := s.RedeemPasswordReset(ctx, sum("reset2"), t0, func(*User) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	nu, err := s.RedeemPasswordReset(ctx, sum("reset2"), t0.Add(time.Hour), set)
	if err != nil || nu.DisplayName != "reset" {
		t.Fatalf("%+v %v", nu, err)
	}
	if _, err := s.RedeemPasswordReset(ctx, sum("reset2"), t0.Add(time.Hour), set); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	// Bad input.
	bad := reset(3)
	bad.ExpiresAt = bad.CreatedAt
	if err := s.CreatePasswordReset(ctx, bad); err == nil {
		t.Fatal("a reset expiring when made was stored")
	}
	bad = reset(3)
	bad.UserID = "US_nobody"
	if err := s.CreatePasswordReset(ctx, bad); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	bad = reset(3)
	bad.TokenHash = []byte("short")
	if err := s.CreatePasswordReset(ctx, bad); err == nil {
		t.Fatal("a short hash was stored")
	}
}

func TestPurge(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	admin := mustUser(t, s, 1, t0)
	u := mustUser(t, s, 2, t0)
	now := t0.Add(100 * 24 * time.Hour)
	idle := 12 * time.Hour
	keep := 30 * 24 * time.Hour
	sessions := map[string]struct {
		seen, expires time.Time
		gone          bool
	}{
		"SE_live":    {now.Add(-time.Hour), now.Add(time.Hour), false},
		"SE_expired": {now.Add(-time.Hour), now, true},
		"SE_idle":    {now.Add(-idle), now.Add(time.Hour), true},
		"SE_almost":  {now.Add(-idle + time.Nanosecond), now.Add(time.Nanosecond), false},
	}
	for id, v := range sessions {
		if err := s.CreateSession(ctx, Session{ID: id, IDHash: sum(id), UserID: u.ID, CreatedAt: v.seen, LastSeenAt: v.seen, ExpiresAt: v.expires}); err != nil {
			t.Fatal(err)
		}
	}
	invites := map[string]struct {
		expires, used time.Time
		gone          bool
	}{
		"IN_open":        {now.Add(time.Hour), time.Time{}, false},
		"IN_expired":     {now.Add(-time.Hour), time.Time{}, false}, // kept 30 days for the admins' list
		"IN_expiredlong": {now.Add(-keep), time.Time{}, true},
		"IN_used":        {now.Add(time.Hour), now.Add(-keep + time.Nanosecond), false},
		"IN_usedlong":    {now.Add(time.Hour), now.Add(-keep), true},
	}
	n := 10
	for id, v := range invites {
		n++
		in := SignupInvite{ID: id, TokenHash: sum(id), Role: RoleMember, CreatedBy: admin.ID, CreatedAt: t0, ExpiresAt: v.expires}
		if !v.used.IsZero() {
			nu := testUser(n, t0)
			if err := s.CreateUser(ctx, nu); err != nil {
				t.Fatal(err)
			}
			in.UsedAt, in.UsedBy = v.used, nu.ID
		}
		if err := s.CreateSignupInvite(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	resets := map[string]struct {
		expires time.Time
		gone    bool
	}{
		"RS_live": {now.Add(time.Nanosecond), false},
		"RS_dead": {now, true},
	}
	for id, v := range resets {
		// Each for its own user: a new reset replaces the user's others.
		n++
		ru := mustUser(t, s, n, t0)
		if err := s.CreatePasswordReset(ctx, PasswordReset{ID: id, TokenHash: sum(id), UserID: ru.ID, CreatedBy: admin.ID, CreatedAt: t0, ExpiresAt: v.expires}); err != nil {
			t.Fatal(err)
		}
	}
	tokens := map[string]struct {
		expires, revoked time.Time
		gone             bool
	}{
		"PT_live":        {now.Add(time.Hour), time.Time{}, false},
		"PT_expired":     {now.Add(-time.Hour), time.Time{}, false}, // still listed for a while
		"PT_expiredlong": {now.Add(-keep), time.Time{}, true},
		"PT_revoked":     {now.Add(time.Hour), now.Add(-keep + time.Nanosecond), false},
		"PT_revokedlong": {now.Add(time.Hour), now.Add(-keep), true},
	}
	for id, v := range tokens {
		pt := PersonalToken{ID: id, UserID: u.ID, Name: id, SecretHash: sum(id), Grants: []string{"roomList"}, CreatedAt: t0, ExpiresAt: v.expires}
		if err := s.CreatePersonalToken(ctx, pt); err != nil {
			t.Fatal(err)
		}
		if !v.revoked.IsZero() {
			if err := s.RevokePersonalToken(ctx, u.ID, id, v.revoked); err != nil {
				t.Fatal(err)
			}
		}
	}
	meetingInvites := map[string]bool{ // id -> gone
		"MI_live":        false,
		"MI_expired":     false, // still listed for a while
		"MI_expiredlong": true,
	}
	for id := range meetingInvites {
		expires := now.Add(time.Hour)
		switch id {
		case "MI_expired":
			expires = now.Add(-time.Hour)
		case "MI_expiredlong":
			expires = now.Add(-keep)
		}
		in := MeetingInvite{ID: id, Room: "r", Owner: u.ID, CreatedBy: "owner:" + u.ID, Role: "viewer", MaxUses: 1, CreatedAt: expires.Add(-time.Hour), ExpiresAt: expires}
		if err := s.CreateMeetingInvite(ctx, in, 100); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.Purge(ctx, PurgeCutoffs{Now: now, IdleBefore: now.Add(-idle), KeepBefore: now.Add(-keep)})
	if err != nil {
		t.Fatal(err)
	}
	if p != (Purged{Sessions: 2, Invites: 2, Resets: 1, Tokens: 2, MeetingInvites: 1}) {
		t.Fatalf("purged %+v", p)
	}
	for id, v := range sessions {
		_, err := s.SessionByHash(ctx, sum(id))
		if gone := errors.Is(err, ErrNotFound); gone != v.gone {
			t.Errorf("session %s: gone %v, want %v (%v)", id, gone, v.gone, err)
		}
	}
	for id, v := range invites {
		_, err := s.SignupInviteByHash(ctx, sum(id))
		if gone := errors.Is(err, ErrNotFound); gone != v.gone {
			t.Errorf("invite %s: gone %v, want %v (%v)", id, gone, v.gone, err)
		}
	}
	for id, v := range resets {
		_, err := s.PasswordResetByHash(ctx, sum(id))
		if gone := errors.Is(err, ErrNotFound); gone != v.gone {
			t.Errorf("reset %s: gone %v, want %v (%v)", id, gone, v.gone, err)
		}
	}
	for id, v := range tokens {
		_, err := s.PersonalToken(ctx, id)
		if gone := errors.Is(err, ErrNotFound); gone != v.gone {
			t.Errorf("personal token %s: gone %v, want %v (%v)", id, gone, v.gone, err)
		}
	}
	for id, wantGone := range meetingInvites {
		_, err := s.MeetingInvite(ctx, id)
		if gone := errors.Is(err, ErrNotFound); gone != wantGone {
			t.Errorf("meeting invite %s: gone %v, want %v (%v)", id, gone, wantGone, err)
		}
	}
	if _, err := s.Purge(ctx, PurgeCutoffs{}); err == nil {
		t.Fatal("purge without cutoffs ran")
	}
}
