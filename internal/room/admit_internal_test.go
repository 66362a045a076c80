package room

import (
	"errors"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/token"
)

// TestDecide is the admission policy's table: every action, every refusal,
// and the role and permissions a join token's grants give.
func TestDecide(t *testing.T) {
	const key, other KeyID = "CKOWNER0000000", "CKOTHER0000000"
	tok := func(roomName, sub string, g token.Grants) *token.Claims {
		return &token.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: string(key), Subject: sub}, Room: roomName, Grants: g}
	}
	byOther := func(c *token.Claims) *token.Claims { c.Issuer = string(other); return c }
	var (
		member   = token.Grants{Publish: true, Subscribe: true, PublishData: true}
		admin    = token.Grants{RoomAdmin: true}
		creator  = token.Grants{RoomCreate: true}
		lister   = token.Grants{RoomList: true}
		moderate = Permissions(Admit | MuteOthers | Remove | Ban | Lock | EndMeeting | ChangeRoles | ShareInvite)
		// A room of two that alice is in, and one that is full.
		open      = roomState{exists: true, owner: key, max: 2, count: 1}
		aliceIn   = roomState{exists: true, owner: key, max: 2, count: 1, identityIn: true}
		full      = roomState{exists: true, owner: key, max: 2, count: 2}
		fullWithA = roomState{exists: true, owner: key, max: 2, count: 2, identityIn: true}
		closed    = roomState{exists: true, closed: true, owner: key, max: 2}
		others    = roomState{exists: true, owner: other, max: 2}
		missing   = roomState{}
		autoNew   = roomState{autoCreate: true}
	)
	withAuto := func(st roomState) roomState { st.autoCreate = true; return st }

	for _, tt := range []struct {
		name  string
		req   Request
		st    roomState
		want  Outcome
		err   error
		role  Role
		perms Permissions
		room  RoomName // the decision's room
	}{
		// Join: who may enter, and as what.
		{name: "join: no claims", req: Request{Action: ActionJoin, Room: "r"}, st: open, err: ErrPermissionDenied, room: "r"},
		{name: "join: no identity", req: Request{Action: ActionJoin, Claims: tok("r", "", member)}, st: open, err: ErrNoIdentity, room: "r"},
		{name: "join: no room claim", req: Request{Action: ActionJoin, Claims: tok("", "bob", member)}, st: open, err: ErrNoRoom},
		{name: "join: room claim wins over Request.Room", req: Request{Action: ActionJoin, Room: "x", Claims: tok("r", "bob", member)}, st: open,
			want: Admitted, role: RoleParticipant, perms: RoleParticipant.Permissions(), room: "r"},
		{name: "join: no join grant", req: Request{Action: ActionJoin, Claims: tok("r", "bob", admin)}, st: open, err: ErrPermissionDenied, room: "r"},
		{name: "join: no join grant, with create and list", req: Request{Action: ActionJoin, Claims: tok("r", "bob", token.Grants{RoomCreate: true, RoomList: true})},
			st: withAuto(missing), err: ErrPermissionDenied, room: "r"},
		{name: "join: room missing", req: Request{Action: ActionJoin, Claims: tok("r", "bob", member)}, st: missing, err: ErrRoomNotFound, room: "r"},
		{name: "join: room missing, auto-create", req: Request{Action: ActionJoin, Claims: tok("r", "bob", member)}, st: autoNew,
			want: Admitted, role: RoleParticipant, perms: RoleParticipant.Permissions(), room: "r"},
		{name: "join: closed", req: Request{Action: ActionJoin, Claims: tok("r", "bob", member)}, st: closed, err: ErrRoomNotFound, room: "r"},
		{name: "join: closed, auto-create does not revive it", req: Request{Action: ActionJoin, Claims: tok("r", "bob", member)}, st: withAuto(closed), err: ErrRoomNotFound, room: "r"},
		{name: "join: other owner", req: Request{Action: ActionJoin, Claims: byOther(tok("r", "bob", member))}, st: open, err: ErrNotOwner, room: "r"},
		{name: "join: other owner, auto-create", req: Request{Action: ActionJoin, Claims: byOther(tok("r", "bob", member))}, st: withAuto(open), err: ErrNotOwner, room: "r"},
		{name: "join: identity in use", req: Request{Action: ActionJoin, Claims: tok("r", "alice", member)}, st: aliceIn, err: ErrIdentityInUse, room: "r"},
		{name: "join: identity in use in a full room", req: Request{Action: ActionJoin, Claims: tok("r", "alice", member)}, st: fullWithA, err: ErrIdentityInUse, room: "r"},
		{name: "join: full", req: Request{Action: ActionJoin, Claims: tok("r", "bob", member)}, st: full, err: ErrRoomFull, room: "r"},
		{name: "join: admitted", req: Request{Action: ActionJoin, Claims: tok("r", "bob", member)}, st: open,
			want: Admitted, role: RoleParticipant, perms: RoleParticipant.Permissions(), room: "r"},

		// Role and permissions: roomAdmin → host, publish → participant,
		// else viewer; always narrowed by the grants.
		{name: "role: admin with every join grant is host", req: Request{Action: ActionJoin, Claims: tok("r", "h", token.Grants{RoomAdmin: true, Publish: true, Subscribe: true, PublishData: true})},
			st: open, want: Admitted, role: RoleHost, perms: RoleHost.Permissions(), room: "r"},
		{name: "role: admin that only subscribes is a host that cannot publish", req: Request{Action: ActionJoin, Claims: tok("r", "h", token.Grants{RoomAdmin: true, Subscribe: true})},
			st: open, want: Admitted, role: RoleHost, perms: moderate.With(Subscribe), room: "r"},
		{name: "role: publish only", req: Request{Action: ActionJoin, Claims: tok("r", "p", token.Grants{Publish: true})},
			st: open, want: Admitted, role: RoleParticipant, perms: Permissions(PublishAudio | PublishVideo | PublishScreen), room: "r"},
		{name: "role: publish and data", req: Request{Action: ActionJoin, Claims: tok("r", "p", token.Grants{Publish: true, PublishData: true})},
			st: open, want: Admitted, role: RoleParticipant, perms: Permissions(PublishAudio | PublishVideo | PublishScreen | PublishData), room: "r"},
		{name: "role: subscribe only is a viewer", req: Request{Action: ActionJoin, Claims: tok("r", "v", token.Grants{Subscribe: true})},
			st: open, want: Admitted, role: RoleViewer, perms: Permissions(Subscribe), room: "r"},
		{name: "role: data only is a participant that sends data only", req: Request{Action: ActionJoin, Claims: tok("r", "v", token.Grants{PublishData: true})},
			st: open, want: Admitted, role: RoleParticipant, perms: Permissions(PublishData), room: "r"},
		{name: "role: subscribe and data is a participant without media", req: Request{Action: ActionJoin, Claims: tok("r", "v", token.Grants{Subscribe: true, PublishData: true, RoomCreate: true, RoomList: true})},
			st: open, want: Admitted, role: RoleParticipant, perms: Permissions(Subscribe | PublishData), room: "r"},

		// Resume: only one's own live session, never a new room.
		{name: "resume: admitted", req: Request{Action: ActionResume, Claims: tok("r", "alice", member)}, st: aliceIn,
			want: Admitted, role: RoleParticipant, perms: RoleParticipant.Permissions(), room: "r"},
		{name: "resume: admitted in a full room", req: Request{Action: ActionResume, Claims: tok("r", "alice", member)}, st: fullWithA,
			want: Admitted, role: RoleParticipant, perms: RoleParticipant.Permissions(), room: "r"},
		{name: "resume: identity absent", req: Request{Action: ActionResume, Claims: tok("r", "bob", member)}, st: open, err: ErrUnknownParticipant, room: "r"},
		{name: "resume: room missing, auto-create", req: Request{Action: ActionResume, Claims: tok("r", "alice", member)}, st: autoNew, err: ErrRoomNotFound, room: "r"},
		{name: "resume: closed", req: Request{Action: ActionResume, Claims: tok("r", "alice", member)}, st: closed, err: ErrRoomNotFound, room: "r"},
		{name: "resume: other owner", req: Request{Action: ActionResume, Claims: byOther(tok("r", "alice", member))}, st: aliceIn, err: ErrNotOwner, room: "r"},
		{name: "resume: no identity", req: Request{Action: ActionResume, Claims: tok("r", "", member)}, st: aliceIn, err: ErrNoIdentity, room: "r"},
		{name: "resume: no join grant", req: Request{Action: ActionResume, Claims: tok("r", "alice", admin)}, st: aliceIn, err: ErrPermissionDenied, room: "r"},

		// REST: create.
		{name: "create: admitted", req: Request{Action: ActionCreateRoom, Room: "r", Claims: tok("", "", creator)}, st: missing, want: Admitted, room: "r"},
		{name: "create: token for this room", req: Request{Action: ActionCreateRoom, Room: "r", Claims: tok("r", "", creator)}, st: missing, want: Admitted, room: "r"},
		{name: "create: exists, same owner", req: Request{Action: ActionCreateRoom, Room: "r", Claims: tok("", "", creator)}, st: open, want: Admitted, room: "r"},
		{name: "create: missing grant", req: Request{Action: ActionCreateRoom, Room: "r", Claims: tok("", "", token.Grants{RoomAdmin: true, RoomList: true})}, st: missing, err: ErrPermissionDenied, room: "r"},
		{name: "create: token for another room", req: Request{Action: ActionCreateRoom, Room: "r", Claims: tok("x", "", creator)}, st: missing, err: ErrOtherRoom, room: "r"},
		{name: "create: exists, other owner", req: Request{Action: ActionCreateRoom, Room: "r", Claims: tok("", "", creator)}, st: others, err: ErrNotOwner, room: "r"},
		{name: "create: no claims", req: Request{Action: ActionCreateRoom, Room: "r"}, st: missing, err: ErrPermissionDenied, room: "r"},

		// REST: list.
		{name: "list: admitted", req: Request{Action: ActionListRooms, Claims: tok("", "", lister)}, want: Admitted},
		{name: "list: missing grant", req: Request{Action: ActionListRooms, Claims: tok("", "", token.Grants{RoomAdmin: true, RoomCreate: true})}, err: ErrPermissionDenied},

		// REST: read (roomList or roomAdmin) and administer (roomAdmin).
		{name: "read: with roomList", req: Request{Action: ActionReadRoom, Room: "r", Claims: tok("", "", lister)}, st: open, want: Admitted, room: "r"},
		{name: "read: with roomAdmin", req: Request{Action: ActionReadRoom, Room: "r", Claims: tok("r", "", admin)}, st: open, want: Admitted, room: "r"},
		{name: "read: missing grant", req: Request{Action: ActionReadRoom, Room: "r", Claims: tok("", "", creator)}, st: open, err: ErrPermissionDenied, room: "r"},
		{name: "read: token for another room", req: Request{Action: ActionReadRoom, Room: "r", Claims: tok("x", "", lister)}, st: open, err: ErrOtherRoom, room: "r"},
		{name: "read: not found", req: Request{Action: ActionReadRoom, Room: "r", Claims: tok("", "", lister)}, st: missing, err: ErrRoomNotFound, room: "r"},
		{name: "read: other owner", req: Request{Action: ActionReadRoom, Room: "r", Claims: tok("", "", lister)}, st: others, err: ErrNotOwner, room: "r"},
		{name: "administer: admitted", req: Request{Action: ActionAdministerRoom, Room: "r", Claims: tok("", "", admin)}, st: open, want: Admitted, room: "r"},
		{name: "administer: roomList is not enough", req: Request{Action: ActionAdministerRoom, Room: "r", Claims: tok("", "", lister)}, st: open, err: ErrPermissionDenied, room: "r"},
		{name: "administer: missing grant", req: Request{Action: ActionAdministerRoom, Room: "r", Claims: tok("r", "alice", member)}, st: open, err: ErrPermissionDenied, room: "r"},
		{name: "administer: token for another room", req: Request{Action: ActionAdministerRoom, Room: "r", Claims: tok("x", "", admin)}, st: open, err: ErrOtherRoom, room: "r"},
		{name: "administer: not found", req: Request{Action: ActionAdministerRoom, Room: "r", Claims: tok("", "", admin)}, st: missing, err: ErrRoomNotFound, room: "r"},
		{name: "administer: other owner", req: Request{Action: ActionAdministerRoom, Room: "r", Claims: tok("", "", admin)}, st: others, err: ErrNotOwner, room: "r"},

		// Deny by default.
		{name: "unknown action", req: Request{Action: 0, Room: "r", Claims: tok("r", "alice", token.Grants{Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true, RoomCreate: true, RoomList: true})},
			st: open, err: ErrPermissionDenied, room: "r"},
		{name: "an action nobody defined", req: Request{Action: 200, Room: "r", Claims: tok("r", "alice", member)}, st: open, err: ErrPermissionDenied, room: "r"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(tt.req, tt.st)
			if d.Outcome != tt.want || !errors.Is(d.Err, tt.err) || (tt.err == nil) != (d.Err == nil) {
				t.Fatalf("decide = %v, %v; want %v, %v", d.Outcome, d.Err, tt.want, tt.err)
			}
			if d.Role != tt.role || d.Permissions != tt.perms {
				t.Errorf("role %q permissions %016b; want %q %016b", d.Role, d.Permissions, tt.role, tt.perms)
			}
			if d.Action != tt.req.Action || d.Room != tt.room {
				t.Errorf("decision for %v in %q; want %v in %q", d.Action, d.Room, tt.req.Action, tt.room)
			}
			if tt.req.Claims != nil {
				if d.Identity != Identity(tt.req.Claims.Subject) || d.Key != KeyID(tt.req.Claims.Issuer) {
					t.Errorf("identity %q key %q; want the token's %q %q", d.Identity, d.Key, tt.req.Claims.Subject, tt.req.Claims.Issuer)
				}
			}
			wantCode := ""
			if tt.err != nil {
				wantCode = Code(tt.err)
			}
			if d.Code() != wantCode {
				t.Errorf("code %q, want %q", d.Code(), wantCode)
			}
			if d.Outcome != Admitted && (d.Role != "" || d.Permissions != 0) {
				t.Errorf("a refusal carries role %q permissions %b", d.Role, d.Permissions)
			}
		})
	}
}

// TestRolePermissions pins each role's set: a host can do everything, a
// moderator all but ban, lock, end and change roles, a participant
// publish and chat, a viewer only watch.
func TestRolePermissions(t *testing.T) {
	base := Permissions(Subscribe)
	pub := base.With(PublishData | PublishAudio | PublishVideo | PublishScreen)
	for _, tt := range []struct {
		role Role
		want Permissions
	}{
		{RoleHost, pub.With(Admit | MuteOthers | Remove | Ban | Lock | EndMeeting | ChangeRoles | ShareInvite)},
		{RoleModerator, pub.With(Admit | MuteOthers | Remove | ShareInvite)},
		{RoleParticipant, pub},
		{RoleViewer, base},
		{Role("owner"), 0},
	} {
		if got := tt.role.Permissions(); got != tt.want {
			t.Errorf("%s: %016b, want %016b", tt.role, got, tt.want)
		}
	}
	if w := RoleViewer.Permissions().Wire(); w.Publish || !w.Subscribe || w.PublishData {
		t.Errorf("viewer on the wire: %+v", w)
	}
	if w := Permissions(PublishScreen).Wire(); !w.Publish || w.Subscribe || w.PublishData {
		t.Errorf("screen only on the wire: %+v", w)
	}
}

// TestDecidePolicy: the policy's part of the pure decision.
func TestDecidePolicy(t *testing.T) {
	c := &token.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "CKOWNER0000000", Subject: "alice"}, Room: "r",
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true}}
	plain := roomState{exists: true, owner: "CKOWNER0000000", max: 2}
	st := plain
	st.policyE2EE = true
	if d := decide(Request{Claims: c, Action: ActionJoin}, st); d.Outcome != Refused || d.Err != ErrPolicyE2EE {
		t.Fatalf("join of a plain room under require_e2ee: %v %v", d.Outcome, d.Err)
	}
	if d := decide(Request{Claims: c, Action: ActionResume}, func() roomState { s := st; s.identityIn = true; return s }()); d.Err != ErrPolicyE2EE {
		t.Fatalf("resume in a plain room under require_e2ee: %v", d.Err)
	}
	st = plain
	st.policyDeny = Permissions(PublishScreen | PublishData)
	d := decide(Request{Claims: c, Action: ActionJoin}, st)
	if d.Outcome != Admitted || d.Permissions.Has(PublishScreen) || d.Permissions.Has(PublishData) || !d.Permissions.Has(PublishVideo) {
		t.Fatalf("permissions under the policy: %v %b", d.Outcome, d.Permissions)
	}
}

// TestDecideMemberSkipsLobby: a join whose token carries the member
// claim skips the room's lobby when the policy's members_skip_lobby is
// on (LobbySkipped "member"), and waits when it is off; the password
// still applies to it; a guest without the claim waits either way; the
// lock, a ban and capacity still refuse a member first.
func TestDecideMemberSkipsLobby(t *testing.T) {
	const key KeyID = "US_OWNER"
	claims := func(member string) *token.Claims {
		return &token.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: string(key), Subject: "US_CAROL"}, Room: "r",
			Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true}, Invite: "MI_1", Member: member}
	}
	lobby := roomState{exists: true, owner: key, max: 5, count: 1, lobby: true, membersSkip: true}
	with := func(f func(*roomState)) roomState { st := lobby; f(&st); return st }
	for _, tt := range []struct {
		name    string
		c       *token.Claims
		st      roomState
		pw      bool // gives the room's password, matched
		want    Outcome
		err     error
		skipped string
	}{
		{"member skips", claims("US_CAROL"), lobby, false, Admitted, nil, "member"},
		{"member waits with the rule off", claims("US_CAROL"), with(func(s *roomState) { s.membersSkip = false }), false, WaitInLobby, nil, ""},
		{"guest waits", claims(""), lobby, false, WaitInLobby, nil, ""},
		{"member in a room without a lobby", claims("US_CAROL"), with(func(s *roomState) { s.lobby = false }), false, Admitted, nil, ""},
		{"member still gives the password", claims("US_CAROL"), with(func(s *roomState) { s.passwordHash = "h" }), false, PasswordRequired, ErrPasswordRequired, ""},
		{"member with the password", claims("US_CAROL"), with(func(s *roomState) { s.passwordHash = "h" }), true, Admitted, nil, "member"},
		{"member and the lock", claims("US_CAROL"), with(func(s *roomState) { s.locked = true }), false, Refused, ErrMeetingLocked, ""},
		{"member banned", claims("US_CAROL"), with(func(s *roomState) { s.banned = true }), false, Refused, ErrBanned, ""},
		{"member and a full room", claims("US_CAROL"), with(func(s *roomState) { s.count = 5 }), false, Refused, ErrRoomFull, ""},
		{"member revoked", claims("US_CAROL"), with(func(s *roomState) { s.revoked = true }), false, Refused, ErrTokenRevoked, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Action: ActionJoin, Claims: tt.c}
			if tt.pw {
				req.PasswordGiven, req.PasswordMatched = true, "h"
			}
			d := decide(req, tt.st)
			if d.Outcome != tt.want || !errors.Is(d.Err, tt.err) || (tt.err == nil) != (d.Err == nil) || d.LobbySkipped != tt.skipped {
				t.Fatalf("decide = %v, %v, skipped %q; want %v, %v, %q", d.Outcome, d.Err, d.LobbySkipped, tt.want, tt.err, tt.skipped)
			}
		})
	}
}
