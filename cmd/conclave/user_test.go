package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/store"
)

const (
	userTestPassword  = "correct horse battery staple"
	userTestPassword2 = "a whole new passphrase, 2nd"
)

// cheapHasher hashes with the smallest argon2id parameters the bounds
// allow, so that the tests run fast; one test uses the server's own.
func cheapHasher(t *testing.T) *auth.Hasher {
	t.Helper()
	h, err := auth.NewHasher(auth.Argon2Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// userRun runs `conclave user ARGS` with stdin and the given hasher (nil:
// the server's parameters).
func userRun(t *testing.T, h *auth.Hasher, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = userCmd{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, hasher: h}.run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func userStore(t *testing.T, data string) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(data, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// userCreate makes an account through the command and returns it as stored.
func userCreate(t *testing.T, data, email string, extra ...string) store.User {
	t.Helper()
	args := append([]string{"create", "--email", email, "--password-stdin", "--data", data}, extra...)
	if _, _, err := userRun(t, cheapHasher(t), userTestPassword+"\n", args...); err != nil {
		t.Fatal(err)
	}
	u, err := userStore(t, data).UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func sum256(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// TestUserCreate: the first admin, made as the contract shows, with the
// server's argon2id parameters; the stored hash verifies the password.
func TestUserCreate(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	out, _, err := userRun(t, nil, userTestPassword+"\r\n",
		"create", "--admin", "--email", "  Alice@Example.org ", "--name", " Alice Liddell ", "--password-stdin", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^created (US_[A-Z2-7]{26}) alice@example\.org \(admin\)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	u, err := userStore(t, data).UserByEmail(ctx, "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != m[1] || u.Role != store.RoleAdmin || u.Status != store.StatusActive || u.DisplayName != "Alice Liddell" ||
		u.TOTPEnabled || u.PasswordChangedAt.IsZero() {
		t.Fatalf("stored %+v", u)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("hash does not carry the server's parameters: %.40s…", u.PasswordHash)
	}
	h, err := auth.NewHasher(auth.DefaultArgon2Params(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(ctx, userTestPassword, u.PasswordHash); !ok || rehash || err != nil {
		t.Fatalf("Verify(the password) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify(ctx, userTestPassword+"\r", u.PasswordHash); ok {
		t.Fatal("the line ending was kept in the password")
	}

	// A member by default; the same email again is refused, nothing changes.
	bob := userCreate(t, data, "bob@example.org")
	if bob.Role != store.RoleMember {
		t.Fatalf("role %q, want member", bob.Role)
	}
	_, _, err = userRun(t, cheapHasher(t), userTestPassword2+"\n", "create", "--email", "BOB@example.org", "--password-stdin", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "exists") || exitCode(err) != 1 {
		t.Fatalf("second create: %v", err)
	}
	if again, _ := userStore(t, data).UserByEmail(ctx, "bob@example.org"); again.PasswordHash != bob.PasswordHash {
		t.Fatal("the second create changed the account")
	}
}

// TestUserCreateRefused: the password policy with its codes, the line
// limit, the terminal rule and bad flags; no account is made.
func TestUserCreateRefused(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
		code        int
	}{
		{"too short", "short pass\n", []string{"--password-stdin"}, "password_too_short: the password is shorter than 12 characters", 1},
		{"common", "Q1W2E3R4T5Y6\n", []string{"--password-stdin"}, "password_common:", 1},
		{"contains the email", "my name is carol, hi\n", []string{"--password-stdin"}, "password_contains_email:", 1},
		{"too long", strings.Repeat("x", 257) + "\n", []string{"--password-stdin"}, "password_too_long:", 1},
		{"a line beyond the limit", strings.Repeat("é", auth.MaxPasswordBytes) + "\n", []string{"--password-stdin"}, "password_too_long:", 1},
		{"empty", "\n", []string{"--password-stdin"}, "no password", 1},
		{"not a terminal", userTestPassword + "\n", nil, "not a terminal", 1},
		{"bad email", userTestPassword + "\n", []string{"--password-stdin", "--email", "carol"}, "not an address", 2},
		{"unexpected argument", userTestPassword + "\n", []string{"--password-stdin", "extra"}, "unexpected argument", 2},
		{"control character in the name", userTestPassword + "\n", []string{"--password-stdin", "--name", "a\x1bb"}, "--name", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"create", "--email", "carol@example.org", "--data", data}, tc.args...)
			_, _, err := userRun(t, cheapHasher(t), tc.stdin, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != tc.code {
				t.Fatalf("err = %v (exit %d), want %q (exit %d)", err, exitCode(err), tc.want, tc.code)
			}
			if strings.Contains(err.Error(), strings.TrimSpace(tc.stdin)) && len(strings.TrimSpace(tc.stdin)) > 0 {
				t.Fatal("the error quotes the password")
			}
			if users, err := userStore(t, data).ListUsers(context.Background()); err != nil || len(users) != 0 {
				t.Fatalf("users = %v, %v; want none", users, err)
			}
		})
	}
	if _, _, err := userRun(t, nil, "", "create", "--data", data); err == nil || exitCode(err) != 2 {
		t.Fatalf("create without --email: %v", err)
	}
	if _, _, err := userRun(t, nil, "", "frobnicate"); err == nil || exitCode(err) != 2 {
		t.Fatalf("unknown subcommand: %v", err)
	}
}

// TestUserList prints every account with its second factors.
func TestUserList(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	alice := userCreate(t, data, "alice@example.org", "--admin")
	bob := userCreate(t, data, "bob@example.org")
	st := userStore(t, data)
	if _, err := st.UpdateUser(ctx, bob.ID, func(u *store.User) error {
		u.TOTPSecret, u.TOTPEnabled = bytes.Repeat([]byte{7}, 20), true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"PK_1", "PK_2"} {
		if err := st.CreatePasskey(ctx, store.Passkey{ID: id, UserID: bob.ID, CredentialID: []byte{byte(i)}, Credential: []byte{1}, Name: "key"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := userRun(t, nil, "", "disable", "--email", "alice@example.org", "--data", data); err != nil {
		t.Fatal(err)
	}
	out, _, err := userRun(t, nil, "", "list", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^ID\s+EMAIL\s+ROLE\s+STATUS\s+TOTP\s+PASSKEYS\s+CREATED$`).MatchString(lines[0]) {
		t.Fatalf("list:\n%s", out)
	}
	for i, want := range []string{
		`^` + alice.ID + `\s+alice@example\.org\s+admin\s+disabled\s+-\s+0\s+\d{4}-\d\d-\d\dT`,
		`^` + bob.ID + `\s+bob@example\.org\s+member\s+active\s+on\s+2\s+\d{4}-\d\d-\d\dT`,
	} {
		if !regexp.MustCompile(want).MatchString(lines[i+1]) {
			t.Errorf("line %d = %q, want %s", i+1, lines[i+1], want)
		}
	}
}

// userSessionsAndTokens gives u two sessions and two personal tokens.
func userSessionsAndTokens(t *testing.T, st *store.SQLite, u store.User) {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	for _, n := range []string{"1", "2"} {
		if err := st.CreateSession(ctx, store.Session{ID: "SE_" + u.ID + n, IDHash: sum256(u.ID + "session" + n), UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreatePersonalToken(ctx, store.PersonalToken{ID: "PT_" + u.ID + n, UserID: u.ID, Name: "script", SecretHash: sum256(u.ID + "token" + n), ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUserDisableEnable: disabling ends the sessions and revokes the
// tokens of that account only; enabling lets it sign in again and brings
// back neither.
func TestUserDisableEnable(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	alice := userCreate(t, data, "alice@example.org")
	bob := userCreate(t, data, "bob@example.org")
	st := userStore(t, data)
	userSessionsAndTokens(t, st, alice)
	userSessionsAndTokens(t, st, bob)

	out, _, err := userRun(t, nil, "", "disable", "--email", "Alice@example.org", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "disabled " + alice.ID + " alice@example.org; ended 2 sessions, revoked 2 personal API tokens\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	check := func(u store.User, status string, sessions int, revoked bool) {
		t.Helper()
		got, err := st.User(ctx, u.ID)
		if err != nil || got.Status != status {
			t.Fatalf("%s: status %q, %v; want %q", u.Email, got.Status, err, status)
		}
		if ss, _ := st.ListSessions(ctx, u.ID); len(ss) != sessions {
			t.Fatalf("%s: %d sessions, want %d", u.Email, len(ss), sessions)
		}
		ts, _ := st.ListPersonalTokens(ctx, u.ID)
		for _, tk := range ts {
			if tk.RevokedAt.IsZero() == revoked {
				t.Fatalf("%s: token %s revoked at %v, want revoked %v", u.Email, tk.ID, tk.RevokedAt, revoked)
			}
		}
	}
	check(alice, store.StatusDisabled, 0, true)
	check(bob, store.StatusActive, 2, false)

	if out, _, err = userRun(t, nil, "", "enable", "--email", "alice@example.org", "--data", data); err != nil || !strings.HasPrefix(out, "enabled "+alice.ID) {
		t.Fatalf("enable: %q, %v", out, err)
	}
	check(alice, store.StatusActive, 0, true)

	if _, _, err := userRun(t, nil, "", "disable", "--email", "nobody@example.org", "--data", data); err == nil ||
		!strings.Contains(err.Error(), "no account with the email nobody@example.org") || exitCode(err) != 1 {
		t.Fatalf("disable of an unknown email: %v", err)
	}
	if _, _, err := userRun(t, nil, "", "enable", "--data", data); err == nil || exitCode(err) != 2 {
		t.Fatalf("enable without --email: %v", err)
	}
}

// TestUserResetPassword: the new password verifies, the old does not, the
// policy applies, every session ends and a lock is lifted.
func TestUserResetPassword(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	alice := userCreate(t, data, "alice@example.org")
	st := userStore(t, data)
	userSessionsAndTokens(t, st, alice)
	if _, err := st.UpdateUser(ctx, alice.ID, func(u *store.User) error {
		u.FailedSignins, u.LastFailedAt, u.LockedUntil = 10, time.Now(), time.Now().Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	_, _, err := userRun(t, cheapHasher(t), "alice-in-wonderland\n", "reset-password", "--email", "alice@example.org", "--password-stdin", "--data", data)
	if !errors.Is(err, &auth.PasswordError{Code: auth.CodePasswordContainsEmail}) {
		t.Fatalf("a password with the email's name: %v", err)
	}
	if got, _ := st.User(ctx, alice.ID); got.PasswordHash != alice.PasswordHash {
		t.Fatal("a refused password changed the hash")
	}
	if ss, _ := st.ListSessions(ctx, alice.ID); len(ss) != 2 {
		t.Fatal("a refused reset ended the sessions")
	}

	out, _, err := userRun(t, cheapHasher(t), userTestPassword2+"\n", "reset-password", "--email", "alice@example.org", "--password-stdin", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "password of " + alice.ID + " alice@example.org reset; ended 2 sessions\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	got, err := st.User(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := cheapHasher(t)
	if ok, _, err := h.Verify(ctx, userTestPassword2, got.PasswordHash); !ok || err != nil {
		t.Fatalf("the new password does not verify: %v", err)
	}
	if ok, _, _ := h.Verify(ctx, userTestPassword, got.PasswordHash); ok {
		t.Fatal("the old password still verifies")
	}
	if got.FailedSignins != 0 || !got.LockedUntil.IsZero() || !got.PasswordChangedAt.After(alice.PasswordChangedAt) {
		t.Fatalf("after the reset: failures %d, locked until %v, changed %v", got.FailedSignins, got.LockedUntil, got.PasswordChangedAt)
	}
	if ss, _ := st.ListSessions(ctx, alice.ID); len(ss) != 0 {
		t.Fatalf("%d sessions left", len(ss))
	}
	if _, _, err := userRun(t, nil, userTestPassword2+"\n", "reset-password", "--email", "alice@example.org", "--data", data); err == nil ||
		!strings.Contains(err.Error(), "not a terminal") {
		t.Fatalf("reset-password without a terminal: %v", err)
	}
}

// TestUserReset2FA removes TOTP, recovery codes and passkeys and ends every
// session, of that account only.
func TestUserReset2FA(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	alice := userCreate(t, data, "alice@example.org")
	bob := userCreate(t, data, "bob@example.org")
	st := userStore(t, data)
	for i, u := range []store.User{alice, bob} {
		userSessionsAndTokens(t, st, u)
		if _, err := st.UpdateUser(ctx, u.ID, func(u *store.User) error {
			u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep = bytes.Repeat([]byte{7}, 20), true, 123456
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		_, hashes := auth.NewRecoveryCodes(10)
		if err := st.SetRecoveryCodes(ctx, u.ID, hashes); err != nil {
			t.Fatal(err)
		}
		if err := st.CreatePasskey(ctx, store.Passkey{ID: "PK_" + u.ID, UserID: u.ID, CredentialID: []byte{byte(i)}, Credential: []byte{1}}); err != nil {
			t.Fatal(err)
		}
	}

	out, _, err := userRun(t, nil, "", "reset-2fa", "--email", "alice@example.org", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "second factors of " + alice.ID + " alice@example.org removed: TOTP, 10 recovery codes, 1 passkey; ended 2 sessions\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	got, _ := st.User(ctx, alice.ID)
	if got.TOTPSecret != nil || got.TOTPEnabled || got.TOTPLastStep != 0 {
		t.Fatalf("TOTP left: enabled %v, secret %d bytes, last step %d", got.TOTPEnabled, len(got.TOTPSecret), got.TOTPLastStep)
	}
	if n, _ := st.CountRecoveryCodes(ctx, alice.ID); n != 0 {
		t.Fatalf("%d recovery codes left", n)
	}
	if pks, _ := st.ListPasskeys(ctx, alice.ID); len(pks) != 0 {
		t.Fatalf("%d passkeys left", len(pks))
	}
	if ss, _ := st.ListSessions(ctx, alice.ID); len(ss) != 0 {
		t.Fatalf("%d sessions left", len(ss))
	}
	if got.PasswordHash != alice.PasswordHash {
		t.Fatal("the password changed")
	}
	// Bob keeps everything.
	b, _ := st.User(ctx, bob.ID)
	n, _ := st.CountRecoveryCodes(ctx, bob.ID)
	pks, _ := st.ListPasskeys(ctx, bob.ID)
	ss, _ := st.ListSessions(ctx, bob.ID)
	if !b.TOTPEnabled || n != 10 || len(pks) != 1 || len(ss) != 2 {
		t.Fatalf("bob lost factors: totp %v, codes %d, passkeys %d, sessions %d", b.TOTPEnabled, n, len(pks), len(ss))
	}
}

// TestReadPasswordLine: one line, its ending removed, spaces kept, the
// limit exact.
func TestReadPasswordLine(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"  spaced out  \n", "  spaced out  ", false},
		{"no newline at all", "no newline at all", false},
		{"first\nsecond\n", "first", false},
		{"crlf\r\n", "crlf", false},
		{strings.Repeat("a", auth.MaxPasswordBytes) + "\r\n", strings.Repeat("a", auth.MaxPasswordBytes), false},
		{strings.Repeat("a", maxPasswordLine+1), "", true},
		{"", "", true},
	} {
		got, err := readPasswordLine(strings.NewReader(tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("readPasswordLine(%.20q…) = %.20q, %v", tc.in, got, err)
		}
	}
	// The process's own stdin in a test is no terminal.
	if _, err := (userCmd{stdin: os.Stdin}).readPassword(false); !errors.Is(err, errNotTerminal) {
		t.Fatalf("readPassword from a non-terminal: %v", err)
	}
}
