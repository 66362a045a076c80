package room

import (
	"time"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/token"
)

// Rooms is what signaling and the REST API ask of the rooms: decisions,
// joins and administration. *Manager implements it for the rooms of one
// node; an implementation that spreads rooms over several nodes (through
// Redis) fits behind it without either caller changing. Neither caller
// decides anything itself.
type Rooms interface {
	// Decide answers a request (REST actions, resume) and records the
	// decision as an event.
	Decide(Request) Decision
	// Join decides on a join and, if admitted, adds the participant.
	Join(JoinRequest) (Member, Decision, error)
	Create(Spec) (Info, error)
	Get(RoomName) (Info, error)
	List(owner KeyID) []Info
	// The administrative actions name the room's owner, which they
	// check on the room they act on: a decision made for one room can
	// never act on another room that took its name meanwhile.
	Delete(RoomName, KeyID, LeaveReason) error
	Participants(RoomName, KeyID) ([]ParticipantInfo, error)
	// MediaStats is each participant's last media report (media.go).
	MediaStats(RoomName, KeyID) ([]ParticipantMedia, error)
	// The moderation actions of the REST API name the token that asks
	// (by), already admitted for ActionAdministerRoom: room decides whom
	// it acts as (restActorLocked, moderate.go). Remove takes an identity
	// out of a room and revokes its tokens for it; with a BanRequest it
	// bans the identity too, which needs the Ban permission (access.go).
	Remove(name RoomName, by *token.Claims, identity Identity, ban *BanRequest) error
	MuteTrack(name RoomName, by *token.Claims, identity Identity, track TrackID, muted bool) (TrackInfo, error)
	SetRole(name RoomName, by *token.Claims, identity Identity, role Role) (ParticipantInfo, error)
	SetLocked(name RoomName, by *token.Claims, locked bool) (Info, error)
	End(name RoomName, by *token.Claims, reason LeaveReason) error
	// ShareInvite decides whether by may create an invite to the room
	// giving role (invite.go), and returns the room.
	ShareInvite(name RoomName, by *token.Claims, role Role) (Info, error)
	// RevokeIdentity and RevokeToken revoke an owner's tokens: of an
	// identity (in one room, or every room for ""), or one by its jti;
	// Unban lifts a ban and Bans lists them. These are the owner's
	// (ActionManageAccess), whatever role a token's identity has.
	RevokeIdentity(KeyID, RoomName, Identity, string) error
	RevokeToken(owner KeyID, room RoomName, jti, by string) error
	Unban(KeyID, RoomName, Identity, string) error
	Bans(KeyID, RoomName) ([]BanInfo, error)
	// The lobby and the password (lobby.go): AdmitGuest admits (or
	// denies) a guest or all, SetPassword sets or clears the password,
	// as the REST token by acts; Lobby lists the guests waiting;
	// LeaveLobby takes out a guest whose session ended.
	AdmitGuest(name RoomName, by *token.Claims, admit bool, id LobbyID, all bool) error
	SetPassword(name RoomName, by *token.Claims, password string) (Info, error)
	// SetLobby turns the room's lobby on or off, as the REST token by
	// acts.
	SetLobby(name RoomName, by *token.Claims, on bool) (Info, error)
	Lobby(RoomName, KeyID) ([]LobbyGuest, error)
	LeaveLobby(RoomName, LobbyID)
	// Subscribe adds a listener of every event of every room.
	Subscribe(Listener) (unsubscribe func())
	// Security gives a security event from outside the rooms (accounts,
	// sign-in) to the same listeners, as an EventSecurity.
	Security(SecurityEvent)
}

// Member is one participant as its signaling session drives it.
type Member interface {
	ID() ParticipantID
	Info() ParticipantInfo
	Others() []ParticipantInfo
	Permissions() Permissions
	CanPublish() bool
	AttachMedia(Media)
	AnnounceTrack(cid string, kind TrackKind, source TrackSource, name string, encrypted bool) error
	Publish(id TrackID, cid string, kind TrackKind, mimeType string, recv *sfu.Receiver) (TrackInfo, error)
	Unpublish(TrackID)
	SetMuted(TrackID, bool) error
	RequestUnmute(TrackID) error
	SendData(to []ParticipantID, topic string, payload []byte) error
	SendE2EE(to ParticipantID, payload []byte) error
	ReportIdentityChanged(peer Identity, identityKey []byte) error
	// Meeting is the meeting's lock and end (zero: none), for a resumed
	// client's snapshot.
	Meeting() (locked bool, endsAt time.Time)
	// LobbyOn is whether the room's lobby is on, for the same snapshot.
	LobbyOn() bool
	// WaitingGuests is the room's lobby, for a resumed client's snapshot:
	// the guests waiting if the participant may admit them, else nil.
	WaitingGuests() []LobbyGuest
	// Resume decides a resume of this participant's session with the
	// token c (verified, its identity and room the participant's) from
	// the client address addr ("" if not known), and records its jti.
	Resume(c *token.Claims, addr string) error
	// Moderation: each is decided on the participant's role now.
	MayOffer() error
	MuteOther(target ParticipantID, track TrackID, muted bool) error
	RemoveOther(target ParticipantID, ban *BanRequest) error
	SetRole(target ParticipantID, role Role) error
	SetLocked(locked bool) error
	AdmitGuest(id LobbyID, all bool) error
	DenyGuest(id LobbyID, all bool) error
	SetPassword(password string) error
	SetLobby(on bool) error
	EndMeeting() error
	// ReportMedia records the participant's media figures and decides
	// on the room's bitrate cap (media.go).
	ReportMedia(MediaReport) MediaVerdict
	// SignalFlooded records that its signaling connection was cut off
	// for flooding (media.go).
	SignalFlooded(ip string)
	Leave(LeaveReason)
}

var (
	_ Rooms  = (*Manager)(nil)
	_ Member = (*Participant)(nil)
)
