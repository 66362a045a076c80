package room

import (
	"errors"

	"github.com/conclave-video/conclave/protocol"
)

// Error is a refusal with its stable code (protocol.Codes). The sentinels
// below are compared with errors.Is; Code and RESTCode give the wire codes.
type Error struct {
	code     string
	restCode string // when the REST API names it differently
	msg      string
}

func (e *Error) Error() string { return "room: " + e.msg }

// Message is the refusal as a client is told it.
func (e *Error) Message() string { return e.msg }

// Errors callers tell apart.
var (
	ErrIdentityInUse      = &Error{protocol.CodeIdentityInUse, "", "a participant with this identity is already in the room"}
	ErrRoomFull           = &Error{protocol.CodeRoomFull, "", "the room is full"}
	ErrRoomNotFound       = &Error{protocol.CodeRoomNotFound, "", "no such room"}
	ErrRoomExists         = &Error{protocol.CodeRoomExists, "", "a room with this name exists"}
	ErrTooManyRooms       = &Error{protocol.CodeRoomFull, protocol.CodeTooManyRooms, "the server hosts as many rooms as it may"}
	ErrRoomClosed         = &Error{protocol.CodeRoomNotFound, "", "the room was closed"}
	ErrNotOwner           = &Error{protocol.CodePermissionDenied, "", "the room belongs to another API key or account"}
	ErrOtherRoom          = &Error{protocol.CodePermissionDenied, "", "the token is for another room"}
	ErrNoRoom             = &Error{protocol.CodePermissionDenied, "", "a join token must name its room"}
	ErrNoIdentity         = &Error{protocol.CodePermissionDenied, "", "a join token must name an identity"}
	ErrPermissionDenied   = &Error{protocol.CodePermissionDenied, "", "the token does not grant this"}
	ErrUnknownTrack       = &Error{protocol.CodeUnknownTrack, protocol.CodeTrackNotFound, "no such track"}
	ErrUnknownParticipant = &Error{protocol.CodeUnknownParticipant, protocol.CodeParticipantNotFound, "no such participant in the room"}
	ErrTooManyTracks      = &Error{protocol.CodeTooManyTracks, "", "too many tracks"}
	ErrBadTrack           = &Error{protocol.CodeBadMessage, protocol.CodeInvalidArgument, "the track's source does not fit its kind"}
	ErrMutedByHost        = &Error{protocol.CodeMutedByHost, "", "the host muted this track; send unmute_request to ask for it to be lifted"}
	ErrE2EERequired       = &Error{protocol.CodeE2EERequired, "", "this room requires end-to-end encryption: join with e2ee keys"}
	ErrE2EEKeys           = &Error{protocol.CodeE2EEKeys, "", "the e2ee announcement's signature does not verify for this room and identity"}
	ErrE2EESizes          = &Error{protocol.CodeE2EEKeys, "", "the e2ee announcement's fields do not have their sizes (32, 1,216 and 64 bytes)"}
	ErrE2EEKEMKey         = &Error{protocol.CodeE2EEKeys, "", "the e2ee announcement's KEM key is not an X-Wing public key"}
	ErrTrackNotEncrypted  = &Error{protocol.CodeTrackNotEncrypted, "", "this room requires end-to-end encryption: announce the track with add_track e2ee=true"}
	ErrE2EECodec          = &Error{protocol.CodeTrackNotEncrypted, "", "end-to-end encrypted rooms carry VP8 video and Opus audio only"}
	ErrDataNotEncrypted   = &Error{protocol.CodeDataNotEncrypted, "", "this room requires end-to-end encryption: data payloads must be sealed"}
	ErrE2EEOff            = &Error{protocol.CodeE2EEOff, "", "the room does not use end-to-end encryption, or the recipient has no keys"}
	ErrBanned             = &Error{protocol.CodeBanned, "", "this identity is banned from the room"}
	ErrTokenRevoked       = &Error{protocol.CodeTokenRevoked, "", "this token was revoked"}
	// The revocation list's caps (docs/access.md, "Limits").
	ErrTooManyRevocations = &Error{protocol.CodeTooManyRevocations, "", "the key (or the room) has as many revocations in force as it may: nothing was recorded"}
	ErrTooManyBans        = &Error{protocol.CodeTooManyBans, "", "the key (or the room) has as many bans in force as it may: lift some first; nothing was recorded"}
	ErrBanNotFound        = &Error{protocol.CodeBanNotFound, "", "no ban of that identity in the room"}
	// Invites (docs/access.md, "Invites").
	ErrInviteRequired = &Error{protocol.CodeInviteRequired, "", "this meeting admits its hosts and the guests of its invites only: open an invite link"}
	ErrInviteRole     = &Error{protocol.CodeBadMessage, protocol.CodeInvalidArgument, "an invite gives the role viewer or participant"}
	ErrNoInvite       = &Error{protocol.CodeNoInvite, "", "the identity did not come by an invite to this room: ban it without revoke_invite"}
	// Refusals of the role decision (docs/access.md).
	ErrRoleDenied    = &Error{protocol.CodeRoleDenied, "", "your role in this meeting does not allow this"}
	ErrOutranked     = &Error{protocol.CodeRoleRank, "", "you can act only on participants whose role is below yours, and give only roles up to your own"}
	ErrMeetingLocked = &Error{protocol.CodeMeetingLocked, "", "the meeting is locked: nobody new is admitted until a host unlocks it"}
	ErrBadRole       = &Error{protocol.CodeBadMessage, protocol.CodeInvalidArgument, "role: host, moderator, participant or viewer"}
	// The room password and the lobby (lobby.go).
	ErrPasswordRequired = &Error{protocol.CodePasswordRequired, "", "this room has a password: join with it"}
	ErrPasswordWrong    = &Error{protocol.CodePasswordWrong, "", "that is not the room's password"}
	ErrBadPassword      = &Error{protocol.CodeBadMessage, protocol.CodeInvalidArgument, "password: 8 to 128 bytes of text without control characters"}
	ErrNoPasswords      = &Error{protocol.CodeInternal, "", "room passwords are not configured"}
	ErrPolicyPassword   = &Error{protocol.CodePolicyViolation, "", "the organisation's policy requires a password on every room open to guests"}
	ErrPolicyLobby      = &Error{protocol.CodePolicyViolation, "", "the organisation's policy requires a lobby for guests"}
	ErrLobbyDenied      = &Error{protocol.CodeLobbyDenied, "", "a host refused you entry"}
	ErrLobbyFull        = &Error{protocol.CodeLobbyFull, "", "too many guests are waiting; try again later"}
	ErrLobbyTimeout     = &Error{protocol.CodeLobbyTimeout, "", "nobody let you in within the time allowed"}
	ErrGuestNotFound    = &Error{protocol.CodeGuestNotFound, "", "no such guest waits in the lobby"}
	ErrWaitRevoked      = &Error{protocol.CodeTokenRevoked, "", "the token this guest waits with was revoked"}
	// ErrUnavailable: the change could not be stored, so it was not made.
	ErrUnavailable = &Error{protocol.CodeUnavailable, "", "the change could not be stored; try again later"}
)

// Code is err's stable signaling code: its *Error's code, or
// protocol.CodeInternal.
func Code(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.code
	}
	return protocol.CodeInternal
}

// RESTCode is err's stable code in the REST API.
func RESTCode(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		if e.restCode != "" {
			return e.restCode
		}
		return e.code
	}
	return protocol.CodeInternal
}

// Message is what a client is told about err: the *Error's message, or a
// generic one that leaks nothing internal.
func Message(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.msg
	}
	return "internal error"
}
