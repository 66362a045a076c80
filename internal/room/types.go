package room

import (
	"strings"

	"github.com/conclave-video/conclave/protocol"
)

// Names and ids that cross package boundaries are typed, so a participant
// id can never be passed where an identity is meant.
type (
	// RoomName is a room's name, unique on its node (token.ValidateRoom).
	RoomName string
	// Identity is a participant's identity: the join token's subject.
	Identity string
	// ParticipantID is the server's id for one participant's stay in a room.
	ParticipantID string
	// TrackID is the server's id for one published track.
	TrackID string
	// KeyID names who owns a room: the id of an API key (letters and
	// digits), or the user id ("US_…") of an account, whose personal API
	// tokens carry it as their issuer. A token acts on its issuer's rooms
	// only, so a key's tokens and an account's never reach each other's.
	KeyID string
	// LeaveReason says why a participant left (protocol.Reason*).
	LeaveReason string
)

// AccountPrefix starts the user id of an account; API key ids are letters
// and digits only, so no API key id can start with it. It is the store's
// UserOwnerPrefix (room does not import the store; a test in internal/auth
// checks that the two agree).
const AccountPrefix = "US_"

// Account reports whether k names an account rather than an API key.
func (k KeyID) Account() bool { return strings.HasPrefix(string(k), AccountPrefix) }

// Reasons a participant leaves: the wire's, typed.
const (
	ReasonLeft           LeaveReason = protocol.ReasonLeft
	ReasonRemoved        LeaveReason = protocol.ReasonRemoved
	ReasonRoomDeleted    LeaveReason = protocol.ReasonRoomDeleted
	ReasonServerShutdown LeaveReason = protocol.ReasonServerShutdown
	ReasonConnectionLost LeaveReason = protocol.ReasonConnectionLost
	ReasonError          LeaveReason = protocol.ReasonError
	ReasonMeetingEnded   LeaveReason = protocol.ReasonMeetingEnded
	ReasonMaxDuration    LeaveReason = protocol.ReasonMaxDuration
	// ReasonBitrateExceeded: the participant kept publishing above the
	// room's bitrate cap (media.go).
	ReasonBitrateExceeded LeaveReason = protocol.ReasonBitrateExceeded
	// ReasonEmptyTimeout closes a room nobody was in for its empty timeout.
	ReasonEmptyTimeout LeaveReason = "empty_timeout"
)

// TrackKind is "audio" or "video".
type TrackKind string

// Track kinds.
const (
	KindAudio TrackKind = "audio"
	KindVideo TrackKind = "video"
)

// TrackSource says what a track carries.
type TrackSource string

// Track sources.
const (
	SourceCamera      TrackSource = "camera"
	SourceMicrophone  TrackSource = "microphone"
	SourceScreen      TrackSource = "screen"
	SourceScreenAudio TrackSource = "screen_audio"
)

// Valid reports whether s is a known source that fits kind.
func (s TrackSource) Valid(kind TrackKind) bool {
	switch s {
	case SourceCamera, SourceScreen:
		return kind == KindVideo
	case SourceMicrophone, SourceScreenAudio:
		return kind == KindAudio
	}
	return false
}

// permission is what publishing from s requires.
func (s TrackSource) permission() Permission {
	switch s {
	case SourceCamera:
		return PublishVideo
	case SourceScreen, SourceScreenAudio:
		return PublishScreen
	}
	return PublishAudio
}

// TrackInfo describes one published track.
type TrackInfo struct {
	ID TrackID
	// CID is the id the publisher gave the track in its SDP, so a publisher
	// can match its own tracks to the server's ids.
	CID      string
	Kind     TrackKind
	Source   TrackSource
	Name     string
	MimeType string
	Muted    bool
	// MutedByHost: the server (the REST API; later a host or moderator)
	// muted the track, and its publisher cannot unmute it until that is
	// lifted.
	MutedByHost bool
	// E2EE: the publisher announced the track as end-to-end encrypted.
	E2EE bool
}

// ParticipantInfo describes one participant.
type ParticipantInfo struct {
	ID          ParticipantID
	Identity    Identity
	Name        string
	JoinedAt    int64 // Unix seconds
	Role        Role
	Permissions Permissions
	Tracks      []TrackInfo
	// E2EE is the participant's announced keys, kept in a room that
	// requires end-to-end encryption; nil elsewhere.
	E2EE *E2EEKeys
	// Member: a signed-in member of the organisation, who came by an
	// invite (its token's member claim, the server's alone).
	Member bool
	// Addr is the address the participant joined from (JoinRequest's).
	// It is never on the wire (Wire leaves it out): the admin API's
	// alone.
	Addr string
}

// E2EEKeys is a participant's end-to-end encryption announcement
// (docs/e2ee.md): keys the server relays and never uses.
type E2EEKeys struct {
	IdentityKey, KEMKey, Signature []byte
}

// Wire is the announcement as the protocol carries it.
func (k *E2EEKeys) Wire() *protocol.E2EEKeys {
	if k == nil {
		return nil
	}
	return &protocol.E2EEKeys{IdentityKey: k.IdentityKey, KEMKey: k.KEMKey, Signature: k.Signature}
}

// E2EEMode is whether a room requires end-to-end encryption.
type E2EEMode string

// E2EE modes. A Spec's "" takes the server default.
const (
	E2EERequired E2EEMode = "required"
	E2EEOff      E2EEMode = "off"
)

// Valid reports whether m is a mode ("" is not).
func (m E2EEMode) Valid() bool { return m == E2EERequired || m == E2EEOff }

// Wire is the track as the protocol carries it.
func (t TrackInfo) Wire() protocol.TrackInfo {
	return protocol.TrackInfo{
		ID: string(t.ID), CID: t.CID, Kind: protocol.TrackKind(t.Kind), Source: protocol.TrackSource(t.Source),
		Name: t.Name, MimeType: t.MimeType, Muted: t.Muted, MutedByHost: t.MutedByHost, E2EE: t.E2EE,
	}
}

// Wire is the participant as the protocol (and the REST API) carries it.
func (p ParticipantInfo) Wire() protocol.ParticipantInfo {
	w := protocol.ParticipantInfo{
		ID: string(p.ID), Identity: string(p.Identity), Name: p.Name, JoinedAt: p.JoinedAt,
		Role:        string(p.Role),
		Permissions: p.Permissions.Wire(),
		Tracks:      make([]protocol.TrackInfo, len(p.Tracks)),
		E2EE:        p.E2EE.Wire(),
		Member:      p.Member,
	}
	for i, t := range p.Tracks {
		w.Tracks[i] = t.Wire()
	}
	return w
}

// WireParticipants converts a list for the wire.
func WireParticipants(ps []ParticipantInfo) []protocol.ParticipantInfo {
	out := make([]protocol.ParticipantInfo, len(ps))
	for i, p := range ps {
		out[i] = p.Wire()
	}
	return out
}

// Permission is one thing a participant may do in a room.
type Permission uint16

// Permissions a role can hold. Every signaling message and REST action
// that needs one is checked by the decision (decide, moderate.go).
const (
	Subscribe     Permission = 1 << iota // receive others' media
	PublishAudio                         // publish a microphone
	PublishVideo                         // publish a camera
	PublishScreen                        // share a screen (video and its audio)
	PublishData                          // send chat and data messages
	Admit                                // admit or deny lobby guests
	MuteOthers                           // mute another participant's track
	Remove                               // remove a participant
	Ban                                  // ban an identity from the room
	Lock                                 // lock and unlock the room
	EndMeeting                           // end the meeting for everyone
	ChangeRoles                          // give others a role
	ShareInvite                          // create invite links
)

// Permissions is a set of Permission.
type Permissions uint16

// Has reports whether every permission in p is in the set.
func (s Permissions) Has(p Permission) bool { return Permission(s)&p == p }

// With returns the set with p added.
func (s Permissions) With(p Permission) Permissions { return s | Permissions(p) }

// Wire is the set as the protocol carries it. publish is true when the
// participant may publish anything at all.
func (s Permissions) Wire() protocol.Permissions {
	return protocol.Permissions{
		Publish:       Permission(s)&(PublishAudio|PublishVideo|PublishScreen) != 0,
		PublishAudio:  s.Has(PublishAudio),
		PublishVideo:  s.Has(PublishVideo),
		PublishScreen: s.Has(PublishScreen),
		Subscribe:     s.Has(Subscribe),
		PublishData:   s.Has(PublishData),
		Admit:         s.Has(Admit),
		MuteOthers:    s.Has(MuteOthers),
		Remove:        s.Has(Remove),
		Ban:           s.Has(Ban),
		Lock:          s.Has(Lock),
		EndMeeting:    s.Has(EndMeeting),
		ChangeRoles:   s.Has(ChangeRoles),
		ShareInvite:   s.Has(ShareInvite),
	}
}

// Role is a participant's standing in its room.
type Role string

// Roles, from most to least powerful.
const (
	RoleHost        Role = protocol.RoleHost
	RoleModerator   Role = protocol.RoleModerator
	RoleParticipant Role = protocol.RoleParticipant
	RoleViewer      Role = protocol.RoleViewer
)

const publishAll = PublishAudio | PublishVideo | PublishScreen

// Permissions is everything the role allows. A participant's effective
// permissions are its role's, narrowed by its token's grants. A viewer
// receives only: it publishes no media and sends no chat or data.
func (r Role) Permissions() Permissions {
	speak := Subscribe | PublishData | publishAll
	switch r {
	case RoleHost:
		return Permissions(speak | Admit | MuteOthers | Remove | Ban | Lock | EndMeeting | ChangeRoles | ShareInvite)
	case RoleModerator:
		return Permissions(speak | Admit | MuteOthers | Remove | ShareInvite)
	case RoleParticipant:
		return Permissions(speak)
	case RoleViewer:
		return Permissions(Subscribe)
	}
	return 0
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// rank orders the roles: an actor acts only on roles strictly below its
// own (docs/access.md). 0 is no role.
func (r Role) rank() int {
	switch r {
	case RoleHost:
		return 4
	case RoleModerator:
		return 3
	case RoleParticipant:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}
