package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/conclave-video/conclave/internal/testkit/softauthn"
)

// A rename keeps the signature counter the latest sign-in stored, so a
// replayed counter stays refused afterwards; it names only the account's
// own passkeys.
func TestRenamePasskey(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	pk := f.register(t, alice, k, "Laptop")
	for range 3 {
		if _, _, err := f.signIn(t, k); err != nil {
			t.Fatal(err)
		}
	}
	renamed, err := f.p.RenamePasskey(ctx, alice.ID, pk.ID, "  Work laptop ")
	if err != nil {
		t.Fatal(err)
	}
	stored := f.store.byCredential(t, k.CredentialID)
	if renamed.Name != "Work laptop" || stored.Name != "Work laptop" {
		t.Errorf("renamed %q, stored %q", renamed.Name, stored.Name)
	}
	if c := storedCredential(t, stored); c.Authenticator.SignCount != k.Counter {
		t.Fatalf("after the rename the stored counter is %d, the authenticator's %d", c.Authenticator.SignCount, k.Counter)
	}
	k.Counter = 1 // a copy of the key that signed before
	if _, _, err := f.signIn(t, k); !errors.Is(err, ErrPasskeyCloned) {
		t.Fatalf("an old counter after a rename: %v, want ErrPasskeyCloned", err)
	}

	for _, c := range []struct {
		name, user, id, newName string
		want                    error
	}{
		{"another account's passkey", bob.ID, pk.ID, "Mine", ErrPasskeyNotFound},
		{"unknown id", alice.ID, "PK_NOSUCH", "Mine", ErrPasskeyNotFound},
		{"empty name", alice.ID, pk.ID, "  ", ErrPasskeyName},
		{"control character", alice.ID, pk.ID, "a\x07b", ErrPasskeyName},
	} {
		if _, err := f.p.RenamePasskey(ctx, c.user, c.id, c.newName); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if got := f.store.byCredential(t, k.CredentialID); got.Name != "Work laptop" {
		t.Errorf("a refused rename changed the name to %q", got.Name)
	}
}

// RemovePasskey shows allow the passkeys that would remain and removes
// nothing when allow refuses.
func TestRemovePasskey(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	phone, laptop := softauthn.New(t, softauthn.ES256), softauthn.New(t, softauthn.ES256)
	pPhone := f.register(t, alice, phone, "Phone")
	pLaptop := f.register(t, alice, laptop, "Laptop")
	errLast := errors.New("the last one stays")
	lastStays := func(remaining []Passkey) error {
		if len(remaining) == 0 {
			return errLast
		}
		return nil
	}

	if _, err := f.p.RemovePasskey(ctx, bob.ID, pPhone.ID, lastStays); !errors.Is(err, ErrPasskeyNotFound) {
		t.Fatalf("removing another account's passkey: %v", err)
	}
	var shown []Passkey
	removed, err := f.p.RemovePasskey(ctx, alice.ID, pPhone.ID, func(r []Passkey) error { shown = r; return lastStays(r) })
	if err != nil || removed.ID != pPhone.ID {
		t.Fatalf("remove: %+v, %v", removed, err)
	}
	if len(shown) != 1 || shown[0].ID != pLaptop.ID {
		t.Errorf("allow was shown %+v, want the laptop alone", shown)
	}
	if _, _, err := f.signIn(t, phone); !errors.Is(err, ErrPasskeyFailed) {
		t.Errorf("a removed passkey signed in: %v", err)
	}
	if _, err := f.p.RemovePasskey(ctx, alice.ID, pLaptop.ID, lastStays); !errors.Is(err, errLast) {
		t.Fatalf("allow's refusal: %v", err)
	}
	if _, _, err := f.signIn(t, laptop); err != nil {
		t.Fatalf("the refused removal removed the passkey: %v", err)
	}
	if _, err := f.p.RemovePasskey(ctx, alice.ID, pPhone.ID, lastStays); !errors.Is(err, ErrPasskeyNotFound) {
		t.Errorf("removing it twice: %v", err)
	}
}
