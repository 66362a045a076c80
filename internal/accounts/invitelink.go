package accounts

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/conclave-video/conclave/token"
)

// A meeting invite link is https://HOST/#join=TOKEN (docs/access.md,
// "Invites"), the token in the fragment, which browsers never send to a
// server. The token is the server's signature over the invite's id, room
// and expiry:
//
//	cmi1.<base64url(payload JSON)>.<base64url(Ed25519 signature)>
//
// signed with the server's own key over inviteSigContext followed by the
// payload bytes, so that no other signature of that key (a JWT) can be
// passed off as an invite. The store holds no secret: a copy of the
// database forges no link. The signature is checked before the store is
// read, so a forged or mangled link costs one verification.

// Limits of invite links.
const (
	// InviteTokenPrefix starts every invite token (version 1).
	InviteTokenPrefix = "cmi1."
	// MaxInviteTokenBytes bounds the token a redemption may carry.
	MaxInviteTokenBytes = 512
	// inviteSigContext separates invite signatures from every other use
	// of the server key.
	inviteSigContext = "conclave meeting invite v1\n"
)

// invitePayload is what an invite token says.
type invitePayload struct {
	ID   string `json:"id"`
	Room string `json:"room"`
	Exp  int64  `json:"exp"` // Unix seconds
}

// errInviteToken: the token is not one this server signed.
var errInviteToken = errors.New("accounts: not an invite token this server signed")

// SignInvite returns the invite token of the stored invite id to room,
// expiring at exp, signed with key (the server's): for tools and tests
// that store an invite themselves.
func SignInvite(key token.Key, id, room string, exp time.Time) (string, error) {
	return signInvite(key, invitePayload{ID: id, Room: room, Exp: exp.Unix()})
}

// signInvite returns the invite token for p.
func signInvite(key token.Key, p invitePayload) (string, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(key.Private, append([]byte(inviteSigContext), body...))
	return InviteTokenPrefix + base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// parseInvite verifies an invite token against the server's public key
// and returns what it says. Every malformed, oversized or forged token is
// errInviteToken; expiry is the caller's to check against the store.
func parseInvite(raw string, pub ed25519.PublicKey) (invitePayload, error) {
	if len(raw) > MaxInviteTokenBytes || !strings.HasPrefix(raw, InviteTokenPrefix) || len(pub) != ed25519.PublicKeySize {
		return invitePayload{}, errInviteToken
	}
	b64body, b64sig, ok := strings.Cut(raw[len(InviteTokenPrefix):], ".")
	if !ok {
		return invitePayload{}, errInviteToken
	}
	body, err := base64.RawURLEncoding.Strict().DecodeString(b64body)
	if err != nil {
		return invitePayload{}, errInviteToken
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(b64sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return invitePayload{}, errInviteToken
	}
	if !ed25519.Verify(pub, append([]byte(inviteSigContext), body...), sig) {
		return invitePayload{}, errInviteToken
	}
	// Signed by this server, so well formed; checked anyway, deny by
	// default.
	var p invitePayload
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if dec.Decode(&p) != nil || dec.More() || !validInviteID(p.ID) || token.ValidateRoom(p.Room) != nil || p.Exp <= 0 {
		return invitePayload{}, errInviteToken
	}
	return p, nil
}

// expired reports whether the token's own expiry has passed at now.
func (p invitePayload) expired(now time.Time) bool { return !now.Before(time.Unix(p.Exp, 0)) }

// InviteIDPrefix starts a meeting invite's id.
const InviteIDPrefix = "MI_"

// validInviteID reports whether id has the form newPublicID makes.
func validInviteID(id string) bool {
	if len(id) != len(InviteIDPrefix)+26 || !strings.HasPrefix(id, InviteIDPrefix) {
		return false
	}
	for _, r := range id[len(InviteIDPrefix):] {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
