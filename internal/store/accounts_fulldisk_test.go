package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/store/storetest"
)

func accountUser(id, email string) store.User {
	return store.User{
		ID: id, Email: email, DisplayName: "Someone with a fairly long display name, to need room",
		Role: store.RoleMember, Status: store.StatusActive,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
	}
}

// fillUsers fills what room is left in the users table's pages, which
// FullDisk.Fill does not (a capped database grows by whole pages, and a
// table's last page may have room for a row or two): it creates users
// until one does not fit. Their ids and emails sort before those of the
// users the test then creates, and are no longer, so that those go to the
// same full last pages of the table and its indexes, and need a new page.
func fillUsers(t *testing.T, st *store.SQLite) {
	t.Helper()
	const limit = 10000
	for n := range limit {
		u := accountUser(fmt.Sprintf("US_F%05d", n), fmt.Sprintf("f%05d@example.org", n))
		err := st.CreateUser(context.Background(), u)
		if errors.Is(err, store.ErrUnavailable) {
			return
		}
		if err != nil {
			t.Fatalf("fill users: %v", err)
		}
	}
	t.Fatalf("fill users: %d users still fit", limit)
}

func tokenHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// TestAccountsFullDisk: on full storage, creating a user, by itself or
// from an invite, fails with ErrUnavailable wrapping SQLITE_FULL, and
// nothing of it is written: no user, the invite still unused. Once there
// is room both succeed, and after a restart the database holds exactly
// what was acknowledged.
func TestAccountsFullDisk(t *testing.T) {
	ctx := context.Background()
	disk := storetest.NewFullDisk(t)
	path := filepath.Join(disk.Dir, "conclave.db")
	st, err := store.OpenSQLite(ctx, path, disk.Options...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	admin := accountUser("US_ADMIN", "admin@example.org")
	if err := st.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	invite := store.SignupInvite{
		ID: "IN_1", TokenHash: tokenHash("invite"), Role: store.RoleMember, CreatedBy: admin.ID,
		ExpiresAt: time.Now().Add(time.Hour),
	}
	if err := st.CreateSignupInvite(ctx, invite); err != nil {
		t.Fatal(err)
	}

	disk.Fill(st)
	fillUsers(t, st)

	unavailable := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrUnavailable) || sqliteCode(err) != sqlite3.SQLITE_FULL {
			t.Errorf("%s on a full disk: %v (SQLite code %d), want ErrUnavailable wrapping SQLITE_FULL", what, err, sqliteCode(err))
		}
		for _, other := range []error{store.ErrNotFound, store.ErrExists, store.ErrInviteUsed, store.ErrInviteExpired} {
			if errors.Is(err, other) {
				t.Errorf("%s: %v also reads as %v", what, err, other)
			}
		}
	}
	lost := accountUser("US_LOST_USER", "lost-user@example.org")
	unavailable("CreateUser", st.CreateUser(ctx, lost))
	redeemed := accountUser("US_REDEEMED", "redeemed@example.org")
	unavailable("RedeemSignupInvite", st.RedeemSignupInvite(ctx, invite.TokenHash, time.Now(), redeemed))
	if disk.Mounted {
		// On a full file system even an update in place needs room in the WAL.
		_, err := st.UpdateUser(ctx, admin.ID, func(u *store.User) error { u.FailedSignins = 7; return nil })
		unavailable("UpdateUser", err)
	}

	// Reads still work, and find nothing half-written.
	for _, id := range []string{lost.ID, redeemed.ID} {
		if _, err := st.User(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("on a full disk, refused user %s: %v, want ErrNotFound", id, err)
		}
	}
	if in, err := st.SignupInviteByHash(ctx, invite.TokenHash); err != nil || !in.UsedAt.IsZero() {
		t.Errorf("on a full disk, the invite: %+v, %v; want unused", in, err)
	}

	disk.Free(st)
	if err := st.RedeemSignupInvite(ctx, invite.TokenHash, time.Now(), redeemed); err != nil {
		t.Fatalf("RedeemSignupInvite once there is room: %v", err)
	}

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = store.OpenSQLite(ctx, path, disk.Options...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.User(ctx, lost.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after restart, the refused user: %v, want ErrNotFound", err)
	}
	if u, err := st.User(ctx, admin.ID); err != nil || u.FailedSignins != 0 {
		t.Errorf("after restart, the admin: %+v, %v; want unchanged", u, err)
	}
	if in, err := st.SignupInviteByHash(ctx, invite.TokenHash); err != nil || in.UsedBy != redeemed.ID {
		t.Errorf("after restart, the invite: %+v, %v; want used by %s", in, err, redeemed.ID)
	}
	if u, err := st.UserByEmail(ctx, redeemed.Email); err != nil || u.ID != redeemed.ID {
		t.Errorf("after restart, the redeemed user: %+v, %v", u, err)
	}
}
