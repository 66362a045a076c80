package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

type mapLookup map[string]store.APIKey

func (m mapLookup) APIKey(_ context.Context, id string) (store.APIKey, error) {
	k, ok := m[id]
	if !ok {
		return store.APIKey{}, store.ErrNotFound
	}
	return k, nil
}

// signPayload signs a hand-written claims JSON with k, so that a test can
// express what a map cannot (repeated names, exact spelling).
func signPayload(k token.Key, payload string) string {
	hdr := `{"alg":"EdDSA","typ":"JWT","kid":"` + k.ID + `"}`
	signing := base64.RawURLEncoding.EncodeToString([]byte(hdr)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	return signing + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k.Private, []byte(signing)))
}

// FuzzVerify checks that Verify never panics and that every refusal is a
// TokenError with a code.
func FuzzVerify(f *testing.F) {
	seed := make([]byte, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	key := token.Key{ID: "CKFUZZ00000000", Private: priv}
	keys := mapLookup{key.ID: {ID: key.ID, PublicKey: priv.Public().(ed25519.PublicKey), CreatedAt: time.Unix(0, 0)}}
	for _, o := range []token.Options{
		{Identity: "alice", Room: "r", TTL: time.Minute, Grants: token.Grants{Publish: true}},
		{Identity: "bob", Name: "Bob", TTL: time.Hour, Grants: token.Grants{RoomAdmin: true, RoomList: true}},
	} {
		raw, err := key.Mint(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	// Signed tokens that break a rule only the claims' JSON shows: dates
	// as strings or null, names in another case or repeated, dot-segment
	// rooms. The fuzzer mutates them towards the checks in checkPayload.
	now := time.Now().Unix()
	for _, payload := range []string{
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"exp":"%[3]d","grants":{"publish":true}}`,
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":%[2]d,"nbf":"%[2]d","exp":%[3]d,"grants":{"publish":true}}`,
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":"%[2]d","nbf":%[2]d,"exp":%[3]d,"grants":{"publish":true}}`,
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"exp":null,"grants":{}}`,
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"exp":%[3]d,"room":".","grants":{"publish":true}}`,
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"exp":%[3]d,"room":"..","grants":{"publish":true}}`,
		`{"iss":%[1]q,"Sub":"alice","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"exp":%[3]d,"grants":{"publish":true}}`,
		`{"iss":%[1]q,"\u017fub":"alice","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"EXP":%[3]d,"grants":{"RoomAdmin":true}}`,
		`{"iss":%[1]q,"sub":"alice","sub":"bob","aud":"conclave","iat":%[2]d,"nbf":%[2]d,"exp":%[3]d,"grants":{"publish":true,"publish":false}}`,
		`{"iss":%[1]q,"sub":"alice","aud":"conclave","iat":%[2]d.5,"nbf":%[2]d,"exp":%[3]d,"grants":{"x":[{}]},"y":[1,{"z":"exp"}]}`,
	} {
		f.Add(signPayload(key, fmt.Sprintf(payload, key.ID, now, now+60)))
	}
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("eyJhbGciOiJFZERTQSIsImtpZCI6IkNLRlVaWjAwMDAwMDAwIn0.e30.AAAA")
	f.Add(`eyJhbGciOiJFZERTQSIsImtpZCI6IkNLRlVaWjAwMDAwMDAwIiwiY3JpdCI6WyJ4Il19.eyJleHAiOjFlMzAwfQ.`)

	v := &Verifier{Keys: keys}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err != nil {
			if Code(err) == "" {
				t.Fatalf("refusal without a code: %v", err)
			}
			if c != nil {
				t.Fatal("claims returned with an error")
			}
			return
		}
		if c.Subject == "" || c.Issuer != key.ID {
			t.Fatalf("accepted claims %+v", c)
		}
		if c.Room != "" && token.ValidateRoom(c.Room) != nil || c.Room == "." || c.Room == ".." {
			t.Fatalf("accepted room %q", c.Room)
		}
		// What was accepted must read the same to a case-sensitive parser,
		// with the dates as JSON numbers.
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(payload, &m); err != nil {
			t.Fatalf("accepted claims that are not a JSON object: %v", err)
		}
		if _, ok := m["sub"]; !ok {
			t.Fatalf("accepted a token whose sub is not spelt sub: %s", payload)
		}
		for _, name := range []string{"exp", "nbf", "iat"} {
			var n json.Number
			if err := json.Unmarshal(m[name], &n); err != nil || len(m[name]) == 0 || m[name][0] == '"' {
				t.Fatalf("accepted %s = %s, not a JSON number", name, m[name])
			}
		}
	})
}

type mapUsers map[string]store.User

func (m mapUsers) User(_ context.Context, id string) (store.User, error) {
	u, ok := m[id]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return u, nil
}

// FuzzVerifyOwner fuzzes the tokens the server signs itself for an
// account: whatever the input, a token is accepted only when the server's
// key signed it, its owner names an active account and it names a room,
// and then it is that account's (claims.Issuer); a token of another key
// is never accepted with an owner; every refusal has a code.
func FuzzVerifyOwner(f *testing.F) {
	seed := make([]byte, ed25519.SeedSize)
	server := token.Key{ID: "CKSERVER000000", Private: ed25519.NewKeyFromSeed(seed)}
	seed[0] = 1
	app := token.Key{ID: "CKAPP000000000", Private: ed25519.NewKeyFromSeed(seed)}
	keys := mapLookup{}
	for _, k := range []token.Key{server, app} {
		keys[k.ID] = store.APIKey{ID: k.ID, PublicKey: k.Private.Public().(ed25519.PublicKey), CreatedAt: time.Unix(0, 0)}
	}
	const active, disabled = "US_ACTIVE0000000000000000000", "US_DISABLED000000000000000"
	users := mapUsers{
		active:   {ID: active, Status: store.StatusActive},
		disabled: {ID: disabled, Status: store.StatusDisabled},
	}
	host := token.Grants{Publish: true, Subscribe: true, RoomAdmin: true}
	for _, k := range []token.Key{server, app} {
		for _, o := range []token.Options{
			{Identity: active, Room: "standup", Owner: active, TTL: time.Hour, Grants: host},
			{Identity: disabled, Room: "standup", Owner: disabled, TTL: time.Hour, Grants: host},
			{Identity: active, Owner: active, TTL: time.Hour, Grants: host},
			{Identity: "alice", Room: "standup", TTL: time.Hour, Grants: host},
			{Identity: "alice", Room: "standup", Owner: "alice", TTL: time.Hour, Grants: host},
		} {
			raw, err := k.Mint(o)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	now := time.Now().Unix()
	f.Add(signPayload(server, fmt.Sprintf(`{"iss":%q,"sub":"x","aud":"conclave","iat":%d,"exp":%d,"room":"r","owner":%q,"owner":"US_X","grants":{}}`, server.ID, now, now+60, active)))

	v := &Verifier{Keys: keys, ServerKeyID: server.ID, Users: users}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err != nil {
			if Code(err) == "" {
				t.Fatalf("refusal without a code: %v", err)
			}
			return
		}
		var hdr struct {
			Kid string `json:"kid"`
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
		if err != nil || json.Unmarshal(b, &hdr) != nil {
			t.Fatalf("accepted a token whose header does not decode: %q", raw)
		}
		switch hdr.Kid {
		case server.ID:
			if c.Issuer != active || c.Owner != active || c.Room == "" {
				t.Fatalf("server-key token accepted as %+v", c)
			}
		case app.ID:
			if c.Owner != "" || c.Issuer != app.ID {
				t.Fatalf("app-key token accepted as %+v", c)
			}
		default:
			t.Fatalf("token of key %q accepted", hdr.Kid)
		}
	})
}
