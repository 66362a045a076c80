package auth

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/testkit/softauthn"
)

func TestPasskeyName(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"Touch ID", "Touch ID", true},
		{"  YubiKey 5C  \n", "YubiKey 5C", true},
		{"x", "x", true},
		{strings.Repeat("é", MaxPasskeyNameLen), strings.Repeat("é", MaxPasskeyNameLen), true},
		{"🔑 " + strings.Repeat("k", MaxPasskeyNameLen-2), "🔑 " + strings.Repeat("k", MaxPasskeyNameLen-2), true},
		{"", "", false},
		{" \t ", "", false},
		{strings.Repeat("é", MaxPasskeyNameLen+1), "", false},
		{"bad\x00name", "", false},
		{"two\nlines", "", false},
		{"\xff\xfe", "", false},
	} {
		got, err := PasskeyName(c.in)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("PasskeyName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if !c.ok && !errors.Is(err, ErrPasskeyName) {
			t.Errorf("PasskeyName(%q) = %q, %v; want ErrPasskeyName", c.in, got, err)
		}
	}
}

func TestPasskeyUserChecked(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	for _, u := range []PasskeyUser{
		{Email: "a@example.org"},
		{ID: alice.ID},
		{ID: strings.Repeat("U", maxUserHandleLen+1), Email: "a@example.org"},
	} {
		if _, _, err := f.p.BeginRegistration(ctx, u); !errors.Is(err, ErrPasskeyUser) {
			t.Errorf("BeginRegistration(%+v): %v, want ErrPasskeyUser", u, err)
		}
		if _, _, err := f.p.BeginSecondFactor(ctx, u); !errors.Is(err, ErrPasskeyUser) {
			t.Errorf("BeginSecondFactor(%+v): %v, want ErrPasskeyUser", u, err)
		}
	}
}

// TestPasskeyInternalErrors: a store that fails, or a corrupt record, is
// a server error, never a refused passkey (the user is not to blame) and
// never a success.
func TestPasskeyInternalErrors(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	f.register(t, alice, k, "key")

	opts, id, err := f.p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	resp := k.MustGet(t, opts)
	f.store.fail = errors.New("disk on fire")
	_, _, err = f.p.FinishLogin(ctx, id, resp)
	if err == nil || errors.Is(err, ErrPasskeyFailed) || errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("store failure at sign-in: %v, want an internal error", err)
	}
	if _, _, err := f.p.BeginRegistration(ctx, alice); err == nil || errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("store failure at registration: %v, want an internal error", err)
	}
	f.store.fail = nil

	f.store.mu.Lock()
	f.store.keys[0].Credential = []byte(`{"id":"AAAA","publicKey":"AQID"}`) // another credential id
	f.store.mu.Unlock()
	_, _, err = f.signIn(t, k)
	if err == nil || errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("corrupt record: %v, want an internal error", err)
	}
}

func TestNewPasskeysConfig(t *testing.T) {
	st := &memPasskeys{}
	for _, c := range []struct {
		name string
		cfg  PasskeyConfig
	}{
		{"no store", PasskeyConfig{RPID: "conclave.test", Origins: []string{"https://conclave.test"}}},
		{"no RP id", PasskeyConfig{Origins: []string{"https://conclave.test"}, Store: st}},
		{"RP id with port", PasskeyConfig{RPID: "conclave.test:8443", Origins: []string{"https://conclave.test:8443"}, Store: st}},
		{"RP id with scheme", PasskeyConfig{RPID: "https://conclave.test", Origins: []string{"https://conclave.test"}, Store: st}},
		{"RP id an IP address", PasskeyConfig{RPID: "192.0.2.1", Origins: []string{"https://192.0.2.1"}, Store: st}},
		{"RP id in upper case", PasskeyConfig{RPID: "Conclave.test", Origins: []string{"https://conclave.test"}, Store: st}},
		{"no origin", PasskeyConfig{RPID: "conclave.test", Store: st}},
		{"http origin", PasskeyConfig{RPID: "conclave.test", Origins: []string{"http://conclave.test"}, Store: st}},
		{"origin on another host", PasskeyConfig{RPID: "conclave.test", Origins: []string{"https://evilconclave.test"}, Store: st}},
		{"origin with a path", PasskeyConfig{RPID: "conclave.test", Origins: []string{"https://conclave.test/app"}, Store: st}},
		{"timeout above the challenge's life", PasskeyConfig{RPID: "conclave.test", Origins: []string{"https://conclave.test"}, Store: st, Timeout: PasskeyChallengeTTL + time.Second}},
		{"negative timeout", PasskeyConfig{RPID: "conclave.test", Origins: []string{"https://conclave.test"}, Store: st, Timeout: -time.Second}},
	} {
		if _, err := NewPasskeys(c.cfg); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	p, err := NewPasskeys(PasskeyConfig{RPID: "localhost", Origins: []string{"https://localhost:8443/", "https://meet.localhost"}, Store: st, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("dev config: %v", err)
	}
	if got := p.wa.Config.RPOrigins; !slices.Equal(got, []string{"https://localhost:8443", "https://meet.localhost"}) {
		t.Errorf("origins %v", got)
	}
	opts, _, err := p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	var ro requestOptions
	if err := json.Unmarshal(opts, &ro); err != nil || ro.PublicKey.Timeout != 60000 {
		t.Errorf("timeout in options %d (%v), want 60000", ro.PublicKey.Timeout, err)
	}
}
