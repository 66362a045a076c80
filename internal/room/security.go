package room

// SecurityKind names a security event outside any room: a sign-in, a lock,
// a change to an account's credentials or sessions (docs/accounts.md,
// "Security events"). The set is closed: metrics label by it.
type SecurityKind string

// Security event kinds.
const (
	SecuritySigninSucceeded      SecurityKind = "signin_succeeded"
	SecuritySigninFailed         SecurityKind = "signin_failed"
	SecuritySigninThrottled      SecurityKind = "signin_throttled"
	SecurityAccountLocked        SecurityKind = "account_locked"
	SecuritySignedOut            SecurityKind = "signed_out"
	SecuritySessionRevoked       SecurityKind = "session_revoked"
	SecurityPasswordChanged      SecurityKind = "password_changed"
	SecurityPasswordReset        SecurityKind = "password_reset"
	SecuritySecondFactorEnabled  SecurityKind = "second_factor_enabled"
	SecuritySecondFactorDisabled SecurityKind = "second_factor_disabled"
	SecurityRecoveryCodesCreated SecurityKind = "recovery_codes_created"
	SecurityRecoveryCodeUsed     SecurityKind = "recovery_code_used"
	SecurityPasskeyAdded         SecurityKind = "passkey_added"
	SecurityPasskeyRenamed       SecurityKind = "passkey_renamed"
	SecurityPasskeyRemoved       SecurityKind = "passkey_removed"
	SecurityUserCreated          SecurityKind = "user_created"
	SecurityUserInvited          SecurityKind = "user_invited"
	SecurityInviteRedeemed       SecurityKind = "invite_redeemed"
	SecurityUserUpdated          SecurityKind = "user_updated"
	SecuritySecondFactorReset    SecurityKind = "second_factor_reset"
	SecurityPersonalTokenCreated SecurityKind = "personal_token_created"
	SecurityPersonalTokenRevoked SecurityKind = "personal_token_revoked"
	SecurityCrossOriginRefused   SecurityKind = "cross_origin_refused"
	SecurityUnknown              SecurityKind = "unknown"
)

// Security event kinds of administration: an invite deleted before use;
// a signed-in account that is not an admin refused on an admin endpoint.
const (
	SecurityInviteDeleted SecurityKind = "invite_deleted"
	SecurityAdminRefused  SecurityKind = "admin_refused"
)

// Security event kinds of the organisation's policy (docs/policy.md):
// a version applied, or refused (Outcome), with OldVersion and NewVersion;
// and what a version put in force did to the rooms already running
// (Actor "server"): a track it no longer allows stopped (Subject its
// publisher's identity, Reason "SOURCE TRACK"), a meeting's end brought
// forward to its max_meeting_duration (Reason the new end, RFC 3339).
const (
	SecurityPolicyChanged          SecurityKind = "policy_changed"
	SecurityPolicyTrackStopped     SecurityKind = "policy_track_stopped"
	SecurityPolicyMeetingShortened SecurityKind = "policy_meeting_shortened"
)

// Security event kinds of roles, moderation, removal, bans and revocation
// (moderate.go, access.go; docs/access.md). The Event carries the Room
// ("" for every room of the owner). Actor is who acted: a participant's
// identity, "owner:KEY" for the room's owner through the REST API,
// "server" for a limit; Subject the identity acted on.
// revoked_token_refused is a join, resume or REST call refused for a
// revoked token (Reason: the surface).
const (
	SecurityRoleChanged         SecurityKind = "role_changed"        // Reason: "old->new"
	SecurityParticipantRemoved  SecurityKind = "participant_removed" // Reason: removed, banned or revoked
	SecurityMeetingLocked       SecurityKind = "meeting_locked"
	SecurityMeetingUnlocked     SecurityKind = "meeting_unlocked"
	SecurityMeetingEnded        SecurityKind = "meeting_ended"  // Reason: meeting_ended or max_duration
	SecurityActionRefused       SecurityKind = "action_refused" // Reason: "action: code"
	SecurityTokensRevoked       SecurityKind = "identity_tokens_revoked"
	SecurityTokenRevoked        SecurityKind = "token_revoked"
	SecurityIdentityBanned      SecurityKind = "identity_banned"
	SecurityIdentityUnbanned    SecurityKind = "identity_unbanned"
	SecurityRevokedTokenRefused SecurityKind = "revoked_token_refused"
	SecurityBannedRefused       SecurityKind = "banned_refused"
)

// Security event kinds of the room password and the lobby (lobby.go;
// docs/access.md, "Lobby and password"). Subject is the identity, IP its
// address (password attempts); Actor who admitted, denied or set.
// lobby_denied's Reason: denied, timeout, locked, or a code.
const (
	SecurityRoomPasswordSet       SecurityKind = "room_password_set" // Reason: set or cleared
	SecurityRoomPasswordFailed    SecurityKind = "room_password_failed"
	SecurityRoomPasswordThrottled SecurityKind = "room_password_throttled"
	SecurityLobbyAdmitted         SecurityKind = "lobby_admitted"
	SecurityLobbyDenied           SecurityKind = "lobby_denied"
	// lobby_skipped: a join the room's lobby would have held went in
	// (Subject the identity, Reason why: "member", the policy's
	// members_skip_lobby). lobby_changed: Actor turned the room's lobby
	// on or off (Reason "on" or "off").
	SecurityLobbySkipped SecurityKind = "lobby_skipped"
	SecurityLobbyChanged SecurityKind = "lobby_changed"
	// join_throttled: a join refused because its identity joined too
	// often (joinlimit.go; Subject the identity, IP the address of the
	// first refusal in the interval, Reason rate_limited), through the
	// refusal throttle.
	SecurityJoinThrottled SecurityKind = "join_throttled"
)

// Security event kinds of meeting invites (docs/access.md, "Invites"):
// Subject is the invite's id; Actor who made or revoked it, or the new
// identity of the guest who redeemed it; Reason "ROOM ROLE", or for a
// refused redemption its code; Email the email a guest stated (never
// verified).
const (
	SecurityMeetingInviteCreated  SecurityKind = "meeting_invite_created"
	SecurityMeetingInviteRedeemed SecurityKind = "meeting_invite_redeemed" // Outcome refused: a refused redemption
	SecurityMeetingInviteRevoked  SecurityKind = "meeting_invite_revoked"
)

// Security event kinds of API keys, of addresses and accounts the guard
// blocks, and of end-to-end encryption:
//   - api_key_created, api_key_revoked: Subject the key's id, Actor
//     "operator" (the command line writes them to the audit log itself
//     when no server runs: they are then in the log, not on the stream).
//   - address_blocked, address_unblocked: IP the address; Reason how
//     long, or who unblocked. account_throttled: Subject the account
//     failed against from many addresses.
//   - e2ee_identity_changed: a client reported that a peer's identity
//     key is not the one it knew (Actor the reporter, Subject the peer,
//     Reason the new key's fingerprint as the client gave it).
const (
	SecurityAPIKeyCreated       SecurityKind = "api_key_created"
	SecurityAPIKeyRevoked       SecurityKind = "api_key_revoked"
	SecurityAddressBlocked      SecurityKind = "address_blocked"
	SecurityAddressUnblocked    SecurityKind = "address_unblocked"
	SecurityAccountThrottled    SecurityKind = "account_throttled"
	SecurityE2EEIdentityChanged SecurityKind = "e2ee_identity_changed"
	// admin_room_action: an admin of the organisation acted on a room
	// through the admin API (Actor the admin's account, Reason "end" or
	// "remove", and ": CODE" when refused; Subject the room ended or the
	// identity removed), after the room's own event (meeting_ended,
	// participant_removed), which names the room's owner.
	SecurityAdminRoomAction SecurityKind = "admin_room_action"
	// token_refused: a join token or API token refused for its own fault
	// (Reason "SURFACE: CODE", e.g. "rest: token_expired"); a revoked
	// one is revoked_token_refused.
	SecurityTokenRefused SecurityKind = "token_refused"
	// forwarded_for_refused: a request from a trusted proxy whose
	// X-Forwarded-For names no client address where the proxy appends
	// it (IP the proxy's address): a proxy misconfigured, or a client
	// trying to pass as another, and either way a 400 for every client
	// behind that proxy.
	SecurityForwardedForRefused SecurityKind = "forwarded_for_refused"
)

// Severity ranks a security event for those who watch (webhooks filter
// by it, metrics count by it). It is a fixed function of the kind
// (Severities; docs/webhooks.md lists them), never of the event, so a
// receiver can rely on it.
type Severity uint8

// Severities, lowest first.
const (
	SeverityInfo    Severity = iota + 1 // routine: a sign-in, a role given
	SeverityNotice                      // worth a look: a refusal, a credential changed
	SeverityWarning                     // possibly an attack: a lock, a throttle, a ban
	SeverityHigh                        // act now: a block, an identity key changed, a policy refused
)

var severityNames = [...]string{SeverityInfo: "info", SeverityNotice: "notice", SeverityWarning: "warning", SeverityHigh: "high"}

func (s Severity) String() string {
	if int(s) < len(severityNames) && severityNames[s] != "" {
		return severityNames[s]
	}
	return "unknown"
}

// ParseSeverity is the Severity named s ("info", "notice", "warning",
// "high").
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n != "" && n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// severities is the fixed table kind -> severity. Every known kind has
// one (a test checks); SecurityUnknown is a warning: something emitted
// a kind nobody listed.
var severities = map[SecurityKind]Severity{
	SecuritySigninSucceeded: SeverityInfo, SecuritySigninFailed: SeverityNotice,
	SecuritySigninThrottled: SeverityWarning, SecurityAccountLocked: SeverityWarning,
	SecuritySignedOut: SeverityInfo, SecuritySessionRevoked: SeverityNotice,
	SecurityPasswordChanged: SeverityNotice, SecurityPasswordReset: SeverityWarning,
	SecuritySecondFactorEnabled: SeverityNotice, SecuritySecondFactorDisabled: SeverityWarning,
	SecurityRecoveryCodesCreated: SeverityNotice, SecurityRecoveryCodeUsed: SeverityWarning,
	SecurityPasskeyAdded: SeverityNotice, SecurityPasskeyRenamed: SeverityInfo, SecurityPasskeyRemoved: SeverityNotice,
	SecurityUserCreated: SeverityNotice, SecurityUserInvited: SeverityInfo, SecurityInviteRedeemed: SeverityNotice,
	SecurityUserUpdated: SeverityNotice, SecuritySecondFactorReset: SeverityWarning,
	SecurityPersonalTokenCreated: SeverityNotice, SecurityPersonalTokenRevoked: SeverityNotice,
	SecurityCrossOriginRefused: SeverityWarning, SecurityUnknown: SeverityWarning,
	SecurityInviteDeleted: SeverityInfo, SecurityAdminRefused: SeverityWarning,
	SecurityPolicyChanged: SeverityWarning, SecurityPolicyTrackStopped: SeverityNotice,
	SecurityPolicyMeetingShortened: SeverityNotice,
	SecurityRoleChanged:            SeverityInfo, SecurityParticipantRemoved: SeverityNotice,
	SecurityMeetingLocked: SeverityInfo, SecurityMeetingUnlocked: SeverityInfo, SecurityMeetingEnded: SeverityInfo,
	SecurityActionRefused: SeverityNotice, SecurityTokensRevoked: SeverityNotice, SecurityTokenRevoked: SeverityNotice,
	SecurityIdentityBanned: SeverityWarning, SecurityIdentityUnbanned: SeverityNotice,
	SecurityRevokedTokenRefused: SeverityWarning, SecurityBannedRefused: SeverityWarning,
	SecurityRoomPasswordSet: SeverityInfo, SecurityRoomPasswordFailed: SeverityNotice,
	SecurityRoomPasswordThrottled: SeverityWarning, SecurityJoinThrottled: SeverityWarning,
	SecurityLobbyAdmitted: SeverityInfo, SecurityLobbyDenied: SeverityNotice, SecurityLobbySkipped: SeverityInfo,
	SecurityLobbyChanged:         SeverityInfo,
	SecurityMeetingInviteCreated: SeverityInfo, SecurityMeetingInviteRedeemed: SeverityInfo,
	SecurityMeetingInviteRevoked: SeverityInfo,
	SecurityAPIKeyCreated:        SeverityWarning, SecurityAPIKeyRevoked: SeverityNotice,
	SecurityAddressBlocked: SeverityHigh, SecurityAddressUnblocked: SeverityNotice,
	SecurityAccountThrottled: SeverityHigh, SecurityE2EEIdentityChanged: SeverityHigh,
	SecurityAdminRoomAction: SeverityWarning, SecurityTokenRefused: SeverityNotice, SecurityForwardedForRefused: SeverityWarning,
	SecurityBitrateLimited: SeverityNotice, SecurityBitrateExceeded: SeverityWarning, SecuritySignalFlood: SeverityWarning,
}

// Severity is k's severity (the table above); a kind outside it is a
// warning.
func (k SecurityKind) Severity() Severity {
	if s, ok := severities[k]; ok {
		return s
	}
	return SeverityWarning
}

// Kinds lists every known kind, for those that must enumerate them
// (docs, tests, configuration checks).
func Kinds() []SecurityKind {
	out := make([]SecurityKind, 0, len(securityKinds))
	for k := range securityKinds {
		out = append(out, k)
	}
	return out
}

var securityKinds = map[SecurityKind]bool{
	SecurityRoomPasswordSet: true, SecurityRoomPasswordFailed: true, SecurityRoomPasswordThrottled: true,
	SecurityLobbyAdmitted: true, SecurityLobbyDenied: true, SecurityLobbySkipped: true, SecurityLobbyChanged: true,
	SecurityJoinThrottled:        true,
	SecurityMeetingInviteCreated: true, SecurityMeetingInviteRedeemed: true, SecurityMeetingInviteRevoked: true,
	SecurityTokensRevoked: true, SecurityTokenRevoked: true,
	SecurityIdentityBanned: true, SecurityIdentityUnbanned: true, SecurityRevokedTokenRefused: true,
	SecurityBannedRefused:   true,
	SecuritySigninSucceeded: true, SecuritySigninFailed: true, SecuritySigninThrottled: true,
	SecurityAccountLocked: true, SecuritySignedOut: true, SecuritySessionRevoked: true,
	SecurityPasswordChanged: true, SecurityPasswordReset: true, SecuritySecondFactorEnabled: true,
	SecuritySecondFactorDisabled: true, SecurityRecoveryCodesCreated: true, SecurityRecoveryCodeUsed: true,
	SecurityPasskeyAdded: true, SecurityPasskeyRenamed: true, SecurityPasskeyRemoved: true,
	SecurityUserCreated: true, SecurityUserInvited: true, SecurityInviteRedeemed: true,
	SecurityUserUpdated: true, SecuritySecondFactorReset: true, SecurityPersonalTokenCreated: true,
	SecurityPersonalTokenRevoked: true, SecurityCrossOriginRefused: true,
	SecurityInviteDeleted: true, SecurityAdminRefused: true,
	SecurityPolicyChanged: true, SecurityPolicyTrackStopped: true, SecurityPolicyMeetingShortened: true,
	SecurityRoleChanged: true, SecurityParticipantRemoved: true, SecurityMeetingLocked: true,
	SecurityMeetingUnlocked: true, SecurityMeetingEnded: true, SecurityActionRefused: true,
	SecurityAPIKeyCreated: true, SecurityAPIKeyRevoked: true, SecurityAddressBlocked: true,
	SecurityAddressUnblocked: true, SecurityAccountThrottled: true, SecurityE2EEIdentityChanged: true,
	SecurityAdminRoomAction: true, SecurityTokenRefused: true, SecurityForwardedForRefused: true,
	SecurityBitrateLimited: true, SecurityBitrateExceeded: true, SecuritySignalFlood: true,
}

// Known reports whether k is one of the kinds above (not SecurityUnknown).
func (k SecurityKind) Known() bool { return securityKinds[k] }

// Severity is the event's severity: its kind's (SecurityKind.Severity).
func (e SecurityEvent) Severity() Severity { return e.Kind.Severity() }

// Security event outcomes.
const (
	OutcomeSucceeded = "succeeded" // the action was done
	OutcomeRefused   = "refused"   // the action was refused (a failure, a throttle, a lock)
)

// SecurityEvent is what happened, by whom, to whom and from where. It
// never holds a password, a code, a secret or a session id.
type SecurityEvent struct {
	Kind    SecurityKind
	Outcome string // OutcomeSucceeded or OutcomeRefused
	// Reason says why, for a refusal or where the kind has variants
	// (signin_failed: "password", "unknown_email", "totp", ...).
	Reason string
	// Actor is the account that acted ("" for nobody signed in,
	// "operator" for the command line); Subject the account acted on.
	Actor   string
	Subject string
	// Email is the email a sign-in attempt named, as given (trimmed and
	// lower-cased), whether or not an account has it.
	Email     string
	IP        string
	UserAgent string
	// OldVersion and NewVersion are a policy_changed event's: the policy
	// version in force before, and the one applied or refused (0: the
	// defaults, or a change refused before it had a number).
	OldVersion, NewVersion int64
	// Suppressed is, on a throttled refusal's summary (refusals.go), how
	// many events like this one were counted and not published in the
	// interval it closes; 0 on every other event.
	Suppressed int
}

// SeverityKnown reports whether k has its own entry in the severity
// table.
func SeverityKnown(k SecurityKind) bool { _, ok := severities[k]; return ok }
