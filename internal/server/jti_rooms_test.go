package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// mintWithJTI signs a join token for room with a jti the app chose: an app
// minting with its own JWT library may reuse one across rooms.
func mintWithJTI(t *testing.T, key token.Key, room, identity, jti string) string {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	c := token.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: key.ID, Subject: identity, Audience: jwt.ClaimStrings{token.Audience}, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
		},
		Room: room, Name: identity, Grants: joinAll,
	}
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tk.Header["kid"] = key.ID
	s, err := tk.SignedString(key.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJTIRevokedInTwoRooms: one jti revoked in room A and then in room B
// is refused in both, by the running server and by a server restarted
// on the same data directory: the store and the in-memory copy keep one
// record per (issuer, jti, room). Before, the store kept the first room
// and the copy the last, so the running server admitted the token for A
// and the restarted one the token for B.
func TestJTIRevokedInTwoRooms(t *testing.T) {
	dir := t.TempDir()
	setDir := func(c *config.Config) { c.DataDir = dir }
	const jti = "shared-jti-1"
	var key token.Key
	var tokA, tokB, tokC string
	check := func(t *testing.T, e *env, when string) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
		defer cancel()
		for _, tc := range []struct{ name, tok, want string }{
			{"room A", tokA, protocol.CodeTokenRevoked},
			{"room B", tokB, protocol.CodeTokenRevoked},
			{"room C, where it was not revoked", tokC, ""},
		} {
			if code := e.connectCode(ctx, tc.tok); code != tc.want {
				t.Errorf("%s, the jti's token for %s: %q, want %q", when, tc.name, code, tc.want)
			}
		}
	}
	t.Run("running", func(t *testing.T) {
		e := &env{Server: testserver.Start(t, setDir), t: t}
		key = e.Key
		tokA = mintWithJTI(t, key, "room-a", "ann", jti)
		tokB = mintWithJTI(t, key, "room-b", "ann", jti)
		tokC = mintWithJTI(t, key, "room-c", "ann", jti)
		admin := e.adminToken(key, "")
		for _, r := range []string{"room-a", "room-b"} {
			if status, body := e.api(http.MethodPost, "/v1/revocations", admin, `{"jti":"`+jti+`","room":"`+r+`"}`); status != http.StatusNoContent {
				t.Fatalf("revoke in %s: %d %s", r, status, body)
			}
		}
		check(t, e, "running")
		set, err := e.Srv.Store().LoadRevocations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rooms := map[string]bool{}
		for _, r := range set.Tokens {
			if r.JTI == jti {
				rooms[r.Room] = true
			}
		}
		if len(rooms) != 2 || !rooms["room-a"] || !rooms["room-b"] {
			t.Errorf("stored revocations of the jti by room: %v, want room-a and room-b", rooms)
		}
	})
	check(t, &env{Server: testserver.Start(t, setDir), t: t}, "after a restart")
}
