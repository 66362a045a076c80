package room_test

import (
	"testing"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/token"
)

// admitted records the participants a lobby admits.
type admitted struct{ ch chan room.Member }

func newAdmitted() *admitted { return &admitted{ch: make(chan room.Member, 1)} }

func (a *admitted) on(m room.Member) { a.ch <- m }

// wait joins c to a room with a lobby, and checks that it waits.
func wait(t *testing.T, m *room.Manager, c *token.Claims) (room.LobbyID, *recorder, *admitted) {
	t.Helper()
	rec, adm := &recorder{}, newAdmitted()
	mem, d, err := m.Join(room.JoinRequest{Claims: c, Listener: rec, OnAdmit: adm.on})
	if err != nil || mem != nil || d.Outcome != room.WaitInLobby || d.Lobby == "" {
		t.Fatalf("%s: member %v, decision %+v, err %v; want it to wait", c.Subject, mem, d, err)
	}
	return d.Lobby, rec, adm
}

// TestLobbyInviteFlag: the host sees whether a guest came with an
// invite, from the guest token's invite claim (which the verifier takes
// only from tokens the server signs when it redeems its invite links).
func TestLobbyInviteFlag(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner, Lobby: room.LobbyOn}); err != nil {
		t.Fatal(err)
	}
	_, hostEvents := join(t, m, "r", "host", hostGrants)

	invited := claims("r", "guest_1", allGrants)
	invited.Invite = "MI_AAAAAAAAAAAAAAAAAAAAAAAAAA"
	wait(t, m, invited)
	wait(t, m, claims("r", "walkin", allGrants))

	want := map[room.Identity]bool{"guest_1": true, "walkin": false}
	seen := hostEvents.of(room.EventLobbyGuest)
	if len(seen) != 2 {
		t.Fatalf("the host saw %d guests arrive, want 2", len(seen))
	}
	for _, e := range seen {
		if e.Guest.Invite != want[e.Guest.Identity] || e.Guest.Wire().Invite != want[e.Guest.Identity] {
			t.Errorf("host's lobby_guest %+v: invite %v, want %v", e.Guest, e.Guest.Invite, want[e.Guest.Identity])
		}
	}
	list, err := m.Lobby("r", owner)
	if err != nil || len(list) != 2 {
		t.Fatalf("Lobby: %+v %v", list, err)
	}
	for _, g := range list {
		if g.Invite != want[g.Identity] {
			t.Errorf("Lobby lists %+v, want invite %v", g, want[g.Identity])
		}
	}
}
