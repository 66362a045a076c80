package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestResumeTokenIsTracked: the token a session resumes with counts as
// the participant's as much as the one it joined with. Revoking the
// resume token's jti disconnects the participant (before, only the join
// token's jti was kept, and the session lived on with a revoked token);
// after a revocation of the identity, or a ban, its resume is refused as
// its join is.
func TestResumeTokenIsTracked(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "resumejti"
	admin := e.adminToken(e.Key, "")
	e.Connect(ctx, t, room, "watcher")

	joinTok, resumeTok := mintToken(t, e.Key, room, "bob", joinAll), mintToken(t, e.Key, room, "bob", joinAll)
	first := e.dialRaw(ctx, t)
	j := joinedOn(t, first, joinFrame(joinTok))
	second := e.dialRaw(ctx, t) // takes the session over from the first
	if r := joinedOn(t, second, resumeFrame(resumeTok, j.Participant.ID, j.ResumeSecret)); !r.Resumed {
		t.Fatalf("resume answered %+v", r)
	}
	first.expectClosed()
	if status, body := e.api(http.MethodPost, "/v1/revocations", admin, `{"jti":"`+jtiOf(t, resumeTok)+`"}`); status != http.StatusNoContent {
		t.Fatalf("revoke the resume token: %d %s", status, body)
	}
	second.expectClosed()
	waitGone(t, e, room, "bob")

	// Revoked identity: the resume of its live session is refused as a
	// join with the same token is.
	daveTok, daveLater := mintToken(t, e.Key, room, "dave", joinAll), mintToken(t, e.Key, room, "dave", joinAll)
	d := e.dialRaw(ctx, t)
	jd := joinedOn(t, d, joinFrame(daveTok))
	if status, body := e.api(http.MethodPost, "/v1/revocations", admin, `{"identity":"dave","room":"`+room+`"}`); status != http.StatusNoContent {
		t.Fatalf("revoke dave: %d %s", status, body)
	}
	d.expectClosed()
	for _, tok := range []string{daveTok, daveLater} {
		r := e.dialRaw(ctx, t)
		r.mustSend(resumeFrame(tok, jd.Participant.ID, jd.ResumeSecret))
		r.expectError(protocol.CodeTokenRevoked)
		if code := e.connectCode(ctx, tok); code != protocol.CodeTokenRevoked {
			t.Errorf("dave's join with the same token: %q", code)
		}
	}

	// Banned: refused at resume and at join, with a token issued after.
	eveTok := mintToken(t, e.Key, room, "eve", joinAll)
	ev := e.dialRaw(ctx, t)
	je := joinedOn(t, ev, joinFrame(eveTok))
	if status, body := e.api(http.MethodPost, "/v1/rooms/"+room+"/bans", admin, `{"identity":"eve"}`); status != http.StatusCreated {
		t.Fatalf("ban eve: %d %s", status, body)
	}
	ev.expectClosed()
	later := mintAfter(t, e.Key, room, "eve")
	r := e.dialRaw(ctx, t)
	r.mustSend(resumeFrame(later, je.Participant.ID, je.ResumeSecret))
	r.expectError(protocol.CodeResumeFailed)
	if code := e.connectCode(ctx, later); code != protocol.CodeBanned {
		t.Errorf("eve's join after the ban: %q, want banned", code)
	}
}
