package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestRemovedOverSignalingCannotReturn: roles and revocation together. A
// host removes a participant over signaling (the role decision allows
// it); the removal revokes the identity's tokens for the room, so it
// cannot come back with the token it joined with, nor with one issued
// before, nor resume; a token issued later is admitted (no ban). Then
// the host bans it over signaling, and a later token is refused too.
func TestRemovedOverSignalingCannotReturn(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "sigkick"
	host := e.joinRole(ctx, t, room, "hana", protocol.RoleHost)

	oldTok := mintToken(t, e.Key, room, "bob", joinAll)
	freshBefore := mintToken(t, e.Key, room, "bob", joinAll)
	raw := e.dialRaw(ctx, t)
	j := joinedOn(t, raw, joinFrame(oldTok))

	if err := host.c.RemoveParticipant(ctx, j.Participant.ID); err != nil {
		t.Fatal(err)
	}
	wait(t, host, "bob's removal", func(ev client.ParticipantLeft) bool {
		return ev.ParticipantID == j.Participant.ID && ev.Reason == protocol.ReasonRemoved
	})
	raw.expectClosed()

	for name, tok := range map[string]string{"the token it joined with": oldTok, "a token issued before the removal": freshBefore} {
		if code := e.connectCode(ctx, tok); code != protocol.CodeTokenRevoked {
			t.Errorf("%s: code %q, want token_revoked", name, code)
		}
	}
	r := e.dialRaw(ctx, t)
	r.mustSend(resumeFrame(oldTok, j.Participant.ID, j.ResumeSecret))
	r.expectError(protocol.CodeTokenRevoked)

	// Without a ban, the app may let it back with a new token.
	bob, err := e.join(ctx, mintAfter(t, e.Key, room, "bob"))
	if err != nil {
		t.Fatalf("bob with a token issued after the removal: %v", err)
	}
	bobRec := record(bob)
	if err := host.c.BanParticipant(ctx, bob.Self().ID, 0, "spam"); err != nil {
		t.Fatal(err)
	}
	wait(t, bobRec, "the ban", func(ev client.Disconnected) bool { return ev.Reason == protocol.ReasonRemoved })
	if code := e.connectCode(ctx, mintAfter(t, e.Key, room, "bob")); code != protocol.CodeBanned {
		t.Errorf("banned bob with a later token: code %q, want banned", code)
	}
	status, body := e.api(http.MethodGet, "/v1/rooms/"+room+"/bans", e.adminToken(e.Key, ""), nil)
	if status != http.StatusOK || !strings.Contains(body, `"identity":"bob"`) || !strings.Contains(body, `"by":"hana"`) {
		t.Errorf("bans: %d %s", status, body)
	}
}

// TestModeratorCannotBanHost: a ban is a removal that needs the ban
// permission, decided on the rank rule on every path. A moderator bans
// nobody (role_denied), a host never bans a peer host (role_rank), over
// signaling or with its own token over REST, and a host's token cannot
// reach a peer host through revocation either. Nothing is recorded, and
// the host stays.
func TestModeratorCannotBanHost(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "noban"
	h1 := e.joinRole(ctx, t, room, "h1", protocol.RoleHost)
	h2 := e.joinRole(ctx, t, room, "h2", protocol.RoleHost)
	mod := e.joinRole(ctx, t, room, "mona", protocol.RoleModerator)
	pat := e.joinRole(ctx, t, room, "pat", protocol.RoleParticipant)

	if err := mod.c.BanParticipant(ctx, h1.c.Self().ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	wait(t, mod, "the moderator's ban refused", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodeRoleDenied })
	if err := h1.c.BanParticipant(ctx, h2.c.Self().ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	wait(t, h1, "the host's ban of a host refused", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodeRoleRank })

	h1Tok := e.roleToken(room, "h1", protocol.RoleHost)
	for _, tc := range []struct {
		name, tok, path, body, code string
	}{
		{"moderator's token bans a host", e.roleToken(room, "mona", protocol.RoleModerator), "/v1/rooms/" + room + "/bans", `{"identity":"h1"}`, protocol.CodePermissionDenied},
		{"host's token bans a peer host", h1Tok, "/v1/rooms/" + room + "/bans", `{"identity":"h2"}`, protocol.CodeRoleRank},
		{"host's token bans someone the room never saw", h1Tok, "/v1/rooms/" + room + "/bans", `{"identity":"latecomer"}`, protocol.CodeParticipantNotFound},
		{"host's token revokes a peer host", h1Tok, "/v1/revocations", `{"identity":"h2","room":"` + room + `"}`, protocol.CodeRoleDenied},
	} {
		status, body := e.api(http.MethodPost, tc.path, tc.tok, tc.body)
		if status == http.StatusCreated || status == http.StatusNoContent || !jsonCode(body, tc.code) {
			t.Errorf("%s: %d %s, want %s", tc.name, status, body, tc.code)
		}
	}
	admin := e.adminToken(e.Key, "")
	if status, body := e.api(http.MethodGet, "/v1/rooms/"+room+"/bans", admin, nil); status != http.StatusOK || strings.Contains(body, "identity") {
		t.Errorf("refused bans recorded: %d %s", status, body)
	}
	if status, body := e.api(http.MethodGet, "/v1/rooms/"+room+"/participants", admin, nil); status != http.StatusOK || !strings.Contains(body, `"h2"`) || !strings.Contains(body, `"h1"`) {
		t.Errorf("a host is gone after refused bans: %d %s", status, body)
	}

	// A host bans a participant: allowed, and it sticks.
	if err := h1.c.BanParticipant(ctx, pat.c.Self().ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	wait(t, pat, "pat's ban", func(ev client.Disconnected) bool { return ev.Reason == protocol.ReasonRemoved })
	if code := e.connectCode(ctx, mintAfter(t, e.Key, room, "pat")); code != protocol.CodeBanned {
		t.Errorf("banned pat with a later token: code %q, want banned", code)
	}
}
