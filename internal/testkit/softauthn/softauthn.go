// Package softauthn is a software WebAuthn authenticator for tests: one
// discoverable credential, made and used the way a platform authenticator
// (Touch ID, Windows Hello) does, with the browser's part (clientDataJSON
// and the PublicKeyCredential JSON of toJSON()) written by hand. It makes
// "none" and "packed" (self) attestations and ES256, ES384 or EdDSA
// assertions with the user-present and user-verified flags. Its exported
// fields let a test make it misbehave: a wrong origin or RP id, missing
// flags, a counter that goes back, ignoring the exclusion or allow list.
//
// It imports nothing of Conclave, so the tests of internal/auth and of the
// HTTP layer use the same authenticator.
package softauthn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator data flags (WebAuthn §6.1).
const (
	FlagUP = 0x01 // user present
	FlagUV = 0x04 // user verified
	FlagAT = 0x40 // attested credential data included
)

// COSE algorithms the authenticator can make keys for.
const (
	ES256 = -7
	EdDSA = -8
	ES384 = -35
)

// Attestation formats Create can answer with.
const (
	AttestationNone   = "none"
	AttestationPacked = "packed" // self attestation: signed with the credential's own key
)

// DefaultOrigin is the origin written in clientDataJSON when Origin is "".
const DefaultOrigin = "https://conclave.test:8443"

// Errors a browser would raise instead of answering.
var (
	// ErrExcluded is the InvalidStateError of create() when the
	// authenticator holds an excluded credential.
	ErrExcluded = errors.New("softauthn: credential excluded")
	// ErrNotAllowed is the NotAllowedError of get() when no allowed
	// credential is this one.
	ErrNotAllowed = errors.New("softauthn: credential not allowed")
)

var b64 = base64.RawURLEncoding

// Authenticator holds one credential.
type Authenticator struct {
	Alg          int
	CredentialID []byte
	// UserHandle is what the credential stored at registration; it is
	// returned with every assertion.
	UserHandle []byte

	// Counter is the signature counter; Step is added to it before every
	// assertion (0: an authenticator without a counter).
	Counter uint32
	Step    uint32

	// Origin is written in clientDataJSON ("": DefaultOrigin); RPID, when
	// set, is hashed into authenticator data instead of the one the
	// options name.
	Origin string
	RPID   string
	// Flags of the authenticator data (FlagAT is added at registration).
	Flags byte
	// Attestation is the format Create answers with ("": none).
	Attestation string
	// IgnoreExclusions makes Create answer even when the options exclude
	// this credential, as a hostile client would; IgnoreAllowList makes
	// Get answer even when the options do not allow it.
	IgnoreExclusions bool
	IgnoreAllowList  bool

	ec *ecdsa.PrivateKey
	ed ed25519.PrivateKey
}

// New returns an authenticator with a new key of alg, a random 32-byte
// credential id, the UP and UV flags and a counter that counts by one.
func New(t testing.TB, alg int) *Authenticator {
	t.Helper()
	a := &Authenticator{Alg: alg, Step: 1, Flags: FlagUP | FlagUV, CredentialID: make([]byte, 32)}
	rand.Read(a.CredentialID)
	var err error
	switch alg {
	case ES256:
		a.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ES384:
		a.ec, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case EdDSA:
		_, a.ed, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("softauthn: algorithm %d", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// COSEKey is the credential public key in COSE form (RFC 9053).
func (a *Authenticator) COSEKey(t testing.TB) []byte {
	t.Helper()
	var m map[int]any
	switch a.Alg {
	case ES256, ES384:
		pub, err := a.ec.PublicKey.Bytes() // 0x04 || x || y
		if err != nil {
			t.Fatal(err)
		}
		n := (len(pub) - 1) / 2
		crv := 1 // P-256
		if a.Alg == ES384 {
			crv = 2
		}
		m = map[int]any{1: 2, 3: a.Alg, -1: crv, -2: pub[1 : 1+n], -3: pub[1+n:]}
	case EdDSA:
		m = map[int]any{1: 1, 3: EdDSA, -1: 6, -2: []byte(a.ed.Public().(ed25519.PublicKey))}
	}
	return CTAP2CBOR(t, m)
}

// CTAP2CBOR encodes v in CTAP2's canonical CBOR.
func CTAP2CBOR(t testing.TB, v any) []byte {
	t.Helper()
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ClientData is the clientDataJSON the browser writes for a ceremony of
// typ ("webauthn.create", "webauthn.get") with challenge.
func (a *Authenticator) ClientData(typ, challenge string) []byte {
	origin := a.Origin
	if origin == "" {
		origin = DefaultOrigin
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

// AuthData builds authenticator data for rpID; attested adds the attested
// credential data of a registration.
func (a *Authenticator) AuthData(t testing.TB, rpID string, attested bool) []byte {
	t.Helper()
	if a.RPID != "" {
		rpID = a.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	d := slices.Clone(h[:])
	flags := a.Flags
	if attested {
		flags |= FlagAT
	}
	d = append(d, flags)
	d = binary.BigEndian.AppendUint32(d, a.Counter)
	if attested {
		d = append(d, make([]byte, 16)...) // AAGUID: zero, as "none" and self attestation give it
		d = binary.BigEndian.AppendUint16(d, uint16(len(a.CredentialID)))
		d = append(d, a.CredentialID...)
		d = append(d, a.COSEKey(t)...)
	}
	return d
}

// Sign signs msg with the credential's key, as its algorithm does.
func (a *Authenticator) Sign(t testing.TB, msg []byte) []byte {
	t.Helper()
	switch a.Alg {
	case ES256:
		h := sha256.Sum256(msg)
		sig, err := ecdsa.SignASN1(rand.Reader, a.ec, h[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case ES384:
		h := sha512.Sum384(msg)
		sig, err := ecdsa.SignASN1(rand.Reader, a.ec, h[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	default:
		sig, err := a.ed.Sign(rand.Reader, msg, crypto.Hash(0))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

// CredDescriptor is a PublicKeyCredentialDescriptor in options.
type CredDescriptor struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// CreationOptions is the part of PublicKeyCredentialCreationOptions
// (JSON) the authenticator reads.
type CreationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"rp"`
	User struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	} `json:"user"`
	PubKeyCredParams []struct {
		Type string `json:"type"`
		Alg  int    `json:"alg"`
	} `json:"pubKeyCredParams"`
	ExcludeCredentials     []CredDescriptor `json:"excludeCredentials"`
	AuthenticatorSelection struct {
		ResidentKey        string `json:"residentKey"`
		RequireResidentKey bool   `json:"requireResidentKey"`
		UserVerification   string `json:"userVerification"`
	} `json:"authenticatorSelection"`
	Attestation string `json:"attestation"`
	Timeout     int    `json:"timeout"`
}

// RequestOptions is the part of PublicKeyCredentialRequestOptions (JSON)
// the authenticator reads.
type RequestOptions struct {
	Challenge        string           `json:"challenge"`
	RPID             string           `json:"rpId"`
	Timeout          int              `json:"timeout"`
	UserVerification string           `json:"userVerification"`
	AllowCredentials []CredDescriptor `json:"allowCredentials"`
}

// ParseCreationOptions reads creation options given either as the
// publicKey member itself or wrapped in {"publicKey": …}.
func ParseCreationOptions(t testing.TB, options []byte) CreationOptions {
	t.Helper()
	var o CreationOptions
	unwrap(t, options, &o)
	return o
}

// ParseRequestOptions reads request options given either as the
// publicKey member itself or wrapped in {"publicKey": …}.
func ParseRequestOptions(t testing.TB, options []byte) RequestOptions {
	t.Helper()
	var o RequestOptions
	unwrap(t, options, &o)
	return o
}

func unwrap(t testing.TB, options []byte, v any) {
	t.Helper()
	var w struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &w); err != nil {
		t.Fatalf("softauthn: options: %v", err)
	}
	if w.PublicKey != nil {
		options = w.PublicKey
	}
	if err := json.Unmarshal(options, v); err != nil {
		t.Fatalf("softauthn: options: %v", err)
	}
}

// Create answers navigator.credentials.create(options) with the
// PublicKeyCredential JSON a browser would post (toJSON()).
func (a *Authenticator) Create(t testing.TB, options []byte) ([]byte, error) {
	t.Helper()
	o := ParseCreationOptions(t, options)
	id := b64.EncodeToString(a.CredentialID)
	if !a.IgnoreExclusions && slices.ContainsFunc(o.ExcludeCredentials, func(c CredDescriptor) bool { return c.ID == id }) {
		return nil, ErrExcluded
	}
	handle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		t.Fatalf("softauthn: user.id: %v", err)
	}
	a.UserHandle = handle
	cd := a.ClientData("webauthn.create", o.Challenge)
	authData := a.AuthData(t, o.RP.ID, true)
	var att []byte
	switch a.Attestation {
	case "", AttestationNone:
		att = CTAP2CBOR(t, map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	case AttestationPacked:
		cdHash := sha256.Sum256(cd)
		sig := a.Sign(t, slices.Concat(authData, cdHash[:]))
		att = CTAP2CBOR(t, map[string]any{"fmt": "packed", "attStmt": map[string]any{"alg": a.Alg, "sig": sig}, "authData": authData})
	default:
		t.Fatalf("softauthn: attestation %q", a.Attestation)
	}
	b, _ := json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal", "hybrid"},
		},
		"clientExtensionResults": map[string]any{},
	})
	return b, nil
}

// Get answers navigator.credentials.get(options) with the
// PublicKeyCredential JSON a browser would post.
func (a *Authenticator) Get(t testing.TB, options []byte) ([]byte, error) {
	t.Helper()
	o := ParseRequestOptions(t, options)
	id := b64.EncodeToString(a.CredentialID)
	if len(o.AllowCredentials) > 0 && !a.IgnoreAllowList &&
		!slices.ContainsFunc(o.AllowCredentials, func(c CredDescriptor) bool { return c.ID == id }) {
		return nil, ErrNotAllowed
	}
	a.Counter += a.Step
	cd := a.ClientData("webauthn.get", o.Challenge)
	ad := a.AuthData(t, o.RPID, false)
	cdHash := sha256.Sum256(cd)
	sig := a.Sign(t, slices.Concat(ad, cdHash[:]))
	b, _ := json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.UserHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
	return b, nil
}

// MustCreate is Create, failing the test on a refusal.
func (a *Authenticator) MustCreate(t testing.TB, options []byte) []byte {
	t.Helper()
	b, err := a.Create(t, options)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MustGet is Get, failing the test on a refusal.
func (a *Authenticator) MustGet(t testing.TB, options []byte) []byte {
	t.Helper()
	b, err := a.Get(t, options)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
