package room

import "time"

// EventKind names what happened.
type EventKind uint8

// Event kinds. The fields of Event each kind sets are listed beside it.
const (
	// EventDecision: an access decision, admitted or refused (Decision).
	EventDecision EventKind = iota + 1
	// EventJoined: a participant is in (Participant). The participant's
	// own listener gets it first, with Others, before any other event of
	// the room reaches it.
	EventJoined
	// EventLeft: a participant is gone (Participant, Reason).
	EventLeft
	// EventUpdated: a participant's state changed (Participant).
	EventUpdated
	// EventTrackPublished: Participant published Track.
	EventTrackPublished
	// EventTrackUnpublished: Participant's Track (its ID) is gone.
	EventTrackUnpublished
	// EventTrackMuted: Track of Participant was muted or unmuted, by its
	// publisher or (ByHost) by the server; the publisher's own listener is
	// told of a host's change.
	EventTrackMuted
	// EventUnmuteRequested: Participant asks the host to lift the mute on
	// Track.
	EventUnmuteRequested
	// EventData: Participant sent Payload on Topic to Recipients (empty:
	// everyone else).
	EventData
	// EventRemoved: Participant is being taken out of the room (Reason):
	// removed, room deleted, server shutdown. Its session must close.
	EventRemoved
	// EventRoomCreated and EventRoomClosed: Room was created or closed
	// (Reason says why it closed).
	EventRoomCreated
	EventRoomClosed
	// EventE2EE: Participant sent an end-to-end encryption message (a key
	// package or an acknowledgement: opaque Payload) to Recipients (one).
	EventE2EE
	// EventSecurity: a security event (Security): outside any room (Room
	// empty) a sign-in, a lock, a change to an account's credentials or
	// sessions; in a room a role change, a removal, a lock, an end, a
	// refused action.
	EventSecurity
	// EventRoleChanged: Participant has a new role and permissions, given
	// by Actor ("": the room's owner through the REST API). The
	// participant's own listener gets it first.
	EventRoleChanged
	// EventMeetingLocked and EventMeetingUnlocked: Actor locked or
	// unlocked the meeting.
	EventMeetingLocked
	EventMeetingUnlocked
	// EventMeetingEnding: the meeting ends at EndsAt, Remaining from now
	// (its maximum duration).
	EventMeetingEnding
	// EventLobbyStatus: to a guest who waits, its place (Guest,
	// LobbyPosition) and whether anyone who may admit it is in
	// (LobbyHostPresent).
	EventLobbyStatus
	// EventLobbyGuest: Guest began to wait; to those who may admit.
	EventLobbyGuest
	// EventLobbyGuestLeft: Guest no longer waits (LobbyReason); to those
	// who may admit.
	EventLobbyGuestLeft
	// EventLobbyDenied: to the guest: it was refused (Err). Its session
	// must close.
	EventLobbyDenied
	// EventTrackStopped: the organisation's policy no longer allows
	// Participant's Track, which was stopped and unpublished (everyone got
	// EventTrackUnpublished); Err says why. Only its publisher's listener
	// is told.
	EventTrackStopped
	// EventLobbyChanged: Actor turned the room's lobby on or off
	// (LobbyOn); to everyone.
	EventLobbyChanged
)

var eventNames = [...]string{
	EventDecision: "decision", EventJoined: "joined", EventLeft: "left", EventUpdated: "updated",
	EventTrackPublished: "track_published", EventTrackUnpublished: "track_unpublished",
	EventTrackMuted: "track_muted", EventUnmuteRequested: "unmute_requested", EventData: "data",
	EventRemoved: "removed", EventRoomCreated: "room_created", EventRoomClosed: "room_closed",
	EventE2EE: "e2ee", EventSecurity: "security",
	EventRoleChanged: "role_changed", EventMeetingLocked: "meeting_locked", EventMeetingUnlocked: "meeting_unlocked",
	EventMeetingEnding: "meeting_ending",
	EventLobbyStatus:   "lobby_status", EventLobbyGuest: "lobby_guest", EventLobbyGuestLeft: "lobby_guest_left",
	EventLobbyDenied:  "lobby_denied",
	EventTrackStopped: "track_stopped", EventLobbyChanged: "lobby_changed",
}

func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return "unknown"
}

// Event is one thing that happened in a room: every decision and change
// leaves room as an Event. The zero value of a field means it does not
// apply to the kind.
type Event struct {
	Kind EventKind
	Time time.Time
	Room RoomName

	Participant ParticipantInfo
	// Others is set on a participant's own EventJoined: everyone else.
	Others []ParticipantInfo
	Track  TrackInfo
	ByHost bool
	Reason LeaveReason

	Topic      string
	Payload    []byte
	Recipients []ParticipantID
	// E2EE is set on a participant's own EventJoined when the room
	// requires end-to-end encryption.
	E2EE bool

	Decision *Decision
	Security *SecurityEvent

	// Actor is the participant who acted (a removal, a role change, a
	// lock); "" for the room's owner through the REST API, or the server.
	Actor ParticipantID
	// EndsAt and Remaining: when the meeting ends (EventMeetingEnding;
	// EndsAt also on a participant's own EventJoined, zero for never).
	EndsAt    time.Time
	Remaining time.Duration
	// Locked is set on a participant's own EventJoined when the meeting
	// is locked.
	Locked bool
	// LobbyOn is whether the room's lobby is on: on a participant's own
	// EventJoined, and EventLobbyChanged.
	LobbyOn bool
	// Lobby: Guest, its position and status, why it left, why it was
	// refused; Lobby on an admitter's own EventJoined: who waits. Err is
	// also why a track was stopped (EventTrackStopped): a refusal with
	// its stable code.
	Guest            *LobbyGuest
	LobbyPosition    int
	LobbyHostPresent bool
	LobbyReason      string
	Err              error
	Lobby            []LobbyGuest
}

// Listener receives events. OnEvent is called with the room's state
// settled and its lock held, so that every listener sees one room's events
// in the order they happened: it must not block and must not call back
// into the room (queue, and act elsewhere).
type Listener interface {
	OnEvent(Event)
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(Event)

// OnEvent calls f(e).
func (f ListenerFunc) OnEvent(e Event) { f(e) }
