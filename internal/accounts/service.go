// Package accounts serves sign-in to Conclave itself under /v1/auth
// (docs/accounts.md): password sign-in with throttling and locks, the
// second step (TOTP or a recovery code) redeemed with a sign-in ticket,
// the session cookie and its middleware, cross-origin protection, and the
// signed-in account's own settings (password, TOTP, recovery codes,
// sessions). Every security decision is published as a security event.
package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// Error codes of /v1/auth (docs/accounts.md, "Error codes"), besides the
// REST API's own (invalid_argument, unauthenticated, not_found, ...).
const (
	CodeInvalidCredentials   = protocol.CodeInvalidCredentials
	CodeTooManyAttempts      = protocol.CodeTooManyAttempts
	CodeAccountDisabled      = protocol.CodeAccountDisabled
	CodeSecondFactorRequired = protocol.CodeSecondFactorRequired
	CodeTicketInvalid        = protocol.CodeTicketInvalid
	CodeCrossOrigin          = protocol.CodeCrossOrigin
)

// Limits of the service.
const (
	// MaxBodyBytes bounds every request body (the REST API's limit).
	MaxBodyBytes = httpapi.MaxBodyBytes
	// HashWait is the longest a request waits for its turn to hash a
	// password before it is answered 503 unavailable.
	HashWait = 10 * time.Second
	// TouchInterval: a session's LastSeenAt is written at most this often.
	TouchInterval = time.Minute
	// MaxDisplayNameLen is the longest display name, in code points.
	MaxDisplayNameLen = 100
	// MaxUserAgentLen is how many bytes of a User-Agent are kept.
	MaxUserAgentLen = 512
	// RecoveryCodeCount is how many recovery codes are made at once.
	RecoveryCodeCount = 10
	// TOTPIssuer names Conclave in authenticator apps.
	TOTPIssuer = "Conclave"
)

// Events publishes security events: implemented by room.Rooms.
type Events interface {
	Security(room.SecurityEvent)
}

// Config wires the service.
type Config struct {
	Store  store.Accounts
	Hasher *auth.Hasher
	// Tracker counts failures of addresses and unknown emails; its policy
	// is the policy of accounts too, so that both are counted alike.
	Tracker *guard.SigninTracker
	// Accounts is the configuration: session timeouts (the lock
	// duration is the Tracker's policy's LockFor). Its signup and
	// require_second_factor seed the policy when Policy is nil.
	Accounts config.Accounts
	// Policy is the organisation's security policy in force
	// (docs/policy.md): signup, allowed email domains, the second factor
	// requirement, who may create meetings, the host token's lifetime.
	// PUT /v1/policy installs new versions in it. Nil: the defaults
	// seeded from Accounts and JoinTokenMaxLifetime.
	Events Events
	Policy *policy.Holder
	// Policies stores the policy's versions; nil: /v1/policy is not
	// served.
	Policies store.Policies
	// Passkeys runs the WebAuthn ceremonies; nil when the server has no
	// relying party (no public_url outside dev mode): the passkey
	// endpoints then answer 501 passkeys_unavailable.
	Passkeys *auth.Passkeys
	Logger   *slog.Logger
	// Now is the clock (nil: time.Now); it must be the Tracker's too.
	Now func() time.Time

	// Meetings (meetings.go): Rooms, ServerKey and Verifier all three, or
	// none (then /v1/meetings is not served). Rooms holds the meetings and
	// decides on them; ServerKey signs the hosts' join tokens; Verifier
	// checks personal API tokens (Bearer cvt_…). JoinTokenMaxLifetime is
	// tokens.max_lifetime: a host token lives no longer (nor longer than
	// Accounts.TokenMaxLifetime).
	Rooms                room.Rooms
	ServerKey            token.Key
	Verifier             httpapi.TokenVerifier
	JoinTokenMaxLifetime time.Duration

	// Meeting invites (invites.go), with the meetings' three: nil, and
	// invites are not served. RoomPasswords checks a room's password at
	// redemption; nil: rooms have none.
	Invites       store.MeetingInvites
	RoomPasswords RoomPasswords

	// Blocks are the traffic defence's blocks (blocks.go): nil, and
	// /v1/blocks is not served and no account is throttled.
	Blocks Blocks
	// InviteLimits limits the redemptions of each meeting invite
	// (redeem.go): nil, and only the address's limits apply.
	InviteLimits InviteLimits
}

// Service serves /v1/auth.
type Service struct {
	cfg     Config
	policy  guard.SigninPolicy
	now     func() time.Time
	log     *slog.Logger
	tickets *tickets
	cop     *http.CrossOriginProtection
}

// New returns the service. Store, Hasher, Tracker and Events are required.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Hasher == nil || cfg.Tracker == nil || cfg.Events == nil {
		return nil, errors.New("accounts: Store, Hasher, Tracker and Events are required")
	}
	def := config.Default().Accounts
	if cfg.Accounts.SessionIdle <= 0 {
		cfg.Accounts.SessionIdle = def.SessionIdle
	}
	if cfg.Accounts.SessionMax <= 0 {
		cfg.Accounts.SessionMax = def.SessionMax
	}
	switch cfg.Accounts.RequireSecondFactor {
	case "":
		cfg.Accounts.RequireSecondFactor = def.RequireSecondFactor
	case "admins", "everyone", "none":
	default:
		return nil, errors.New("accounts: require_second_factor must be admins, everyone or none")
	}
	if cfg.Policy == nil {
		cfg.Policy = defaultPolicy(cfg)
	}
	if err := checkMeetingsConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{
		cfg:     cfg,
		policy:  cfg.Tracker.Policy(),
		now:     cfg.Now,
		log:     cfg.Logger,
		tickets: newTickets(cfg.Now),
		cop:     http.NewCrossOriginProtection(),
	}
	return s, nil
}

// Register adds the /v1/auth routes to mux.
func (s *Service) Register(mux *http.ServeMux) {
	// Sign-in: no session; cross-origin protection still applies (a
	// forged sign-in would sign the victim in to the attacker's account).
	mux.Handle("POST /v1/auth/signin", s.unsafe(http.HandlerFunc(s.signin)))
	mux.Handle("POST /v1/auth/signin/totp", s.unsafe(http.HandlerFunc(s.signinTOTP)))
	mux.Handle("POST /v1/auth/signin/recovery", s.unsafe(http.HandlerFunc(s.signinRecovery)))

	// Signed in; these work for an account the second factor policy
	// covers before it has enrolled one.
	mux.Handle("POST /v1/auth/signout", s.authed(s.signout, enrolling))
	mux.Handle("GET /v1/auth/me", s.authed(s.getMe, enrolling))
	mux.Handle("PATCH /v1/auth/me", s.authed(s.patchMe, enrolling))
	mux.Handle("POST /v1/auth/totp/enroll", s.authed(s.totpEnroll, enrolling))
	mux.Handle("POST /v1/auth/totp/confirm", s.authed(s.totpConfirm, enrolling))
	mux.Handle("GET /v1/auth/sessions", s.authed(s.listSessions, enrolling))
	mux.Handle("DELETE /v1/auth/sessions", s.authed(s.deleteAllSessions, enrolling))
	mux.Handle("DELETE /v1/auth/sessions/{id}", s.authed(s.deleteSession, enrolling))

	// Signed in, and the policy satisfied.
	mux.Handle("POST /v1/auth/password", s.authed(s.changePassword, complete))
	mux.Handle("DELETE /v1/auth/totp", s.authed(s.totpDelete, complete))
	mux.Handle("POST /v1/auth/recovery-codes", s.authed(s.newRecoveryCodes, complete))

	// Personal API tokens (tokens.go) and meetings (meetings.go).
	s.registerTokens(mux)
	s.registerMeetings(mux)
	s.registerInvites(mux)
	s.registerPolicy(mux)

	// Passkeys (passkeys.go): sign-in without a session, registration
	// before the policy is satisfied (a passkey satisfies it), renaming
	// and removal after.
	mux.Handle("POST /v1/auth/passkey/options", s.unsafe(http.HandlerFunc(s.passkeySigninOptions)))
	mux.Handle("POST /v1/auth/passkey/finish", s.unsafe(http.HandlerFunc(s.passkeySigninFinish)))
	mux.Handle("POST /v1/auth/signin/passkey/options", s.unsafe(http.HandlerFunc(s.passkeyTicketOptions)))
	mux.Handle("POST /v1/auth/signin/passkey/finish", s.unsafe(http.HandlerFunc(s.passkeyTicketFinish)))
	mux.Handle("POST /v1/auth/passkeys/options", s.authed(s.passkeyRegisterOptions, enrolling))
	mux.Handle("POST /v1/auth/passkeys/finish", s.authed(s.passkeyRegisterFinish, enrolling))
	mux.Handle("GET /v1/auth/passkeys", s.authed(s.listPasskeys, enrolling))
	mux.Handle("PATCH /v1/auth/passkeys/{id}", s.authed(s.renamePasskey, complete))
	mux.Handle("DELETE /v1/auth/passkeys/{id}", s.authed(s.removePasskey, complete))
	// Administration (users.go): an admin's session, the policy satisfied.
	// Signup and password reset links (signup.go, reset.go): no session.
	mux.Handle("GET /v1/users", s.admin(s.listUsers))
	mux.Handle("PATCH /v1/users/{id}", s.admin(s.patchUser))
	mux.Handle("POST /v1/users/{id}/reset-password", s.admin(s.resetUserPassword))
	mux.Handle("POST /v1/users/{id}/reset-2fa", s.admin(s.resetUser2FA))
	mux.Handle("POST /v1/users/invites", s.admin(s.createInvite))
	mux.Handle("GET /v1/users/invites", s.admin(s.listInvites))
	mux.Handle("DELETE /v1/users/invites/{id}", s.admin(s.deleteInvite))
	if s.cfg.Blocks != nil {
		mux.Handle("GET /v1/blocks", s.admin(s.listBlocks))
		mux.Handle("DELETE /v1/blocks/{id}", s.admin(s.deleteBlock))
	}
	mux.Handle("POST /v1/auth/signup/check", s.unsafe(http.HandlerFunc(s.signupCheck)))
	mux.Handle("POST /v1/auth/signup", s.unsafe(http.HandlerFunc(s.signup)))
	mux.Handle("POST /v1/auth/password/reset/check", s.unsafe(http.HandlerFunc(s.resetCheck)))
	mux.Handle("POST /v1/auth/password/reset", s.unsafe(http.HandlerFunc(s.resetPassword)))
}

// client is where a request comes from.
type client struct {
	ip        string // the address, for sessions and events
	key       string // guard.AddrKey: the address (IPv6: its /64) for throttling
	userAgent string
}

func clientOf(r *http.Request) client {
	c := client{userAgent: truncateUTF8(r.UserAgent(), MaxUserAgentLen)}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		a := ap.Addr().Unmap().WithZone("")
		c.ip, c.key = a.String(), guard.AddrKey(a)
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		a = a.Unmap().WithZone("")
		c.ip, c.key = a.String(), guard.AddrKey(a)
	} else {
		// Not an IP address (a Unix socket, a test): one bucket for all.
		c.ip, c.key = "", "unknown"
	}
	return c
}

// event publishes a security event from the request's client.
func (s *Service) event(c client, ev room.SecurityEvent) {
	ev.IP, ev.UserAgent = c.ip, c.userAgent
	if ev.Outcome == "" {
		ev.Outcome = room.OutcomeSucceeded
	}
	s.cfg.Events.Security(ev)
}

// canonicalEmail is an email as accounts store it: trimmed, lower-cased.
func canonicalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// newPublicID returns prefix and 26 random base32 characters (130 bits).
func newPublicID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character,
// and replaces invalid UTF-8.
func truncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// retryAfter writes 429 too_many_attempts with Retry-After in whole
// seconds, rounded up.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	httpapi.SetRetryAfter(w, wait)
	httpapi.WriteError(w, http.StatusTooManyRequests, CodeTooManyAttempts, "too many attempts: try again later")
}

func invalidArgument(w http.ResponseWriter, msg string) {
	httpapi.WriteError(w, http.StatusBadRequest, protocol.CodeInvalidArgument, msg)
}

// fail answers err: 503 unavailable (Retry-After) when hashing or the
// store is busy, or the store cannot take the change (a full disk), else
// 500.
func (s *Service) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, auth.ErrBusy) || errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("accounts: busy", "err", err)
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the server is busy: try again shortly")
		return
	case errors.Is(err, store.ErrUnavailable):
		s.log.Error("accounts: store unavailable", "err", err)
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the change could not be stored now: try again shortly")
		return
	}
	s.log.Error("accounts", "err", err)
	httpapi.WriteError(w, http.StatusInternalServerError, protocol.CodeInternal, "internal error")
}

// failState is a user's failures as the policy sees them.
func failState(u store.User) guard.FailState {
	return guard.FailState{Failures: u.FailedSignins, LastFailure: u.LastFailedAt, LockedUntil: u.LockedUntil}
}

// secondFactorRequired reports whether the policy covers u.
func (s *Service) secondFactorRequired(u store.User) bool {
	return s.pol().SecondFactorRequiredFor(u.Role)
}

// factors are the second factors an account has.
type factors struct {
	TOTP     bool `json:"totp"`
	Passkeys int  `json:"passkeys"`
}

func (f factors) any() bool { return f.TOTP || f.Passkeys > 0 }

func (s *Service) factorsOf(ctx context.Context, u store.User) (factors, error) {
	pks, err := s.cfg.Store.ListPasskeys(ctx, u.ID)
	if err != nil {
		return factors{}, err
	}
	return factors{TOTP: u.TOTPEnabled, Passkeys: len(pks)}, nil
}
