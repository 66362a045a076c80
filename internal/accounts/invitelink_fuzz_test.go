package accounts

import (
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/token"
)

// FuzzRedeemInvite feeds redemption bodies to the parts of the
// redemption that read untrusted input before the store: the strict JSON
// decoding of the body, the invite token's parser, the display name and
// the email's domain. Nothing panics; a token parses only if this key
// signed exactly it, and then says what was signed.
func FuzzRedeemInvite(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	key := token.Key{ID: "SERVERKEY", Private: seed}
	pub := seed.Public().(ed25519.PublicKey)
	good, err := SignInvite(key, "MI_AAAAAAAAAAAAAAAAAAAAAAAAAA", "room", time.Unix(2_000_000_000, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"invite":"` + good + `","name":"Gail","email":"g@example.org"}`)
	f.Add(`{"invite":"cmi1.e30.AAAA","name":"x"}`)
	f.Add(`{"invite":"` + good + `x","name":"\u0000","password":"p"}`)
	f.Add(`{"invite":1}`)
	f.Add(`{"invite":"` + strings.Repeat("A", 600) + `"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var req RedeemInviteRequest
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&req) != nil {
			return
		}
		if n := guestName(req.Name); n != "" && (len(n) > token.MaxNameLen || token.ValidateName(n) != nil) {
			t.Fatalf("name %q accepted", n)
		}
		if d := emailDomain(req.Email); d != "" && !validEmailDomain(d) {
			t.Fatalf("domain %q accepted", d)
		}
		p, err := parseInvite(req.Invite, pub)
		if err != nil {
			return
		}
		if req.Invite != good || p.ID != "MI_AAAAAAAAAAAAAAAAAAAAAAAAAA" || p.Room != "room" {
			t.Fatalf("accepted %q as %+v", req.Invite, p)
		}
	})
}

func TestParseInviteRefusesOtherSignatures(t *testing.T) {
	k1 := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	seed2 := make([]byte, ed25519.SeedSize)
	seed2[0] = 1
	k2 := ed25519.NewKeyFromSeed(seed2)
	tok, err := SignInvite(token.Key{ID: "K1", Private: k1}, "MI_AAAAAAAAAAAAAAAAAAAAAAAAAA", "room", time.Unix(2_000_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseInvite(tok, k1.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("own key: %v", err)
	}
	if _, err := parseInvite(tok, k2.Public().(ed25519.PublicKey)); err == nil {
		t.Fatal("another key's invite accepted")
	}
	// A join token signed by the same key is not an invite.
	jt, err := token.Key{ID: "K1", Private: k1}.Mint(token.Options{Identity: "a", Room: "room", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseInvite(jt, k1.Public().(ed25519.PublicKey)); err == nil {
		t.Fatal("a JWT accepted as an invite")
	}
}
