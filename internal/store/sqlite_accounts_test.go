package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// testHash is a PHC argon2id hash, as the store requires of a password hash.
const testHash = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"

// sum is the SHA-256 of s, standing for a hashed secret.
func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func testUser(n int, created time.Time) User {
	return User{
		ID:           fmt.Sprintf("US_%026d", n),
		Email:        fmt.Sprintf("user%d@example.org", n),
		DisplayName:  fmt.Sprintf("User %d", n),
		Role:         RoleMember,
		Status:       StatusActive,
		PasswordHash: testHash,
		CreatedAt:    created,
		UpdatedAt:    created,
	}
}

// mustUser creates testUser(n) and returns it.
func mustUser(t *testing.T, s *SQLite, n int, created time.Time) User {
	t.Helper()
	u := testUser(n, created)
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// t0 has nanoseconds, to see that times keep them.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))

	full := testUser(1, t0)
	full.Role = RoleAdmin
	full.PasswordChangedAt = t0.Add(time.Minute)
	full.TOTPSecret = bytes.Repeat([]byte{0xA5}, 20)
	full.TOTPEnabled = true
	full.TOTPLastStep = 59022000
	full.FailedSignins = 3
	full.LockedUntil = t0.Add(time.Hour)
	full.LastFailedAt = t0.Add(time.Minute)
	full.LockNotice = true
	full.UpdatedAt = t0.Add(2 * time.Minute)
	// Times in another zone come back as the same instants, in UTC.
	full.CreatedAt = full.CreatedAt.In(time.FixedZone("X", 3600))
	plain := testUser(2, t0.Add(-time.Second))
	for _, u := range []User{full, plain} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.User(ctx, full.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := full
	want.CreatedAt = t0
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("User =\n%+v\nwant\n%+v", got, want)
	}
	got, err = s.User(ctx, plain.ID)
	if err != nil || !reflect.DeepEqual(got, plain) || got.TOTPSecret != nil || !got.LockedUntil.IsZero() || !got.PasswordChangedAt.IsZero() {
		t.Fatalf("User = %+v, %v; want %+v", got, err, plain)
	}
	if got, err := s.UserByEmail(ctx, full.Email); err != nil || got.ID != full.ID {
		t.Fatalf("UserByEmail = %+v, %v", got, err)
	}
	if _, err := s.User(ctx, "US_NOBODY"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing email: %v", err)
	}

	sameID := testUser(3, t0)
	sameID.ID = full.ID
	sameEmail := testUser(4, t0)
	sameEmail.Email = full.Email
	for name, u := range map[string]User{"same id": sameID, "same email": sameEmail} {
		if err := s.CreateUser(ctx, u); !errors.Is(err, ErrExists) {
			t.Errorf("%s: %v, want ErrExists", name, err)
		}
	}

	// Zero creation and update times are stored as now.
	before := time.Now()
	now := testUser(5, time.Time{})
	if err := s.CreateUser(ctx, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, now.ID); got.CreatedAt.Before(before.Truncate(0)) || got.UpdatedAt.Before(before.Truncate(0)) {
		t.Fatalf("zero times stored as %v, %v; want after %v", got.CreatedAt, got.UpdatedAt, before)
	}

	list, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range list {
		ids = append(ids, u.ID)
	}
	if wantIDs := []string{plain.ID, full.ID, now.ID}; !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("ListUsers = %v, want oldest first %v", ids, wantIDs)
	}
}

// TestUserValidation: a user the store must not hold is refused with a
// plain error, no sentinel, and nothing is stored; a password given where
// its hash belongs never appears in the error.
func TestUserValidation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	const password = "correct horse battery staple"
	bad := map[string]func(*User){
		"empty id":             func(u *User) { u.ID = "" },
		"id without prefix":    func(u *User) { u.ID = "00000000000000000000000001" },
		"prefix only":          func(u *User) { u.ID = "US_" },
		"id with a space":      func(u *User) { u.ID = "US_0000 1" },
		"id too long":          func(u *User) { u.ID = "US_" + strings.Repeat("A", MaxIDBytes) },
		"empty email":          func(u *User) { u.Email = "" },
		"upper-case email":     func(u *User) { u.Email = "User@example.org" },
		"non-ASCII upper-case": func(u *User) { u.Email = "ülo@ÉXAMPLE.org" },
		"untrimmed email":      func(u *User) { u.Email = " user@example.org" },
		"email with newline":   func(u *User) { u.Email = "user@example.org\n" },
		"email not UTF-8":      func(u *User) { u.Email = "user\xff@example.org" },
		"email too long":       func(u *User) { u.Email = strings.Repeat("a", MaxEmailBytes) + "@x" },
		"display name long":    func(u *User) { u.DisplayName = strings.Repeat("n", MaxNameBytes+1) },
		"display name not UTF": func(u *User) { u.DisplayName = "\xc3" },
		"empty role":           func(u *User) { u.Role = "" },
		"unknown role":         func(u *User) { u.Role = "root" },
		"unknown status":       func(u *User) { u.Status = "locked" },
		"plain password":       func(u *User) { u.PasswordHash = password },
		"empty password hash":  func(u *User) { u.PasswordHash = "" },
		"bcrypt hash":          func(u *User) { u.PasswordHash = "$2b$12$abcdefghijklmnopqrstuv" },
		"hash too long":        func(u *User) { u.PasswordHash = argon2idPrefix + strings.Repeat("h", MaxPasswordHashBytes) },
		"empty TOTP secret":    func(u *User) { u.TOTPSecret = []byte{} },
		"short TOTP secret":    func(u *User) { u.TOTPSecret = make([]byte, MinTOTPSecretBytes-1) },
		"long TOTP secret":     func(u *User) { u.TOTPSecret = make([]byte, MaxTOTPSecretBytes+1) },
		"TOTP without secret":  func(u *User) { u.TOTPEnabled = true },
		"negative TOTP step":   func(u *User) { u.TOTPLastStep = -1 },
		"negative failures":    func(u *User) { u.FailedSignins = -1 },
		"lock beyond 2262":     func(u *User) { u.LockedUntil = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"created before 1678":  func(u *User) { u.CreatedAt = time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, mutate := range bad {
		u := testUser(1, t0)
		mutate(&u)
		err := s.CreateUser(ctx, u)
		if err == nil {
			t.Errorf("%s: created", name)
			continue
		}
		if errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v reads as a sentinel", name, err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("%s: the error quotes the password: %v", name, err)
		}
	}
	if list, err := s.ListUsers(ctx); err != nil || len(list) != 0 {
		t.Fatalf("after refusals the store holds %d users, %v", len(list), err)
	}

	// The schema refuses them too, should a writer skip the checks.
	for name, q := range map[string]string{
		"upper-case email": `INSERT INTO users (id, email, display_name, role, status, password_hash, totp_enabled, totp_last_step, failed_signins, lock_notice, created_at, updated_at)
			VALUES ('US_1', 'A@b.c', '', 'member', 'active', '` + testHash + `', 0, 0, 0, 0, 0, 0)`,
		"plain password": `INSERT INTO users (id, email, display_name, role, status, password_hash, totp_enabled, totp_last_step, failed_signins, lock_notice, created_at, updated_at)
			VALUES ('US_1', 'a@b.c', '', 'member', 'active', 'hunter2', 0, 0, 0, 0, 0, 0)`,
		"unknown role": `INSERT INTO users (id, email, display_name, role, status, password_hash, totp_enabled, totp_last_step, failed_signins, lock_notice, created_at, updated_at)
			VALUES ('US_1', 'a@b.c', '', 'owner', 'active', '` + testHash + `', 0, 0, 0, 0, 0, 0)`,
		"TOTP without secret": `INSERT INTO users (id, email, display_name, role, status, password_hash, totp_enabled, totp_last_step, failed_signins, lock_notice, created_at, updated_at)
			VALUES ('US_1', 'a@b.c', '', 'member', 'active', '` + testHash + `', 1, 0, 0, 0, 0, 0)`,
		"short session hash": `INSERT INTO sessions VALUES ('SE_1', x'00', 'US_1', 0, 0, 0, '', '')`,
		"grants not an array": `INSERT INTO personal_tokens (id, user_id, name, secret_hash, grants, created_at, expires_at)
			VALUES ('PT_1', 'US_1', '', zeroblob(32), '"rooms"', 0, 1)`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "CHECK") {
			t.Errorf("schema, %s: %v, want a CHECK constraint failure", name, err)
		}
	}
}

func TestUpdateUser(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	u := mustUser(t, s, 1, t0)
	other := mustUser(t, s, 2, t0)

	before := time.Now()
	got, err := s.UpdateUser(ctx, u.ID, func(u *User) error {
		u.Email = "renamed@example.org"
		u.DisplayName = "Renamed"
		u.Role = RoleAdmin
		u.Status = StatusDisabled
		u.TOTPSecret = bytes.Repeat([]byte{1}, 20)
		u.TOTPEnabled = true
		u.TOTPLastStep = 7
		u.FailedSignins = 2
		u.LockedUntil = t0.Add(time.Hour).In(time.FixedZone("X", -7200))
		u.LockNotice = true
		u.UpdatedAt = t0 // overwritten with now
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, stored) {
		t.Fatalf("UpdateUser returned\n%+v\nthe store holds\n%+v", got, stored)
	}
	if stored.Email != "renamed@example.org" || stored.Role != RoleAdmin || stored.Status != StatusDisabled ||
		!stored.TOTPEnabled || stored.TOTPLastStep != 7 || stored.FailedSignins != 2 || !stored.LockNotice ||
		!stored.LockedUntil.Equal(t0.Add(time.Hour)) || !stored.CreatedAt.Equal(t0) ||
		stored.UpdatedAt.Before(before.Truncate(0)) {
		t.Fatalf("after UpdateUser: %+v", stored)
	}
	if _, err := s.UserByEmail(ctx, u.Email); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old email still found: %v", err)
	}

	// Every refused update leaves the user as it was.
	errBoom := errors.New("boom")
	for name, c := range map[string]struct {
		fn   func(*User) error
		want error // nil: any error but a sentinel
	}{
		"fn fails":            {func(u *User) error { u.FailedSignins = 99; return errBoom }, errBoom},
		"email taken":         {func(u *User) error { u.Email = other.Email; u.FailedSignins = 99; return nil }, ErrExists},
		"email not canonical": {func(u *User) error { u.Email = "X@example.org"; return nil }, nil},
		"id changed":          {func(u *User) error { u.ID = other.ID; return nil }, nil},
		"created changed":     {func(u *User) error { u.CreatedAt = t0.Add(time.Second); return nil }, nil},
		"secret dropped":      {func(u *User) error { u.TOTPSecret = nil; return nil }, nil},
	} {
		_, err := s.UpdateUser(ctx, u.ID, c.fn)
		switch {
		case c.want == errBoom && err != errBoom:
			t.Errorf("%s: %v, want fn's error as is", name, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", name, err, c.want)
		case c.want == nil && (err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound)):
			t.Errorf("%s: %v, want a plain error", name, err)
		}
		if now, err := s.User(ctx, u.ID); err != nil || !reflect.DeepEqual(now, stored) {
			t.Errorf("%s changed the user:\n%+v\nwas\n%+v", name, now, stored)
		}
	}

	called := false
	if _, err := s.UpdateUser(ctx, "US_NOBODY", func(*User) error { called = true; return nil }); !errors.Is(err, ErrNotFound) || called {
		t.Fatalf("missing user: %v, fn called %v", err, called)
	}
}

// TestUpdateUserSerializes: increments from many goroutines on two handles
// (two processes, as far as SQLite can tell) all land, and a TOTP step
// check-and-set lets exactly one of many take the same step.
func TestUpdateUserSerializes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	handles := []*SQLite{openTest(t, path), openTest(t, path)}
	u := mustUser(t, handles[0], 1, t0)
	u.TOTPSecret = bytes.Repeat([]byte{1}, 20)
	if _, err := handles[0].UpdateUser(ctx, u.ID, func(v *User) error { v.TOTPSecret = u.TOTPSecret; return nil }); err != nil {
		t.Fatal(err)
	}

	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := handles[i%2].UpdateUser(ctx, u.ID, func(v *User) error { v.FailedSignins++; return nil })
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := handles[0].User(ctx, u.ID); got.FailedSignins != n {
		t.Fatalf("FailedSignins = %d after %d increments", got.FailedSignins, n)
	}

	errReplay := errors.New("code already used")
	const step = 59022001
	accepted := make(chan int, n)
	for i := range n {
		wg.Go(func() {
			_, err := handles[i%2].UpdateUser(ctx, u.ID, func(v *User) error {
				if v.TOTPLastStep >= step {
					return errReplay
				}
				v.TOTPLastStep = step
				return nil
			})
			switch {
			case err == nil:
				accepted <- i
			case err != errReplay:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(accepted)
	if len(accepted) != 1 {
		t.Fatalf("%d goroutines accepted the same TOTP step, want 1", len(accepted))
	}
}

// TestUpdateUserHoldsWriteLock: while fn runs, the database's write lock is
// held (the transaction is BEGIN IMMEDIATE), so no other process can write
// between UpdateUser's read and its write.
func TestUpdateUserHoldsWriteLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	s, other := openTest(t, path), openTest(t, path)
	u := mustUser(t, s, 1, t0)

	inFn, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := s.UpdateUser(ctx, u.ID, func(v *User) error {
			close(inFn)
			<-release
			v.FailedSignins = 1
			return nil
		})
		done <- err
	}()
	<-inFn
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err := other.CheckWrite(pctx)
	cancel()
	close(release)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("another handle wrote while fn ran: %v, want ErrUnavailable", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := other.CheckWrite(ctx); err != nil {
		t.Fatalf("write after UpdateUser: %v", err)
	}
	if got, _ := other.User(ctx, u.ID); got.FailedSignins != 1 {
		t.Fatalf("FailedSignins = %d, want 1", got.FailedSignins)
	}
}

func testInvite(n int, creator User, created time.Time) SignupInvite {
	return SignupInvite{
		ID: fmt.Sprintf("IN_%026d", n), TokenHash: sum(fmt.Sprint("invite", n)), Role: RoleMember,
		CreatedBy: creator.ID, CreatedAt: created, ExpiresAt: created.Add(72 * time.Hour),
	}
}

func TestSignupInvites(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	admin := mustUser(t, s, 1, t0)
	a, b := testInvite(1, admin, t0), testInvite(2, admin, t0.Add(time.Second))
	b.Email, b.Role = "new@example.org", RoleAdmin
	for _, in := range []SignupInvite{a, b} {
		if err := s.CreateSignupInvite(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	sameID, sameHash := testInvite(3, admin, t0), testInvite(4, admin, t0)
	sameID.ID, sameHash.TokenHash = a.ID, a.TokenHash
	for name, in := range map[string]SignupInvite{"same id": sameID, "same token": sameHash} {
		if err := s.CreateSignupInvite(ctx, in); !errors.Is(err, ErrExists) {
			t.Errorf("%s: %v, want ErrExists", name, err)
		}
	}
	if err := s.CreateSignupInvite(ctx, testInvite(5, User{ID: "US_NOBODY"}, t0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown creator: %v, want ErrNotFound", err)
	}
	for name, mutate := range map[string]func(*SignupInvite){
		"email not canonical": func(in *SignupInvite) { in.Email = "New@example.org" },
		"unknown role":        func(in *SignupInvite) { in.Role = "guest" },
		"no expiry":           func(in *SignupInvite) { in.ExpiresAt = time.Time{} },
		"no creator":          func(in *SignupInvite) { in.CreatedBy = "" },
		"short token hash":    func(in *SignupInvite) { in.TokenHash = in.TokenHash[:20] },
		"used by nobody":      func(in *SignupInvite) { in.UsedAt = t0 },
	} {
		in := testInvite(6, admin, t0)
		mutate(&in)
		if err := s.CreateSignupInvite(ctx, in); err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want a plain error", name, err)
		}
	}

	got, err := s.SignupInviteByHash(ctx, b.TokenHash)
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("SignupInviteByHash = %+v, %v; want %+v", got, err, b)
	}
	if _, err := s.SignupInviteByHash(ctx, sum("nope")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing invite: %v", err)
	}
	list, err := s.ListSignupInvites(ctx)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
		t.Fatalf("ListSignupInvites = %+v, %v; want b, a (newest first)", list, err)
	}
	if err := s.DeleteSignupInvite(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSignupInvite(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.SignupInviteByHash(ctx, a.TokenHash); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted invite still found: %v", err)
	}
}

func TestRedeemSignupInvite(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	admin := mustUser(t, s, 1, t0)
	open := testInvite(1, admin, t0)
	bound := testInvite(2, admin, t0)
	bound.Email, bound.Role = "bound@example.org", RoleAdmin
	for _, in := range []SignupInvite{open, bound} {
		if err := s.CreateSignupInvite(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Hour)

	// Every refusal leaves both the invite unused and no user behind.
	newcomer := testUser(10, t0)
	refusals := []struct {
		name  string
		hash  []byte
		at    time.Time
		u     func() User
		want  error
		check SignupInvite
	}{
		{"unknown token", sum("nope"), at, func() User { return newcomer }, ErrNotFound, open},
		{"expired", open.TokenHash, open.ExpiresAt, func() User { return newcomer }, ErrInviteExpired, open},
		{"expired long ago", open.TokenHash, open.ExpiresAt.Add(time.Hour), func() User { return newcomer }, ErrInviteExpired, open},
		{"email taken", open.TokenHash, at, func() User { u := newcomer; u.Email = admin.Email; return u }, ErrExists, open},
		{"id taken", open.TokenHash, at, func() User { u := newcomer; u.ID = admin.ID; return u }, ErrExists, open},
		{"other role", open.TokenHash, at, func() User { u := newcomer; u.Role = RoleAdmin; return u }, ErrInviteMismatch, open},
		{"other email", bound.TokenHash, at, func() User { u := newcomer; u.Role = RoleAdmin; return u }, ErrInviteMismatch, bound},
	}
	for _, r := range refusals {
		err := s.RedeemSignupInvite(ctx, r.hash, r.at, r.u())
		if !errors.Is(err, r.want) {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
		if got, _ := s.SignupInviteByHash(ctx, r.check.TokenHash); !got.UsedAt.IsZero() || got.UsedBy != "" {
			t.Errorf("%s: the invite is marked used: %+v", r.name, got)
		}
		if _, err := s.User(ctx, newcomer.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: the user was created: %v", r.name, err)
		}
	}
	if err := s.RedeemSignupInvite(ctx, open.TokenHash, time.Time{}, newcomer); err == nil {
		t.Error("redeemed at the zero time")
	}
	bad := newcomer
	bad.Email = "Upper@example.org"
	if err := s.RedeemSignupInvite(ctx, open.TokenHash, at, bad); err == nil {
		t.Error("redeemed with a non-canonical email")
	}

	if err := s.RedeemSignupInvite(ctx, open.TokenHash, at, newcomer); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, newcomer.ID); err != nil || !reflect.DeepEqual(got, newcomer) {
		t.Fatalf("redeemed user = %+v, %v; want %+v", got, err, newcomer)
	}
	in, _ := s.SignupInviteByHash(ctx, open.TokenHash)
	if !in.UsedAt.Equal(at) || in.UsedBy != newcomer.ID {
		t.Fatalf("invite after use: %+v", in)
	}
	second := testUser(11, t0)
	if err := s.RedeemSignupInvite(ctx, open.TokenHash, at, second); !errors.Is(err, ErrInviteUsed) {
		t.Fatalf("second use: %v, want ErrInviteUsed", err)
	}
	if _, err := s.User(ctx, second.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second use created a user: %v", err)
	}

	// An invite for one email takes that email and gives its role.
	boundUser := testUser(12, t0)
	boundUser.Email, boundUser.Role = bound.Email, RoleAdmin
	if err := s.RedeemSignupInvite(ctx, bound.TokenHash, at, boundUser); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UserByEmail(ctx, bound.Email); got.ID != boundUser.ID || got.Role != RoleAdmin {
		t.Fatalf("bound invite made %+v", got)
	}
}

// TestRedeemSignupInviteConcurrent: two redeeming one invite at once, from
// two handles, make exactly one user; the other is told the invite is used.
func TestRedeemSignupInviteConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	handles := []*SQLite{openTest(t, path), openTest(t, path)}
	admin := mustUser(t, handles[0], 1, t0)
	const invites = 10
	for i := range invites {
		if err := handles[0].CreateSignupInvite(ctx, testInvite(i, admin, t0)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*invites)
	for i := range invites {
		for j := range 2 {
			u := testUser(100+2*i+j, t0)
			wg.Go(func() {
				errs <- handles[j].RedeemSignupInvite(ctx, testInvite(i, admin, t0).TokenHash, t0.Add(time.Minute), u)
			})
		}
	}
	wg.Wait()
	close(errs)
	var ok, used int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrInviteUsed):
			used++
		default:
			t.Errorf("redeem: %v", err)
		}
	}
	if ok != invites || used != invites {
		t.Fatalf("%d redeemed and %d told used, want %d each", ok, used, invites)
	}
	if list, _ := handles[1].ListUsers(ctx); len(list) != 1+invites {
		t.Fatalf("%d users, want %d", len(list), 1+invites)
	}
	for i := range invites {
		in, err := handles[1].SignupInviteByHash(ctx, testInvite(i, admin, t0).TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := handles[1].User(ctx, in.UsedBy); err != nil || u.CreatedAt != t0 {
			t.Fatalf("invite %d used by %q: %v", i, in.UsedBy, err)
		}
	}
}

// TestAccountsForeignKeys: the schema refuses rows that name a user who
// does not exist, and a user's rows go with the user.
func TestAccountsForeignKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	u := mustUser(t, s, 1, t0)
	for name, q := range map[string]string{
		"session":        `INSERT INTO sessions VALUES ('SE_1', zeroblob(32), 'US_NOBODY', 0, 0, 1, '', '')`,
		"recovery code":  `INSERT INTO recovery_codes VALUES ('US_NOBODY', zeroblob(32))`,
		"passkey":        `INSERT INTO passkeys VALUES ('PK_1', 'US_NOBODY', x'01', x'01', '', 0, NULL)`,
		"invite creator": `INSERT INTO signup_invites VALUES ('IN_1', zeroblob(32), '', 'member', 'US_NOBODY', 0, 1, NULL, NULL)`,
		"invite user":    `INSERT INTO signup_invites VALUES ('IN_1', zeroblob(32), '', 'member', '` + u.ID + `', 0, 1, 0, 'US_NOBODY')`,
		"personal token": `INSERT INTO personal_tokens VALUES ('PT_1', 'US_NOBODY', '', zeroblob(32), '[]', 0, 1, NULL, NULL)`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Errorf("orphan %s: %v, want a foreign key failure", name, err)
		}
	}

	// A user's rows go with the user (there is no DeleteUser yet; a
	// future one, or an operator's SQL, must not leave orphans).
	v := mustUser(t, s, 2, t0)
	if err := s.CreateSession(ctx, Session{ID: "SE_1", IDHash: sum("s"), UserID: v.ID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRecoveryCodes(ctx, v.ID, [][]byte{sum("r")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePasskey(ctx, Passkey{ID: "PK_1", UserID: v.ID, CredentialID: []byte{1}, Credential: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSignupInvite(ctx, testInvite(1, v, t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePersonalToken(ctx, PersonalToken{ID: "PT_1", UserID: v.ID, SecretHash: sum("t"), ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, v.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sessions", "recovery_codes", "passkeys", "signup_invites", "personal_tokens"} {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s after the user's deletion: %d rows, %v", table, n, err)
		}
	}
	rows, err := s.db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
}

// TestAccountsTwoHandles: the server and a CLI command on one database see
// each other's account changes at once; nothing is cached.
func TestAccountsTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	server, cli := openTest(t, path), openTest(t, path)

	u := mustUser(t, cli, 1, t0)
	if got, err := server.UserByEmail(ctx, u.Email); err != nil || got.ID != u.ID {
		t.Fatalf("server sees %+v, %v", got, err)
	}
	se := Session{ID: "SE_1", IDHash: sum("s"), UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := server.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := server.CreatePersonalToken(ctx, PersonalToken{ID: "PT_1", UserID: u.ID, SecretHash: sum("t"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// `conclave user disable`: the CLI disables the user and ends their
	// sessions and tokens; the server's next reads see all of it.
	if _, err := cli.UpdateUser(ctx, u.ID, func(u *User) error { u.Status = StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	if n, err := cli.DeleteUserSessions(ctx, u.ID, nil); err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions = %d, %v", n, err)
	}
	if n, err := cli.RevokeUserPersonalTokens(ctx, u.ID, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("RevokeUserPersonalTokens = %d, %v", n, err)
	}
	if got, _ := server.User(ctx, u.ID); got.Status != StatusDisabled {
		t.Fatalf("server sees status %q", got.Status)
	}
	if _, err := server.SessionByHash(ctx, se.IDHash); !errors.Is(err, ErrNotFound) {
		t.Fatalf("server still finds the session: %v", err)
	}
	if got, _ := server.PersonalToken(ctx, "PT_1"); got.RevokedAt.IsZero() {
		t.Fatal("server sees the token unrevoked")
	}
	// And the other way.
	if _, err := server.UpdateUser(ctx, u.ID, func(u *User) error { u.FailedSignins = 5; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := cli.User(ctx, u.ID); got.FailedSignins != 5 {
		t.Fatalf("cli sees FailedSignins %d", got.FailedSignins)
	}
}

// TestMigrateAccountsFromVersion3: a database an older Conclave made, at
// schema version 3 with API keys and rooms, gains the accounts tables at
// open and keeps every key and room as it was.
func TestMigrateAccountsFromVersion3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")

	// Build version 3 as its binary did: migrations 1 to 3 in one
	// transaction, each recorded.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`}
	for _, m := range ms {
		if m.version <= 3 {
			stmts = append(stmts, m.sql, fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, '%s', 0)`, m.version, m.name))
		}
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	// Rows written by the version-3 binary's own statements.
	v3, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	keys := []APIKey{testAPIKey("CKOLD000000001", t0), testAPIKey("CKOLD000000002", t0.Add(time.Second))}
	keys[1].RevokedAt = t0.Add(time.Hour)
	if _, err := v3.ExecContext(ctx, `INSERT INTO api_keys VALUES (?, ?, ?, ?, NULL), (?, ?, ?, ?, ?)`,
		keys[0].ID, keys[0].Name, []byte(keys[0].PublicKey), toNanos(keys[0].CreatedAt),
		keys[1].ID, keys[1].Name, []byte(keys[1].PublicKey), toNanos(keys[1].CreatedAt), toNanos(keys[1].RevokedAt)); err != nil {
		t.Fatal(err)
	}
	rooms := []Room{
		{Name: "board", MaxParticipants: 12, EmptyTimeout: 5 * time.Minute, Owner: keys[0].ID, CreatedAt: t0, E2EE: "required"},
		{Name: "lobby", CreatedAt: t0, E2EE: "off"},
	}
	for _, r := range rooms {
		if _, err := v3.ExecContext(ctx, `INSERT INTO rooms (name, max_participants, empty_timeout_ns, owner, created_at, e2ee) VALUES (?, ?, ?, nullif(?, ''), ?, ?)`,
			r.Name, r.MaxParticipants, int64(r.EmptyTimeout), r.Owner, toNanos(r.CreatedAt), r.E2EE); err != nil {
			t.Fatal(err)
		}
	}
	_ = v3.Close()

	s := openTest(t, path)
	var version int
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil || version != ms[len(ms)-1].version {
		t.Fatalf("schema version %d, %v; want %d", version, err, ms[len(ms)-1].version)
	}
	gotKeys, err := s.ListAPIKeys(ctx)
	if err != nil || !reflect.DeepEqual(gotKeys, keys) {
		t.Fatalf("API keys after migration = %+v, %v; want %+v", gotKeys, err, keys)
	}
	gotRooms, err := s.ListRooms(ctx, "")
	if err != nil || !reflect.DeepEqual(gotRooms, rooms) {
		t.Fatalf("rooms after migration = %+v, %v; want %+v", gotRooms, err, rooms)
	}
	u := mustUser(t, s, 1, t0)
	if err := s.CreateSession(ctx, Session{ID: "SE_1", IDHash: sum("s"), UserID: u.ID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatalf("accounts after migration: %v", err)
	}
}
