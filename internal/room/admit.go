package room

import (
	"crypto/subtle"
	"errors"
	"time"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/token"
)

// Action is what a request asks to do.
type Action uint8

// Actions decided by Decide.
const (
	ActionJoin   Action = iota + 1 // enter a room as a new participant
	ActionResume                   // take over one's own session on a new connection
	ActionCreateRoom
	ActionListRooms
	ActionReadRoom       // read a room's state
	ActionAdministerRoom // delete it, list its participants; then remove, ban or mute as decideInRoom says
	// ActionManageAccess: revoke tokens, list bans, lift a ban, in a room
	// that need not exist now (records are the issuer's own).
	ActionManageAccess

	// Actions inside a room, by a participant (its role) or by the room's
	// owner through the REST API: decided by decideInRoom (moderate.go).
	ActionPublish    // publish a track of Request.Source
	ActionSendData   // send a chat or data message
	ActionMuteOther  // mute or unmute another participant's track
	ActionRemove     // remove a participant
	ActionSetRole    // give a participant another role
	ActionLock       // lock or unlock the meeting
	ActionEndMeeting // end the meeting for everyone
	ActionAdmitGuest // admit a guest from the lobby
	ActionDenyGuest  // refuse a guest in the lobby
	ActionSetPassword
	// ActionShareInvite: create an invite link giving Request.NewRole
	// (viewer or participant).
	ActionShareInvite
	// ActionSetLobby: turn the room's lobby on or off.
	ActionSetLobby
)

var actionNames = [...]string{
	ActionJoin: "join", ActionResume: "resume", ActionCreateRoom: "create_room",
	ActionListRooms: "list_rooms", ActionReadRoom: "read_room", ActionAdministerRoom: "administer_room",
	ActionManageAccess: "manage_access",
	ActionPublish:      "publish", ActionSendData: "send_data", ActionMuteOther: "mute_other",
	ActionRemove: "remove", ActionSetRole: "set_role", ActionLock: "lock", ActionEndMeeting: "end_meeting",
	ActionAdmitGuest: "admit_guest", ActionDenyGuest: "deny_guest", ActionSetPassword: "set_password",
	ActionShareInvite: "share_invite", ActionSetLobby: "set_lobby",
}

func (a Action) String() string {
	if int(a) < len(actionNames) && actionNames[a] != "" {
		return actionNames[a]
	}
	return "unknown"
}

// Outcome is what a Decision says.
type Outcome uint8

// Outcomes. Refused is the zero value: a Decision nobody filled in denies.
const (
	Refused Outcome = iota
	Admitted
	// WaitInLobby: the join waits in the room's lobby until someone
	// with the admit permission admits or denies it (lobby.go).
	// PasswordRequired: the join gave no password, or a wrong one (Err
	// says which). Every caller treats an outcome it does not handle as
	// a refusal.
	WaitInLobby
	PasswordRequired
)

var outcomeNames = [...]string{Refused: "refused", Admitted: "admitted", WaitInLobby: "lobby", PasswordRequired: "password_required"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Request asks for a decision: who (verified claims), what, and where.
type Request struct {
	Claims *token.Claims
	Action Action
	// Room is the room acted on. For ActionJoin and ActionResume it is
	// the token's room claim and may be left empty.
	Room RoomName
	// E2EE is a join's end-to-end encryption announcement, if any.
	E2EE *E2EEKeys
	// Addr is a join's client address (JoinRequest.Addr), "" when not
	// known; the Decision carries it into the record.
	Addr string

	// For an action inside a room (ActionPublish and after), Claims are
	// not used: Actor is who acts, as the room knows it now, so that a
	// role change takes effect on the next message.
	Actor Actor
	// Target is the role of the participant acted on ("": nobody in the
	// room has the id or identity named); Subject its identity.
	Target  Role
	Subject Identity
	// NewRole is the role ActionSetRole gives.
	NewRole Role
	// Ban: ActionRemove bans the identity too, which needs the Ban
	// permission as well as Remove.
	Ban bool
	// Source is what ActionPublish publishes.
	Source TrackSource
	// A join's password check, made before the decision (checkPassword,
	// lobby.go: argon2id is too slow to run under a room's lock):
	// PasswordGiven, the hash it matched (""), or how long its address or
	// the room must wait after wrong ones.
	PasswordGiven   bool
	PasswordMatched string
	PasswordWait    time.Duration
	// FromLobby: a host or moderator admits this join from the lobby,
	// where it already gave the password.
	FromLobby bool
	// Policy is the organisation's policy's answer to an action inside a
	// room (policy.go): a refusal comes first, whatever the role, so
	// that the reason given is the policy's and not a permission the
	// policy took away.
	Policy error
}

// Decision is the one answer to who gets in and what they may do.
type Decision struct {
	Action   Action
	Outcome  Outcome
	Room     RoomName
	Identity Identity
	Key      KeyID
	// Addr is the client address a join came from, when known (the
	// audit record's ip).
	Addr string
	// Role and Permissions are set when admitted to a room.
	Role        Role
	Permissions Permissions
	// Err is the refusal (an *Error), nil when admitted.
	Err error
	// Lobby names the guest's wait, for WaitInLobby.
	Lobby LobbyID
	// LobbySkipped says why an admitted join did not wait in the room's
	// lobby, which would have held it ("member": the policy's
	// members_skip_lobby); "" when it would not have waited anyway.
	LobbySkipped string
}

// Code is the refusal's stable code, "" when admitted.
func (d Decision) Code() string {
	if d.Outcome == Admitted {
		return ""
	}
	return Code(d.Err)
}

// roomState is what a decision needs to know of the room, read under the
// locks of whoever asks.
type roomState struct {
	exists     bool
	closed     bool
	owner      KeyID
	identityIn bool // a live participant holds the identity
	count, max int
	autoCreate bool
	// e2ee: the room requires end-to-end encryption (for a room a join
	// would create, the server default says).
	e2ee bool
	// policyE2EE: the organisation's policy requires end-to-end
	// encryption; policyDeny are the permissions it turns off.
	policyE2EE bool
	policyDeny Permissions
	// banned: a ban in force refuses this identity in this owner's room.
	banned bool
	// revoked: a revocation refuses the token (checked again here, under
	// the room's lock, after the verifier: see Access.Revoked).
	revoked bool
	// wasIn: the identity was a participant of the room at some time.
	wasIn bool
	// locked: a host locked the meeting; nobody new gets in.
	locked bool
	// inviteOnly: the room admits host tokens and invite tokens only.
	inviteOnly bool
	// role is the role the room last gave the identity, if any: it
	// replaces the one its token's grants give.
	role Role
	// passwordHash is the room's password hash ("": none); lobby whether
	// guests wait in its lobby; admitted whether a host already admitted
	// this identity in this room; lobbyFull whether the room's lobby, or
	// the server's, is full.
	passwordHash string
	lobby        bool
	admitted     bool
	lobbyFull    bool
	// membersSkip: the policy's members_skip_lobby; a join whose token
	// carries the member claim (the server's, for a signed-in member of
	// the organisation who redeemed an invite) does not wait.
	membersSkip bool
}

// decide is the admission policy: a pure function of the request and the
// room's state, so that signaling and the REST API get the same answer and
// a table test covers it. Deny by default: every path that admits says so.
func decide(req Request, st roomState) Decision {
	if req.Action.inRoom() {
		return decideInRoom(req)
	}
	c := req.Claims
	d := Decision{Action: req.Action, Room: req.Room, Addr: req.Addr}
	refuse := func(err error) Decision { d.Outcome, d.Err = Refused, err; return d }
	if c == nil {
		return refuse(ErrPermissionDenied)
	}
	d.Key, d.Identity = KeyID(c.Issuer), Identity(c.Subject)

	switch req.Action {
	case ActionJoin, ActionResume:
		d.Room = RoomName(c.Room)
		switch {
		case c.Subject == "":
			return refuse(ErrNoIdentity)
		case c.Room == "":
			return refuse(ErrNoRoom)
		case !c.Grants.Join():
			return refuse(ErrPermissionDenied)
		}
		switch {
		case !st.exists && req.Action == ActionJoin && st.autoCreate && !d.Key.Account() && c.Invite == "":
			// Join creates it, owned by this key. An account's rooms are
			// made by /v1/meetings only: a host token still valid after
			// its meeting ended must not bring the meeting back; nor does
			// a guest's token of an invite.
		case !st.exists, st.closed:
			return refuse(ErrRoomNotFound)
		case st.owner != d.Key:
			return refuse(ErrNotOwner)
		case st.banned:
			return refuse(ErrBanned)
		case st.revoked:
			return refuse(ErrTokenRevoked)
		case st.locked && req.Action == ActionJoin:
			// Whatever the token: a lock admits nobody new. A resume is
			// the same participant coming back, not someone new.
			return refuse(ErrMeetingLocked)
		case st.inviteOnly && !c.Grants.RoomAdmin && c.Invite == "":
			// The owner's host tokens (the issuer is the owner, checked
			// above) and its invites' guest tokens only; the verifier
			// accepts the invite claim from the server's key alone. A
			// resume is refused too: a token that could not join cannot
			// have a session to take over.
			return refuse(ErrInviteRequired)
		case req.Action == ActionResume:
			if !st.identityIn {
				return refuse(ErrUnknownParticipant)
			}
		case st.identityIn:
			return refuse(ErrIdentityInUse)
		case st.count >= st.max:
			return refuse(ErrRoomFull)
		}
		if st.policyE2EE && !st.e2ee {
			return refuse(ErrPolicyE2EE)
		}
		if st.banned {
			// A join that would create the room again.
			return refuse(ErrBanned)
		}
		if st.revoked {
			return refuse(ErrTokenRevoked)
		}
		if st.e2ee && req.Action == ActionJoin {
			// The session's keys were announced when it joined; a
			// resume keeps them.
			if req.E2EE == nil {
				return refuse(ErrE2EERequired)
			}
			a := e2ee.Announcement{IdentityKey: req.E2EE.IdentityKey, KEMKey: req.E2EE.KEMKey, Signature: req.E2EE.Signature}
			switch err := a.Verify(c.Room, c.Subject); {
			case err == nil:
			case a.CheckSizes() != nil:
				return refuse(ErrE2EESizes)
			case errors.Is(err, e2ee.ErrAnnouncementSignature):
				return refuse(ErrE2EEKeys)
			default:
				// Signed, but the KEM key does not parse.
				return refuse(ErrE2EEKEMKey)
			}
		}
		d.Role = roleFor(c.Grants)
		if st.role != "" {
			d.Role = st.role
		}
		d.Permissions = d.Role.Permissions() & grantMask(c.Grants) &^ st.policyDeny
		if req.Action == ActionJoin && d.Role.guest() && !req.FromLobby {
			// A guest: anyone who would join below moderator. It gives the
			// room's password first, then waits in the lobby.
			if st.passwordHash != "" {
				switch {
				case req.PasswordWait > 0:
					return refuse(errThrottled(req.PasswordWait))
				case subtle.ConstantTimeCompare([]byte(req.PasswordMatched), []byte(st.passwordHash)) != 1:
					d.Outcome, d.Err = PasswordRequired, ErrPasswordRequired
					if req.PasswordGiven {
						d.Err = ErrPasswordWrong
					}
					return d
				}
			}
			if st.lobby && !st.admitted && c.Member != "" && st.membersSkip {
				// A signed-in member of the organisation: the lobby is
				// for people without an account. The password above
				// still applied.
				d.Outcome, d.LobbySkipped = Admitted, "member"
				return d
			}
			if st.lobby && !st.admitted {
				if st.lobbyFull {
					return refuse(ErrLobbyFull)
				}
				d.Outcome = WaitInLobby
				return d
			}
		}
		d.Outcome = Admitted
		return d

	case ActionCreateRoom:
		if !c.Grants.RoomCreate {
			return refuse(ErrPermissionDenied)
		}
		if c.Room != "" && RoomName(c.Room) != req.Room {
			return refuse(ErrOtherRoom)
		}
		if st.exists && st.owner != d.Key {
			return refuse(ErrNotOwner)
		}
		d.Outcome = Admitted
		return d

	case ActionListRooms:
		if !c.Grants.RoomList {
			return refuse(ErrPermissionDenied)
		}
		d.Outcome = Admitted
		return d

	case ActionManageAccess:
		if !c.Grants.RoomAdmin {
			return refuse(ErrPermissionDenied)
		}
		if c.Room != "" && RoomName(c.Room) != req.Room {
			// A room-bound admin acts on its room only, never on all.
			return refuse(ErrOtherRoom)
		}
		if st.exists && st.owner == d.Key && (st.identityIn || st.wasIn || st.role != "") {
			// The token names a participant of the room (a host's join
			// token carries roomAdmin too): it acts as that participant,
			// never as the owner, and revocation, which reaches every
			// role, is the owner's alone. A host bans through removal,
			// on the rank rule.
			return refuse(ErrRoleDenied)
		}
		d.Outcome = Admitted
		return d

	case ActionReadRoom, ActionAdministerRoom:
		if !c.Grants.RoomAdmin && !(req.Action == ActionReadRoom && c.Grants.RoomList) {
			return refuse(ErrPermissionDenied)
		}
		switch {
		case c.Room != "" && RoomName(c.Room) != req.Room:
			return refuse(ErrOtherRoom)
		case !st.exists:
			return refuse(ErrRoomNotFound)
		case st.owner != d.Key:
			return refuse(ErrNotOwner)
		}
		d.Outcome = Admitted
		return d
	}
	return refuse(ErrPermissionDenied)
}

// roleFor is the role a join token's grants give: a token that may
// administer the room joins as its host, one that may publish media or
// data as a participant, any other as a viewer (receive only).
func roleFor(g token.Grants) Role {
	switch {
	case g.RoomAdmin:
		return RoleHost
	case g.Publish, g.PublishData:
		return RoleParticipant
	}
	return RoleViewer
}

// grantMask is every permission a token's grants allow; a role never
// gives more than its token does.
func grantMask(g token.Grants) Permissions {
	mask := Permissions(Admit | MuteOthers | Remove | Ban | Lock | EndMeeting | ChangeRoles | ShareInvite)
	if g.Publish {
		mask = mask.With(publishAll)
	}
	if g.Subscribe {
		mask = mask.With(Subscribe)
	}
	if g.PublishData {
		mask = mask.With(PublishData)
	}
	return mask
}

// Decide answers req and records the decision as an event. It is the
// read-only check of the REST API and of a resume; a join decides inside
// Join, atomically with taking its place.
func (m *Manager) Decide(req Request) Decision {
	m.mu.Lock()
	r := m.rooms[req.Room]
	if req.Action == ActionJoin || req.Action == ActionResume {
		if req.Claims != nil {
			r = m.rooms[RoomName(req.Claims.Room)]
		}
	}
	m.mu.Unlock()
	st := m.baseState()
	if r == nil {
		st.e2ee = m.defaultE2EE() == E2EERequired
		if req.Action == ActionJoin || req.Action == ActionResume {
			st.revoked = m.revoked(req.Claims)
		}
		st.lobby = req.Claims != nil && m.defaultLobby(KeyID(req.Claims.Issuer)) == LobbyOn
		d := decide(req, st)
		m.emitDecision(d)
		return d
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stateLocked(&st, req.Claims)
	d := decide(req, st)
	m.emitDecision(d)
	return d
}

func (m *Manager) emitDecision(d Decision) {
	m.publish(Event{Kind: EventDecision, Time: m.cfg.Now(), Room: d.Room, Decision: &d})
	m.refusalSecurity(d)
}

// refusalSecurity records a join or resume refused for a ban, or for a
// token revoked since the verifier passed it, as a security event,
// through the refusal throttle (refusals.go).
func (m *Manager) refusalSecurity(d Decision) {
	if d.Outcome == Admitted || (d.Action != ActionJoin && d.Action != ActionResume) {
		return
	}
	ev := SecurityEvent{Outcome: OutcomeRefused, Reason: d.Action.String(), Subject: string(d.Identity), IP: d.Addr}
	switch {
	case errors.Is(d.Err, ErrBanned):
		ev.Kind = SecurityBannedRefused
	case errors.Is(d.Err, ErrTokenRevoked):
		ev.Kind = SecurityRevokedTokenRefused
	default:
		return
	}
	m.SecurityRefused(d.Room, ev)
}

// stateLocked fills st from r. Called with r.mu held.
func (r *Room) stateLocked(st *roomState, c *token.Claims) {
	st.exists, st.closed, st.owner = true, r.closed, r.spec.Owner
	st.count, st.max = len(r.participants), r.spec.MaxParticipants
	st.e2ee = r.spec.E2EE == E2EERequired
	st.locked = r.locked
	st.passwordHash, st.lobby = r.spec.PasswordHash, r.spec.Lobby == LobbyOn
	st.lobbyFull = len(r.lobby) >= MaxLobbyPerRoom || r.manager.lobbyTotal.Load() >= MaxLobbyTotal
	st.inviteOnly = r.spec.InviteOnly
	if c != nil {
		_, st.identityIn = r.identities[Identity(c.Subject)]
		st.identityIn = st.identityIn || r.waiting(Identity(c.Subject)) != nil
		st.admitted = r.admitted[Identity(c.Subject)]
		st.banned = r.manager.banned(r.spec.Owner, r.spec.Name, Identity(c.Subject), r.createdAt)
		st.revoked = r.manager.revoked(c)
		st.role = r.roles[Identity(c.Subject)]
		_, st.wasIn = r.lastRole[Identity(c.Subject)]
	}
}

// now is the manager's clock, for events.
func (m *Manager) now() time.Time { return m.cfg.Now() }
