package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// testAccount is an account the Go side made for a scenario.
type testAccount struct {
	store.User
	Password string
}

// newAccount creates an active account with a password and no second
// factor, as `conclave user create` does.
func (e *env) newAccount(email, name, role string) testAccount {
	e.t.Helper()
	h, err := auth.NewHasher(auth.DefaultArgon2Params(), 1)
	if err != nil {
		e.t.Fatal(err)
	}
	const password = "correct horse battery staple 42"
	u, err := auth.CreateUser(context.Background(), e.srv.Store(), h, auth.NewUser{Email: email, DisplayName: name, Role: role, Password: password}, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return testAccount{User: u, Password: password}
}

func (a testAccount) env() map[string]string {
	return map[string]string{
		"CONCLAVE_ACCOUNT_EMAIL":    a.Email,
		"CONCLAVE_ACCOUNT_PASSWORD": a.Password,
		"CONCLAVE_ACCOUNT_NAME":     a.DisplayName,
	}
}

// TestAccountsTOTP: in the app, on a 360 px wide page and with the
// keyboard for signing in, an account enrols an authenticator app from the
// secret the page shows, gets ten recovery codes once, signs out and in
// with password and TOTP and with a recovery code, which is refused the
// second time; a wrong password gets the plain sentence, announced.
func TestAccountsTOTP(t *testing.T) {
	e := newEnv(t)
	acct := e.newAccount("sam@example.org", "Sam Rivera", store.RoleMember)
	// The account was locked and unlocked since its owner last signed in.
	lockedAt := time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)
	if _, err := e.srv.Store().UpdateUser(context.Background(), acct.ID, func(u *store.User) error {
		u.LockNotice, u.LastFailedAt = true, lockedAt
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := e.scenario("accounts_totp", room("accounts"), acct.env(), nil)

	notice, _ := r["lockNotice"].(map[string]any)
	if text, _ := notice["text"].(string); !strings.HasPrefix(text, "Your account was locked on ") || !strings.Contains(text, "2026") || notice["role"] != "alert" {
		t.Errorf("the lock notice: %v", notice)
	}
	if r["lockNoticeAgain"] != false {
		t.Error("the lock notice was shown again at the next sign-in")
	}

	if got, want := r["wrongPassword"], r["wrongCodeText"]; got != want {
		t.Errorf("wrong password: the page said %q, want %q", got, want)
	}
	if r["errorRole"] != "alert" {
		t.Errorf("the sign-in error has role %v, want alert (announced)", r["errorRole"])
	}
	if r["reused"] != r["wrongCodeText"] {
		t.Errorf("a used recovery code: the page said %q, want %q", r["reused"], r["wrongCodeText"])
	}
	if r["qrIsDataURL"] != true {
		t.Error("the QR code is not an image from a data: URL")
	}
	secret, _ := r["secret"].(string)
	if shown, _ := r["shownSecret"].(string); secret == "" || strings.ReplaceAll(shown, " ", "") != secret {
		t.Errorf("the secret shown for typing (%q) is not the one enrolled (%q)", shown, secret)
	}
	codes, _ := r["codes"].([]any)
	if len(codes) != 10 {
		t.Fatalf("recovery codes shown: %d, want 10", len(codes))
	}
	if n := num(t, r, "sessions"); n < 1 {
		t.Errorf("sessions listed: %v", n)
	}
	if u, _ := r["url"].(string); strings.Contains(u, "invite=") || strings.Contains(u, "token") {
		t.Errorf("a secret in the address bar: %s", u)
	}

	// The server's side: TOTP on, one recovery code spent, sign-ins by the
	// password, TOTP (twice: the second step and after the refused code)
	// and the recovery code.
	ctx := context.Background()
	u, err := e.srv.Store().User(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !u.TOTPEnabled {
		t.Error("TOTP is not enabled on the server")
	}
	left, err := e.srv.Store().CountRecoveryCodes(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if left != 9 {
		t.Errorf("recovery codes left on the server: %d, want 9", left)
	}
	hash, ok := auth.HashRecoveryCode(codes[0].(string))
	if !ok {
		t.Fatalf("the first recovery code %q is not well formed", codes[0])
	}
	if err := e.srv.Store().UseRecoveryCode(ctx, acct.ID, hash); err == nil {
		t.Error("the recovery code used in the app is still usable")
	}
	others := slices.Clone(codes[1:])
	hash, _ = auth.HashRecoveryCode(others[0].(string))
	if err := e.srv.Store().UseRecoveryCode(ctx, acct.ID, hash); err != nil {
		t.Errorf("an unused recovery code shown by the app is not the server's: %v", err)
	}
}

// withTOTP turns on an authenticator app for a, as enrolling it in the app
// would, and returns its secret in base32 for the scenario's authenticator.
func (e *env) withTOTP(a testAccount) string {
	e.t.Helper()
	secret := make([]byte, 20)
	_, _ = rand.Read(secret)
	if _, err := e.srv.Store().UpdateUser(context.Background(), a.ID, func(u *store.User) error {
		u.TOTPSecret, u.TOTPEnabled = secret, true
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

// TestAccountsInvite is the path of issue 10's "done when", in the app: an
// administrator signs in with password and TOTP and makes an invite link;
// a newcomer opens it (the token leaves the address bar at once), creates
// the account, is asked to protect it first (the server requires a second
// factor of everyone), adds a passkey, signs in with it alone and hosts a new
// meeting; the administrator makes a password reset link, with which the
// newcomer sets a new password and signs in again (password and passkey).
func TestAccountsInvite(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Accounts.RequireSecondFactor = "everyone" })
	adm := e.newAccount("alice@example.org", "Alice Admin", store.RoleAdmin)
	secret := e.withTOTP(adm)
	r := e.scenario("accounts_invite", room("accounts"), map[string]string{
		"CONCLAVE_ADMIN_EMAIL":    adm.Email,
		"CONCLAVE_ADMIN_PASSWORD": adm.Password,
		"CONCLAVE_ADMIN_NAME":     adm.DisplayName,
		"CONCLAVE_ADMIN_TOTP":     secret,
	}, nil)
	base, _ := r["base"].(string)
	str := func(k string) string { s, _ := r[k].(string); return s }
	if !strings.HasPrefix(str("banner"), "Protect your account first") || r["bannerAfter"] != false {
		t.Errorf("the account page before a second factor said %q; after the passkey the banner shows: %v", str("banner"), r["bannerAfter"])
	}
	if !strings.HasPrefix(str("link"), base+"/#invite=cvi_") {
		t.Errorf("invite link %q is not %s/#invite=cvi_…", str("link"), base)
	}
	if u := str("urlAfterOpen"); !strings.HasSuffix(u, "/#signup") || r["historyHasToken"] != false {
		t.Errorf("after opening the invite the address is %q (token still there: %v)", u, r["historyHasToken"])
	}
	if str("boundEmail") != "robin@example.org" {
		t.Errorf("the signup form's email is %q, want the invite's", str("boundEmail"))
	}
	if codes, _ := r["codes"].([]any); len(codes) != 10 {
		t.Errorf("recovery codes with the first passkey: %d, want 10", len(codes))
	}
	if num(t, r, "credentials") != 1 {
		t.Errorf("the virtual authenticator holds %v credentials, want 1", r["credentials"])
	}
	if str("meetingRoom") == "" || str("identity") == "" {
		t.Errorf("no meeting hosted: room %q, identity %q", str("meetingRoom"), str("identity"))
	}
	if !strings.Contains(str("rowMeta"), "1 passkey") {
		t.Errorf("the admin page's row of the newcomer says %q, want 1 passkey", str("rowMeta"))
	}
	if !strings.HasPrefix(str("resetLink"), base+"/#reset=cvr_") || !strings.HasSuffix(str("resetURL"), "/#reset") {
		t.Errorf("reset link %q, address after opening it %q", str("resetLink"), str("resetURL"))
	}
	if str("disabledText") != "This account is disabled. Ask an administrator of this server." {
		t.Errorf("a disabled account's sign-in said %q", str("disabledText"))
	}
	if str("resetMessage") != "Your new password is set. Sign in with it." {
		t.Errorf("after the reset the sign-in page said %q", str("resetMessage"))
	}

	ctx := context.Background()
	u, err := e.srv.Store().UserByEmail(ctx, "robin@example.org")
	if err != nil {
		t.Fatalf("the newcomer's account: %v", err)
	}
	if u.Role != store.RoleMember || u.Status != store.StatusActive || u.DisplayName != "Robin Okafor" {
		t.Errorf("the newcomer's account: %+v", u)
	}
	if pks, err := e.srv.Store().ListPasskeys(ctx, u.ID); err != nil || len(pks) != 1 || pks[0].Name != "Phone" {
		t.Errorf("the newcomer's passkeys: %v, %v", pks, err)
	}
}

// TestAccountsPasskey: an account adds a passkey with Chromium's virtual
// authenticator, renames it, signs in with it alone and as the second
// step after its password, and removes it; it makes a personal API token
// (shown once) and revokes it; it changes its password, signs out
// everywhere and signs in with the new one.
func TestAccountsPasskey(t *testing.T) {
	e := newEnv(t)
	acct := e.newAccount("kim@example.org", "Kim Lee", store.RoleMember)
	r := e.scenario("accounts_passkey", room("accounts"), acct.env(), nil)
	if codes, _ := r["codes"].([]any); len(codes) != 10 {
		t.Errorf("recovery codes with the first passkey: %d, want 10", len(codes))
	}
	if meta, _ := r["meta"].(string); !strings.Contains(meta, "last used") {
		t.Errorf("the passkey's line after its use: %q", meta)
	}
	pks, err := e.srv.Store().ListPasskeys(context.Background(), acct.ID)
	if err != nil || len(pks) != 0 {
		t.Errorf("passkeys on the server after removing it: %v, %v", pks, err)
	}
	if secret, _ := r["secret"].(string); !strings.HasPrefix(secret, "cvt_") {
		t.Errorf("the personal API token shown: %q, want cvt_…", secret)
	}
	if listed, _ := r["listed"].([]any); len(listed) != 1 || !strings.Contains(listed[0].(string), "Calendar sync") {
		t.Errorf("tokens listed after making one: %v", listed)
	}
	u, err := e.srv.Store().User(context.Background(), acct.ID)
	if err != nil || !u.PasswordChangedAt.After(acct.PasswordChangedAt) {
		t.Errorf("the password was not changed on the server: %v (changed at %v)", err, u.PasswordChangedAt)
	}
}

// TestAccountErrorSentences: every error code of the accounts contract
// (docs/accounts.md, "Error codes") has a plain sentence in the app's
// text.ts, so that no refusal reaches a person as a bare code.
func TestAccountErrorSentences(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "accounts.md"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(repoRoot, "web", "app", "src", "text.ts"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "## Error codes")
	if !ok {
		t.Fatal("docs/accounts.md has no Error codes section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	// The codes are the first column's: "| `a` · `b` | status | meaning |".
	var codes [][]string
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) > 2 {
			codes = append(codes, regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(cells[1], -1)...)
		}
	}
	if len(codes) < 15 {
		t.Fatalf("found %d codes in docs/accounts.md's table; the table's form changed?", len(codes))
	}
	for _, c := range codes {
		if !regexp.MustCompile(`(?m)^\s+` + c[1] + `: '`).Match(text) {
			t.Errorf("error code %s has no sentence in web/app/src/text.ts", c[1])
		}
	}
}

// TestAccountsHost: a signed-in member hosts a meeting from the join page
// ("New meeting"), rejoins it with a fresh host token after leaving, and
// joins it again from the list of the account's meetings.
func TestAccountsHost(t *testing.T) {
	e := newEnv(t)
	acct := e.newAccount("lee@example.org", "Lee Host", store.RoleMember)
	r := e.scenario("accounts_host", room("accounts"), acct.env(), nil)
	roomName, _ := r["room"].(string)
	if roomName == "" || r["thirdRoom"] != roomName {
		t.Errorf("hosted room %q, joined again from the list: %v", roomName, r["thirdRoom"])
	}
	if num(t, r, "createdStatus") != 201 || num(t, r, "freshStatus") != 200 {
		t.Errorf("POST /v1/meetings answered %v, its join %v", r["createdStatus"], r["freshStatus"])
	}
	ids, _ := r["identities"].([]any)
	if len(ids) != 3 || ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("the host's identities in its three joins: %v, want one and the same", ids)
	}
	if _, err := e.srv.Rooms().Get(roompkg.RoomName(roomName)); err != nil {
		t.Errorf("the hosted room %q on the server: %v", roomName, err)
	}
}
