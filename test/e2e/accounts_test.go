package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
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
	r := e.scenario("accounts_totp", room("accounts"), acct.env(), nil)

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
