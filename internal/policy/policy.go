// Package policy owns the organisation's security policy (docs/policy.md):
// one declarative document of rules that the server enforces everywhere,
// its strict parser, its defaults, and the Holder from which every other
// part reads the policy in force (Current: one atomic load).
//
// It imports nothing of Conclave but config (for the defaults seeded from
// the configuration), so that room, auth and accounts can all read it.
// Storing versions is internal/store's; applying them is the server's
// (Watcher) and the admin API's.
package policy

import (
	"errors"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/config"
)

// SecondFactor is whose accounts must have a second factor.
type SecondFactor string

// Second factor requirements, from the least to the most demanding.
const (
	SecondFactorNone     SecondFactor = "none"
	SecondFactorAdmins   SecondFactor = "admins"
	SecondFactorHosts    SecondFactor = "hosts" // every account that may create meetings
	SecondFactorEveryone SecondFactor = "everyone"
)

// Signup is who may make an account.
type Signup string

// Signup rules.
const (
	SignupInvite Signup = "invite"
	SignupOpen   Signup = "open"
)

// Creators is who may create rooms (meetings) with an account.
type Creators string

// Room creators.
const (
	CreatorsAdmins  Creators = "admins"
	CreatorsMembers Creators = "members" // every active account
)

// Account roles as the policy reads them (store.RoleAdmin, store.RoleMember).
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Limits of a policy: every one is explicit, and Parse refuses a value
// beyond it.
const (
	// MaxBytes bounds a policy document.
	MaxBytes = 64 << 10
	// MinTokenLifetime and MaxTokenLifetimeCap bound max_token_lifetime.
	MinTokenLifetime    = time.Minute
	MaxTokenLifetimeCap = 366 * 24 * time.Hour
	// MinMeetingDuration and MaxMeetingDurationCap bound max_meeting_duration.
	MinMeetingDuration    = 5 * time.Minute
	MaxMeetingDurationCap = 7 * 24 * time.Hour
	// MaxDomains bounds allowed_email_domains, MaxDomainBytes one domain.
	MaxDomains     = 256
	MaxDomainBytes = 253
	// MaxAuthorBytes bounds who a version names as its author.
	MaxAuthorBytes = 256
)

// Rules are the policy's rules: what a document says, complete (a key the
// document leaves out has its default, Default).
type Rules struct {
	RequireE2EE           bool         `yaml:"require_e2ee"`
	RequireSecondFactor   SecondFactor `yaml:"require_second_factor"`
	LobbyForGuests        bool         `yaml:"lobby_for_guests"`
	PasswordForGuestRooms bool         `yaml:"password_for_guest_rooms"`
	// MembersSkipLobby: a signed-in member of the organisation who opens
	// an invite joins without waiting in the lobby.
	MembersSkipLobby   bool          `yaml:"members_skip_lobby"`
	MaxTokenLifetime   time.Duration `yaml:"max_token_lifetime"`
	MaxMeetingDuration time.Duration `yaml:"max_meeting_duration"`
	// AllowedEmailDomains are the domains whose addresses may sign up and
	// sign in, lower-case; empty allows every domain.
	AllowedEmailDomains []string `yaml:"allowed_email_domains"`
	Signup              Signup   `yaml:"signup"`
	Chat                bool     `yaml:"chat"`
	ScreenShare         bool     `yaml:"screen_share"`
	DataMessages        bool     `yaml:"data_messages"`
	CreateRooms         Creators `yaml:"create_rooms"`
}

// Source says where the policy in force comes from.
type Source string

// Sources.
const (
	// SourceDefaults: no version is stored; the rules are the defaults
	// seeded from the configuration (FromConfig).
	SourceDefaults Source = "defaults"
	// SourceStored: the newest stored version.
	SourceStored Source = "stored"
)

// Policy is a policy in force or on its way: its rules and where they
// come from. A *Policy is never changed once made: Holder hands the same
// one to every reader.
type Policy struct {
	Rules
	// Version is the stored version's number; 0 for the defaults.
	Version int64
	Source  Source
	// Author and AppliedAt say who stored the version and when (zero for
	// the defaults).
	Author    string
	AppliedAt time.Time
	// Text is the document as applied ("" for the defaults).
	Text string
}

// Default returns the built-in rules: those of a key a document leaves
// out. docs/policy.md gives each one's reason.
func Default() Rules {
	return Rules{
		RequireE2EE:           true,
		RequireSecondFactor:   SecondFactorAdmins,
		LobbyForGuests:        true,
		PasswordForGuestRooms: false,
		MembersSkipLobby:      true,
		MaxTokenLifetime:      24 * time.Hour,
		MaxMeetingDuration:    24 * time.Hour,
		Signup:                SignupInvite,
		Chat:                  true,
		ScreenShare:           true,
		DataMessages:          true,
		CreateRooms:           CreatorsMembers,
	}
}

// FromConfig returns the rules in force while no version is stored: the
// defaults, with the configuration keys the policy now covers taking
// their place (docs/policy.md, "Without a stored policy"):
// accounts.signup, accounts.require_second_factor, tokens.max_lifetime
// and rooms.e2ee. A configured value outside the policy's limits is
// brought within them.
func FromConfig(c config.Config) Rules {
	r := Default()
	if s := Signup(c.Accounts.Signup); s.valid() {
		r.Signup = s
	}
	if f := SecondFactor(c.Accounts.RequireSecondFactor); f.valid() {
		r.RequireSecondFactor = f
	}
	if l := c.Tokens.MaxLifetime; l > 0 {
		r.MaxTokenLifetime = min(max(l, MinTokenLifetime), MaxTokenLifetimeCap)
	}
	switch c.Rooms.E2EE {
	case "required":
		r.RequireE2EE = true
	case "off":
		r.RequireE2EE = false
	}
	return r
}

// Defaults returns the policy in force while no version is stored.
func Defaults(c config.Config) *Policy {
	return &Policy{Rules: FromConfig(c), Source: SourceDefaults}
}

func (s SecondFactor) valid() bool {
	switch s {
	case SecondFactorNone, SecondFactorAdmins, SecondFactorHosts, SecondFactorEveryone:
		return true
	}
	return false
}

func (s Signup) valid() bool { return s == SignupInvite || s == SignupOpen }

func (c Creators) valid() bool { return c == CreatorsAdmins || c == CreatorsMembers }

// Errors of the helpers, for callers to tell apart.
var (
	// ErrSignupClosed: signup is by invite and there is none.
	ErrSignupClosed = errors.New("policy: accounts are made by invitation only")
	// ErrEmailDomain: the email's domain is not in allowed_email_domains.
	ErrEmailDomain = errors.New("policy: the email's domain is not allowed")
)

// AllowsEmail reports whether an address may sign up or sign in: true
// when allowed_email_domains is empty or lists its domain exactly (a
// subdomain is another domain). The email must be canonical (trimmed and
// lower-cased).
func (p *Policy) AllowsEmail(email string) bool {
	if len(p.AllowedEmailDomains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.TrimSuffix(email[at+1:], ".")
	for _, d := range p.AllowedEmailDomains {
		if d == domain {
			return true
		}
	}
	return false
}

// AllowsSignupFor says whether email may make an account, with an invite
// (invited) or without: nil, ErrEmailDomain or ErrSignupClosed. An invite
// opens signup when it is closed, never an address outside the domains.
func (p *Policy) AllowsSignupFor(email string, invited bool) error {
	if !p.AllowsEmail(email) {
		return ErrEmailDomain
	}
	if !invited && p.Signup != SignupOpen {
		return ErrSignupClosed
	}
	return nil
}

// MayCreateRooms reports whether an account of role may create rooms.
func (p *Policy) MayCreateRooms(role string) bool {
	switch role {
	case RoleAdmin:
		return true
	case RoleMember:
		return p.CreateRooms == CreatorsMembers
	}
	return false
}

// SecondFactorRequiredFor reports whether an account of role must have a
// second factor. "hosts" are the accounts that may create rooms.
func (p *Policy) SecondFactorRequiredFor(role string) bool {
	switch p.RequireSecondFactor {
	case SecondFactorEveryone:
		return true
	case SecondFactorHosts:
		return p.MayCreateRooms(role)
	case SecondFactorAdmins:
		return role == RoleAdmin
	}
	return false
}

// MaxTokenLifetimeOr is max_token_lifetime; on a nil policy, def.
func (p *Policy) MaxTokenLifetimeOr(def time.Duration) time.Duration {
	if p == nil {
		return def
	}
	return p.MaxTokenLifetime
}

// Topic of a data message that the policy's chat rule governs; every
// other topic is a data message.
const ChatTopic = "chat"

// AllowsData reports whether a data message on topic may be sent.
func (p *Policy) AllowsData(topic string) bool {
	if topic == ChatTopic {
		return p.Chat
	}
	return p.DataMessages
}

// RoomSettings are what a room asks for that the policy bounds. Only
// the options rooms have today are checked; the lobby and the room
// password are another part's, and their rules are exposed here for it.
type RoomSettings struct {
	// E2EEOff: the room does not require end-to-end encryption.
	E2EEOff bool
	// LobbyOff: guests join without waiting in a lobby.
	LobbyOff bool
	// OpenToGuests and Password: whether people without an account may
	// join, and whether the room has a password.
	OpenToGuests bool
	Password     bool
	// MaxDuration is how long the meeting may last (0: not set).
	MaxDuration time.Duration
}

// ViolationError is a room setting looser than the policy.
type ViolationError struct {
	// Rule is the policy key the setting would loosen.
	Rule string
}

func (e *ViolationError) Error() string {
	return "policy: the room's settings are looser than the policy's rule " + e.Rule
}

// RoomMayLoosen returns a *ViolationError naming the first rule s would
// loosen, or nil: a room may only be stricter than the policy.
func (p *Policy) RoomMayLoosen(s RoomSettings) error {
	switch {
	case s.E2EEOff && p.RequireE2EE:
		return &ViolationError{Rule: "require_e2ee"}
	case s.LobbyOff && s.OpenToGuests && p.LobbyForGuests:
		return &ViolationError{Rule: "lobby_for_guests"}
	case s.OpenToGuests && !s.Password && p.PasswordForGuestRooms:
		return &ViolationError{Rule: "password_for_guest_rooms"}
	case s.MaxDuration > p.MaxMeetingDuration:
		return &ViolationError{Rule: "max_meeting_duration"}
	}
	return nil
}
