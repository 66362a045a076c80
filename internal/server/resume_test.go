package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// joinedOn sends frame (none if "": a join sent before, waiting in a
// lobby) and returns the joined it gets, failing on an error.
func joinedOn(t *testing.T, r *rawConn, frame string) protocol.Joined {
	t.Helper()
	if frame != "" {
		r.mustSend(frame)
	}
	limit := time.After(testkit.DefaultWait())
	for {
		env, ok := r.next(limit, "joined")
		if !ok {
			t.Fatalf("connection closed (%v) while joining", r.err)
		}
		switch env.Type {
		case protocol.TypeJoined:
			var j protocol.Joined
			if err := json.Unmarshal(env.Data, &j); err != nil {
				t.Fatal(err)
			}
			return j
		case protocol.TypeError:
			t.Fatalf("join refused: %s", env.Data)
		}
	}
}

func resumeFrame(tok, participantID, secret string) string {
	return fmt.Sprintf(`{"v":1,"type":"join","data":{"token":%q,"resume":{"participant_id":%q,"secret":%q}}}`,
		tok, participantID, secret)
}

// TestResumeAfterSignalDrop: a client whose WebSocket dropped comes back
// with its resume secret and gets its own session back — same participant,
// nobody told it left — while a wrong secret, another identity or a late
// resume is refused with resume_failed and the participant is removed once
// the window ends.
func TestResumeAfterSignalDrop(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Signal.ResumeWindow = 3 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}

	watcher := e.Connect(ctx, t, "resume", "watcher")
	wrec := record(watcher)

	tokA := mintToken(t, e.Key, "resume", "alice", all)
	a := e.dialRaw(ctx, t)
	ja := joinedOn(t, a, joinFrame(tokA))
	if len(ja.ResumeSecret) < 32 {
		t.Fatalf("joined carries resume secret %q, want at least 32 characters", ja.ResumeSecret)
	}
	aliceID := ja.Participant.ID
	outer := t
	wait(t, wrec, "alice to join", func(ev client.ParticipantJoined) bool { return ev.Participant.ID == aliceID })

	t.Run("resume keeps the participant", func(t *testing.T) {
		_ = a.ws.CloseNow() // the network drops; no leave
		// Time for the server to notice the drop, so that the resume finds
		// the session waiting. Should a slow machine take longer, the resume
		// takes the session over from a connection the server still thinks
		// alive instead: as correct, and the next subtest's case.
		time.Sleep(200 * time.Millisecond)
		a2 := e.dialRaw(ctx, outer) // outlives this subtest
		j := joinedOn(t, a2, resumeFrame(tokA, aliceID, ja.ResumeSecret))
		if !j.Resumed || j.Participant.ID != aliceID || j.ResumeSecret != ja.ResumeSecret {
			t.Fatalf("resume answered %+v, want resumed with participant %s", j, aliceID)
		}
		if len(j.Participants) != 1 || j.Participants[0].Identity != "watcher" {
			t.Errorf("resumed snapshot lists %+v, want the watcher", j.Participants)
		}
		a2.expectOpen()
		// Data still flows both ways through the resumed session.
		a2.mustSend(fmt.Sprintf(`{"v":1,"type":"data","data":{"topic":"chat","payload":%q}}`, "aGVsbG8="))
		wait(t, wrec, "alice's data through the resumed session", func(ev client.DataReceived) bool { return ev.From == aliceID && string(ev.Payload) == "hello" })
		if _, left := find(wrec, func(ev client.ParticipantLeft) bool { return ev.ParticipantID == aliceID }); left {
			t.Error("the watcher was told alice left, though she resumed")
		}
		ps, _ := e.Srv.Rooms().Participants("resume", room.KeyID(e.Key.ID))
		if len(ps) != 2 {
			t.Errorf("room lists %d participants after resume, want 2", len(ps))
		}
		a = a2
	})

	t.Run("resume while the old connection still looks alive", func(t *testing.T) {
		a3 := e.dialRaw(ctx, outer)
		j := joinedOn(t, a3, resumeFrame(tokA, aliceID, ja.ResumeSecret))
		if !j.Resumed || j.Participant.ID != aliceID {
			t.Fatalf("takeover answered %+v", j)
		}
		a.expectClosed() // the server dropped the connection it thought alive
		a3.expectOpen()
		a = a3
	})

	refused := []struct {
		name, tok, id, secret string
	}{
		{"wrong secret", tokA, aliceID, "AAAA" + ja.ResumeSecret[4:]},
		{"another identity", mintToken(t, e.Key, "resume", "mallory", all), aliceID, ja.ResumeSecret},
		{"another room", mintToken(t, e.Key, "elsewhere", "alice", all), aliceID, ja.ResumeSecret},
		{"unknown participant", tokA, "PA_NOSUCHPARTICIPANT", ja.ResumeSecret},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			r := e.dialRaw(ctx, t)
			r.mustSend(resumeFrame(tc.tok, tc.id, tc.secret))
			r.expectError(protocol.CodeResumeFailed)
			r.expectClosed()
			a.expectOpen() // the real session is untouched
		})
	}

	t.Run("no resume within the window", func(t *testing.T) {
		_ = a.ws.CloseNow()
		left := wait(t, wrec, "alice to be removed after the window", func(ev client.ParticipantLeft) bool { return ev.ParticipantID == aliceID })
		if left.Reason != protocol.ReasonConnectionLost {
			t.Errorf("reason %q, want connection_lost", left.Reason)
		}
		late := e.dialRaw(ctx, t)
		late.mustSend(resumeFrame(tokA, aliceID, ja.ResumeSecret))
		late.expectError(protocol.CodeResumeFailed)
	})
}
