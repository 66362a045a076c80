package auth

import (
	"context"
	"crypto/ed25519"
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
	})
}
