package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestSetLobby: through a real server with Go clients, a host turns a
// room's lobby on (everyone is told, lobby_changed, and a guest then
// waits) and off (the guest who waits stays until admitted; a new one
// walks in); a change the store cannot take is not made and is refused
// unavailable on both surfaces; an account's meeting under the policy's
// lobby_for_guests cannot turn its lobby off (policy_violation), on
// either surface, and keeps it.
func TestSetLobby(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	const name = "lobby-switch"
	host := e.joinRole(ctx, t, name, "hana", protocol.RoleHost)
	viewer := e.joinRole(ctx, t, name, "vic", protocol.RoleViewer)
	admin := e.adminToken(e.Key, name)
	lobbyOn := func() bool {
		info, err := e.Srv.Rooms().Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return info.Lobby
	}
	if lobbyOn() {
		t.Fatal("an API key's room has a lobby it did not ask for")
	}

	if err := host.c.SetLobby(ctx, true); err != nil {
		t.Fatal(err)
	}
	hid := host.c.Self().ID
	wait(t, viewer, "lobby on", func(ev client.LobbyChanged) bool { return ev.On && ev.By == hid })
	if !lobbyOn() {
		t.Fatal("the lobby is not on")
	}
	// A guest now waits.
	status, done := e.guest(ctx, e.roleToken(name, "gus", protocol.RoleParticipant))
	if s := <-status; s.Status != protocol.LobbyWaiting {
		t.Fatalf("the guest's status: %+v", s)
	}
	g := wait(t, host, "the guest", func(ev client.LobbyGuestWaiting) bool { return ev.Guest.Identity == "gus" }).Guest

	// Off: the one waiting stays; a newcomer walks in.
	if status, body := e.api("POST", "/v1/rooms/"+name+"/lobby/settings", admin, `{"on":false}`); status != http.StatusOK {
		t.Fatalf("REST lobby off: %d %s", status, body)
	}
	wait(t, viewer, "lobby off", func(ev client.LobbyChanged) bool { return !ev.On && ev.By == "" })
	if _, err := e.join(ctx, e.roleToken(name, "pia", protocol.RoleParticipant)); err != nil {
		t.Fatalf("a participant of a room whose lobby is off: %v", err)
	}
	if info, err := e.Srv.Rooms().Get(name); err != nil || info.Lobby || info.LobbyWaiting != 1 {
		t.Fatalf("the guest no longer waits once the lobby is off: %+v %v", info, err)
	}
	if err := host.c.AdmitGuest(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil {
		t.Fatalf("the admitted guest: %v", r.err)
	} else {
		_ = r.c.Close()
	}

	// The store refuses: nothing changes, on either surface.
	lift := e.storeFault(t, "rooms")
	n := eventCount(host)
	if err := host.c.SetLobby(ctx, true); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the refusal", func() bool { return len(errorsSince(host, n)) > 0 })
	if got := errorsSince(host, n)[0]; got != protocol.CodeUnavailable {
		t.Fatalf("set_lobby while the store refuses: %s", got)
	}
	if status, body := e.api("POST", "/v1/rooms/"+name+"/lobby/settings", admin, `{"on":true}`); status != http.StatusServiceUnavailable || !jsonCode(body, protocol.CodeUnavailable) {
		t.Fatalf("REST while the store refuses: %d %s", status, body)
	}
	if lobbyOn() {
		t.Fatal("the lobby went on though it was not stored")
	}
	lift()
	if status, body := e.api("POST", "/v1/rooms/"+name+"/lobby/settings", admin, `{"on":true}`); status != http.StatusOK || !lobbyOn() {
		t.Fatalf("REST once the store takes writes: %d %s", status, body)
	}

	// The policy binds an account's meeting.
	m := e.signedIn("owner@example.org").createMeeting(`{"e2ee":"off"}`)
	mh, err := e.join(ctx, m.Join.Token)
	if err != nil {
		t.Fatal(err)
	}
	mrec := record(mh)
	if err := mh.SetLobby(ctx, false); err != nil {
		t.Fatal(err)
	}
	wait(t, mrec, "the policy's refusal", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodePolicyViolation })
	if status, body := e.api("POST", "/v1/rooms/"+string(m.Room.Name)+"/lobby/settings", m.Join.Token, `{"on":false}`); status != http.StatusForbidden || !jsonCode(body, protocol.CodePolicyViolation) {
		t.Fatalf("REST lobby off under lobby_for_guests: %d %s", status, body)
	}
	if info, err := e.Srv.Rooms().Get(m.Room.Name); err != nil || !info.Lobby {
		t.Fatalf("the meeting after the refusals: %+v %v", info, err)
	}
}
