package room_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestDecisionsThroughManager asks Manager.Join and Manager.Decide against
// rooms in real states, and checks the answer, what it changed, and that
// each call emitted exactly one EventDecision (admitted or refused) with
// its code.
func TestDecisionsThroughManager(t *testing.T) {
	host := token.Grants{RoomAdmin: true, Publish: true, Subscribe: true, PublishData: true}
	type call func(*room.Manager) (room.Member, room.Decision, error)
	joinAs := func(c *token.Claims) call {
		return func(m *room.Manager) (room.Member, room.Decision, error) {
			return m.Join(room.JoinRequest{Claims: c, Listener: &recorder{}})
		}
	}
	decide := func(a room.Action, roomName room.RoomName, c *token.Claims) call {
		return func(m *room.Manager) (room.Member, room.Decision, error) {
			d := m.Decide(room.Request{Action: a, Room: roomName, Claims: c})
			return nil, d, d.Err
		}
	}
	rest := func(g token.Grants, roomClaim string) *token.Claims { return claims(roomClaim, "", g) }

	for _, tt := range []struct {
		name       string
		autoCreate bool
		maxRooms   int
		call       call
		want       room.Outcome
		err        error
		code       string
		role       room.Role
		perms      room.Permissions
		events     []room.EventKind // everything a subscriber sees
		creates    room.RoomName    // a room the call must leave behind ("" none new)
	}{
		{name: "join admitted as participant", call: joinAs(claims("r", "bob", allGrants)),
			want: room.Admitted, role: room.RoleParticipant, perms: room.RoleParticipant.Permissions(),
			events: []room.EventKind{room.EventDecision, room.EventJoined}},
		{name: "join admitted as host", call: joinAs(claims("r", "hana", host)),
			want: room.Admitted, role: room.RoleHost, perms: room.RoleHost.Permissions(),
			events: []room.EventKind{room.EventDecision, room.EventJoined}},
		{name: "join admitted as viewer", call: joinAs(claims("r", "vic", subOnly)),
			want: room.Admitted, role: room.RoleViewer, perms: room.Permissions(0).With(room.Subscribe),
			events: []room.EventKind{room.EventDecision, room.EventJoined}},
		{name: "join auto-creates", autoCreate: true, call: joinAs(claims("new", "bob", allGrants)),
			want: room.Admitted, role: room.RoleParticipant, perms: room.RoleParticipant.Permissions(), creates: "new",
			events: []room.EventKind{room.EventRoomCreated, room.EventDecision, room.EventJoined}},
		{name: "join does not auto-create an account's room", autoCreate: true,
			call: joinAs(claimsBy(room.AccountPrefix+"ALICE", "ended", "alice", host)),
			err:  room.ErrRoomNotFound, code: protocol.CodeRoomNotFound},
		{name: "join without claims", call: joinAs(nil), err: room.ErrPermissionDenied, code: protocol.CodePermissionDenied},
		{name: "join without identity", call: joinAs(claims("r", "", allGrants)), err: room.ErrNoIdentity, code: protocol.CodePermissionDenied},
		{name: "join without room claim", autoCreate: true, call: joinAs(claims("", "bob", allGrants)), err: room.ErrNoRoom, code: protocol.CodePermissionDenied},
		{name: "join without join grant", autoCreate: true, call: joinAs(claims("new", "bob", token.Grants{RoomAdmin: true, RoomCreate: true})),
			err: room.ErrPermissionDenied, code: protocol.CodePermissionDenied},
		{name: "join missing room", call: joinAs(claims("new", "bob", allGrants)), err: room.ErrRoomNotFound, code: protocol.CodeRoomNotFound},
		{name: "join other owner's room", autoCreate: true, call: joinAs(claims("theirs", "bob", allGrants)), err: room.ErrNotOwner, code: protocol.CodePermissionDenied},
		{name: "join identity in use", call: joinAs(claims("r", "alice", allGrants)), err: room.ErrIdentityInUse, code: protocol.CodeIdentityInUse},
		{name: "join full room", call: joinAs(claims("full", "bob", allGrants)), err: room.ErrRoomFull, code: protocol.CodeRoomFull},
		{name: "join would create one room too many", autoCreate: true, maxRooms: 3, call: joinAs(claims("new", "bob", allGrants)),
			err: room.ErrTooManyRooms, code: protocol.CodeRoomFull},

		// Decide answers the same without taking a place or a room.
		{name: "decide join, auto-create", autoCreate: true, call: decide(room.ActionJoin, "", claims("new", "bob", allGrants)),
			want: room.Admitted, role: room.RoleParticipant, perms: room.RoleParticipant.Permissions()},
		{name: "decide join, full", call: decide(room.ActionJoin, "", claims("full", "bob", allGrants)), err: room.ErrRoomFull, code: protocol.CodeRoomFull},
		{name: "resume", call: decide(room.ActionResume, "", claims("r", "alice", allGrants)),
			want: room.Admitted, role: room.RoleParticipant, perms: room.RoleParticipant.Permissions()},
		{name: "resume in a full room", call: decide(room.ActionResume, "", claims("full", "carol", subOnly)),
			want: room.Admitted, role: room.RoleViewer, perms: room.Permissions(0).With(room.Subscribe)},
		{name: "resume of an absent identity", call: decide(room.ActionResume, "", claims("r", "bob", allGrants)),
			err: room.ErrUnknownParticipant, code: protocol.CodeUnknownParticipant},
		{name: "resume in a missing room", autoCreate: true, call: decide(room.ActionResume, "", claims("new", "alice", allGrants)),
			err: room.ErrRoomNotFound, code: protocol.CodeRoomNotFound},

		{name: "REST create", call: decide(room.ActionCreateRoom, "new", rest(token.Grants{RoomCreate: true}, "")), want: room.Admitted},
		{name: "REST create without grant", call: decide(room.ActionCreateRoom, "new", rest(token.Grants{RoomAdmin: true}, "")),
			err: room.ErrPermissionDenied, code: protocol.CodePermissionDenied},
		{name: "REST create with a token for another room", call: decide(room.ActionCreateRoom, "new", rest(token.Grants{RoomCreate: true}, "r")),
			err: room.ErrOtherRoom, code: protocol.CodePermissionDenied},
		{name: "REST create over another owner's room", call: decide(room.ActionCreateRoom, "theirs", rest(token.Grants{RoomCreate: true}, "")),
			err: room.ErrNotOwner, code: protocol.CodePermissionDenied},
		{name: "REST list", call: decide(room.ActionListRooms, "", rest(token.Grants{RoomList: true}, "")), want: room.Admitted},
		{name: "REST list without grant", call: decide(room.ActionListRooms, "", rest(token.Grants{RoomCreate: true}, "")),
			err: room.ErrPermissionDenied, code: protocol.CodePermissionDenied},
		{name: "REST read", call: decide(room.ActionReadRoom, "r", rest(token.Grants{RoomList: true}, "")), want: room.Admitted},
		{name: "REST read not found", call: decide(room.ActionReadRoom, "nope", rest(token.Grants{RoomList: true}, "")),
			err: room.ErrRoomNotFound, code: protocol.CodeRoomNotFound},
		{name: "REST read other owner's room", call: decide(room.ActionReadRoom, "theirs", rest(token.Grants{RoomAdmin: true}, "")),
			err: room.ErrNotOwner, code: protocol.CodePermissionDenied},
		{name: "REST administer", call: decide(room.ActionAdministerRoom, "r", rest(token.Grants{RoomAdmin: true}, "r")), want: room.Admitted},
		{name: "REST administer without grant", call: decide(room.ActionAdministerRoom, "r", rest(token.Grants{RoomList: true}, "")),
			err: room.ErrPermissionDenied, code: protocol.CodePermissionDenied},
		{name: "REST administer with a token for another room", call: decide(room.ActionAdministerRoom, "r", rest(token.Grants{RoomAdmin: true}, "full")),
			err: room.ErrOtherRoom, code: protocol.CodePermissionDenied},
		{name: "REST administer not found", call: decide(room.ActionAdministerRoom, "nope", rest(token.Grants{RoomAdmin: true}, "")),
			err: room.ErrRoomNotFound, code: protocol.CodeRoomNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, room.Config{AutoCreate: tt.autoCreate, MaxRooms: tt.maxRooms})
			for _, s := range []room.Spec{{Name: "r", Owner: owner, MaxParticipants: 3}, {Name: "full", Owner: owner, MaxParticipants: 1}, {Name: "theirs", Owner: otherOwner}} {
				if _, err := m.Create(s); err != nil {
					t.Fatal(err)
				}
			}
			join(t, m, "r", "alice", allGrants)
			join(t, m, "full", "carol", subOnly)
			roomsBefore := m.List("")
			all := subscribe(t, m)

			mem, d, err := tt.call(m)

			if d.Outcome != tt.want || !errors.Is(err, tt.err) || !errors.Is(d.Err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("decision %v, %v (returned %v); want %v, %v", d.Outcome, d.Err, err, tt.want, tt.err)
			}
			if d.Code() != tt.code || (err != nil && room.Code(err) != tt.code) {
				t.Errorf("code %q, want %q", d.Code(), tt.code)
			}
			if d.Role != tt.role || d.Permissions != tt.perms {
				t.Errorf("role %q permissions %016b; want %q %016b", d.Role, d.Permissions, tt.role, tt.perms)
			}
			if (mem != nil) != (d.Outcome == room.Admitted && tt.events != nil) {
				t.Fatalf("member %v for decision %+v", mem, d)
			}
			if mem != nil {
				if info := mem.Info(); info.Role != d.Role || info.Permissions != d.Permissions || info.Identity != d.Identity {
					t.Errorf("member %+v does not hold its decision %+v", info, d)
				}
			}

			// Exactly one decision, the one returned, and nothing else
			// unless the call admitted a joiner.
			decisions := all.of(room.EventDecision)
			if len(decisions) != 1 {
				t.Fatalf("%d EventDecision, want 1: %v", len(decisions), kinds(all.all()))
			}
			e := decisions[0]
			if e.Decision == nil || *e.Decision != d || e.Decision.Code() != tt.code || e.Room != d.Room {
				t.Errorf("EventDecision %+v (%+v), want %+v with code %q", e, e.Decision, d, tt.code)
			}
			wantEvents := tt.events
			if wantEvents == nil {
				wantEvents = []room.EventKind{room.EventDecision}
			}
			if got := all.all(); !slices.EqualFunc(got, wantEvents, func(e room.Event, k room.EventKind) bool { return e.Kind == k }) {
				t.Errorf("events %v, want %v", kinds(got), wantEvents)
			}

			// Only an admitted join changes the set of rooms.
			var names []room.RoomName
			for _, i := range roomsBefore {
				names = append(names, i.Name)
			}
			if tt.creates != "" {
				names = append(names, tt.creates)
				slices.Sort(names)
			}
			var after []room.RoomName
			for _, i := range m.List("") {
				after = append(after, i.Name)
			}
			if !slices.Equal(after, names) {
				t.Errorf("rooms %v, want %v", after, names)
			}
		})
	}
}

// TestJoinRaces: the decision and the place are taken together, so racing
// joins never overfill a room, never share an identity and never create a
// room twice; each still gets exactly one decision.
func TestJoinRaces(t *testing.T) {
	const racers = 16
	for _, tt := range []struct {
		name     string
		identity func(i int) string
		max      int
		admitted int
		err      error
	}{
		{"same identity", func(int) string { return "alice" }, racers, 1, room.ErrIdentityInUse},
		{"last seats", func(i int) string { return fmt.Sprintf("p%d", i) }, 3, 3, room.ErrRoomFull},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, room.Config{AutoCreate: true, DefaultMaxParticipants: tt.max})
			all := subscribe(t, m)
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				admitted int
			)
			for i := range racers {
				wg.Go(func() {
					_, d, err := m.Join(room.JoinRequest{Claims: claims("r", tt.identity(i), allGrants), Listener: &recorder{}})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil && d.Outcome == room.Admitted:
						admitted++
					case !errors.Is(err, tt.err) || d.Code() != room.Code(tt.err):
						t.Errorf("join %d: %v (code %q), want admitted or %v", i, err, d.Code(), tt.err)
					}
				})
			}
			wg.Wait()
			if admitted != tt.admitted {
				t.Fatalf("%d admitted, want %d", admitted, tt.admitted)
			}
			if ps, _ := m.Participants("r", owner); len(ps) != tt.admitted {
				t.Fatalf("%d in the room, want %d", len(ps), tt.admitted)
			}
			if n := len(all.of(room.EventDecision)); n != racers {
				t.Fatalf("%d EventDecision for %d joins", n, racers)
			}
			if c := all.of(room.EventRoomCreated); len(c) != 1 {
				t.Fatalf("room created %d times", len(c))
			}
		})
	}
}
