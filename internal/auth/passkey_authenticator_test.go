package auth

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

// A software authenticator for tests: one discoverable credential, made
// and used the way a platform authenticator (Touch ID, Windows Hello)
// does, with the browser's part (clientDataJSON) written by hand. Its
// fields let a test make it misbehave.

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagAT = 0x40 // attested credential data included
)

// Algorithms the soft authenticator can make keys for.
const (
	algES256 = -7
	algEdDSA = -8
	algES384 = -35 // not offered by Conclave
)

var b64 = base64.RawURLEncoding

type softKey struct {
	alg    int
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	credID []byte
	// userHandle is what the credential stores at registration and
	// returns on every assertion.
	userHandle []byte

	// counter is the signature counter; step is added before every
	// assertion (0: an authenticator without a counter).
	counter uint32
	step    uint32

	// What the client writes: the origin in clientDataJSON ("" :
	// defaultOrigin) and the RP id hashed into authenticator data ("":
	// the one the options name).
	origin string
	rpID   string
	// flags of the authenticator data (the AT flag is added at
	// registration).
	flags byte
	// ignoreExclusions makes create() answer even when the options
	// exclude this credential, as a hostile client would.
	ignoreExclusions bool
	// ignoreAllowList makes get() answer even when the options do not
	// allow this credential.
	ignoreAllowList bool
}

const defaultOrigin = "https://conclave.test:8443"

func newSoftKey(t testing.TB, alg int) *softKey {
	t.Helper()
	k := &softKey{alg: alg, step: 1, flags: flagUP | flagUV, credID: make([]byte, 32)}
	rand.Read(k.credID)
	var err error
	switch alg {
	case algES256:
		k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case algES384:
		k.ec, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case algEdDSA:
		_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("soft authenticator: algorithm %d", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// coseKey is the credential public key in COSE form (RFC 9053).
func (k *softKey) coseKey(t testing.TB) []byte {
	t.Helper()
	var m map[int]any
	switch k.alg {
	case algES256, algES384:
		pub, err := k.ec.PublicKey.Bytes() // 0x04 || x || y
		if err != nil {
			t.Fatal(err)
		}
		n := (len(pub) - 1) / 2
		crv := 1 // P-256
		if k.alg == algES384 {
			crv = 2
		}
		m = map[int]any{1: 2, 3: k.alg, -1: crv, -2: pub[1 : 1+n], -3: pub[1+n:]}
	case algEdDSA:
		m = map[int]any{1: 1, 3: algEdDSA, -1: 6, -2: []byte(k.ed.Public().(ed25519.PublicKey))}
	}
	return ctap2CBOR(t, m)
}

func ctap2CBOR(t testing.TB, v any) []byte {
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

func (k *softKey) clientData(typ, challenge string) []byte {
	origin := k.origin
	if origin == "" {
		origin = defaultOrigin
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

// authData builds authenticator data for rpID; attested adds the
// attested credential data of a registration.
func (k *softKey) authData(t testing.TB, rpID string, attested bool) []byte {
	t.Helper()
	if k.rpID != "" {
		rpID = k.rpID
	}
	h := sha256.Sum256([]byte(rpID))
	d := slices.Clone(h[:])
	flags := k.flags
	if attested {
		flags |= flagAT
	}
	d = append(d, flags)
	d = binary.BigEndian.AppendUint32(d, k.counter)
	if attested {
		d = append(d, make([]byte, 16)...) // AAGUID: zero, as "none" attestation gives it
		d = binary.BigEndian.AppendUint16(d, uint16(len(k.credID)))
		d = append(d, k.credID...)
		d = append(d, k.coseKey(t)...)
	}
	return d
}

func (k *softKey) sign(t testing.TB, msg []byte) []byte {
	t.Helper()
	switch k.alg {
	case algES256:
		h := sha256.Sum256(msg)
		sig, err := ecdsa.SignASN1(rand.Reader, k.ec, h[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case algES384:
		h := sha512.Sum384(msg)
		sig, err := ecdsa.SignASN1(rand.Reader, k.ec, h[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	default:
		sig, err := k.ed.Sign(rand.Reader, msg, crypto.Hash(0))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

// credDescriptor is a PublicKeyCredentialDescriptor in options.
type credDescriptor struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// creationOptions is the part of PublicKeyCredentialCreationOptions the
// soft authenticator reads.
type creationOptions struct {
	PublicKey struct {
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
		ExcludeCredentials     []credDescriptor `json:"excludeCredentials"`
		AuthenticatorSelection struct {
			ResidentKey        string `json:"residentKey"`
			RequireResidentKey bool   `json:"requireResidentKey"`
			UserVerification   string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Attestation string `json:"attestation"`
		Timeout     int    `json:"timeout"`
	} `json:"publicKey"`
}

type requestOptions struct {
	PublicKey struct {
		Challenge        string           `json:"challenge"`
		RPID             string           `json:"rpId"`
		Timeout          int              `json:"timeout"`
		UserVerification string           `json:"userVerification"`
		AllowCredentials []credDescriptor `json:"allowCredentials"`
	} `json:"publicKey"`
}

// errExcluded is the InvalidStateError a browser raises when the
// authenticator holds an excluded credential.
var errExcluded = errors.New("soft authenticator: credential excluded")

// errNotAllowed is the NotAllowedError of an assertion no allowed
// credential can answer.
var errNotAllowed = errors.New("soft authenticator: credential not allowed")

// create answers navigator.credentials.create(options) with the
// PublicKeyCredential JSON a browser would post (toJSON()).
func (k *softKey) create(t testing.TB, options []byte) ([]byte, error) {
	t.Helper()
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatalf("creation options: %v", err)
	}
	if !k.ignoreExclusions {
		for _, ex := range o.PublicKey.ExcludeCredentials {
			if ex.ID == b64.EncodeToString(k.credID) {
				return nil, errExcluded
			}
		}
	}
	handle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		t.Fatalf("user.id: %v", err)
	}
	k.userHandle = handle
	cd := k.clientData("webauthn.create", o.PublicKey.Challenge)
	att := ctap2CBOR(t, map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(t, o.PublicKey.RP.ID, true)})
	id := b64.EncodeToString(k.credID)
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

// get answers navigator.credentials.get(options) with the
// PublicKeyCredential JSON a browser would post.
func (k *softKey) get(t testing.TB, options []byte) ([]byte, error) {
	t.Helper()
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatalf("request options: %v", err)
	}
	id := b64.EncodeToString(k.credID)
	if len(o.PublicKey.AllowCredentials) > 0 && !k.ignoreAllowList &&
		!slices.ContainsFunc(o.PublicKey.AllowCredentials, func(c credDescriptor) bool { return c.ID == id }) {
		return nil, errNotAllowed
	}
	k.counter += k.step
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	ad := k.authData(t, o.PublicKey.RPID, false)
	cdHash := sha256.Sum256(cd)
	sig := k.sign(t, slices.Concat(ad, cdHash[:]))
	b, _ := json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(k.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
	return b, nil
}

func (k *softKey) mustCreate(t testing.TB, options []byte) []byte {
	t.Helper()
	b, err := k.create(t, options)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (k *softKey) mustGet(t testing.TB, options []byte) []byte {
	t.Helper()
	b, err := k.get(t, options)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
