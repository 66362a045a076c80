package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CheckpointKind says what a checkpoint signs.
type CheckpointKind string

// Checkpoint kinds.
const (
	// KindHead signs the hash of record Seq: every record up to it, by
	// the chain.
	KindHead CheckpointKind = "head"
	// KindPruned says records up to Seq were pruned, the last of them
	// with hash Head: the record after it must follow Head.
	KindPruned CheckpointKind = "pruned"
)

// Checkpoint is a signed statement of the log's state at Seq.
type Checkpoint struct {
	Kind      CheckpointKind
	Seq       int64
	Head      Hash
	Time      time.Time
	KeyID     string
	Signature []byte
}

// checkpointDomain starts every checkpoint's signed message (domain
// separation: the server key also signs tokens).
const checkpointDomain = "conclave audit checkpoint v1"

// SignedMessage is the message a checkpoint's signature is over
// (docs/audit.md, "Checkpoint encoding"): the domain, kind and key id as
// length-prefixed strings, then seq and time (Unix nanoseconds) as 8
// bytes big-endian and the 32-byte head.
func (c *Checkpoint) SignedMessage() []byte {
	b := make([]byte, 0, 128)
	b = appendString(b, checkpointDomain)
	b = appendString(b, string(c.Kind))
	b = appendString(b, c.KeyID)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(c.Time.UnixNano()))
	return append(b, c.Head[:]...)
}

// sign fills in KeyID and Signature.
func (c *Checkpoint) sign(keyID string, key ed25519.PrivateKey) {
	c.KeyID = keyID
	c.Signature = ed25519.Sign(key, c.SignedMessage())
}

// VerifiedBy reports whether one of keys signed c.
func (c *Checkpoint) VerifiedBy(keys []ed25519.PublicKey) bool {
	if len(c.Signature) != ed25519.SignatureSize {
		return false
	}
	msg := c.SignedMessage()
	for _, k := range keys {
		if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, c.Signature) {
			return true
		}
	}
	return false
}

// publicKeyPrefix starts a public key as `conclave audit pubkey` prints
// it, like "ck_sk_" starts a private key.
const publicKeyPrefix = "ck_pk_"

// FormatPublicKey is "ck_pk_" and the key's 32 bytes in unpadded
// base64url.
func FormatPublicKey(k ed25519.PublicKey) string {
	return publicKeyPrefix + base64.RawURLEncoding.EncodeToString(k)
}

// ParsePublicKey is the inverse of FormatPublicKey.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), publicKeyPrefix)
	if !ok {
		return nil, errors.New("audit: public key does not start with " + publicKeyPrefix)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("audit: public key is not %d bytes of unpadded base64url", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}
