// Package protocol is Conclave's signaling protocol as it travels: the
// typed, versioned JSON messages exchanged over the WebSocket at /v1/signal,
// their strict decoding, and the table of stable error codes shared with the
// REST API. The server (internal/signal) and the Go client SDK (client/)
// both speak it through this package; it has no server internals and its
// types are its own, separate from the server's room model.
//
// Every message is an Envelope {"v":1,"type":"…","data":{…}}. The payload type
// is chosen by Type; unknown types, unknown fields and oversize messages are
// refused with an Error carrying a stable code. docs/protocol.md documents
// every message with an example.
package protocol

import (
	"encoding/json"
	"time"
)

// Version is the protocol version carried in every envelope.
const Version = 1

// MaxMessageBytes bounds one signaling message (an SDP with many tracks stays
// well below it).
const MaxMessageBytes = 64 << 10

// MaxDataPayload bounds the payload of one data message.
const MaxDataPayload = 15 << 10

// MaxE2EEPayload bounds the payload of one e2ee message (a key package is
// 1,242 bytes; docs/e2ee.md).
const MaxE2EEPayload = 2 << 10

// Sizes of the keys in an E2EE announcement (docs/e2ee.md): an Ed25519
// identity key, an X-Wing KEM key and an Ed25519 signature.
const (
	E2EEIdentityKeySize = 32
	E2EEKEMKeySize      = 1216
	E2EESignatureSize   = 64
)

// Type names a message.
type Type string

// Client to server.
const (
	TypeJoin       Type = "join"
	TypeAddTrack   Type = "add_track"
	TypeRestartICE Type = "restart_ice"
	TypeLeave      Type = "leave"
	TypePing       Type = "ping"
)

// Server to client.
const (
	TypeJoined             Type = "joined"
	TypeParticipantJoined  Type = "participant_joined"
	TypeParticipantLeft    Type = "participant_left"
	TypeParticipantUpdated Type = "participant_updated"
	TypeTrackPublished     Type = "track_published"
	TypeTrackUnpublished   Type = "track_unpublished"
	TypePong               Type = "pong"
	TypeError              Type = "error"
)

// Both directions.
const (
	TypeOffer     Type = "offer"
	TypeAnswer    Type = "answer"
	TypeCandidate Type = "candidate"
	TypeMute      Type = "mute"
	TypeData      Type = "data"
	// TypeE2EE carries opaque end-to-end encryption bytes (key packages and
	// their acknowledgements) from one participant to another.
	TypeE2EE Type = "e2ee"
)

// Client to server, after joining.
const (
	// TypeUnmuteRequest asks the host to lift a mute it imposed.
	TypeUnmuteRequest Type = "unmute_request"
	// TypeE2EEIdentityChanged reports that a peer's identity key is not
	// the one this client knew (docs/e2ee.md): the server records a
	// security event, and answers only with an error.
	TypeE2EEIdentityChanged Type = "e2ee_identity_changed"
)

// Moderation, client to server: each is decided on the sender's role
// (docs/access.md). The server answers a refusal with an error
// (role_denied, role_rank, permission_denied, unknown_participant) and
// nothing on success: the change itself is announced to everyone.
const (
	TypeMuteTrack         Type = "mute_track"
	TypeRemoveParticipant Type = "remove_participant"
	TypeSetRole           Type = "set_role"
	TypeLockMeeting       Type = "lock_meeting"
	TypeEndMeeting        Type = "end_meeting"
)

// Moderation, server to client.
const (
	TypeRoleChanged   Type = "role_changed"
	TypeLockChanged   Type = "lock_changed"
	TypeMeetingEnding Type = "meeting_ending"
)

// Envelope is one message on the wire.
type Envelope struct {
	V    int             `json:"v"`
	Type Type            `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// PeerConnection names which of a participant's two PeerConnections an SDP or
// ICE message is for. The client offers on the publisher; the server offers on
// the subscriber.
type PeerConnection string

// The two PeerConnections.
const (
	Publisher  PeerConnection = "publisher"
	Subscriber PeerConnection = "subscriber"
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

// Permissions are what a participant may do in its room: its role's
// permission set, narrowed by its token's grants (docs/access.md). Publish
// is true when it may publish any media at all.
type Permissions struct {
	Publish       bool `json:"publish"`
	Subscribe     bool `json:"subscribe"`
	PublishData   bool `json:"publish_data"`
	PublishAudio  bool `json:"publish_audio,omitempty"`
	PublishVideo  bool `json:"publish_video,omitempty"`
	PublishScreen bool `json:"publish_screen,omitempty"`
	Admit         bool `json:"admit,omitempty"`
	MuteOthers    bool `json:"mute_others,omitempty"`
	Remove        bool `json:"remove,omitempty"`
	Ban           bool `json:"ban,omitempty"`
	Lock          bool `json:"lock,omitempty"`
	EndMeeting    bool `json:"end_meeting,omitempty"`
	ChangeRoles   bool `json:"change_roles,omitempty"`
	ShareInvite   bool `json:"share_invite,omitempty"`
}

// TrackInfo describes one published track.
type TrackInfo struct {
	ID string `json:"id"`
	// CID is the id the publisher gave the track in its SDP, so a publisher
	// can match its own tracks to the server's ids.
	CID      string      `json:"cid,omitempty"`
	Kind     TrackKind   `json:"kind"`
	Source   TrackSource `json:"source"`
	Name     string      `json:"name,omitempty"`
	MimeType string      `json:"mime_type"`
	Muted    bool        `json:"muted"`
	// MutedByHost is set while the server (the REST API, later a host or
	// moderator) holds the track muted: a lock its publisher cannot lift,
	// only ask to have lifted (UnmuteRequest).
	MutedByHost bool `json:"muted_by_host,omitempty"`
	// E2EE is set when the publisher announced the track as end-to-end
	// encrypted (AddTrack.E2EE).
	E2EE bool `json:"e2ee,omitempty"`
}

// Roles a participant can hold.
const (
	RoleHost        = "host"
	RoleModerator   = "moderator"
	RoleParticipant = "participant"
	RoleViewer      = "viewer"
)

// ParticipantInfo describes one participant.
type ParticipantInfo struct {
	ID          string      `json:"id"`
	Identity    string      `json:"identity"`
	Name        string      `json:"name,omitempty"`
	JoinedAt    int64       `json:"joined_at"`
	Role        string      `json:"role,omitempty"`
	Permissions Permissions `json:"permissions"`
	Tracks      []TrackInfo `json:"tracks"`
	// E2EE is the participant's announced keys, in a room that requires
	// end-to-end encryption.
	E2EE *E2EEKeys `json:"e2ee,omitempty"`
	// Member: a signed-in member of the organisation who came by an
	// invite (docs/access.md, "Lobby and password").
	Member bool `json:"member,omitempty"`
}

// E2EEKeys is a participant's end-to-end encryption announcement: its
// Ed25519 identity key, its X-Wing KEM key for this session, and the
// identity key's signature binding both to the room and the identity
// (docs/e2ee.md).
type E2EEKeys struct {
	IdentityKey []byte `json:"identity_key"`
	KEMKey      []byte `json:"kem_key"`
	Signature   []byte `json:"signature"`
}

// Join is the first message a client sends, within 5 s of connecting.
type Join struct {
	Token string `json:"token"`
	// Resume, when set, takes over this client's own session after its
	// signaling connection dropped: same participant, same PeerConnections.
	Resume *Resume `json:"resume,omitempty"`
	// E2EE announces the client's keys. A room that requires end-to-end
	// encryption refuses a join without it (e2ee_required).
	E2EE *E2EEKeys `json:"e2ee,omitempty"`
	// Password is the room's password, for a join the room asks it of
	// (password_required). It travels only here, never in a URL.
	Password string `json:"password,omitempty"`
}

// Resume names the session to take over and proves the right to.
type Resume struct {
	ParticipantID string `json:"participant_id"`
	Secret        string `json:"secret"`
}

// RestartICE asks the server to restart ICE on the subscriber
// PeerConnection (after a network change); the server answers with a new
// subscriber offer. The client restarts the publisher itself by offering
// with new ICE credentials.
type RestartICE struct{}

// AddTrack announces a track the client is about to publish. CID is the
// track id the client puts in its SDP (msid); the server uses it to give the
// track its source and name. Sending it is optional: without it a track's
// source is camera or microphone by kind.
type AddTrack struct {
	CID    string      `json:"cid"`
	Kind   TrackKind   `json:"kind"`
	Source TrackSource `json:"source"`
	Name   string      `json:"name,omitempty"`
	// E2EE declares that the track's frames are end-to-end encrypted. A
	// room that requires it refuses a track without it.
	E2EE bool `json:"e2ee,omitempty"`
}

// Leave ends the session. From the server it carries the reason.
type Leave struct {
	Reason string `json:"reason,omitempty"`
}

// Ping asks for a Pong echoing T.
type Ping struct {
	T int64 `json:"t"`
}

// Pong answers a Ping.
type Pong struct {
	T int64 `json:"t"`
}

// Joined confirms a join, or a resume.
type Joined struct {
	Room         string            `json:"room"`
	Participant  ParticipantInfo   `json:"participant"`
	Participants []ParticipantInfo `json:"participants"`
	// ResumeSecret lets this client take its session over after a dropped
	// connection (see Resume). It is valid while the session lives.
	ResumeSecret string `json:"resume_secret"`
	// Resumed is true when this joined answers a resume: the
	// PeerConnections are the ones the client already has.
	Resumed bool `json:"resumed,omitempty"`
	// E2EE is true when the room requires end-to-end encryption: the
	// client must encrypt every track and data message.
	E2EE bool `json:"e2ee,omitempty"`
	// Locked is true when the meeting is locked (nobody new gets in).
	Locked bool `json:"locked,omitempty"`
	// LobbyOn is true when guests wait in the room's lobby (set_lobby
	// changes it; lobby_changed tells everyone).
	LobbyOn bool `json:"lobby_on,omitempty"`
	// EndsAt is when the meeting's maximum duration ends it (Unix
	// seconds); 0 for never.
	EndsAt int64 `json:"ends_at,omitempty"`
	// Lobby lists the guests waiting, for a participant that may admit
	// them (the admit permission); later arrivals come as lobby_guest.
	Lobby []LobbyGuestInfo `json:"lobby,omitempty"`
}

// ParticipantJoined announces another participant.
type ParticipantJoined struct {
	Participant ParticipantInfo `json:"participant"`
}

// ParticipantLeft announces that a participant is gone.
type ParticipantLeft struct {
	ParticipantID string `json:"participant_id"`
	Reason        string `json:"reason"`
}

// ParticipantUpdated carries a participant's new state (name, tracks, mutes).
type ParticipantUpdated struct {
	Participant ParticipantInfo `json:"participant"`
}

// TrackPublished announces a new track of a participant.
type TrackPublished struct {
	ParticipantID string    `json:"participant_id"`
	Track         TrackInfo `json:"track"`
}

// TrackUnpublished announces that a track is gone.
type TrackUnpublished struct {
	ParticipantID string `json:"participant_id"`
	TrackID       string `json:"track_id"`
}

// SessionDescription is an SDP offer or answer for one PeerConnection.
type SessionDescription struct {
	PC  PeerConnection `json:"pc"`
	SDP string         `json:"sdp"`
}

// ICECandidate is a trickled candidate; the fields follow RTCIceCandidateInit.
type ICECandidate struct {
	PC               PeerConnection `json:"pc"`
	Candidate        string         `json:"candidate"`
	SDPMid           *string        `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16        `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string        `json:"usernameFragment,omitempty"`
}

// Mute from a client mutes or unmutes one of its own tracks. From the server
// it tells the publisher that a room admin muted its track; the server has
// already stopped forwarding it.
type Mute struct {
	TrackID string `json:"track_id"`
	Muted   bool   `json:"muted"`
}

// UnmuteRequest asks the host to lift the mute it holds on one of the
// client's tracks (TrackInfo.MutedByHost). The server answers only with an
// error (unknown_track); a host that grants it lifts the lock, and the
// publisher is then sent mute{muted:false} and may unmute itself.
type UnmuteRequest struct {
	TrackID string `json:"track_id"`
}

// E2EEIdentityChanged is a client's report that the peer Identity now
// announces IdentityKey (32 bytes), which is not the key the client knew
// for it. The server keeps the key's fingerprint in a security event
// (e2ee_identity_changed, severity high); nobody else is told.
type E2EEIdentityChanged struct {
	Identity    string `json:"identity"`
	IdentityKey []byte `json:"identity_key"`
}

// Data is an application message relayed by the server. From a client, To
// lists recipient participant ids (empty: everyone else). From the server,
// From names the sender.
type Data struct {
	From    string   `json:"from,omitempty"`
	To      []string `json:"to,omitempty"`
	Topic   string   `json:"topic,omitempty"`
	Payload []byte   `json:"payload"`
}

// E2EE is opaque end-to-end encryption bytes for one participant: a key
// package or an acknowledgement (docs/e2ee.md). From a client, To names the
// recipient; from the server, From names the sender. The server relays the
// payload as it is.
type E2EE struct {
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Payload []byte `json:"payload"`
}

// MuteTrack mutes (or lifts the mute on) another participant's track, as
// a host's mute: a lock its publisher cannot lift (Mute). It needs the
// mute_others permission and a target whose role is below the sender's.
type MuteTrack struct {
	ParticipantID string `json:"participant_id"`
	TrackID       string `json:"track_id"`
	Muted         bool   `json:"muted"`
}

// RemoveParticipant takes another participant out of the room: it gets
// leave{removed}, everyone else participant_left{removed}. Every token its
// identity holds for the room is revoked. With Ban, its future tokens
// are refused too, which needs the ban permission.
type RemoveParticipant struct {
	ParticipantID string     `json:"participant_id"`
	Ban           *BanOption `json:"ban,omitempty"`
}

// BanOption bans a removed participant's identity from the room.
type BanOption struct {
	// Duration is the ban's length in seconds, at most MaxBanSeconds; 0
	// or absent bans for the room's life.
	Duration int64 `json:"duration,omitempty"`
	// Reason is at most MaxBanReasonBytes, for the record.
	Reason string `json:"reason,omitempty"`
}

// SetRole gives another participant a role, at most the sender's own.
type SetRole struct {
	ParticipantID string `json:"participant_id"`
	Role          string `json:"role"`
}

// LockMeeting locks (nobody new is admitted) or unlocks the meeting.
type LockMeeting struct {
	Locked bool `json:"locked"`
}

// EndMeeting ends the meeting for everyone: each gets
// leave{meeting_ended}.
type EndMeeting struct{}

// RoleChanged tells everyone, the participant first, of a participant's
// new role and permissions, applied at once: a participant demoted so it
// may no longer publish has had its tracks stopped (track_unpublished
// came first). By is the participant who changed it ("": the room's owner
// through the REST API).
type RoleChanged struct {
	Participant ParticipantInfo `json:"participant"`
	By          string          `json:"by,omitempty"`
}

// LockChanged tells everyone the meeting was locked or unlocked, and by
// whom ("": the room's owner through the REST API).
type LockChanged struct {
	Locked bool   `json:"locked"`
	By     string `json:"by,omitempty"`
}

// MeetingEnding warns everyone that the meeting's maximum duration ends it
// at EndsAt (Unix seconds), SecondsLeft from now: 5 minutes and 1 minute
// before.
type MeetingEnding struct {
	EndsAt      int64 `json:"ends_at"`
	SecondsLeft int64 `json:"seconds_left"`
}

// Error reports a problem with a stable code (see Codes). MaxBitrate is
// set with CodeBitrateLimited only: the room's cap in bits per second,
// which everything the participant publishes together must stay under.
// RetryAfter is set with CodeRateLimited and CodeTooManyAttempts only,
// when the refusal has a known wait: the whole seconds (1 to
// MaxRetryAfterSeconds, rounded up) before trying again is worth it; 0 is
// none.
type Error struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	MaxBitrate int64  `json:"max_bitrate,omitempty"`
	RetryAfter int64  `json:"retry_after,omitempty"`
}

// RetryAfterSeconds is a wait as Error.RetryAfter carries it: whole
// seconds rounded up, at least 1 and at most MaxRetryAfterSeconds; 0 for
// no wait.
func RetryAfterSeconds(wait time.Duration) int64 {
	switch {
	case wait <= 0:
		return 0
	case wait >= MaxRetryAfterSeconds*time.Second:
		return MaxRetryAfterSeconds
	}
	return int64((wait + time.Second - 1) / time.Second)
}

// Reasons a participant left, carried in ParticipantLeft.Reason and Leave.Reason.
const (
	ReasonLeft           = "left"
	ReasonRemoved        = "removed"
	ReasonRoomDeleted    = "room_deleted"
	ReasonServerShutdown = "server_shutdown"
	ReasonConnectionLost = "connection_lost"
	ReasonResumed        = "resumed" // the session moved to a new connection
	ReasonError          = "error"
	ReasonMeetingEnded   = "meeting_ended" // a host (or the owner) ended the meeting for everyone
	ReasonMaxDuration    = "max_duration"  // the meeting reached its maximum duration
	// ReasonBitrateExceeded: the participant kept publishing above the
	// room's bitrate cap (CodeBitrateExceeded).
	ReasonBitrateExceeded = CodeBitrateExceeded
)
