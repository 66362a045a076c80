package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

var joinAll = token.Grants{Publish: true, Subscribe: true, PublishData: true}

// mintAfter mints a join token issued a second from now: by an app
// server whose clock is a second ahead, within the verifier's leeway. A
// removal refuses every token issued at or before it, and iat counts
// whole seconds, so a token minted in the removal's own second is refused
// too, by design.
func mintAfter(t *testing.T, key token.Key, room, identity string) string {
	t.Helper()
	tok, err := key.MintAt(token.Options{Identity: identity, Name: identity, Room: room, TTL: 10 * time.Minute, Grants: joinAll}, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// connectCode joins with tok and returns the refusal's code ("" if admitted).
func (e *env) connectCode(ctx context.Context, tok string) string {
	c, err := client.Connect(ctx, e.Srv.URL(), tok, client.WithTLSConfig(e.TLS))
	if err == nil {
		_ = c.Close()
		return ""
	}
	if code := serverCode(err); code != "" {
		return code
	}
	e.t.Fatalf("connect: %v", err)
	return ""
}

// jtiOf reads a token's jti.
func jtiOf(t *testing.T, tok string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.JTI == "" {
		t.Fatalf("no jti: %v", err)
	}
	return c.JTI
}

// TestRemovedParticipantCannotReturn: through the Go client and the REST
// API, a removed participant's tokens for the room (the one it used and
// a fresh one issued before the removal) are refused, its resume secret
// is dead, and a token issued after the removal (no ban) is admitted.
func TestRemovedParticipantCannotReturn(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	e.Connect(ctx, t, "kick", "alice")

	oldTok := mintToken(t, e.Key, "kick", "bob", joinAll)
	freshBefore := mintToken(t, e.Key, "kick", "bob", joinAll)
	otherRoom := mintToken(t, e.Key, "elsewhere", "bob", joinAll)
	raw := e.dialRaw(ctx, t)
	j := joinedOn(t, raw, joinFrame(oldTok))

	if status, body := e.api(http.MethodDelete, "/v1/rooms/kick/participants/bob", admin, nil); status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", status, body)
	}
	raw.expectClosed()

	for name, tok := range map[string]string{"the token it joined with": oldTok, "a fresh token issued before the removal": freshBefore} {
		if code := e.connectCode(ctx, tok); code != protocol.CodeTokenRevoked {
			t.Errorf("%s: code %q, want token_revoked", name, code)
		}
	}
	// The revocation is of this room only.
	if code := e.connectCode(ctx, otherRoom); code != "" {
		t.Errorf("bob refused in another room: %s", code)
	}

	after := mintAfter(t, e.Key, "kick", "bob")
	// Resume with its old secret: refused, with the old token and with a
	// new one.
	for _, tc := range []struct{ tok, want string }{{oldTok, protocol.CodeTokenRevoked}, {after, protocol.CodeResumeFailed}} {
		r := e.dialRaw(ctx, t)
		r.mustSend(resumeFrame(tc.tok, j.Participant.ID, j.ResumeSecret))
		r.expectError(tc.want)
	}
	if code := e.connectCode(ctx, after); code != "" {
		t.Errorf("bob with a token issued after the removal: %q, want admitted", code)
	}
}

// TestBansAndRevocationsOverREST: a ban refuses fresh tokens until it is
// lifted; revoking an identity or one token by its jti refuses them on
// both surfaces; room-bound admins cannot reach other rooms.
func TestBansAndRevocationsOverREST(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	e.Connect(ctx, t, "mod", "alice")
	mal := e.Connect(ctx, t, "mod", "mal")
	mrec := record(mal)

	status, body := e.api(http.MethodPost, "/v1/rooms/mod/bans", admin, `{"identity":"mal","duration":3600,"reason":"spam"}`)
	if status != http.StatusCreated || !strings.Contains(body, `"until":"`) {
		t.Fatalf("ban: %d %s", status, body)
	}
	wait(t, mrec, "mal to be removed", func(ev client.Disconnected) bool { return ev.Reason == protocol.ReasonRemoved })
	if code := e.connectCode(ctx, mintAfter(t, e.Key, "mod", "mal")); code != protocol.CodeBanned {
		t.Errorf("banned mal with a fresh token: %q, want banned", code)
	}
	if status, body := e.api(http.MethodGet, "/v1/rooms/mod/bans", admin, nil); status != http.StatusOK || !strings.Contains(body, `"identity":"mal"`) || !strings.Contains(body, `"reason":"spam"`) {
		t.Errorf("list bans: %d %s", status, body)
	}
	// A room-bound admin of another room sees none of it.
	other := e.adminToken(e.Key, "other")
	if status, body := e.api(http.MethodGet, "/v1/rooms/mod/bans", other, nil); status != http.StatusForbidden {
		t.Errorf("another room's admin lists bans: %d %s", status, body)
	}
	if status, body := e.api(http.MethodPost, "/v1/revocations", other, `{"identity":"alice"}`); status != http.StatusForbidden {
		t.Errorf("a room-bound admin revokes in every room: %d %s", status, body)
	}
	for _, bad := range []string{`{"identity":"x","duration":-1}`, `{"identity":""}`, `{"identity":"x","reason":"a\nb"}`, `{"identity":"x","extra":1}`, `{"identity":"x","duration":99999999999}`} {
		if status, _ := e.api(http.MethodPost, "/v1/rooms/mod/bans", admin, bad); status != http.StatusBadRequest {
			t.Errorf("ban %s: %d, want 400", bad, status)
		}
	}
	if status, body := e.api(http.MethodDelete, "/v1/rooms/mod/bans/mal", admin, nil); status != http.StatusNoContent {
		t.Fatalf("unban: %d %s", status, body)
	}
	if status, body := e.api(http.MethodDelete, "/v1/rooms/mod/bans/mal", admin, nil); status != http.StatusNotFound || !strings.Contains(body, "ban_not_found") {
		t.Errorf("unban twice: %d %s", status, body)
	}
	if code := e.connectCode(ctx, mintAfter(t, e.Key, "mod", "mal")); code != "" {
		t.Errorf("unbanned mal: %q", code)
	}

	// Every token of dave, in every room of the key.
	dave := mintToken(t, e.Key, "mod", "dave", joinAll)
	if status, body := e.api(http.MethodPost, "/v1/revocations", admin, `{"identity":"dave"}`); status != http.StatusNoContent {
		t.Fatalf("revoke dave: %d %s", status, body)
	}
	if code := e.connectCode(ctx, dave); code != protocol.CodeTokenRevoked {
		t.Errorf("dave's revoked token: %q", code)
	}

	// One REST token by its jti.
	victim := e.adminToken(e.Key, "")
	if status, _ := e.api(http.MethodGet, "/v1/rooms", victim, nil); status != http.StatusOK {
		t.Fatalf("victim token refused before revocation: %d", status)
	}
	if status, body := e.api(http.MethodPost, "/v1/revocations", admin, `{"jti":"`+jtiOf(t, victim)+`"}`); status != http.StatusNoContent {
		t.Fatalf("revoke jti: %d %s", status, body)
	}
	if status, body := e.api(http.MethodGet, "/v1/rooms", victim, nil); status != http.StatusUnauthorized || !strings.Contains(body, "token_revoked") {
		t.Errorf("revoked REST token: %d %s", status, body)
	}
	if status, _ := e.api(http.MethodGet, "/v1/rooms", admin, nil); status != http.StatusOK {
		t.Errorf("the revoking token was refused too: %d", status)
	}
	// Every refusal and every revocation is a security event.
	m := e.Metrics()
	for _, k := range []string{"revoked_token_refused", "identity_tokens_revoked", "token_revoked", "identity_banned", "identity_unbanned"} {
		if m[`conclave_security_events_total{kind="`+k+`",outcome="succeeded"}`]+m[`conclave_security_events_total{kind="`+k+`",outcome="refused"}`] < 1 {
			t.Errorf("no %s security event counted", k)
		}
	}
}

// TestRevocationSurvivesRestart: a removal made before a restart still
// refuses the removed participant's tokens after it.
func TestRevocationSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	setDir := func(c *config.Config) { c.DataDir = dir }
	var key token.Key
	var oldTok string
	t.Run("before", func(t *testing.T) {
		e := &env{Server: testserver.Start(t, setDir), t: t}
		ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
		defer cancel()
		key = e.Key
		e.Connect(ctx, t, "keep", "alice")
		oldTok = mintToken(t, key, "keep", "bob", joinAll)
		raw := e.dialRaw(ctx, t)
		joinedOn(t, raw, joinFrame(oldTok))
		if status, body := e.api(http.MethodDelete, "/v1/rooms/keep/participants/bob", e.adminToken(key, ""), nil); status != http.StatusNoContent {
			t.Fatalf("remove: %d %s", status, body)
		}
	})
	e := &env{Server: testserver.Start(t, setDir), t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	if code := e.connectCode(ctx, oldTok); code != protocol.CodeTokenRevoked {
		t.Errorf("after a restart, the removed participant's token: %q, want token_revoked", code)
	}
	if code := e.connectCode(ctx, mintAfter(t, key, "keep", "bob")); code != "" {
		t.Errorf("after a restart, a token issued after the removal: %q", code)
	}
}
