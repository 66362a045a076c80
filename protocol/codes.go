package protocol

import "net/http"

// Stable error codes, carried in Error.Code on the signaling WebSocket, in
// leave reasons, and in the REST API's {"error":{"code":…}} bodies. Never
// change or reuse one: clients branch on them. Codes lists every one with
// its HTTP status and where it appears; docs/protocol.md and docs/api.md
// are checked against that table by a test.
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
	CodeTooManyTracks      = "too_many_tracks"
	CodeMutedByHost        = "muted_by_host"
	CodeE2EERequired       = "e2ee_required"
	CodeE2EEKeys           = "e2ee_keys"
	CodeTrackNotEncrypted  = "track_not_encrypted"
	CodeDataNotEncrypted   = "data_not_encrypted"
	CodeE2EEOff            = "e2ee_off"
	CodeServerFull         = "server_full"
	// Media monitoring (docs/sfu.md, "Bitrate cap"): bitrate_limited is
	// an error message (the session goes on), bitrate_exceeded a leave
	// reason.
	CodeBitrateLimited  = "bitrate_limited"
	CodeBitrateExceeded = "bitrate_exceeded"
	// Roles and moderation (docs/access.md).
	CodeRoleDenied    = "role_denied"
	CodeRoleRank      = "role_rank"
	CodeMeetingLocked = "meeting_locked"
	CodeUnavailable   = "unavailable"
	CodeInternal      = "internal"

	// REST only.
	CodeUnauthenticated     = "unauthenticated"
	CodeInvalidArgument     = "invalid_argument"
	CodeRoomExists          = "room_exists"
	CodeParticipantNotFound = "participant_not_found"
	CodeTrackNotFound       = "track_not_found"
	CodeTooManyRooms        = "too_many_rooms"
	CodeBodyTooLarge        = "body_too_large"
	CodeNotFound            = "not_found"
	CodeMethodNotAllowed    = "method_not_allowed"

	// Token verification (internal/auth), on both surfaces.
	CodeTokenMalformed   = "token_malformed"
	CodeTokenAlgorithm   = "token_algorithm"
	CodeTokenSignature   = "token_signature"
	CodeTokenExpired     = "token_expired"
	CodeTokenNotYetValid = "token_not_yet_valid"
	CodeTokenAudience    = "token_audience"
	CodeTokenNoExpiry    = "token_no_expiry"
	CodeTokenLifetime    = "token_lifetime"
	CodeTokenUnknownKey  = "token_unknown_key"
	CodeTokenRevokedKey  = "token_revoked_key"
	CodeTokenRoom        = "token_room"
	CodeTokenIdentity    = "token_identity"
	// Personal API tokens (docs/accounts.md), on the REST API only.
	CodeTokenUnknown = "token_unknown"
	CodeTokenRevoked = "token_revoked"

	// Accounts and sign-in (docs/accounts.md), on the REST API only.
	CodeInvalidCredentials    = "invalid_credentials"
	CodeTooManyAttempts       = "too_many_attempts"
	CodeAccountDisabled       = "account_disabled"
	CodeSecondFactorRequired  = "second_factor_required"
	CodeTicketInvalid         = "ticket_invalid"
	CodeCrossOrigin           = "cross_origin"
	CodePasswordTooShort      = "password_too_short"
	CodePasswordTooLong       = "password_too_long"
	CodePasswordInvalidUTF8   = "password_invalid_utf8"
	CodePasswordCommon        = "password_common"
	CodePasswordContainsEmail = "password_contains_email"
	CodeTooManyTokens         = "too_many_tokens"
	CodePasskeyFailed         = "passkey_failed"
	CodePasskeysUnavailable   = "passkeys_unavailable"

	// Tokens the server signs itself for an account (the owner claim,
	// docs/tokens.md), on both surfaces; token_revoked too, for such a
	// token whose account is disabled.
	CodeTokenOwner = "token_owner"

	// Accounts administration, signup and password resets (/v1/users,
	// /v1/auth; docs/accounts.md), on the REST API only.
	CodeInviteInvalid  = "invite_invalid"   // 400: unknown, used, expired, or for another email
	CodeEmailTaken     = "email_taken"      // 409: an account has that email
	CodeSignupClosed   = "signup_closed"    // 403: no invite, and open signup is off
	CodeResetInvalid   = "reset_invalid"    // 400: the password reset link is unknown, used or expired
	CodeLastAdmin      = "last_admin"       // 409: the change would leave no active admin
	CodeTooManyInvites = "too_many_invites" // 409: accounts.MaxOutstandingInvites are unused and unexpired

	// The organisation's security policy (docs/policy.md).
	// policy_violation on both surfaces; the others on the REST API only.
	CodePolicyViolation = "policy_violation"         // 403: the policy forbids it, or a room setting would loosen it
	CodePolicyInvalid   = "policy_invalid"           // 400: the document is not a valid policy (line and reason)
	CodePolicyConflict  = "policy_conflict"          // 409: the policy changed since the version named
	CodeEmailDomain     = "email_domain_not_allowed" // 403: the email's domain is not in allowed_email_domains
	// Bans (docs/access.md): banned on both surfaces, ban_not_found on
	// the REST API only. A revoked token is token_revoked.
	CodeBanned      = "banned"
	CodeBanNotFound = "ban_not_found"
	// The room password and the lobby (docs/access.md, "Lobby and
	// password"): the password's codes on both surfaces (a join, an
	// invite's redemption), the lobby's on signaling but guest_not_found;
	// too_many_attempts is theirs too.
	CodePasswordRequired = "password_required"
	CodePasswordWrong    = "password_wrong"
	CodeLobbyDenied      = "lobby_denied"
	CodeLobbyFull        = "lobby_full"
	CodeLobbyTimeout     = "lobby_timeout"
	CodeGuestNotFound    = "guest_not_found"
	// Meeting invites (docs/access.md, "Invites"): invite_required on
	// both surfaces, the others on the REST API only.
	CodeInviteRequired        = "invite_required"          // 403: the room admits host and invite tokens only
	CodeInviteLinkInvalid     = "invite_link_invalid"      // 400: not an invite link this server signed, or unknown here
	CodeInviteExpired         = "invite_expired"           // 410: the invite's expiry has passed
	CodeInviteUsedUp          = "invite_used_up"           // 410: the invite was used as many times as it may be
	CodeInviteRevoked         = "invite_revoked"           // 410: the invite was revoked
	CodeInviteEmailDomain     = "invite_email_domain"      // 403: the email given is not at the invite's domain
	CodeTooManyMeetingInvites = "too_many_meeting_invites" // 409: the room has as many open invites as it may
	// A ban asked to revoke the invite of an identity that came by none
	// (docs/access.md, "Invites"): REST only.
	CodeNoInvite = "no_invite" // 409
	// The revocation list's caps (docs/access.md, "Limits"), on both
	// surfaces (a removal over signaling is a revocation too).
	CodeTooManyRevocations = "too_many_revocations" // 409
	CodeTooManyBans        = "too_many_bans"        // 409
	// The traffic defence (docs/security.md, "Brute force and floods"):
	// any HTTP request, the signaling upgrade included, before it is
	// served.
	CodeAddressBlocked     = "address_blocked"      // 429: the client's address is blocked after repeated failures
	CodeTooManyConnections = "too_many_connections" // 429: the client's address has as many open connections as it may
)

// Surface says where a code can appear.
type Surface uint8

// Surfaces, combinable.
const (
	Signal Surface = 1 << iota // an error message (or leave reason) on /v1/signal
	REST                       // an error body of the REST API
)

// CodeSpec is one row of the code table.
type CodeSpec struct {
	Code string
	// Status is the HTTP status the REST API answers with it (and the
	// signaling upgrade, for server_full); 0 when it never travels over HTTP.
	Status  int
	Surface Surface
	Meaning string
}

// Codes returns the table of every stable error code, in documentation
// order. It is the one place a code's status and meaning are defined.
func Codes() []CodeSpec {
	const both = Signal | REST
	return []CodeSpec{
		{CodeBadMessage, 0, Signal, "malformed JSON, unknown or repeated field, missing or invalid value"},
		{CodeUnsupportedVersion, 0, Signal, "`v` is not 1"},
		{CodeUnknownType, 0, Signal, "a type the client may not send (or not at this point)"},
		{CodeTooLarge, 0, Signal, "the message exceeds 64 KiB, or a data payload exceeds 15 KiB"},
		{CodeRateLimited, http.StatusTooManyRequests, Signal | REST, "too many messages (signaling: the message was dropped); a `join` refused because its identity joined too often (20 at once, then one every 3 s: `retry_after` says when to try again); too many removals, bans and revocations of one key or account, or too many redemptions of one meeting invite (REST: refused, `Retry-After` says when to try again)"},
		{CodeNotJoined, 0, Signal, "the first message was not `join`"},
		{CodeAlreadyJoined, 0, Signal, "`join` on a connection that has joined"},
		{CodeJoinTimeout, 0, Signal, "no `join` within the join timeout"},
		{CodeIdentityInUse, 0, Signal, "another live session holds this identity in the room"},
		{CodeRoomFull, http.StatusConflict, both, "the room has reached its participant limit, or the node hosts as many rooms as it may; on the REST API, admitting a guest from the lobby into a full room"},
		{CodeRoomNotFound, http.StatusNotFound, both, "the room does not exist (and is not auto-created) or was closed"},
		{CodePermissionDenied, http.StatusForbidden, both, "the token does not grant this (a grant, this room, a room of another API key)"},
		{CodeBadSDP, 0, Signal, "an offer or answer is empty, too large, or cannot be applied"},
		{CodeBadCandidate, 0, Signal, "a candidate is too large or cannot be added"},
		{CodeUnknownTrack, 0, Signal, "`mute` or `unmute_request` names a track the participant does not have"},
		{CodeUnknownParticipant, 0, Signal, "a `data` or `e2ee` recipient, or the peer an `e2ee_identity_changed` names, is not in the room"},
		{CodeResumeFailed, 0, Signal, "no session to resume: unknown, already ended, another identity or room, or a wrong secret; join afresh"},
		{CodeTooManyTracks, 0, Signal, "the participant already publishes 8 tracks, or has 16 `add_track` announcements waiting for their tracks (see Limits)"},
		{CodeMutedByHost, 0, Signal, "the track was muted by the host and only the host can lift that; send `unmute_request` to ask"},
		{CodeE2EERequired, 0, Signal, "the room requires end-to-end encryption and the `join` announced no `e2ee` keys"},
		{CodeE2EEKeys, 0, Signal, "the `join`'s `e2ee` announcement does not verify: its signature is not the identity key's over this room and identity, or its KEM key is not an X-Wing public key"},
		{CodeTrackNotEncrypted, 0, Signal, "the room requires end-to-end encryption and a track was published without `add_track.e2ee`, or in a codec other than VP8 or Opus; it is not forwarded"},
		{CodeDataNotEncrypted, 0, Signal, "the room requires end-to-end encryption and a `data` payload is not a sealed message (docs/e2ee.md)"},
		{CodeE2EEOff, 0, Signal, "an `e2ee` message or an `e2ee_identity_changed` report in a room that does not use end-to-end encryption, or to or from a participant without keys"},
		{CodeRoleDenied, http.StatusForbidden, both, "the participant's role does not allow this: a viewer publishing media or sending data, a participant muting, removing, locking, ending or changing roles (docs/access.md); on the REST API, a token whose identity is a participant of the room acts with that participant's role"},
		{CodeRoleRank, http.StatusForbidden, both, "the target's role is not below the actor's, or the role given is above the actor's: hosts are peers, and only the room's owner acts on a host"},
		{CodeMeetingLocked, 0, Signal, "the meeting is locked: nobody new is admitted, whatever their token, until a host unlocks it; a resume still works"},
		{CodeServerFull, 0, Signal, "the node has `signal.max_sessions` sessions, or this connection had not joined yet and was closed to make room for newer ones (`signal.max_unauthenticated`); try again later"},
		{CodeBitrateLimited, 0, Signal, "the participant publishes more than the room's `max_publish_bitrate`; the server has sent a REMB asking for less, and the client must lower its encoders' bitrate below the cap in the message, or be disconnected with `bitrate_exceeded`"},
		{CodeBitrateExceeded, 0, Signal, "leave reason: the participant kept publishing above the room's `max_publish_bitrate` for the grace period (`rooms.bitrate_grace`) after `bitrate_limited`"},
		{CodeUnavailable, http.StatusServiceUnavailable, both, "the server cannot store the change right now (disk full, database unavailable); nothing was changed; retry later"},
		{CodeInternal, http.StatusInternalServerError, both, "a server fault; the details are in the server log"},

		{CodeUnauthenticated, http.StatusUnauthorized, REST, "no bearer token, or no valid session cookie (none, expired or ended)"},
		{CodeInvalidArgument, http.StatusBadRequest, REST, "malformed body or an out-of-range value"},
		{CodeBodyTooLarge, http.StatusRequestEntityTooLarge, REST, "body over 64 KiB"},
		{CodeRoomExists, http.StatusConflict, REST, "a room with that name exists"},
		{CodeParticipantNotFound, http.StatusNotFound, REST, "no participant with that identity in the room"},
		{CodeTrackNotFound, http.StatusNotFound, REST, "no such track"},
		{CodeTooManyRooms, http.StatusServiceUnavailable, REST, "the node hosts `rooms.max_rooms` rooms already"},
		{CodeNotFound, http.StatusNotFound, REST, "no such endpoint under `/v1/`"},
		{CodeMethodNotAllowed, http.StatusMethodNotAllowed, REST, "the endpoint exists but not with this method (the `Allow` header lists the right ones)"},

		{CodeTokenMalformed, http.StatusUnauthorized, both, "not a well-formed Conclave JWT"},
		{CodeTokenAlgorithm, http.StatusUnauthorized, both, "`alg` is not `EdDSA`"},
		{CodeTokenSignature, http.StatusUnauthorized, both, "the signature does not verify"},
		{CodeTokenExpired, http.StatusUnauthorized, both, "now is past `exp`"},
		{CodeTokenNotYetValid, http.StatusUnauthorized, both, "now is before `nbf`, or `iat` is in the future"},
		{CodeTokenAudience, http.StatusUnauthorized, both, "`aud` does not include `conclave`"},
		{CodeTokenNoExpiry, http.StatusUnauthorized, both, "`exp` is missing"},
		{CodeTokenLifetime, http.StatusUnauthorized, both, "the token lives longer than the policy's `max_token_lifetime` (docs/policy.md)"},
		{CodeTokenUnknownKey, http.StatusUnauthorized, both, "`kid` names no API key"},
		{CodeTokenRevokedKey, http.StatusUnauthorized, both, "`kid` names a revoked API key"},
		{CodeTokenRoom, http.StatusUnauthorized, both, "the `room` claim is invalid"},
		{CodeTokenIdentity, http.StatusUnauthorized, both, "`sub` is missing or invalid"},
		{CodeTokenUnknown, http.StatusUnauthorized, REST, "no such personal API token (or its secret is wrong)"},
		{CodeTokenRevoked, http.StatusUnauthorized, both, "the token was revoked (by its `jti`, or every token of its identity issued until a removal or revocation, or the meeting invite a guest token was redeemed from), or the personal API token was revoked, or the account it (or a token the server issued for it) acts for is disabled"},
		{CodeTokenOwner, http.StatusUnauthorized, both, "the `owner` claim in a token not signed by the server's own key, a token of that key without it, or an `owner` that names no account or no room"},

		{CodeInvalidCredentials, http.StatusUnauthorized, REST, "the email and password do not match an account, or a second-step code is wrong"},
		{CodeTooManyAttempts, http.StatusTooManyRequests, both, "throttled or locked after failed attempts (sign-in; a room password from this address, by this identity or for this room; a meeting invite after failed guesses against it); `Retry-After` (REST) or `retry_after` (signaling) says when to try again"},
		{CodeAccountDisabled, http.StatusForbidden, REST, "the account is disabled"},
		{CodeSecondFactorRequired, http.StatusForbidden, REST, "the policy requires a second factor this account has not enrolled"},
		{CodeTicketInvalid, http.StatusUnauthorized, REST, "the sign-in ticket is unknown, used up or expired: sign in again"},
		{CodeCrossOrigin, http.StatusForbidden, REST, "a state-changing request authenticated by the session cookie came from another origin, or is not JSON"},
		{CodePasswordTooShort, http.StatusBadRequest, REST, "the new password has fewer than 12 characters"},
		{CodePasswordTooLong, http.StatusBadRequest, REST, "the new password has more than 256 characters"},
		{CodePasswordInvalidUTF8, http.StatusBadRequest, REST, "the new password is not valid UTF-8"},
		{CodePasswordCommon, http.StatusBadRequest, REST, "the new password is in the list of common passwords"},
		{CodePasswordContainsEmail, http.StatusBadRequest, REST, "the new password contains the local part of the account's email"},
		{CodePasskeyFailed, http.StatusBadRequest, REST, "the WebAuthn response does not verify, or the ceremony it answers is unknown, used or expired"},
		{CodePasskeysUnavailable, http.StatusNotImplemented, REST, "the server has no `public_url` (and is not in dev mode), so it has no relying party for passkeys"},
		{CodeTooManyTokens, http.StatusConflict, REST, "the account has as many active personal API tokens as it may (25)"},
		{CodeInviteInvalid, http.StatusBadRequest, REST, "the signup invite is unknown, used, expired, or for another email"},
		{CodeEmailTaken, http.StatusConflict, REST, "an account with that email exists"},
		{CodeSignupClosed, http.StatusForbidden, REST, "no invite was given and open signup is off"},
		{CodeResetInvalid, http.StatusBadRequest, REST, "the password reset link is unknown, used or expired"},
		{CodeLastAdmin, http.StatusConflict, REST, "the change would leave no active admin"},
		{CodeTooManyInvites, http.StatusConflict, REST, "1,000 signup invites are unused and unexpired: delete some first"},
		{CodePolicyViolation, http.StatusForbidden, both, "the organisation's policy forbids it (chat, data messages or screen sharing off; a room without end-to-end encryption where it is required; rooms created by admins only), or a room setting would loosen the policy"},
		{CodePolicyInvalid, http.StatusBadRequest, REST, "the document is not a valid policy; the message gives the line and the reason"},
		{CodePolicyConflict, http.StatusConflict, REST, "the policy changed since the version the change was based on: read it again"},
		{CodeEmailDomain, http.StatusForbidden, REST, "the email's domain is not one the policy's `allowed_email_domains` lists"},
		{CodeBanned, http.StatusForbidden, both, "the identity is banned from the room (until the ban ends, or for the room's life)"},
		{CodeBanNotFound, http.StatusNotFound, REST, "no ban of that identity in the room"},
		{CodePasswordRequired, http.StatusForbidden, both, "the room has a password and this guest must give it (`join.password`; `password` of an invite's redemption)"},
		{CodePasswordWrong, http.StatusForbidden, both, "the password given is not the room's; wrong attempts are throttled"},
		{CodeLobbyDenied, 0, Signal, "a host or moderator refused this guest in the lobby"},
		{CodeLobbyFull, 0, Signal, "the room's lobby, or the server's, holds as many guests as it may; try again later"},
		{CodeLobbyTimeout, 0, Signal, "nobody admitted this guest within the lobby's maximum wait"},
		{CodeGuestNotFound, http.StatusNotFound, both, "no guest with that id waits in the room's lobby"},
		{CodeInviteRequired, http.StatusForbidden, both, "the room requires an invite: it admits its owner's host tokens and the guest tokens of its invites only"},
		{CodeInviteLinkInvalid, http.StatusBadRequest, REST, "the meeting invite is not a link this server signed, or it is unknown here"},
		{CodeInviteExpired, http.StatusGone, REST, "the meeting invite has expired"},
		{CodeInviteUsedUp, http.StatusGone, REST, "the meeting invite was used as many times as it may be"},
		{CodeInviteRevoked, http.StatusGone, REST, "the meeting invite was revoked"},
		{CodeInviteEmailDomain, http.StatusForbidden, REST, "the email given is not at the domain the meeting invite is restricted to"},
		{CodeTooManyMeetingInvites, http.StatusConflict, REST, "the room has 100 invites that are neither revoked, used up nor expired: revoke some first"},
		{CodeNoInvite, http.StatusConflict, REST, "a ban with `revoke_invite` names an identity that did not come by an invite to the room; nothing was done"},
		{CodeTooManyRevocations, http.StatusConflict, both, "the key or account (100,000) or the room (10,000) has as many revocations in force as it may; nothing was recorded and nobody removed"},
		{CodeTooManyBans, http.StatusConflict, both, "the key or account (100,000) or the room (10,000) has as many bans in force as it may: lift some first; nothing was recorded and nobody removed"},
		{CodeAddressBlocked, http.StatusTooManyRequests, REST, "the client's address is blocked after repeated failures (sign-in, tokens, room passwords, invites); every request and the signaling upgrade are refused until `Retry-After` says"},
		{CodeTooManyConnections, http.StatusTooManyRequests, REST, "the client's address has `guard.max_connections_per_ip` requests and WebSocket connections open (behind a trusted proxy; without one, further connections are closed before TLS)"},
	}
}

// Lookup returns the table row of code.
func Lookup(code string) (CodeSpec, bool) {
	for _, c := range Codes() {
		if c.Code == code {
			return c, true
		}
	}
	return CodeSpec{}, false
}

// HTTPStatus is the REST status for code: its table status, or 500 for a
// code the table does not know.
func HTTPStatus(code string) int {
	if c, ok := Lookup(code); ok && c.Status != 0 {
		return c.Status
	}
	return http.StatusInternalServerError
}
