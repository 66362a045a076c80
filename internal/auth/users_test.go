package auth

import (
	"testing"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// The rooms tell an account's rooms from an API key's by the prefix of
// the user ids the store makes; the two constants must agree.
func TestAccountPrefixAgrees(t *testing.T) {
	if room.AccountPrefix != store.UserOwnerPrefix || !room.KeyID(NewUserID()).Account() {
		t.Fatalf("room.AccountPrefix %q, store.UserOwnerPrefix %q, NewUserID %q", room.AccountPrefix, store.UserOwnerPrefix, NewUserID())
	}
}
