package client

import (
	"sync"
	"time"

	"github.com/conclave-video/conclave/protocol"
	"github.com/pion/webrtc/v4"
)

// Participant describes a participant in the room (the protocol's
// ParticipantInfo).
type Participant = protocol.ParticipantInfo

// TrackInfo describes a published track.
type TrackInfo = protocol.TrackInfo

// TrackSource says what a track carries (camera, microphone, screen, ...).
type TrackSource = protocol.TrackSource

// Track sources, re-exported for callers of Publish.
const (
	SourceCamera      = protocol.SourceCamera
	SourceMicrophone  = protocol.SourceMicrophone
	SourceScreen      = protocol.SourceScreen
	SourceScreenAudio = protocol.SourceScreenAudio
)

// Event is something the server told the client, delivered on Events(). It is
// one of the types below.
type Event interface{ isEvent() }

// ParticipantJoined: another participant joined the room.
type ParticipantJoined struct{ Participant Participant }

// ParticipantLeft: a participant left; Reason is one of the protocol's
// reasons (left, removed, connection_lost, ...).
type ParticipantLeft struct{ ParticipantID, Reason string }

// ParticipantUpdated: a participant's state changed (name, tracks, mutes).
// It is also sent for this client itself.
type ParticipantUpdated struct{ Participant Participant }

// TrackPublished: a participant published a track. Its media arrives later
// as TrackSubscribed, once the server has renegotiated the subscriber
// PeerConnection.
type TrackPublished struct {
	ParticipantID string
	Track         TrackInfo
}

// TrackUnpublished: a track is gone.
type TrackUnpublished struct{ ParticipantID, TrackID string }

// TrackSubscribed: media of a remote track is arriving. Read it from Remote
// (one goroutine per track); Track is what the server announced about it,
// or only ID, Kind and MimeType if the announcement has not arrived yet.
type TrackSubscribed struct {
	ParticipantID string
	Track         TrackInfo
	Remote        *webrtc.TrackRemote
	Receiver      *webrtc.RTPReceiver
}

// DataReceived: a data message from another participant. In a room that
// requires end-to-end encryption Payload is the opened plaintext, and E2EE
// is true: the message was sealed by From and nobody altered it.
type DataReceived struct {
	From, Topic string
	Payload     []byte
	E2EE        bool
}

// DataUndecryptable: in a room that requires end-to-end encryption, a data
// message from From that does not verify or open (a forgery, a sender whose
// keys do not verify, or one whose key has not arrived). Its content is not
// delivered; Err says why.
type DataUndecryptable struct {
	From, Topic string
	Err         error
}

// ParticipantUnverified: in a room that requires end-to-end encryption, a
// participant's announced keys do not verify (Err, usually
// e2ee.ErrAnnouncementSignature): the server, or someone, substituted them.
// It gets no key from this client and its media and messages are dropped;
// the safety code leaves it out, so it differs from the one it sees.
type ParticipantUnverified struct {
	ParticipantID, Identity string
	Err                     error
}

// MuteRequested: the host (a room admin, through the REST API) muted one of
// this client's tracks. The server has already stopped forwarding it; the
// application should stop capturing. Until the host lifts it (UnmuteAllowed)
// SetMuted(false) is refused with muted_by_host; RequestUnmute asks.
type MuteRequested struct{ TrackID string }

// UnmuteAllowed: the host lifted its mute on one of this client's tracks.
// The track is still muted; the application may now unmute it.
type UnmuteAllowed struct{ TrackID string }

// ErrorReceived: the server reported a problem with a message this client
// sent (for example permission_denied for a data message). Errors that end
// the session arrive as Disconnected instead.
type ErrorReceived struct{ Err *ServerError }

// BitrateLimited: this client publishes more, all its tracks together,
// than the room's max_publish_bitrate (error bitrate_limited). The
// application must lower its encoders so the total stays under MaxBitrate
// (bits per second; aim at about 90 %, headers and audio counted) within
// the server's grace period (rooms.bitrate_grace, 10 s by default), or be
// disconnected with Disconnected{Reason: "bitrate_exceeded"}. The client
// encodes nothing itself, so it cannot lower the rate for you. It arrives
// once per episode: after the rate went back under the cap, a new excess
// is reported again.
type BitrateLimited struct {
	MaxBitrate int64
	Message    string
}

// Reconnecting: the signaling connection dropped unexpectedly (a read error
// or no answer to pings) and the client is resuming the session on a new
// one. Media keeps flowing meanwhile. Err says what ended the connection.
// Reconnected or Disconnected{Reason: "connection_lost"} follows.
// WithoutResume turns this off.
type Reconnecting struct{ Err error }

// Reconnected: the session was resumed on a new signaling connection: same
// participant id, same PeerConnections and tracks. The participant list has
// been replaced by the server's snapshot; ParticipantJoined, ParticipantLeft
// (reason "left") and ParticipantUpdated events for the differences follow
// this event.
type Reconnected struct{}

// Disconnected is always the last event; the channel is closed after it.
// Reason is the server's leave reason, "left" after Leave or Close, or
// "connection_lost" when a dropped connection could not be resumed. Err is
// nil after Leave, Close or a leave message from the server, and says what
// went wrong otherwise (a *ServerError if the server sent one; with
// connection_lost, a *ServerError with code resume_failed when the server
// refused the resume).
type Disconnected struct {
	Reason string
	Err    error
}

// RoleChanged: a participant (this client too: compare with Self().ID) has
// a new role and permissions, applied by the server at once. By is the
// participant who changed it ("": the room's owner through the REST API).
// A participant demoted so it may no longer publish has had its tracks
// stopped by the server; TrackUnpublished events came first.
type RoleChanged struct {
	Participant Participant
	By          string
}

// LockChanged: the meeting was locked (nobody new is admitted) or
// unlocked, by By ("": the room's owner through the REST API).
type LockChanged struct {
	Locked bool
	By     string
}

// LobbyChanged: the room's lobby was turned on or off, by By ("": the
// room's owner through the REST API).
type LobbyChanged struct {
	On bool
	By string
}

// MeetingEnding: the meeting's maximum duration ends it at EndsAt,
// Remaining from when the server sent this (5 minutes and 1 minute
// before). At the end the client is disconnected with reason
// max_duration.
type MeetingEnding struct {
	EndsAt    time.Time
	Remaining time.Duration
}

func (RoleChanged) isEvent()           {}
func (LockChanged) isEvent()           {}
func (LobbyChanged) isEvent()          {}
func (MeetingEnding) isEvent()         {}
func (ParticipantJoined) isEvent()     {}
func (ParticipantLeft) isEvent()       {}
func (ParticipantUpdated) isEvent()    {}
func (TrackPublished) isEvent()        {}
func (TrackUnpublished) isEvent()      {}
func (TrackSubscribed) isEvent()       {}
func (DataReceived) isEvent()          {}
func (DataUndecryptable) isEvent()     {}
func (ParticipantUnverified) isEvent() {}
func (MuteRequested) isEvent()         {}
func (UnmuteAllowed) isEvent()         {}
func (ErrorReceived) isEvent()         {}
func (BitrateLimited) isEvent()        {}
func (Reconnecting) isEvent()          {}
func (Reconnected) isEvent()           {}
func (Disconnected) isEvent()          {}

// eventQueue is the bounded Events channel. Producers (the read loop and
// pion's OnTrack) never block: a full queue drops the event and counts it.
// The final Disconnected always gets in, displacing the oldest event if
// needed.
type eventQueue struct {
	ch      chan Event
	mu      sync.Mutex
	closed  bool
	dropped uint64
}

func newEventQueue(n int) *eventQueue {
	return &eventQueue{ch: make(chan Event, n)}
}

// push delivers ev without blocking; it reports false if ev was dropped.
func (q *eventQueue) push(ev Event) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	select {
	case q.ch <- ev:
		return true
	default:
		q.dropped++
		return false
	}
}

// close delivers last and closes the channel.
func (q *eventQueue) close(last Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	for {
		select {
		case q.ch <- last:
			close(q.ch)
			return
		default:
		}
		select {
		case <-q.ch: // make room: the final event matters more
			q.dropped++
		default:
		}
	}
}

func (q *eventQueue) droppedCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}
