package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
)

// TestAdminRooms: an admin sees the live rooms with their participants'
// addresses, removes a participant and ends a meeting through the room's
// own decisions (the participant's and everyone's sessions close), each
// an admin_room_action naming the admin; a member is refused.
func TestAdminRooms(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Accounts.RequireSecondFactor = "none" })
	ctx := context.Background()
	alice := e.Connect(ctx, t, "watched", "alice")
	bob := e.Connect(ctx, t, "watched", "bob")

	member := e.signedIn("member@example.org")
	if status, _ := member.do("GET", "/v1/admin/rooms", "", nil); status != http.StatusForbidden {
		t.Errorf("a member lists the rooms: %d", status)
	}
	if status, _ := member.do("POST", "/v1/admin/rooms/watched/end", "", nil); status != http.StatusForbidden {
		t.Errorf("a member ends a room: %d", status)
	}
	admin := e.signedIn("admin@example.org")
	if _, err := e.Srv.Store().UpdateUser(ctx, admin.user.ID, func(u *store.User) error {
		u.Role = store.RoleAdmin
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	var rooms server.AdminRooms
	if status, b := admin.do("GET", "/v1/admin/rooms", "", &rooms); status != http.StatusOK {
		t.Fatalf("rooms: %d %s", status, b)
	}
	if len(rooms.Rooms) != 1 || rooms.Rooms[0].Name != "watched" || len(rooms.Rooms[0].Participants) != 2 {
		t.Fatalf("rooms: %+v", rooms)
	}
	for _, p := range rooms.Rooms[0].Participants {
		if p.Addr != "127.0.0.1" || p.ID == "" {
			t.Errorf("participant %+v: want its address", p)
		}
		// Neither receives media: no receiver report, no figures.
		if p.Loss != nil || p.RTT != nil {
			t.Errorf("participant %s receiving nothing has loss %v and RTT %v", p.Identity, p.Loss, p.RTT)
		}
	}

	if status, b := admin.do("DELETE", "/v1/admin/rooms/watched/participants/bob", "", nil); status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", status, b)
	}
	testkit.Receive(t, bob.Done(), "bob's session to close")
	if status, _ := admin.do("DELETE", "/v1/admin/rooms/watched/participants/bob", "", nil); status != http.StatusNotFound {
		t.Errorf("removing someone gone: %d, want 404", status)
	}
	if status, b := admin.do("POST", "/v1/admin/rooms/watched/end", "", nil); status != http.StatusNoContent {
		t.Fatalf("end: %d %s", status, b)
	}
	testkit.Receive(t, alice.Done(), "alice's session to close")
	if status, _ := admin.do("POST", "/v1/admin/rooms/nowhere/end", "", nil); status != http.StatusNotFound {
		t.Errorf("ending no room: %d, want 404", status)
	}

	var evs server.SecurityEvents
	testkit.Eventually(t, "both actions in the security events, by the admin", func() bool {
		admin.do("GET", "/v1/security/events", "", &evs)
		seen := map[string]bool{}
		for _, ev := range evs.Events {
			if ev.Kind == "admin_room_action" && ev.Actor == admin.user.ID && ev.Severity == "warning" {
				seen[ev.Details["reason"]+":"+ev.Subject] = true
			}
		}
		return seen["remove:bob"] && seen["end:watched"]
	})
}
