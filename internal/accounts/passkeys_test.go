package accounts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit/softauthn"
	"github.com/conclave-video/conclave/protocol"
)

// withPasskeys serves e's service again, with passkeys on, from a new
// HTTPS server: the relying party is localhost and the origin
// https://localhost:<its port>, as in dev mode. It returns the origin.
// Browsers must be made after it.
func withPasskeys(t testing.TB, e *env) string {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get(testAddrHeader); a != "" {
			r.RemoteAddr = a
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	origin := "https://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	p, err := auth.NewPasskeys(auth.PasskeyConfig{RPID: "localhost", Origins: []string{origin}, Store: e.st, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.svc.cfg
	cfg.Passkeys = p
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(mux)
	e.svc, e.srv = svc, srv
	return origin
}

// newKey is an authenticator on origin.
func newKey(t testing.TB, origin string) *softauthn.Authenticator {
	k := softauthn.New(t, softauthn.ES256)
	k.Origin = origin
	return k
}

func (b *browser) options(path string, body any) PasskeyOptionsResponse {
	b.e.t.Helper()
	r := b.do(http.MethodPost, path, body)
	if r.status != http.StatusOK {
		b.e.t.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	var o PasskeyOptionsResponse
	r.decode(b.e.t, &o)
	if len(o.Ceremony) != 43 || len(o.Options) == 0 {
		b.e.t.Fatalf("%s: %s", path, r.body)
	}
	return o
}

// register registers k on the signed-in browser.
func (b *browser) register(k *softauthn.Authenticator, name string) PasskeyResponse {
	b.e.t.Helper()
	o := b.options("/v1/auth/passkeys/options", map[string]string{"password": pw})
	r := b.do(http.MethodPost, "/v1/auth/passkeys/finish", map[string]any{
		"ceremony": o.Ceremony, "name": name, "credential": json.RawMessage(k.MustCreate(b.e.t, o.Options)),
	})
	if r.status != http.StatusCreated {
		b.e.t.Fatalf("register: %d %s", r.status, r.body)
	}
	var pr PasskeyResponse
	r.decode(b.e.t, &pr)
	return pr
}

// passkeySignin signs in with k alone and returns the answer.
func (b *browser) passkeySignin(k *softauthn.Authenticator) resp {
	b.e.t.Helper()
	o := b.options("/v1/auth/passkey/options", map[string]any{})
	return b.do(http.MethodPost, "/v1/auth/passkey/finish", map[string]any{
		"ceremony": o.Ceremony, "credential": json.RawMessage(k.MustGet(b.e.t, o.Options)),
	})
}

func (e *env) passkeys(userID string) []store.Passkey {
	e.t.Helper()
	pks, err := e.st.ListPasskeys(context.Background(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return pks
}

func (e *env) recoveryCodes(userID string) int {
	e.t.Helper()
	n, err := e.st.CountRecoveryCodes(context.Background(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Registration needs the password, answers the options the browser
// parses, stores the passkey, makes recovery codes once and renews the
// session id; the list, a rename and a removal follow.
func TestPasskeyRegistration(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	u := e.addUser("rosa@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("rosa@example.org", pw)

	// A stolen cookie without the password plants nothing.
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkeys/options", map[string]string{"password": "not the password at all"}),
		http.StatusUnauthorized, CodeInvalidCredentials)
	if ev, ok := e.events.last(room.SecuritySigninFailed); !ok || ev.Reason != "password" || ev.Subject != u.ID {
		t.Errorf("wrong password: event %+v", ev)
	}
	if e.user(u.ID).FailedSignins != 1 {
		t.Error("a wrong password for a passkey was not counted")
	}

	o := b.options("/v1/auth/passkeys/options", map[string]string{"password": pw})
	opts := softauthn.ParseCreationOptions(t, o.Options)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Options, &raw); err != nil {
		t.Fatal(err)
	}
	if _, wrapped := raw["publicKey"]; wrapped {
		t.Fatalf("options are wrapped in publicKey: %s", o.Options)
	}
	if opts.RP.ID != "localhost" || opts.User.ID != base64.RawURLEncoding.EncodeToString([]byte(u.ID)) ||
		opts.User.Name != u.Email || opts.AuthenticatorSelection.UserVerification != "required" ||
		opts.AuthenticatorSelection.ResidentKey != "required" || opts.Challenge == "" {
		t.Errorf("creation options %s", o.Options)
	}

	before := b.sessionCookie()
	k := newKey(t, origin)
	k.Attestation = softauthn.AttestationPacked
	r := b.do(http.MethodPost, "/v1/auth/passkeys/finish", map[string]any{
		"ceremony": o.Ceremony, "name": "  MacBook ", "credential": json.RawMessage(k.MustCreate(t, o.Options)),
	})
	if r.status != http.StatusCreated {
		t.Fatalf("finish: %d %s", r.status, r.body)
	}
	var first PasskeyResponse
	r.decode(t, &first)
	if !strings.HasPrefix(first.Passkey.ID, "PK_") || first.Passkey.Name != "MacBook" || first.Passkey.LastUsedAt != nil ||
		!first.Passkey.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("passkey %+v", first.Passkey)
	}
	if len(first.RecoveryCodes) != RecoveryCodeCount || e.recoveryCodes(u.ID) != RecoveryCodeCount {
		t.Errorf("first passkey: %d recovery codes returned, %d stored; want %d", len(first.RecoveryCodes), e.recoveryCodes(u.ID), RecoveryCodeCount)
	}
	if after := b.sessionCookie(); after == "" || after == before {
		t.Error("the session id was not renewed")
	}
	old := e.browser("")
	old.setSessionCookie(before)
	wantStatus(t, old.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, protocol.CodeUnauthenticated)
	if ev, ok := e.events.last(room.SecurityPasskeyAdded); !ok || ev.Actor != u.ID || ev.Subject != u.ID {
		t.Errorf("passkey_added %+v", ev)
	}
	if e.events.count(room.SecurityRecoveryCodesCreated) != 1 {
		t.Error("no recovery_codes_created")
	}

	// A second passkey: the codes the account has stay as they are.
	e.clock.Add(time.Second)
	second := b.register(newKey(t, origin), "YubiKey")
	if second.RecoveryCodes != nil || e.recoveryCodes(u.ID) != RecoveryCodeCount || e.events.count(room.SecurityRecoveryCodesCreated) != 1 {
		t.Errorf("second passkey made recovery codes: %v", second.RecoveryCodes)
	}
	// The same authenticator again is excluded; a client that ignores
	// the exclusion is refused.
	o = b.options("/v1/auth/passkeys/options", map[string]string{"password": pw})
	k.IgnoreExclusions = true
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkeys/finish", map[string]any{
		"ceremony": o.Ceremony, "name": "again", "credential": json.RawMessage(k.MustCreate(t, o.Options)),
	}), http.StatusBadRequest, protocol.CodePasskeyFailed)

	// The list, then a sign-in shows when a passkey was last used.
	var list PasskeyList
	r = b.do(http.MethodGet, "/v1/auth/passkeys", nil)
	r.decode(t, &list)
	if r.status != http.StatusOK || len(list.Passkeys) != 2 || list.Passkeys[0].ID != first.Passkey.ID || list.Passkeys[1].Name != "YubiKey" {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if !strings.Contains(string(r.body), `"created_at"`) || strings.Contains(string(r.body), `"last_used_at"`) {
		t.Errorf("list shape: %s", r.body)
	}
	var me MeResponse
	b.do(http.MethodGet, "/v1/auth/me", nil).decode(t, &me)
	if !me.PasskeysAvailable || me.User.SecondFactors.Passkeys != 2 {
		t.Errorf("me: %+v", me)
	}

	// Rename.
	r = b.do(http.MethodPatch, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"name": "Work MacBook"})
	var renamed PasskeyResponse
	r.decode(t, &renamed)
	if r.status != http.StatusOK || renamed.Passkey.Name != "Work MacBook" || e.passkeys(u.ID)[0].Name != "Work MacBook" {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	if _, ok := e.events.last(room.SecurityPasskeyRenamed); !ok {
		t.Error("no passkey_renamed")
	}
	wantStatus(t, b.do(http.MethodPatch, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"name": " "}), http.StatusBadRequest, protocol.CodeInvalidArgument)
	wantStatus(t, b.do(http.MethodPatch, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"name": strings.Repeat("x", 65)}), http.StatusBadRequest, protocol.CodeInvalidArgument)
	wantStatus(t, b.do(http.MethodPatch, "/v1/auth/passkeys/PK_NOSUCH", map[string]string{"name": "x"}), http.StatusNotFound, protocol.CodeNotFound)
	wantStatus(t, b.do(http.MethodPatch, "/v1/auth/passkeys/SE_x", map[string]string{"name": "x"}), http.StatusNotFound, protocol.CodeNotFound)

	// Another account cannot see, rename or remove them.
	e.addUser("mallory@example.org", pw, store.RoleMember)
	m := e.browser("")
	m.mustSignin("mallory@example.org", pw)
	var ml PasskeyList
	m.do(http.MethodGet, "/v1/auth/passkeys", nil).decode(t, &ml)
	if len(ml.Passkeys) != 0 {
		t.Errorf("another account lists %+v", ml.Passkeys)
	}
	wantStatus(t, m.do(http.MethodPatch, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"name": "mine"}), http.StatusNotFound, protocol.CodeNotFound)
	wantStatus(t, m.do(http.MethodDelete, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"password": pw}), http.StatusNotFound, protocol.CodeNotFound)

	// Removal needs the password.
	wantStatus(t, b.do(http.MethodDelete, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"password": "not the password at all"}),
		http.StatusUnauthorized, CodeInvalidCredentials)
	before = b.sessionCookie()
	if r := b.do(http.MethodDelete, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"password": pw}); r.status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", r.status, r.body)
	}
	if pks := e.passkeys(u.ID); len(pks) != 1 || pks[0].ID != second.Passkey.ID {
		t.Errorf("after removal: %+v", pks)
	}
	if b.sessionCookie() == before {
		t.Error("removal did not renew the session id")
	}
	if _, ok := e.events.last(room.SecurityPasskeyRemoved); !ok {
		t.Error("no passkey_removed")
	}
	wantStatus(t, b.do(http.MethodDelete, "/v1/auth/passkeys/"+first.Passkey.ID, map[string]string{"password": pw}), http.StatusNotFound, protocol.CodeNotFound)
	// The removed passkey signs in no more.
	wantStatus(t, e.browser("").passkeySignin(k), http.StatusBadRequest, protocol.CodePasskeyFailed)

	// The last one goes too (the policy is none): and the recovery codes
	// with it, which would otherwise be a way around no second factor.
	if r := b.do(http.MethodDelete, "/v1/auth/passkeys/"+second.Passkey.ID, map[string]string{"password": pw}); r.status != http.StatusNoContent {
		t.Fatalf("remove the last: %d %s", r.status, r.body)
	}
	if n := e.recoveryCodes(u.ID); n != 0 {
		t.Errorf("%d recovery codes left without a second factor", n)
	}
}

// The eleventh passkey is refused before the password is asked.
func TestPasskeyLimitHTTP(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	e.addUser("lim@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("lim@example.org", pw)
	for range auth.MaxPasskeysPerUser {
		b.register(newKey(t, origin), "key")
	}
	r := b.do(http.MethodPost, "/v1/auth/passkeys/options", map[string]string{"password": pw})
	wantStatus(t, r, http.StatusBadRequest, protocol.CodeInvalidArgument)
	if !strings.Contains(r.code()+string(r.body), "10") {
		t.Errorf("the refusal does not name the limit: %s", r.body)
	}
}

// When the policy requires a second factor, the last one stays (as for
// DELETE /v1/auth/totp); with TOTP as well it may go.
func TestPasskeyRemoveLastFactor(t *testing.T) {
	e := newEnv(t, func(a *config.Accounts) { a.RequireSecondFactor = "everyone" })
	origin := withPasskeys(t, e)
	u := e.addUser("last@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("last@example.org", pw)
	// Registering is allowed before the policy is satisfied; renaming
	// is not yet needed.
	wantStatus(t, b.do(http.MethodGet, "/v1/auth/sessions", nil), http.StatusOK, "")
	one := b.register(newKey(t, origin), "one")
	two := b.register(newKey(t, origin), "two")
	if r := b.do(http.MethodDelete, "/v1/auth/passkeys/"+one.Passkey.ID, map[string]string{"password": pw}); r.status != http.StatusNoContent {
		t.Fatalf("remove one of two: %d %s", r.status, r.body)
	}
	r := b.do(http.MethodDelete, "/v1/auth/passkeys/"+two.Passkey.ID, map[string]string{"password": pw})
	wantStatus(t, r, http.StatusForbidden, CodeSecondFactorRequired)
	if len(e.passkeys(u.ID)) != 1 || e.recoveryCodes(u.ID) != RecoveryCodeCount {
		t.Fatal("the refused removal changed something")
	}
	enrolTOTP(t, b)
	if r := b.do(http.MethodDelete, "/v1/auth/passkeys/"+two.Passkey.ID, map[string]string{"password": pw}); r.status != http.StatusNoContent {
		t.Fatalf("remove the last passkey with TOTP kept: %d %s", r.status, r.body)
	}
	// TOTP is now the last factor: DELETE /v1/auth/totp keeps it too.
	wantStatus(t, b.do(http.MethodDelete, "/v1/auth/totp", map[string]string{"password": pw}), http.StatusForbidden, CodeSecondFactorRequired)
}

// A passkey alone signs in: the session cookie, the account, the event;
// its last use is recorded.
func TestPasskeySigninAlone(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	u := e.addUser("solo@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("solo@example.org", pw)
	k := newKey(t, origin)
	pk := b.register(k, "Phone")

	o := e.browser("").options("/v1/auth/passkey/options", map[string]any{})
	ro := softauthn.ParseRequestOptions(t, o.Options)
	if ro.RPID != "localhost" || ro.UserVerification != "required" || len(ro.AllowCredentials) != 0 {
		t.Errorf("request options %s", o.Options)
	}
	// An empty body works as well as {}.
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/passkey/options", ""), http.StatusOK, "")

	e.clock.Add(time.Minute)
	c := e.browser("198.51.100.7:1")
	r := c.passkeySignin(k)
	if r.status != http.StatusOK {
		t.Fatalf("passkey sign-in: %d %s", r.status, r.body)
	}
	var sr SigninResponse
	r.decode(t, &sr)
	if sr.Status != "signed_in" || sr.User == nil || sr.User.ID != u.ID || sr.Notice != nil || c.sessionCookie() == "" {
		t.Fatalf("answer %s", r.body)
	}
	wantStatus(t, c.do(http.MethodGet, "/v1/auth/me", nil), http.StatusOK, "")
	if ev, ok := e.events.last(room.SecuritySigninSucceeded); !ok || ev.Reason != "passkey" || ev.Subject != u.ID || ev.IP != "198.51.100.7" {
		t.Errorf("event %+v", ev)
	}
	var list PasskeyList
	c.do(http.MethodGet, "/v1/auth/passkeys", nil).decode(t, &list)
	if len(list.Passkeys) != 1 || list.Passkeys[0].ID != pk.Passkey.ID || list.Passkeys[0].LastUsedAt == nil || !list.Passkeys[0].LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("last use not shown: %+v", list.Passkeys)
	}
}

// An assertion is good once: replayed on its own ceremony or on a new
// one, it is refused; so is one whose counter went back (a cloned key).
func TestPasskeyReplayAndClone(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	e.addUser("rep@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("rep@example.org", pw)
	k := newKey(t, origin)
	b.register(k, "Phone")

	c := e.browser("")
	o := c.options("/v1/auth/passkey/options", map[string]any{})
	body := map[string]any{"ceremony": o.Ceremony, "credential": json.RawMessage(k.MustGet(t, o.Options))}
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/passkey/finish", body), http.StatusOK, "")
	failedBefore := e.events.count(room.SecuritySigninFailed)
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/passkey/finish", body), http.StatusBadRequest, protocol.CodePasskeyFailed)
	o2 := c.options("/v1/auth/passkey/options", map[string]any{})
	body["ceremony"] = o2.Ceremony
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/passkey/finish", body), http.StatusBadRequest, protocol.CodePasskeyFailed)

	// A copy of the key that lags behind.
	k.Counter = 0
	r := e.browser("").passkeySignin(k)
	wantStatus(t, r, http.StatusBadRequest, protocol.CodePasskeyFailed)
	if got := e.events.count(room.SecuritySigninFailed) - failedBefore; got != 3 {
		t.Errorf("%d signin_failed events for 3 refusals", got)
	}
	if ev, _ := e.events.last(room.SecuritySigninFailed); ev.Reason != "passkey" || ev.Outcome != room.OutcomeRefused {
		t.Errorf("event %+v", ev)
	}
	if strings.Contains(string(r.body), "counter") {
		t.Errorf("the answer explains the refusal to the client: %s", r.body)
	}
	// The real key, its counter ahead of the stored one, still works.
	k.Counter = 100
	wantStatus(t, e.browser("").passkeySignin(k), http.StatusOK, "")
}

// A disabled account is refused; a locked one signs in with its passkey,
// which ends the lock and shows the notice.
func TestPasskeySigninDisabledAndLocked(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	u := e.addUser("lock@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("lock@example.org", pw)
	k := newKey(t, origin)
	b.register(k, "Phone")
	ctx := context.Background()

	lockedAt := e.clock.Now()
	if _, err := e.st.UpdateUser(ctx, u.ID, func(x *store.User) error {
		x.FailedSignins, x.LastFailedAt, x.LockedUntil, x.LockNotice = 10, lockedAt, lockedAt.Add(15*time.Minute), true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.browser("").signin("lock@example.org", pw), http.StatusTooManyRequests, CodeTooManyAttempts)
	r := e.browser("").passkeySignin(k)
	if r.status != http.StatusOK {
		t.Fatalf("locked account with its passkey: %d %s", r.status, r.body)
	}
	var sr SigninResponse
	r.decode(t, &sr)
	if sr.Notice == nil || sr.Notice.Failures != 10 || !sr.Notice.LockedAt.Equal(lockedAt) {
		t.Errorf("no lock notice: %s", r.body)
	}
	if got := e.user(u.ID); got.FailedSignins != 0 || !got.LockedUntil.IsZero() || got.LockNotice {
		t.Errorf("the lock outlived the sign-in: %+v", got)
	}

	if _, err := e.st.UpdateUser(ctx, u.ID, func(x *store.User) error { x.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	c := e.browser("")
	wantStatus(t, c.passkeySignin(k), http.StatusForbidden, CodeAccountDisabled)
	if c.sessionCookie() != "" {
		t.Error("a disabled account got a session")
	}
	if ev, _ := e.events.last(room.SecuritySigninFailed); ev.Reason != "disabled" || ev.Subject != u.ID {
		t.Errorf("event %+v", ev)
	}
}

// Failed passkey sign-ins count against the address as wrong passwords
// do: past the free failures it is held back, whatever it sends, while
// other addresses sign in as usual.
func TestPasskeySigninThrottled(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	e.addUser("thr@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("thr@example.org", pw)
	k := newKey(t, origin)
	b.register(k, "Phone")
	stranger := newKey(t, origin) // registered nowhere
	stranger.UserHandle = []byte("US_NOBODY")

	attacker := e.browser("203.0.113.9:4000")
	for range 21 {
		wantStatus(t, attacker.passkeySignin(stranger), http.StatusBadRequest, protocol.CodePasskeyFailed)
	}
	r := attacker.do(http.MethodPost, "/v1/auth/passkey/options", map[string]any{})
	wantStatus(t, r, http.StatusTooManyRequests, CodeTooManyAttempts)
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if ev, _ := e.events.last(room.SecuritySigninThrottled); ev.Reason != "address" || ev.IP != "203.0.113.9" {
		t.Errorf("event %+v", ev)
	}
	// Even a valid assertion from there waits: take options from
	// elsewhere and finish from the held address.
	o := e.browser("").options("/v1/auth/passkey/options", map[string]any{})
	wantStatus(t, attacker.do(http.MethodPost, "/v1/auth/passkey/finish", map[string]any{
		"ceremony": o.Ceremony, "credential": json.RawMessage(k.MustGet(t, o.Options)),
	}), http.StatusTooManyRequests, CodeTooManyAttempts)
	// Another address signs in.
	wantStatus(t, e.browser("192.0.2.50:1").passkeySignin(k), http.StatusOK, "")
	// And once the delay has passed, so does this one.
	e.clock.Add(10 * time.Minute)
	wantStatus(t, attacker.passkeySignin(k), http.StatusOK, "")
}

// A passkey as the second step after a password: the ticket's account's
// passkeys are offered, another account's passkey is refused and counted
// as a wrong code is, and the ticket then signs in.
func TestPasskeySecondStep(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	alice := e.addUser("alice@example.org", pw, store.RoleMember)
	e.addUser("bob@example.org", pw, store.RoleMember)
	ak, bk := newKey(t, origin), newKey(t, origin)
	a := e.browser("")
	a.mustSignin("alice@example.org", pw)
	a.register(ak, "Alice's phone")
	bb := e.browser("")
	bb.mustSignin("bob@example.org", pw)
	bb.register(bk, "Bob's phone")

	c := e.browser("")
	sr := c.mustSignin("alice@example.org", pw)
	if sr.Status != "second_factor" || !strings.Contains(strings.Join(sr.Methods, ","), "passkey") {
		t.Fatalf("password step: %+v", sr)
	}
	o := c.options("/v1/auth/signin/passkey/options", map[string]string{"ticket": sr.Ticket})
	ro := softauthn.ParseRequestOptions(t, o.Options)
	if len(ro.AllowCredentials) != 1 || ro.AllowCredentials[0].ID != base64.RawURLEncoding.EncodeToString(ak.CredentialID) {
		t.Errorf("offered %+v, want Alice's passkey", ro.AllowCredentials)
	}

	// Bob's passkey, answering Alice's ceremony anyway.
	bk.IgnoreAllowList = true
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/signin/passkey/finish", map[string]any{
		"ticket": sr.Ticket, "ceremony": o.Ceremony, "credential": json.RawMessage(bk.MustGet(t, o.Options)),
	}), http.StatusBadRequest, protocol.CodePasskeyFailed)
	if got := e.user(alice.ID).FailedSignins; got != 1 {
		t.Errorf("the wrong passkey counted %d failures on the account, want 1", got)
	}
	if ev, _ := e.events.last(room.SecuritySigninFailed); ev.Reason != "passkey" || ev.Subject != alice.ID {
		t.Errorf("event %+v", ev)
	}
	if c.sessionCookie() != "" {
		t.Fatal("a session after a refused passkey")
	}
	// An unknown ticket.
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/signin/passkey/options", map[string]string{"ticket": strings.Repeat("A", 43)}),
		http.StatusUnauthorized, CodeTicketInvalid)

	// Alice's passkey.
	o = c.options("/v1/auth/signin/passkey/options", map[string]string{"ticket": sr.Ticket})
	r := c.do(http.MethodPost, "/v1/auth/signin/passkey/finish", map[string]any{
		"ticket": sr.Ticket, "ceremony": o.Ceremony, "credential": json.RawMessage(ak.MustGet(t, o.Options)),
	})
	var done SigninResponse
	r.decode(t, &done)
	if r.status != http.StatusOK || done.Status != "signed_in" || done.User.ID != alice.ID || c.sessionCookie() == "" {
		t.Fatalf("second step: %d %s", r.status, r.body)
	}
	if e.user(alice.ID).FailedSignins != 0 {
		t.Error("the success did not reset the count")
	}
	if ev, _ := e.events.last(room.SecuritySigninSucceeded); ev.Reason != "passkey" || ev.Subject != alice.ID {
		t.Errorf("event %+v", ev)
	}
	// The ticket is spent.
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/signin/passkey/options", map[string]string{"ticket": sr.Ticket}),
		http.StatusUnauthorized, CodeTicketInvalid)

	// A ceremony begun with a ticket is not one of sign-in alone.
	sr = e.browser("").mustSignin("alice@example.org", pw)
	o = c.options("/v1/auth/signin/passkey/options", map[string]string{"ticket": sr.Ticket})
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/passkey/finish", map[string]any{
		"ceremony": o.Ceremony, "credential": json.RawMessage(ak.MustGet(t, o.Options)),
	}), http.StatusBadRequest, protocol.CodePasskeyFailed)
}

// Ceremonies expire after five minutes and unknown ones are refused, on
// every finish.
func TestPasskeyCeremonyExpiredOrUnknown(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	u := e.addUser("exp@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("exp@example.org", pw)
	k := newKey(t, origin)
	b.register(k, "Phone")

	// Registration.
	o := b.options("/v1/auth/passkeys/options", map[string]string{"password": pw})
	e.clock.Add(auth.PasskeyChallengeTTL)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkeys/finish", map[string]any{
		"ceremony": o.Ceremony, "name": "late", "credential": json.RawMessage(newKey(t, origin).MustCreate(t, o.Options)),
	}), http.StatusBadRequest, protocol.CodePasskeyFailed)
	if len(e.passkeys(u.ID)) != 1 {
		t.Fatal("an expired registration was stored")
	}
	// Sign-in alone.
	c := e.browser("")
	o = c.options("/v1/auth/passkey/options", map[string]any{})
	e.clock.Add(auth.PasskeyChallengeTTL)
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/passkey/finish", map[string]any{
		"ceremony": o.Ceremony, "credential": json.RawMessage(k.MustGet(t, o.Options)),
	}), http.StatusBadRequest, protocol.CodePasskeyFailed)
	// Unknown ceremonies.
	unknown := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	cred := json.RawMessage(k.MustGet(t, o.Options))
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/passkey/finish", map[string]any{"ceremony": unknown, "credential": cred}),
		http.StatusBadRequest, protocol.CodePasskeyFailed)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkeys/finish", map[string]any{"ceremony": unknown, "name": "x", "credential": cred}),
		http.StatusBadRequest, protocol.CodePasskeyFailed)
	sr := c.mustSignin("exp@example.org", pw)
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/signin/passkey/finish", map[string]any{"ticket": sr.Ticket, "ceremony": unknown, "credential": cred}),
		http.StatusBadRequest, protocol.CodePasskeyFailed)
	if e.user(u.ID).FailedSignins != 1 {
		t.Error("an unknown ceremony on the second step was not counted")
	}
	// The ticket outlives no ceremony: both last five minutes.
	o = c.options("/v1/auth/signin/passkey/options", map[string]string{"ticket": sr.Ticket})
	e.clock.Add(auth.PasskeyChallengeTTL)
	wantStatus(t, c.do(http.MethodPost, "/v1/auth/signin/passkey/finish", map[string]any{
		"ticket": sr.Ticket, "ceremony": o.Ceremony, "credential": json.RawMessage(k.MustGet(t, o.Options)),
	}), http.StatusUnauthorized, CodeTicketInvalid)
}

// Without a relying party every ceremony answers passkeys_unavailable,
// the list still answers, /me says so and sign-in does not offer them.
func TestPasskeysUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("none@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("none@example.org", pw)
	var me MeResponse
	b.do(http.MethodGet, "/v1/auth/me", nil).decode(t, &me)
	if me.PasskeysAvailable {
		t.Error("me says passkeys are available")
	}
	if !strings.Contains(string(b.do(http.MethodGet, "/v1/auth/me", nil).body), `"passkeys_available":false`) {
		t.Error("me does not say passkeys_available: false")
	}
	for _, rt := range []struct{ method, path, body string }{
		{"POST", "/v1/auth/passkeys/options", `{"password":"` + pw + `"}`},
		{"POST", "/v1/auth/passkeys/finish", `{}`},
		{"PATCH", "/v1/auth/passkeys/PK_X", `{"name":"x"}`},
		{"DELETE", "/v1/auth/passkeys/PK_X", `{"password":"x"}`},
		{"POST", "/v1/auth/passkey/options", `{}`},
		{"POST", "/v1/auth/passkey/finish", `{}`},
		{"POST", "/v1/auth/signin/passkey/options", `{}`},
		{"POST", "/v1/auth/signin/passkey/finish", `{}`},
	} {
		wantStatus(t, b.do(rt.method, rt.path, rt.body), http.StatusNotImplemented, protocol.CodePasskeysUnavailable)
	}
	if r := b.do(http.MethodGet, "/v1/auth/passkeys", nil); r.status != http.StatusOK || string(r.body) != "{\"passkeys\":[]}\n" && string(r.body) != `{"passkeys":[]}` {
		t.Errorf("list: %d %q", r.status, r.body)
	}

	// An account that registered passkeys while they were available and
	// has TOTP too is offered only what works.
	enrolTOTP(t, b)
	if err := e.st.CreatePasskey(context.Background(), store.Passkey{ID: "PK_AAAAAAAAAAAAAAAAAAAAAAAAAA", UserID: u.ID,
		CredentialID: []byte{1, 2, 3}, Credential: []byte(`{}`), Name: "old"}); err != nil {
		t.Fatal(err)
	}
	sr := e.browser("").mustSignin("none@example.org", pw)
	if strings.Contains(strings.Join(sr.Methods, ","), "passkey") {
		t.Errorf("methods %v offer passkeys the server cannot verify", sr.Methods)
	}
}

// Bad input on every passkey endpoint: 400 (or 413, or 404 for an id
// that cannot be a passkey's) with a code, never a server error.
func TestPasskeyBadInput(t *testing.T) {
	e := newEnv(t, nil)
	origin := withPasskeys(t, e)
	e.addUser("bad@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("bad@example.org", pw)
	pk := b.register(newKey(t, origin), "Phone")
	huge := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	bodies := map[string]string{
		"oversize":     huge,
		"not json":     "name=a",
		"array":        "[]",
		"two values":   "{} {}",
		"unknown":      `{"ceremony":"x","extra":1}`,
		"wrong type":   `{"ceremony":1,"name":true,"credential":"x","ticket":[],"password":{}}`,
		"repeated":     `{"ticket":"a","ticket":"b"}`,
		"wrong case":   `{"Ceremony":"x"}`,
		"truncated":    `{"ceremony":"ab`,
		"null":         `null`,
		"invalid utf8": "{\"name\":\"\xff\xfe\"}",
	}
	routes := []struct{ method, path string }{
		{"POST", "/v1/auth/passkeys/options"}, {"POST", "/v1/auth/passkeys/finish"},
		{"PATCH", "/v1/auth/passkeys/" + pk.Passkey.ID}, {"DELETE", "/v1/auth/passkeys/" + pk.Passkey.ID},
		{"POST", "/v1/auth/passkey/options"}, {"POST", "/v1/auth/passkey/finish"},
		{"POST", "/v1/auth/signin/passkey/options"}, {"POST", "/v1/auth/signin/passkey/finish"},
	}
	for _, rt := range routes {
		for name, body := range bodies {
			r := b.do(rt.method, rt.path, body)
			if name == "invalid utf8" && rt.method == http.MethodPatch && r.status == http.StatusOK {
				continue // replaced by U+FFFD on decoding: a well-formed name
			}
			if name == "null" && rt.path == "/v1/auth/passkey/options" && r.status == http.StatusOK {
				continue // no body is asked for; null is none, as on POST /v1/auth/signout
			}
			if (r.status != http.StatusBadRequest && r.status != http.StatusRequestEntityTooLarge) || r.code() == "" {
				t.Errorf("%s %s %s: %d %s", rt.method, rt.path, name, r.status, r.body)
			}
		}
	}
	// Missing and out-of-range fields.
	long := strings.Repeat("A", 65)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/auth/passkeys/options", `{}`},
		{"POST", "/v1/auth/passkeys/options", `{"password":"` + strings.Repeat("p", 1025) + `"}`},
		{"POST", "/v1/auth/passkeys/finish", `{}`},
		{"POST", "/v1/auth/passkeys/finish", `{"name":"ok","credential":{}}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"` + long + `","name":"ok","credential":{}}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","credential":{}}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","name":"` + strings.Repeat("n", 65) + `","credential":{}}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","name":"a\u0007b","credential":{}}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","name":"ok"}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","name":"ok","credential":null}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","name":"ok","credential":[1,2]}`},
		{"POST", "/v1/auth/passkeys/finish", `{"ceremony":"x","name":"ok","credential":"eyJ9"}`},
		{"PATCH", "/v1/auth/passkeys/" + pk.Passkey.ID, `{}`},
		{"PATCH", "/v1/auth/passkeys/" + pk.Passkey.ID, `{"name":null}`},
		{"DELETE", "/v1/auth/passkeys/" + pk.Passkey.ID, `{}`},
		{"POST", "/v1/auth/passkey/finish", `{}`},
		{"POST", "/v1/auth/passkey/finish", `{"credential":{}}`},
		{"POST", "/v1/auth/passkey/finish", `{"ceremony":"x"}`},
		{"POST", "/v1/auth/passkey/finish", `{"ceremony":"` + long + `","credential":{}}`},
		{"POST", "/v1/auth/signin/passkey/options", `{}`},
		{"POST", "/v1/auth/signin/passkey/finish", `{"ceremony":"x","credential":{}}`},
		{"POST", "/v1/auth/signin/passkey/finish", `{"ticket":"x","credential":{}}`},
		{"POST", "/v1/auth/signin/passkey/finish", `{"ticket":"x","ceremony":"x"}`},
	} {
		r := b.do(c.method, c.path, c.body)
		if r.status != http.StatusBadRequest || r.code() == "" {
			t.Errorf("%s %s %.80s: %d %s", c.method, c.path, c.body, r.status, r.body)
		}
	}
	// Credentials that are objects but no WebAuthn answer.
	for _, cred := range []string{`{}`, `{"id":"x"}`, `{"id":1,"rawId":[],"type":"public-key","response":{}}`, `{"response":{"clientDataJSON":"!!"}}`} {
		o := b.options("/v1/auth/passkeys/options", map[string]string{"password": pw})
		wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkeys/finish", `{"ceremony":"`+o.Ceremony+`","name":"x","credential":`+cred+`}`),
			http.StatusBadRequest, protocol.CodePasskeyFailed)
		o = b.options("/v1/auth/passkey/options", map[string]any{})
		wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkey/finish", `{"ceremony":"`+o.Ceremony+`","credential":`+cred+`}`),
			http.StatusBadRequest, protocol.CodePasskeyFailed)
	}
	// Ids that cannot be a passkey's.
	for _, id := range []string{"SE_x", "x", "PK_" + strings.Repeat("A", 70)} {
		wantStatus(t, b.do(http.MethodPatch, "/v1/auth/passkeys/"+id, `{"name":"x"}`), http.StatusNotFound, protocol.CodeNotFound)
		wantStatus(t, b.do(http.MethodDelete, "/v1/auth/passkeys/"+id, `{"password":"x"}`), http.StatusNotFound, protocol.CodeNotFound)
	}
	// Cross-origin and non-JSON requests are refused before anything.
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkey/finish", `{}`, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, CodeCrossOrigin)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/passkeys/options", `{}`, "Content-Type", "text/plain"), http.StatusForbidden, CodeCrossOrigin)
	// The session survived all of it, and so did the passkey.
	if r := b.do(http.MethodGet, "/v1/auth/passkeys", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), pk.Passkey.ID) {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
}

// FuzzPasskeyFinishBody: whatever the body of a passkey finish (the
// registration, the sign-in alone, the second step), the answer is a
// client error or a refusal, never a server error or a panic. Each input
// is offered to fresh ceremonies, so it reaches the WebAuthn parsing.
func FuzzPasskeyFinishBody(f *testing.F) {
	// A session that lasts as long as any fuzzing run.
	e := newEnv(f, func(a *config.Accounts) { a.SessionMax = 100 * 365 * 24 * time.Hour })
	origin := withPasskeys(f, e)
	u := e.addUser("fuzz@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("fuzz@example.org", pw)
	k := newKey(f, origin)
	b.register(k, "Phone")
	o := b.options("/v1/auth/passkey/options", map[string]any{})
	seedGet := k.MustGet(f, o.Options)
	o = b.options("/v1/auth/passkeys/options", map[string]string{"password": pw})
	seedCreate := newKey(f, origin).MustCreate(f, o.Options)
	for _, s := range []string{
		`{"ceremony":"C","credential":` + string(seedGet) + `}`,
		`{"ceremony":"C","name":"Phone","credential":` + string(seedCreate) + `}`,
		`{"ticket":"T","ceremony":"C","credential":` + string(seedGet) + `}`,
		`{"ceremony":"C","credential":{"id":"","rawId":"","type":"public-key","response":{}}}`,
		`{"ceremony":"C","credential":{"response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}}`,
		`{}`, `null`, `[]`, `{"credential":1}`, "{\"ceremony\":\"\xff\"}",
	} {
		f.Add(s)
	}
	mux := http.NewServeMux()
	e.svc.Register(mux)
	session := b.sessionCookie()
	post := func(path, body string, withSession bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "192.0.2.1:1"
		if withSession {
			req.AddCookie(&http.Cookie{Name: CookieName, Value: session})
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		return w
	}
	f.Fuzz(func(t *testing.T, body string) { fuzzPasskeyBody(t, e, u, post, &session, body) })
}

func fuzzPasskeyBody(t *testing.T, e *env, u store.User, post func(path, body string, withSession bool) *httptest.ResponseRecorder, session *string, body string) {
	{
		// Forget the address's failures of earlier inputs, which would
		// soon answer every input 429.
		e.clock.Add(11 * time.Minute)
		for _, c := range []struct {
			finish, options, optionsBody string
			withSession                  bool
		}{
			{"/v1/auth/passkeys/finish", "/v1/auth/passkeys/options", `{"password":"` + pw + `"}`, true},
			{"/v1/auth/passkey/finish", "/v1/auth/passkey/options", `{}`, false},
			{"/v1/auth/signin/passkey/finish", "", "", false},
		} {
			in := body
			if c.options != "" {
				w := post(c.options, c.optionsBody, c.withSession)
				var o PasskeyOptionsResponse
				if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &o) != nil {
					t.Fatalf("%s: %d %s", c.options, w.Code, w.Body)
				}
				in = strings.ReplaceAll(body, `"ceremony":"C"`, `"ceremony":"`+o.Ceremony+`"`)
			}
			w := post(c.finish, in, c.withSession)
			switch w.Code {
			case http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
				http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
			default:
				t.Fatalf("%s %q: %d %s", c.finish, in, w.Code, w.Body)
			}
			if w.Code >= 400 && !strings.Contains(w.Body.String(), `"code":"`) {
				t.Fatalf("%s %q: %d without a code: %s", c.finish, in, w.Code, w.Body)
			}
			if w.Code == http.StatusCreated {
				// A registration verified (the session got a new id):
				// follow it, and stay below the account's limit.
				for _, ck := range w.Result().Cookies() {
					if ck.Name == CookieName {
						*session = ck.Value
					}
				}
				var pr PasskeyResponse
				if err := json.Unmarshal(w.Body.Bytes(), &pr); err != nil {
					t.Fatal(err)
				}
				if err := e.st.DeletePasskey(context.Background(), u.ID, pr.Passkey.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
