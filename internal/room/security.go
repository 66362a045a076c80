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

// Security event kinds of roles and moderation inside a room (moderate.go;
// the Event carries the Room). Actor is the participant's identity, or
// "owner:KEY" for the room's owner through the REST API, "server" for a
// limit; Subject the identity acted on.
const (
	SecurityRoleChanged        SecurityKind = "role_changed"        // Reason: "old->new"
	SecurityParticipantRemoved SecurityKind = "participant_removed" // Reason: the leave reason
	SecurityMeetingLocked      SecurityKind = "meeting_locked"
	SecurityMeetingUnlocked    SecurityKind = "meeting_unlocked"
	SecurityMeetingEnded       SecurityKind = "meeting_ended"  // Reason: meeting_ended or max_duration
	SecurityActionRefused      SecurityKind = "action_refused" // Reason: "action: code"
)

var securityKinds = map[SecurityKind]bool{
	SecuritySigninSucceeded: true, SecuritySigninFailed: true, SecuritySigninThrottled: true,
	SecurityAccountLocked: true, SecuritySignedOut: true, SecuritySessionRevoked: true,
	SecurityPasswordChanged: true, SecurityPasswordReset: true, SecuritySecondFactorEnabled: true,
	SecuritySecondFactorDisabled: true, SecurityRecoveryCodesCreated: true, SecurityRecoveryCodeUsed: true,
	SecurityPasskeyAdded: true, SecurityPasskeyRenamed: true, SecurityPasskeyRemoved: true,
	SecurityUserCreated: true, SecurityUserInvited: true, SecurityInviteRedeemed: true,
	SecurityUserUpdated: true, SecuritySecondFactorReset: true, SecurityPersonalTokenCreated: true,
	SecurityPersonalTokenRevoked: true, SecurityCrossOriginRefused: true,
	SecurityInviteDeleted: true, SecurityAdminRefused: true,
	SecurityRoleChanged: true, SecurityParticipantRemoved: true, SecurityMeetingLocked: true,
	SecurityMeetingUnlocked: true, SecurityMeetingEnded: true, SecurityActionRefused: true,
}

// Known reports whether k is one of the kinds above (not SecurityUnknown).
func (k SecurityKind) Known() bool { return securityKinds[k] }

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
}
