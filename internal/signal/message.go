// Package signal owns Conclave's signaling protocol: the typed, versioned JSON
// messages exchanged over the WebSocket at /v1/signal, their strict decoding,
// and the per-connection session loop.
//
// Every message is an Envelope {"v":1,"type":"…","data":{…}}. The payload type
// is chosen by Type; unknown types, unknown fields and oversize messages are
// refused with an Error carrying a stable code. docs/protocol.md documents
// every message with an example.
package signal

import (
	"encoding/json"

	"github.com/conclave-video/conclave/internal/room"
)

// Version is the protocol version carried in every envelope.
const Version = 1

// MaxMessageBytes bounds one signaling message (an SDP with many tracks stays
// well below it).
const MaxMessageBytes = 64 << 10

// MaxDataPayload bounds the payload of one data message.
const MaxDataPayload = 15 << 10

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

// The participant and track descriptors are the room's own; the protocol
// carries them as they are.
type (
	TrackKind       = room.TrackKind
	TrackSource     = room.TrackSource
	Permissions     = room.Permissions
	TrackInfo       = room.TrackInfo
	ParticipantInfo = room.ParticipantInfo
)

// Track kinds and sources.
const (
	KindAudio         = room.KindAudio
	KindVideo         = room.KindVideo
	SourceCamera      = room.SourceCamera
	SourceMicrophone  = room.SourceMicrophone
	SourceScreen      = room.SourceScreen
	SourceScreenAudio = room.SourceScreenAudio
)

// Join is the first message a client sends, within 5 s of connecting.
type Join struct {
	Token string `json:"token"`
	// Resume, when set, takes over this client's own session after its
	// signaling connection dropped: same participant, same PeerConnections.
	Resume *Resume `json:"resume,omitempty"`
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

// Data is an application message relayed by the server. From a client, To
// lists recipient participant ids (empty: everyone else). From the server,
// From names the sender.
type Data struct {
	From    string   `json:"from,omitempty"`
	To      []string `json:"to,omitempty"`
	Topic   string   `json:"topic,omitempty"`
	Payload []byte   `json:"payload"`
}

// Error reports a problem with a stable code.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Stable error codes carried in Error.Code and in leave reasons.
const (
	CodeBadMessage         = "bad_message"
	CodeUnsupportedVersion = "unsupported_version"
	CodeUnknownType        = "unknown_type"
	CodeTooLarge           = "message_too_large"
	CodeRateLimited        = "rate_limited"
	CodeNotJoined          = "not_joined"
	CodeAlreadyJoined      = "already_joined"
	CodeJoinTimeout        = "join_timeout"
	CodeIdentityInUse      = "identity_in_use"
	CodeRoomFull           = "room_full"
	CodeRoomNotFound       = "room_not_found"
	CodePermissionDenied   = "permission_denied"
	CodeBadSDP             = "bad_sdp"
	CodeBadCandidate       = "bad_candidate"
	CodeUnknownTrack       = "unknown_track"
	CodeUnknownParticipant = "unknown_participant"
	CodeResumeFailed       = "resume_failed"
	CodeServerFull         = "server_full" // max_sessions reached, or evicted while unauthenticated
	CodeInternal           = "internal"
)

// Reasons a participant left, carried in ParticipantLeft.Reason and Leave.Reason.
const (
	ReasonLeft           = "left"
	ReasonRemoved        = "removed"
	ReasonRoomDeleted    = "room_deleted"
	ReasonServerShutdown = "server_shutdown"
	ReasonConnectionLost = "connection_lost"
	ReasonResumed        = "resumed" // the session moved to a new connection
	ReasonError          = "error"
)
