package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit/softauthn"
)

// memPasskeys is a PasskeyStore in memory, with store's errors.
type memPasskeys struct {
	mu   sync.Mutex
	keys []Passkey
	// fail, when set, is returned by every method.
	fail error
	// overlapWatch, when set, makes ListPasskeys linger (yielding the
	// processor) and note in overlapped whether another list of the same
	// account ran meanwhile.
	overlapWatch atomic.Bool
	overlapped   atomic.Bool
	listing      sync.Map // user id → *atomic.Int32
}

func (m *memPasskeys) ListPasskeys(_ context.Context, userID string) ([]Passkey, error) {
	if m.overlapWatch.Load() {
		v, _ := m.listing.LoadOrStore(userID, new(atomic.Int32))
		n := v.(*atomic.Int32)
		if n.Add(1) > 1 {
			m.overlapped.Store(true)
		}
		for range 100 {
			runtime.Gosched()
		}
		n.Add(-1)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	var out []Passkey
	for _, p := range m.keys {
		if p.UserID == userID {
			out = append(out, clonePasskey(p))
		}
	}
	return out, nil
}

func (m *memPasskeys) PasskeyByCredentialID(_ context.Context, id []byte) (Passkey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return Passkey{}, m.fail
	}
	for _, p := range m.keys {
		if bytes.Equal(p.CredentialID, id) {
			return clonePasskey(p), nil
		}
	}
	return Passkey{}, fmt.Errorf("store: passkey: %w", store.ErrNotFound)
}

func (m *memPasskeys) CreatePasskey(_ context.Context, p Passkey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, q := range m.keys {
		if q.ID == p.ID || bytes.Equal(q.CredentialID, p.CredentialID) {
			return fmt.Errorf("store: passkey: %w", store.ErrExists)
		}
	}
	m.keys = append(m.keys, clonePasskey(p))
	return nil
}

func (m *memPasskeys) UpdatePasskey(_ context.Context, p Passkey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for i, q := range m.keys {
		if q.ID == p.ID && q.UserID == p.UserID {
			m.keys[i].Credential = slices.Clone(p.Credential)
			m.keys[i].Name = p.Name
			m.keys[i].LastUsedAt = p.LastUsedAt
			return nil
		}
	}
	return fmt.Errorf("store: passkey: %w", store.ErrNotFound)
}

func (m *memPasskeys) DeletePasskey(_ context.Context, userID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	n := len(m.keys)
	m.keys = slices.DeleteFunc(m.keys, func(p Passkey) bool { return p.ID == id && p.UserID == userID })
	if len(m.keys) == n {
		return fmt.Errorf("store: passkey: %w", store.ErrNotFound)
	}
	return nil
}

func (m *memPasskeys) byCredential(t *testing.T, id []byte) Passkey {
	t.Helper()
	p, err := m.PasskeyByCredentialID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (m *memPasskeys) remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = slices.DeleteFunc(m.keys, func(p Passkey) bool { return p.ID == id })
}

func clonePasskey(p Passkey) Passkey {
	p.CredentialID = slices.Clone(p.CredentialID)
	p.Credential = slices.Clone(p.Credential)
	return p
}

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type passkeyFixture struct {
	p     *Passkeys
	store *memPasskeys
	clock *testClock
}

func newPasskeyFixture(t testing.TB) *passkeyFixture {
	t.Helper()
	f := &passkeyFixture{store: &memPasskeys{}, clock: &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	p, err := NewPasskeys(PasskeyConfig{
		RPID:    "conclave.test",
		Origins: []string{defaultOrigin},
		Store:   f.store,
		Now:     f.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	return f
}

var (
	alice = PasskeyUser{ID: "US_ALICE0000000000000000000", Email: "alice@example.org", DisplayName: "Alice Liddell"}
	bob   = PasskeyUser{ID: "US_BOB000000000000000000000", Email: "bob@example.org", DisplayName: "Bob"}
)

// register registers k for user under name, failing the test if it does
// not work.
func (f *passkeyFixture) register(t *testing.T, user PasskeyUser, k *softauthn.Authenticator, name string) Passkey {
	t.Helper()
	opts, id, err := f.p.BeginRegistration(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := f.p.FinishRegistration(context.Background(), id, user, name, k.MustCreate(t, opts))
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return pk
}

// signIn signs in with k alone, returning what FinishLogin does.
func (f *passkeyFixture) signIn(t *testing.T, k *softauthn.Authenticator) (string, Passkey, error) {
	t.Helper()
	opts, id, err := f.p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := k.Get(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f.p.FinishLogin(context.Background(), id, resp)
}

func storedCredential(t *testing.T, p Passkey) webauthn.Credential {
	t.Helper()
	c, err := decodeCredential(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPasskeyRegisterAndSignIn(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)

	opts, id, err := f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 43 {
		t.Errorf("challenge id %q: want 43 base64url characters (256 bits)", id)
	}
	var o creationOptions
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatalf("options are not the {publicKey: …} object: %v\n%s", err, opts)
	}
	pk := o.PublicKey
	var algs []int
	for _, p := range pk.PubKeyCredParams {
		algs = append(algs, p.Alg)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"rp.id", pk.RP.ID, "conclave.test"},
		{"rp.name", pk.RP.Name, "Conclave"},
		{"user.id", pk.User.ID, b64.EncodeToString([]byte(alice.ID))},
		{"user.name", pk.User.Name, alice.Email},
		{"user.displayName", pk.User.DisplayName, alice.DisplayName},
		{"residentKey", pk.AuthenticatorSelection.ResidentKey, "required"},
		{"requireResidentKey", pk.AuthenticatorSelection.RequireResidentKey, true},
		{"userVerification", pk.AuthenticatorSelection.UserVerification, "required"},
		{"attestation", pk.Attestation, "none"},
		{"pubKeyCredParams", fmt.Sprint(algs), "[-7 -8 -257]"},
		{"timeout", pk.Timeout, int(DefaultPasskeyTimeout / time.Millisecond)},
		{"excludeCredentials", len(pk.ExcludeCredentials), 0},
	} {
		if c.got != c.want {
			t.Errorf("creation options %s = %v, want %v", c.what, c.got, c.want)
		}
	}

	created, err := f.p.FinishRegistration(ctx, id, alice, "  MacBook Touch ID \t", k.MustCreate(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ID, PasskeyIDPrefix) || len(created.ID) != len(PasskeyIDPrefix)+26 {
		t.Errorf("passkey id %q: want %s and 26 base32 characters", created.ID, PasskeyIDPrefix)
	}
	if created.UserID != alice.ID || !bytes.Equal(created.CredentialID, k.CredentialID) || created.Name != "MacBook Touch ID" ||
		!created.CreatedAt.Equal(f.clock.now()) || !created.LastUsedAt.IsZero() {
		t.Errorf("registered %+v", created)
	}
	if got := f.store.byCredential(t, k.CredentialID); got.ID != created.ID {
		t.Fatalf("stored passkey %s, returned %s", got.ID, created.ID)
	}
	cred := storedCredential(t, created)
	if !cred.Flags.UserVerified || cred.AttestationFormat != "none" || cred.Authenticator.SignCount != 0 {
		t.Errorf("stored credential: flags %+v, format %q, count %d", cred.Flags, cred.AttestationFormat, cred.Authenticator.SignCount)
	}
	if !bytes.Equal(k.UserHandle, []byte(alice.ID)) {
		t.Errorf("the user handle is %q, want the account id, never the email", k.UserHandle)
	}

	// Sign in with the passkey alone, twice.
	for i := range 2 {
		f.clock.advance(time.Minute)
		opts, id, err := f.p.BeginLogin()
		if err != nil {
			t.Fatal(err)
		}
		var ro requestOptions
		if err := json.Unmarshal(opts, &ro); err != nil {
			t.Fatal(err)
		}
		if ro.PublicKey.RPID != "conclave.test" || ro.PublicKey.UserVerification != "required" || len(ro.PublicKey.AllowCredentials) != 0 {
			t.Errorf("request options %s: want rpId, user verification required and no allowCredentials", opts)
		}
		userID, updated, err := f.p.FinishLogin(ctx, id, k.MustGet(t, opts))
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		if userID != alice.ID || updated.ID != created.ID || !updated.LastUsedAt.Equal(f.clock.now()) {
			t.Errorf("sign-in %d: user %q, passkey %+v", i, userID, updated)
		}
		stored := f.store.byCredential(t, k.CredentialID)
		if c := storedCredential(t, stored); c.Authenticator.SignCount != k.Counter || !stored.LastUsedAt.Equal(f.clock.now()) {
			t.Errorf("sign-in %d: stored count %d (authenticator %d), last used %v", i, c.Authenticator.SignCount, k.Counter, stored.LastUsedAt)
		}
	}
}

func TestPasskeyEdDSA(t *testing.T) {
	f := newPasskeyFixture(t)
	k := softauthn.New(t, softauthn.EdDSA)
	f.register(t, bob, k, "YubiKey")
	if userID, _, err := f.signIn(t, k); err != nil || userID != bob.ID {
		t.Fatalf("sign-in with an Ed25519 passkey: %q, %v", userID, err)
	}
}

func TestPasskeySecondFactor(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	phone, laptop := softauthn.New(t, softauthn.ES256), softauthn.New(t, softauthn.ES256)
	f.register(t, alice, phone, "phone")
	registered := f.register(t, alice, laptop, "laptop")

	opts, id, err := f.p.BeginSecondFactor(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	var ro requestOptions
	if err := json.Unmarshal(opts, &ro); err != nil {
		t.Fatal(err)
	}
	var offered []string
	for _, c := range ro.PublicKey.AllowCredentials {
		offered = append(offered, c.ID)
	}
	want := []string{b64.EncodeToString(phone.CredentialID), b64.EncodeToString(laptop.CredentialID)}
	if !slices.Equal(offered, want) || ro.PublicKey.UserVerification != "required" {
		t.Errorf("second factor options offer %v with user verification %q; want %v, required", offered, ro.PublicKey.UserVerification, want)
	}
	f.clock.advance(time.Second)
	updated, err := f.p.FinishSecondFactor(ctx, id, alice, laptop.MustGet(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != registered.ID || !updated.LastUsedAt.Equal(f.clock.now()) {
		t.Errorf("second factor answered %+v", updated)
	}
	if c := storedCredential(t, f.store.byCredential(t, laptop.CredentialID)); c.Authenticator.SignCount != 1 {
		t.Errorf("stored count %d after one use", c.Authenticator.SignCount)
	}

	// An account with no passkey has no second factor to offer.
	if _, _, err := f.p.BeginSecondFactor(ctx, bob); !errors.Is(err, ErrNoPasskeys) {
		t.Errorf("second factor for an account without passkeys: %v, want ErrNoPasskeys", err)
	}
}

func TestPasskeySecondFactorOtherAccountsCredential(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	aliceKey, bobKey := softauthn.New(t, softauthn.ES256), softauthn.New(t, softauthn.ES256)
	f.register(t, alice, aliceKey, "alice's")
	f.register(t, bob, bobKey, "bob's")

	// Bob, who knows alice's password, answers her second factor with his
	// own passkey (a client that ignores allowCredentials).
	opts, id, err := f.p.BeginSecondFactor(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bobKey.Get(t, opts); !errors.Is(err, softauthn.ErrNotAllowed) {
		t.Fatalf("a browser offers bob's passkey for alice: %v", err)
	}
	bobKey.IgnoreAllowList = true
	if _, err := f.p.FinishSecondFactor(ctx, id, alice, bobKey.MustGet(t, opts)); !errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("bob's passkey as alice's second factor: %v, want ErrPasskeyFailed", err)
	}
	// Nor does bob's ceremony accept alice's passkey.
	opts, id, err = f.p.BeginSecondFactor(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	aliceKey.IgnoreAllowList = true
	if _, err := f.p.FinishSecondFactor(ctx, id, bob, aliceKey.MustGet(t, opts)); !errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("alice's passkey as bob's second factor: %v, want ErrPasskeyFailed", err)
	}
	// A second factor challenge is alice's: bob cannot redeem it, even
	// with alice's passkey in hand.
	opts, id, err = f.p.BeginSecondFactor(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.FinishSecondFactor(ctx, id, bob, aliceKey.MustGet(t, opts)); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("alice's challenge redeemed as bob: %v, want ErrChallengeUnknown", err)
	}
	// And a passkey removed between Begin and Finish no longer counts.
	opts, id, err = f.p.BeginSecondFactor(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	f.store.remove(f.store.byCredential(t, aliceKey.CredentialID).ID)
	if _, err := f.p.FinishSecondFactor(ctx, id, alice, aliceKey.MustGet(t, opts)); !errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("a removed passkey as second factor: %v, want ErrPasskeyFailed", err)
	}
}

// TestPasskeyRefused runs each way a response can be wrong through each
// ceremony it applies to: each must fail with ErrPasskeyFailed and store
// nothing.
func TestPasskeyRefused(t *testing.T) {
	// why is a word of the library's reason, lower-cased: the case must
	// be refused for what it names, not for something else.
	for _, c := range []struct {
		name, why string
		spoil     func(k *softauthn.Authenticator)
	}{
		{"wrong origin", "origin", func(k *softauthn.Authenticator) { k.Origin = "https://evil.example" }},
		{"origin on http", "origin", func(k *softauthn.Authenticator) { k.Origin = "http://conclave.test:8443" }},
		{"origin on another port", "origin", func(k *softauthn.Authenticator) { k.Origin = "https://conclave.test" }},
		{"wrong RP id", "rp hash", func(k *softauthn.Authenticator) { k.RPID = "evil.example" }},
		{"parent domain as RP id", "rp hash", func(k *softauthn.Authenticator) { k.RPID = "test" }},
		{"user not verified", "user verification", func(k *softauthn.Authenticator) { k.Flags = softauthn.FlagUP }},
		{"user not present", "user presence", func(k *softauthn.Authenticator) { k.Flags = softauthn.FlagUV }},
		{"backup state without backup eligibility", "backup", func(k *softauthn.Authenticator) { k.Flags |= 0x10 }},
	} {
		t.Run(c.name+"/registration", func(t *testing.T) {
			f := newPasskeyFixture(t)
			k := softauthn.New(t, softauthn.ES256)
			c.spoil(k)
			opts, id, err := f.p.BeginRegistration(context.Background(), alice)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.p.FinishRegistration(context.Background(), id, alice, "key", k.MustCreate(t, opts))
			if !errors.Is(err, ErrPasskeyFailed) || !strings.Contains(strings.ToLower(err.Error()), c.why) {
				t.Fatalf("FinishRegistration: %v, want ErrPasskeyFailed for %q", err, c.why)
			}
			if n := len(f.store.keys); n != 0 {
				t.Errorf("%d passkeys stored", n)
			}
		})
		for _, ceremony := range []string{"sign-in", "second factor"} {
			t.Run(c.name+"/"+ceremony, func(t *testing.T) {
				f := newPasskeyFixture(t)
				k := softauthn.New(t, softauthn.ES256)
				f.register(t, alice, k, "key")
				before := f.store.byCredential(t, k.CredentialID)
				c.spoil(k)
				var err error
				if ceremony == "sign-in" {
					_, _, err = f.signIn(t, k)
				} else {
					opts, id, berr := f.p.BeginSecondFactor(context.Background(), alice)
					if berr != nil {
						t.Fatal(berr)
					}
					_, err = f.p.FinishSecondFactor(context.Background(), id, alice, k.MustGet(t, opts))
				}
				if !errors.Is(err, ErrPasskeyFailed) || !strings.Contains(strings.ToLower(err.Error()), c.why) {
					t.Fatalf("%v, want ErrPasskeyFailed for %q", err, c.why)
				}
				if after := f.store.byCredential(t, k.CredentialID); !bytes.Equal(after.Credential, before.Credential) || !after.LastUsedAt.IsZero() {
					t.Error("a refused ceremony changed the stored passkey")
				}
			})
		}
	}
}

func TestPasskeyRefusedResponses(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	f.register(t, alice, k, "key")
	bobKey := softauthn.New(t, softauthn.ES256)
	f.register(t, bob, bobKey, "key")

	// Each case edits a valid sign-in response.
	for _, c := range []struct {
		name, why string
		edit      func(t *testing.T, resp map[string]any)
	}{
		{"signature of another message", "signature", func(t *testing.T, resp map[string]any) {
			r := resp["response"].(map[string]any)
			r["signature"] = b64.EncodeToString(k.Sign(t, []byte("something else")))
		}},
		{"clientDataJSON of another challenge", "challenge", func(t *testing.T, resp map[string]any) {
			r := resp["response"].(map[string]any)
			r["clientDataJSON"] = b64.EncodeToString(k.ClientData("webauthn.get", b64.EncodeToString(make([]byte, 32))))
		}},
		{"clientDataJSON of a registration", "ceremony type", func(t *testing.T, resp map[string]any) {
			r := resp["response"].(map[string]any)
			cd, _ := b64.DecodeString(r["clientDataJSON"].(string))
			r["clientDataJSON"] = b64.EncodeToString(bytes.Replace(cd, []byte("webauthn.get"), []byte("webauthn.create"), 1))
		}},
		{"user handle of another account", "user handle", func(t *testing.T, resp map[string]any) {
			resp["response"].(map[string]any)["userHandle"] = b64.EncodeToString([]byte(bob.ID))
		}},
		{"no user handle", "user handle", func(t *testing.T, resp map[string]any) {
			delete(resp["response"].(map[string]any), "userHandle")
		}},
		{"credential not registered", "not registered", func(t *testing.T, resp map[string]any) {
			other := b64.EncodeToString(bytes.Repeat([]byte{7}, 32))
			resp["id"], resp["rawId"] = other, other
		}},
		{"bob's credential with alice's signature", "signature", func(t *testing.T, resp map[string]any) {
			id := b64.EncodeToString(bobKey.CredentialID)
			resp["id"], resp["rawId"] = id, id
			resp["response"].(map[string]any)["userHandle"] = b64.EncodeToString([]byte(bob.ID))
		}},
		{"empty object", "id missing", func(t *testing.T, resp map[string]any) { clear(resp) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts, id, err := f.p.BeginLogin()
			if err != nil {
				t.Fatal(err)
			}
			var resp map[string]any
			if err := json.Unmarshal(k.MustGet(t, opts), &resp); err != nil {
				t.Fatal(err)
			}
			c.edit(t, resp)
			raw, _ := json.Marshal(resp)
			_, _, err = f.p.FinishLogin(ctx, id, raw)
			if !errors.Is(err, ErrPasskeyFailed) || !strings.Contains(strings.ToLower(err.Error()), c.why) {
				t.Fatalf("%v, want ErrPasskeyFailed for %q", err, c.why)
			}
		})
	}

	t.Run("oversize", func(t *testing.T) {
		_, id, err := f.p.BeginLogin()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.p.FinishLogin(ctx, id, make([]byte, MaxPasskeyResponseSize+1)); !errors.Is(err, ErrPasskeyFailed) {
			t.Fatalf("%v, want ErrPasskeyFailed", err)
		}
	})
}

func TestPasskeyAlgorithmNotOffered(t *testing.T) {
	f := newPasskeyFixture(t)
	k := softauthn.New(t, softauthn.ES384)
	opts, id, err := f.p.BeginRegistration(context.Background(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.FinishRegistration(context.Background(), id, alice, "p384", k.MustCreate(t, opts)); !errors.Is(err, ErrPasskeyFailed) {
		t.Fatalf("an ES384 credential, not offered: %v, want ErrPasskeyFailed", err)
	}
}

func TestPasskeySignatureCounter(t *testing.T) {
	f := newPasskeyFixture(t)
	k := softauthn.New(t, softauthn.ES256)
	f.register(t, alice, k, "key")
	for range 3 {
		if _, _, err := f.signIn(t, k); err != nil {
			t.Fatal(err)
		}
	}
	stored := f.store.byCredential(t, k.CredentialID)

	for _, c := range []struct {
		name    string
		counter uint32 // before the assertion adds its step
		step    uint32
	}{
		{"goes backwards", 1, 0},
		{"stays", 3, 0},
		{"falls to zero", 0, 0},
	} {
		k.Counter, k.Step = c.counter, c.step
		_, _, err := f.signIn(t, k)
		if !errors.Is(err, ErrPasskeyCloned) || !errors.Is(err, ErrPasskeyFailed) {
			t.Errorf("counter %s (%d after 3): %v, want ErrPasskeyCloned, an ErrPasskeyFailed", c.name, k.Counter, err)
		}
		if after := f.store.byCredential(t, k.CredentialID); !bytes.Equal(after.Credential, stored.Credential) || !after.LastUsedAt.Equal(stored.LastUsedAt) {
			t.Errorf("counter %s: the refused sign-in changed the stored passkey", c.name)
		}
	}
	// The genuine authenticator, further on, still signs in.
	k.Counter, k.Step = 3, 5
	if _, _, err := f.signIn(t, k); err != nil {
		t.Fatalf("counter 8 after 3: %v", err)
	}
	if c := storedCredential(t, f.store.byCredential(t, k.CredentialID)); c.Authenticator.SignCount != 8 {
		t.Errorf("stored count %d, want 8", c.Authenticator.SignCount)
	}

	// An authenticator without a counter (synced passkeys) always says 0.
	synced := softauthn.New(t, softauthn.ES256)
	synced.Step = 0
	f.register(t, bob, synced, "iCloud Keychain")
	for i := range 3 {
		if _, _, err := f.signIn(t, synced); err != nil {
			t.Fatalf("sign-in %d with a zero counter: %v", i, err)
		}
	}
	// The second factor checks the counter too.
	opts, id, err := f.p.BeginSecondFactor(context.Background(), alice)
	if err != nil {
		t.Fatal(err)
	}
	k.Counter, k.Step = 2, 0
	if _, err := f.p.FinishSecondFactor(context.Background(), id, alice, k.MustGet(t, opts)); !errors.Is(err, ErrPasskeyCloned) {
		t.Errorf("second factor with the counter going backwards: %v, want ErrPasskeyCloned", err)
	}
}

func TestPasskeyExcludedOnReregistration(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	first := f.register(t, alice, k, "key")

	opts, id, err := f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	var o creationOptions
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.PublicKey.ExcludeCredentials) != 1 || o.PublicKey.ExcludeCredentials[0].ID != b64.EncodeToString(k.CredentialID) ||
		o.PublicKey.ExcludeCredentials[0].Type != "public-key" {
		t.Fatalf("excludeCredentials %+v, want the registered credential", o.PublicKey.ExcludeCredentials)
	}
	if _, err := k.Create(t, opts); !errors.Is(err, softauthn.ErrExcluded) {
		t.Fatalf("the authenticator made a second credential: %v", err)
	}
	// A client that ignores the exclusion and sends the same credential.
	k.IgnoreExclusions = true
	if _, err := f.p.FinishRegistration(ctx, id, alice, "again", k.MustCreate(t, opts)); !errors.Is(err, ErrPasskeyExists) || !errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("re-registering a credential: %v, want ErrPasskeyExists", err)
	}
	// Nor can bob register alice's credential as his.
	opts, id, err = f.p.BeginRegistration(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.FinishRegistration(ctx, id, bob, "alice's", k.MustCreate(t, opts)); !errors.Is(err, ErrPasskeyExists) {
		t.Errorf("registering alice's credential for bob: %v, want ErrPasskeyExists", err)
	}
	if got := f.store.byCredential(t, k.CredentialID); got.ID != first.ID || got.UserID != alice.ID || len(f.store.keys) != 1 {
		t.Errorf("the store changed: %+v (%d passkeys)", got, len(f.store.keys))
	}
}

func TestPasskeyLimit(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	for i := range MaxPasskeysPerUser - 1 {
		f.register(t, alice, softauthn.New(t, softauthn.ES256), fmt.Sprintf("key %d", i))
	}
	// Two registrations begun with room for one: the second to finish is
	// refused.
	opts1, id1, err := f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	opts2, id2, err := f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.FinishRegistration(ctx, id1, alice, "tenth", softauthn.New(t, softauthn.ES256).MustCreate(t, opts1)); err != nil {
		t.Fatalf("the tenth passkey: %v", err)
	}
	if _, err := f.p.FinishRegistration(ctx, id2, alice, "eleventh", softauthn.New(t, softauthn.ES256).MustCreate(t, opts2)); !errors.Is(err, ErrTooManyPasskeys) {
		t.Errorf("an eleventh passkey: %v, want ErrTooManyPasskeys", err)
	}
	if _, _, err := f.p.BeginRegistration(ctx, alice); !errors.Is(err, ErrTooManyPasskeys) {
		t.Errorf("beginning an eleventh: %v, want ErrTooManyPasskeys", err)
	}
	if list, _ := f.store.ListPasskeys(ctx, alice.ID); len(list) != MaxPasskeysPerUser {
		t.Errorf("%d passkeys stored", len(list))
	}
	// Another account is not affected.
	f.register(t, bob, softauthn.New(t, softauthn.ES256), "bob's")
}

// TestPasskeyLimitConcurrent finishes registrations begun together, at
// once: exactly as many as there is room for succeed, and no two count
// the account's passkeys at the same time (were they not serialized, the
// store's lingering list would make them overlap, on most runs).
func TestPasskeyLimitConcurrent(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	for i := range MaxPasskeysPerUser - 2 {
		f.register(t, alice, softauthn.New(t, softauthn.ES256), fmt.Sprintf("key %d", i))
	}
	const n = MaxPasskeyChallengesPerUser
	type begun struct {
		id   string
		resp []byte
	}
	var started []begun
	for range n {
		opts, id, err := f.p.BeginRegistration(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		started = append(started, begun{id, softauthn.New(t, softauthn.ES256).MustCreate(t, opts)})
	}
	errs := make(chan error, n)
	f.store.overlapWatch.Store(true)
	for _, b := range started {
		go func() {
			_, err := f.p.FinishRegistration(ctx, b.id, alice, "racing", b.resp)
			errs <- err
		}()
	}
	var ok, refused int
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, ErrTooManyPasskeys):
			refused++
		default:
			t.Errorf("racing registration: %v", err)
		}
	}
	if ok != 2 || refused != n-2 {
		t.Errorf("%d registered and %d refused; want 2 and %d", ok, refused, n-2)
	}
	if f.store.overlapped.Load() {
		t.Error("two registrations of one account counted its passkeys at the same time")
	}
}

// BenchmarkPasskeyBeginLogin measures starting an anonymous sign-in,
// which anybody can do: the cost of a flood of them.
func BenchmarkPasskeyBeginLogin(b *testing.B) {
	f := newPasskeyFixture(b)
	for b.Loop() {
		if _, _, err := f.p.BeginLogin(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPasskeyFinishLogin measures verifying a sign-in with an ES256
// passkey (parsing, the store in memory, the signature, storing the
// counter); the authenticator's signing is outside the timer.
func BenchmarkPasskeyFinishLogin(b *testing.B) {
	f := newPasskeyFixture(b)
	ctx := context.Background()
	k := softauthn.New(b, softauthn.ES256)
	opts, id, err := f.p.BeginRegistration(ctx, alice)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.p.FinishRegistration(ctx, id, alice, "key", k.MustCreate(b, opts)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		opts, id, err := f.p.BeginLogin()
		if err != nil {
			b.Fatal(err)
		}
		resp := k.MustGet(b, opts)
		b.StartTimer()
		if _, _, err := f.p.FinishLogin(ctx, id, resp); err != nil {
			b.Fatal(err)
		}
	}
}

// The options a Begin returns are the {"publicKey": …} object.
type creationOptions struct {
	PublicKey softauthn.CreationOptions `json:"publicKey"`
}

type requestOptions struct {
	PublicKey softauthn.RequestOptions `json:"publicKey"`
}

var b64 = base64.RawURLEncoding

const defaultOrigin = softauthn.DefaultOrigin
