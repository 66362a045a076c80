// Package webhook is what a receiver of Conclave's security-event
// webhooks needs (docs/webhooks.md): the signature scheme, a Verifier
// that checks a delivery's signature in constant time and refuses stale
// and replayed deliveries, and the Event a delivery carries. Conclave
// signs with the same code (Sign), so the two cannot drift apart.
//
// A delivery is an HTTP POST whose body is one JSON Event, with three
// headers:
//
//	Conclave-Webhook-Id:        the delivery's unique id (1 to 128 of A-Z a-z 0-9 _ -)
//	Conclave-Webhook-Timestamp: when it was signed, Unix seconds (decimal)
//	Conclave-Webhook-Signature: v1=HEX[,v1=HEX...]
//
// where HEX is the lower-case hex HMAC-SHA256, keyed with the shared
// secret, of timestamp + "." + id + "." + body (the bytes exactly as
// received). Several v1= values may be listed while a secret is rotated;
// one matching is enough. A retry of a delivery keeps its id and is
// signed again with a new timestamp.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderID        = "Conclave-Webhook-Id"
	HeaderTimestamp = "Conclave-Webhook-Timestamp"
	HeaderSignature = "Conclave-Webhook-Signature"
)

// Limits.
const (
	// DefaultTolerance is how far a delivery's timestamp may be from the
	// receiver's clock, either way.
	DefaultTolerance = 5 * time.Minute
	// MaxIDBytes bounds a delivery id.
	MaxIDBytes = 128
	// MaxSignatureHeaderBytes bounds the signature header; at most
	// MaxSignatures values are looked at.
	MaxSignatureHeaderBytes = 1024
	MaxSignatures           = 8
	// MaxBodyBytes bounds a delivery's body (VerifyRequest reads no
	// more).
	MaxBodyBytes = 64 << 10
	// MinSecretBytes is the shortest secret Conclave accepts.
	MinSecretBytes = 32
	// scheme is the signature's version prefix.
	scheme = "v1="
)

// Errors of Verify; errors.Is tells them apart.
var (
	ErrMissingHeader = errors.New("webhook: a signature header is missing")
	ErrMalformed     = errors.New("webhook: a signature header is malformed")
	ErrStale         = errors.New("webhook: the timestamp is outside the tolerance")
	ErrBadSignature  = errors.New("webhook: no signature matches")
	ErrReplayed      = errors.New("webhook: this delivery id was seen already")
	ErrTooLarge      = errors.New("webhook: the body is too large")
	// ErrNoSecret: the Verifier has no secret of MinSecretBytes or more
	// (an unset environment variable must not make every signature made
	// with an empty key pass).
	ErrNoSecret = errors.New("webhook: the verifier has no secret of at least 32 bytes")
)

// Sign is the signature of a delivery: "v1=" and the hex HMAC-SHA256,
// keyed with secret, of ts (Unix seconds) + "." + id + "." + body.
func Sign(secret []byte, id string, ts int64, body []byte) string {
	return scheme + hex.EncodeToString(mac(secret, id, ts, body))
}

func mac(secret []byte, id string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// SetHeaders sets the three headers of a delivery signed at ts.
func SetHeaders(h http.Header, secret []byte, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, id, ts.Unix(), body))
}

// Signed is what ParseHeaders reads: a delivery's id, timestamp and
// signatures (each 32 bytes).
type Signed struct {
	ID         string
	Timestamp  int64
	Signatures [][]byte
}

// ParseHeaders reads the three headers. It checks their form only.
func ParseHeaders(h http.Header) (Signed, error) {
	var s Signed
	id, ts, sig := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sig == "" {
		return s, ErrMissingHeader
	}
	if !validID(id) {
		return s, fmt.Errorf("%w: %s", ErrMalformed, HeaderID)
	}
	s.ID = id
	if len(ts) > 12 || strings.TrimLeft(ts, "0123456789") != "" {
		return s, fmt.Errorf("%w: %s", ErrMalformed, HeaderTimestamp)
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return s, fmt.Errorf("%w: %s", ErrMalformed, HeaderTimestamp)
	}
	s.Timestamp = n
	if len(sig) > MaxSignatureHeaderBytes {
		return s, fmt.Errorf("%w: %s", ErrMalformed, HeaderSignature)
	}
	for part := range strings.SplitSeq(sig, ",") {
		part = strings.TrimSpace(part)
		v, ok := strings.CutPrefix(part, scheme)
		if !ok {
			continue // another scheme: a later version's
		}
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != sha256.Size {
			return s, fmt.Errorf("%w: %s", ErrMalformed, HeaderSignature)
		}
		if len(s.Signatures) == MaxSignatures {
			return s, fmt.Errorf("%w: %s: more than %d signatures", ErrMalformed, HeaderSignature, MaxSignatures)
		}
		s.Signatures = append(s.Signatures, b)
	}
	if len(s.Signatures) == 0 {
		return s, fmt.Errorf("%w: %s: no v1 signature", ErrMalformed, HeaderSignature)
	}
	return s, nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDBytes {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Verifier checks deliveries. Its zero value is not usable: set Secrets.
type Verifier struct {
	// Secrets are the shared secrets; a delivery signed with any of them
	// is accepted (more than one while rotating). A secret shorter than
	// MinSecretBytes is never used.
	Secrets [][]byte
	// Tolerance is how far the timestamp may be from Now (0:
	// DefaultTolerance).
	Tolerance time.Duration
	// Seen remembers delivery ids to refuse replays (nil: replays are
	// not checked; use NewMemorySeen unless ids are shared between
	// several receivers).
	Seen SeenStore
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// SeenStore remembers delivery ids.
type SeenStore interface {
	// Remember records id until the time given and reports whether it
	// was new; an error refuses the delivery (the store is full).
	Remember(id string, until time.Time) (fresh bool, err error)
}

// Verify checks a delivery's headers and body: form, timestamp within
// the tolerance, a signature that matches (compared in constant time),
// and, only then, that its id was not seen before. On success it returns
// the headers read.
func (v *Verifier) Verify(h http.Header, body []byte) (Signed, error) {
	s, err := ParseHeaders(h)
	if err != nil {
		return s, err
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	at := time.Unix(s.Timestamp, 0)
	if d := now().Sub(at); d > tol || d < -tol {
		return s, ErrStale
	}
	ok, usable := false, false
	for _, secret := range v.Secrets {
		if len(secret) < MinSecretBytes {
			continue
		}
		usable = true
		want := mac(secret, s.ID, s.Timestamp, body)
		for _, got := range s.Signatures {
			if hmac.Equal(got, want) {
				ok = true
			}
		}
	}
	if !usable {
		return s, ErrNoSecret
	}
	if !ok {
		return s, ErrBadSignature
	}
	if v.Seen != nil {
		// Kept past the tolerance on both sides: a copy is stale by
		// the time the id is forgotten.
		fresh, err := v.Seen.Remember(s.ID, at.Add(tol).Add(time.Second))
		if err != nil {
			return s, err
		}
		if !fresh {
			return s, ErrReplayed
		}
	}
	return s, nil
}

// VerifyRequest reads r's body (at most MaxBodyBytes) and verifies it;
// it returns the body on success.
func (v *Verifier) VerifyRequest(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("webhook: reading the body: %w", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, ErrTooLarge
	}
	if _, err := v.Verify(r.Header, body); err != nil {
		return nil, err
	}
	return body, nil
}
