package auth

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/conclave-video/conclave/internal/store"
)

// Passkeys (WebAuthn credentials with user verification) sign a user in
// alone, as discoverable credentials, or serve as the second factor after a
// password (docs/accounts.md). This file holds the types, the errors and
// the configuration; passkey_ceremony.go the ceremonies and
// passkey_challenge.go the in-memory challenges.

// Limits of the passkey service.
const (
	// MaxPasskeysPerUser is how many passkeys one account may register.
	MaxPasskeysPerUser = 10
	// MaxPasskeyNameLen is the longest passkey name, in Unicode code
	// points after trimming.
	MaxPasskeyNameLen = 64
	// MaxPasskeyResponseSize bounds the browser's PublicKeyCredential JSON
	// read by a Finish call; the HTTP layer's 64 KiB body limit holds it.
	MaxPasskeyResponseSize = 64 << 10
	// maxCredentialIDLen is WebAuthn's bound on a credential id (§5.1,
	// "at most 1023 bytes").
	maxCredentialIDLen = 1023
	// maxUserHandleLen is WebAuthn's bound on a user handle.
	maxUserHandleLen = 64

	// PasskeyChallengeTTL is how long a ceremony's challenge stays valid.
	PasskeyChallengeTTL = 5 * time.Minute
	// DefaultPasskeyTimeout is the timeout the browser is given for a
	// ceremony. It is shorter than PasskeyChallengeTTL so that a
	// ceremony the browser still completes always finds its challenge,
	// with a minute left for the network and the Finish call.
	DefaultPasskeyTimeout = 4 * time.Minute

	// PasskeyRPName is the relying party's display name browsers show.
	PasskeyRPName = "Conclave"

	// PasskeyIDPrefix starts every passkey's public handle.
	PasskeyIDPrefix = "PK_"
)

// Errors of the passkey service. Every refusal wraps one of them;
// an error that wraps none of them is an internal failure (the store is
// unavailable or holds a corrupt record) and answers 500. The HTTP layer
// answers (docs/accounts.md):
//
//	ErrPasskeyFailed (ErrPasskeyCloned and ErrPasskeyExists wrap it)  400 passkey_failed
//	ErrChallengeUnknown     400 passkey_failed (start the ceremony again)
//	ErrTooManyPasskeys      400 invalid_argument, naming the limit
//	ErrPasskeyName          400 invalid_argument
//	ErrPasskeyNotFound      404 not_found
//	ErrNoPasskeys           400 passkey_failed: the account has no passkey to offer
//	ErrPasskeyUser          500: the caller passed an invalid PasskeyUser
var (
	// ErrPasskeyFailed: the browser's response does not verify. The
	// error wraps the library's reason, for logs; it never holds a
	// secret.
	ErrPasskeyFailed = errors.New("auth: passkey verification failed")
	// ErrPasskeyCloned: the signature counter did not increase although
	// it is in use (WebAuthn §6.1.1): the authenticator may be cloned.
	// Nothing is stored; the passkey keeps failing until the counter
	// passes the stored one or the passkey is removed.
	ErrPasskeyCloned = fmt.Errorf("%w: signature counter did not increase (possibly a cloned authenticator)", ErrPasskeyFailed)
	// ErrPasskeyExists: the credential is already registered, to this
	// account or another.
	ErrPasskeyExists = fmt.Errorf("%w: credential already registered", ErrPasskeyFailed)
	// ErrChallengeUnknown: the challenge id is unknown, already used,
	// expired, or was issued for another ceremony or another account.
	ErrChallengeUnknown = errors.New("auth: passkey challenge unknown, used or expired")
	// ErrTooManyPasskeys: the account already has MaxPasskeysPerUser.
	ErrTooManyPasskeys = fmt.Errorf("auth: an account may register at most %d passkeys", MaxPasskeysPerUser)
	// ErrPasskeyName: the name is empty, longer than MaxPasskeyNameLen,
	// not UTF-8, or holds control characters.
	ErrPasskeyName = fmt.Errorf("auth: a passkey name is 1 to %d characters without control characters", MaxPasskeyNameLen)
	// ErrNoPasskeys: a second factor was asked of an account that has no
	// passkey.
	ErrNoPasskeys = errors.New("auth: the account has no passkey")
	// ErrPasskeyUser: the PasskeyUser is invalid (a caller's bug).
	ErrPasskeyUser = errors.New("auth: invalid passkey user")
)

// Passkey is a registered credential, the store's record: its Credential holds the library's
// webauthn.Credential as JSON (public key, sign count, flags, transports
// and the attestation it was registered with), its ID is PasskeyIDPrefix
// and 26 base32 characters, and LastUsedAt is zero until it first signs in.
type Passkey = store.Passkey

// PasskeyUser is the account a ceremony is for. Its WebAuthn user handle
// is the bytes of ID, never the email, so that the handle an
// authenticator stores says nothing about the person.
type PasskeyUser struct {
	ID          string // at most 64 bytes
	Email       string // the WebAuthn user name
	DisplayName string // "" shows the email
}

// PasskeyStore is what the passkey service needs of the accounts store.
// The methods are store.Accounts' own; ErrNotFound and ErrExists are
// store's sentinels (matched with errors.Is).
type PasskeyStore interface {
	// ListPasskeys returns the user's passkeys, oldest first.
	ListPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	// PasskeyByCredentialID returns the passkey with that credential id;
	// store.ErrNotFound if none.
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// CreatePasskey stores a passkey; store.ErrExists if its credential id
	// or id is taken.
	CreatePasskey(ctx context.Context, p Passkey) error
	// UpdatePasskey stores p's Credential, Name and LastUsedAt for the
	// user's passkey p.ID; store.ErrNotFound if the user has none such.
	UpdatePasskey(ctx context.Context, p Passkey) error
	// DeletePasskey removes the user's passkey id; store.ErrNotFound if
	// the user has none such.
	DeletePasskey(ctx context.Context, userID, id string) error
}

// PasskeyConfig configures NewPasskeys.
type PasskeyConfig struct {
	// RPID is the relying party id: the server's host name, without
	// scheme or port ("conclave.example.org", "localhost"). Passkeys are
	// bound to it; changing it makes every registered passkey unusable.
	RPID string
	// Origins are the https origins the browser may run the ceremony on
	// ("https://conclave.example.org", "https://localhost:8443"); each
	// host must be RPID or a subdomain of it.
	Origins []string
	// Store keeps the passkeys.
	Store PasskeyStore
	// Timeout is the ceremony timeout given to the browser;
	// 0 means DefaultPasskeyTimeout. From 1s to PasskeyChallengeTTL.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Passkeys runs WebAuthn ceremonies. Registration and the second factor
// are bound to an account; sign-in with a passkey alone is not. The
// service stores what a ceremony changes itself (a new passkey, the new
// signature counter), under a lock per account or per credential, so that
// two ceremonies cannot pass the limit together or both accept the same
// counter. The locks and the challenges live in this process: on several
// nodes a ceremony must finish on the node it began on, and the counter
// would need a compare-and-set in the store. Safe for concurrent use.
type Passkeys struct {
	wa         *webauthn.WebAuthn
	store      PasskeyStore
	now        func() time.Time
	challenges *challenges
	locks      keyedMutex
}

// passkeyAlgorithms are the credential algorithms offered, in order of
// preference: ES256 (every platform authenticator and security key),
// EdDSA (newer security keys) and RS256 (Windows Hello).
func passkeyAlgorithms() []protocol.CredentialParameter {
	return []protocol.CredentialParameter{
		{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
		{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgEdDSA},
		{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
	}
}

// NewPasskeys checks cfg and returns the service.
func NewPasskeys(cfg PasskeyConfig) (*Passkeys, error) {
	if cfg.Store == nil {
		return nil, errors.New("auth: passkeys: no store")
	}
	if err := checkRPID(cfg.RPID); err != nil {
		return nil, err
	}
	if len(cfg.Origins) == 0 {
		return nil, errors.New("auth: passkeys: no origin")
	}
	origins := make([]string, 0, len(cfg.Origins))
	for _, o := range cfg.Origins {
		norm, err := checkOrigin(o, cfg.RPID)
		if err != nil {
			return nil, err
		}
		origins = append(origins, norm)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultPasskeyTimeout
	}
	if timeout < time.Second || timeout > PasskeyChallengeTTL {
		return nil, fmt.Errorf("auth: passkeys: timeout %v is not between 1s and %v", timeout, PasskeyChallengeTTL)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          cfg.RPID,
		RPDisplayName: PasskeyRPName,
		RPOrigins:     origins,
		// Attestation "none": Conclave has no enterprise requirement to
		// admit only certain authenticator models, and asking for
		// attestation would make browsers show an extra privacy prompt.
		// A response that carries an attestation anyway is still
		// verified, but its certificate chain is trusted to nothing.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationRequired,
		},
		// The challenge's lifetime is enforced by this service against
		// its own clock (passkey_challenge.go), not by the library.
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
			Registration: webauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
		},
		// Client extension outputs are not signed: the browser or an
		// extension may add any, and Conclave requests and acts on
		// none, so unrequested ones are ignored rather than failing
		// real browsers. Authenticator extension outputs, which are
		// signed, are still checked.
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: passkeys: %w", err)
	}
	return &Passkeys{
		wa:         wa,
		store:      cfg.Store,
		now:        now,
		challenges: newChallenges(),
	}, nil
}

// checkRPID accepts a host name: no scheme, port, path or IP address
// (WebAuthn refuses IP addresses as RP ids).
func checkRPID(id string) error {
	if id == "" {
		return errors.New("auth: passkeys: no RP id (the server's host name)")
	}
	if id != strings.ToLower(id) || strings.ContainsAny(id, ":/[]@ ") {
		return fmt.Errorf("auth: passkeys: RP id %q is not a lower-case host name", id)
	}
	if err := protocol.ValidateRPID(id); err != nil {
		return fmt.Errorf("auth: passkeys: RP id %q: %w", id, err)
	}
	return nil
}

// checkOrigin accepts an https origin (scheme, host, optional port)
// whose host is rpID or a subdomain of it, and returns it as browsers
// write it in clientDataJSON (without a trailing slash).
func checkOrigin(o, rpID string) (string, error) {
	u, err := url.Parse(o)
	if err != nil {
		return "", fmt.Errorf("auth: passkeys: origin %q: %w", o, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("auth: passkeys: origin %q is not an https origin (https://host[:port])", o)
	}
	host := u.Hostname()
	if host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return "", fmt.Errorf("auth: passkeys: origin %q is not on RP id %q or a subdomain of it", o, rpID)
	}
	return "https://" + u.Host, nil
}

// PasskeyName trims a passkey's name and checks it: 1 to
// MaxPasskeyNameLen code points of UTF-8 without control characters.
// The HTTP layer may call it before the ceremony, so that a bad name is
// refused before the user touches the authenticator.
func PasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxPasskeyNameLen || strings.ContainsFunc(name, unicode.IsControl) {
		return "", ErrPasskeyName
	}
	return name, nil
}

func (u PasskeyUser) check() error {
	if u.ID == "" || len(u.ID) > maxUserHandleLen || u.Email == "" {
		return fmt.Errorf("%w: an id of 1 to %d bytes and an email are required", ErrPasskeyUser, maxUserHandleLen)
	}
	return nil
}

// webauthnUser shows an account and some of its credentials to the
// library.
type webauthnUser struct {
	user  PasskeyUser
	creds []webauthn.Credential
}

func (w webauthnUser) WebAuthnID() []byte   { return []byte(w.user.ID) }
func (w webauthnUser) WebAuthnName() string { return w.user.Email }
func (w webauthnUser) WebAuthnDisplayName() string {
	if w.user.DisplayName == "" {
		return w.user.Email
	}
	return w.user.DisplayName
}
func (w webauthnUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// decodeCredential reads a stored passkey's credential. A record that
// does not decode, or whose credential is not the one it is filed under,
// is corrupt: an internal error, not a failed ceremony.
func decodeCredential(p Passkey) (webauthn.Credential, error) {
	var c webauthn.Credential
	if err := json.Unmarshal(p.Credential, &c); err != nil {
		return webauthn.Credential{}, fmt.Errorf("auth: passkey %s: stored credential: %w", p.ID, err)
	}
	if len(c.ID) == 0 || string(c.ID) != string(p.CredentialID) || len(c.PublicKey) == 0 {
		return webauthn.Credential{}, fmt.Errorf("auth: passkey %s: stored credential does not match its record", p.ID)
	}
	return c, nil
}

func encodeCredential(c *webauthn.Credential) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("auth: passkey: encode credential: %w", err)
	}
	return b, nil
}

// newPasskeyID makes a passkey's public handle: PasskeyIDPrefix and 128
// random bits in 26 base32 characters.
func newPasskeyID() string {
	var b [16]byte
	cryptorand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return PasskeyIDPrefix + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// maxReasonLen bounds the library's reason kept in an error: the reason
// may quote what the client sent (an origin, a type), and an attacker
// should not write kilobytes into the server's log.
const maxReasonLen = 256

// failed wraps the library's reason for a refusal in ErrPasskeyFailed.
func failed(err error) error {
	var reason string
	if pe, ok := errors.AsType[*protocol.Error](err); ok {
		reason = pe.Type + ": " + pe.Details
		if pe.DevInfo != "" {
			reason += " (" + pe.DevInfo + ")"
		}
	} else {
		reason = err.Error()
	}
	return fmt.Errorf("%w: %s", ErrPasskeyFailed, truncate(reason, maxReasonLen))
}

func failedf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPasskeyFailed, truncate(fmt.Sprintf(format, args...), maxReasonLen))
}

// truncate cuts s to at most n bytes on a rune boundary and makes it one
// line.
func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
