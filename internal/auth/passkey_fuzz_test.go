package auth

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/conclave-video/conclave/internal/testkit/softauthn"
)

// fuzzSession begins a ceremony and takes its session back out, so that
// each fuzz input can be offered to a fresh challenge id bound to the same
// WebAuthn challenge: the seeds' signatures then stay valid and mutations
// reach past the challenge comparison.
func fuzzSession(f *testing.F, fx *passkeyFixture, begin func() ([]byte, string, error), kind ceremony, userID string) ([]byte, webauthn.SessionData) {
	f.Helper()
	opts, id, err := begin()
	if err != nil {
		f.Fatal(err)
	}
	s, err := fx.p.challenges.take(fx.clock.now(), id, kind, userID)
	if err != nil {
		f.Fatal(err)
	}
	return opts, s
}

// addSeedVariants adds resp and copies of it with one field gone or of
// the wrong type, to start the fuzzer in the parser's corners.
func addSeedVariants(f *testing.F, resp []byte) {
	f.Add(resp)
	var m map[string]any
	if err := json.Unmarshal(resp, &m); err != nil {
		f.Fatal(err)
	}
	inner := m["response"].(map[string]any)
	for k := range inner {
		for _, v := range []any{nil, 7, "", "!!", map[string]any{}} {
			saved := inner[k]
			inner[k] = v
			b, _ := json.Marshal(m)
			f.Add(b)
			inner[k] = saved
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`))
	f.Add([]byte(`null`))
}

// FuzzPasskeyFinishLogin checks that FinishLogin never panics on what a
// client sends, and that every refusal is ErrPasskeyFailed (the store in
// memory never fails, so nothing else may come out).
func FuzzPasskeyFinishLogin(f *testing.F) {
	fx := newPasskeyFixture(f)
	ctx := context.Background()
	k := softauthn.New(f, softauthn.ES256)
	opts, id, err := fx.p.BeginRegistration(ctx, alice)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := fx.p.FinishRegistration(ctx, id, alice, "key", k.MustCreate(f, opts)); err != nil {
		f.Fatal(err)
	}
	opts, session := fuzzSession(f, fx, fx.p.BeginLogin, ceremonySignIn, "")
	addSeedVariants(f, k.MustGet(f, opts))

	f.Fuzz(func(t *testing.T, resp []byte) {
		id := fx.p.challenges.add(fx.clock.now(), ceremonySignIn, "", session)
		userID, _, err := fx.p.FinishLogin(ctx, id, resp)
		switch {
		case err == nil && userID != alice.ID:
			t.Fatalf("signed in as %q", userID)
		case err != nil && !errors.Is(err, ErrPasskeyFailed):
			t.Fatalf("refused with %v, not ErrPasskeyFailed", err)
		}
	})
}

// FuzzPasskeyFinishRegistration does the same for the registration
// response, whose attestation object is CBOR.
func FuzzPasskeyFinishRegistration(f *testing.F) {
	fx := newPasskeyFixture(f)
	ctx := context.Background()
	opts, session := fuzzSession(f, fx, func() ([]byte, string, error) { return fx.p.BeginRegistration(ctx, alice) }, ceremonyRegister, alice.ID)
	addSeedVariants(f, softauthn.New(f, softauthn.ES256).MustCreate(f, opts))
	addSeedVariants(f, softauthn.New(f, softauthn.EdDSA).MustCreate(f, opts))

	f.Fuzz(func(t *testing.T, resp []byte) {
		id := fx.p.challenges.add(fx.clock.now(), ceremonyRegister, alice.ID, session)
		pk, err := fx.p.FinishRegistration(ctx, id, alice, "fuzz", resp)
		switch {
		case err == nil:
			// A valid registration: undo it so that the limit is
			// never what refuses the next input.
			fx.store.remove(pk.ID)
		case !errors.Is(err, ErrPasskeyFailed):
			t.Fatalf("refused with %v, not ErrPasskeyFailed", err)
		}
	})
}
