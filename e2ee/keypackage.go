package e2ee

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Sizes of the key messages.
const (
	// SenderKeyLen is the size of a sender key key(e, s).
	SenderKeyLen = 32
	// KeyPackageLen is the size of a key package: version, type, KID,
	// HPKE enc and ciphertext, signature.
	KeyPackageLen = 2 + 8 + kemEncLen + SenderKeyLen + 16 + SignatureLen // 1,242
	// AckLen is the size of an acknowledgement: version, type, KID.
	AckLen = 2 + 8
	// MaxStep is the last step of an epoch: a key at MaxStep is not
	// ratcheted.
	MaxStep = 255
)

// Errors of key packages and acknowledgements. OpenKeyPackage's errors all
// mean the package is dropped and not acknowledged.
var (
	// ErrKeyPackage is returned (wrapped) for bytes that are not a key
	// package or an acknowledgement: wrong size, version, type or KID.
	ErrKeyPackage = errors.New("e2ee: malformed key package")
	// ErrKeyPackageSignature is returned for a key package whose signature
	// does not verify with the sender's identity key for this room, sender
	// and recipient.
	ErrKeyPackageSignature = errors.New("e2ee: key package signature does not verify")
	// ErrKeyPackageOpen is returned for a key package, correctly signed,
	// that this recipient's KEM key cannot open.
	ErrKeyPackageOpen = errors.New("e2ee: key package does not open")
)

// KeyID is the SFrame KID of the sender key at epoch and step: e<<8 | s.
func KeyID(epoch uint32, step uint8) uint64 { return uint64(epoch)<<8 | uint64(step) }

// SplitKeyID is the epoch and step of kid, and whether kid is one a sender
// key can have (1 <= epoch < 2^32).
func SplitKeyID(kid uint64) (epoch uint32, step uint8, ok bool) {
	e := kid >> 8
	if e == 0 || e > math.MaxUint32 {
		return 0, 0, false
	}
	return uint32(e), uint8(kid), true
}

// Ratchet is key(e, s+1) from key(e, s).
func Ratchet(key []byte) []byte { return derive(key, labelRatchet) }

// MediaBaseKey is the SFrame base key for media frames sealed with key.
func MediaBaseKey(key []byte) []byte { return derive(key, labelMedia) }

// DataBaseKey is the SFrame base key for data messages sealed with key.
func DataBaseKey(key []byte) []byte { return derive(key, labelData) }

// derive is HKDF-SHA256(key, info, 32) with an empty salt.
func derive(key []byte, info string) []byte {
	out, err := hkdf.Key(sha256.New, key, nil, info, SenderKeyLen)
	if err != nil {
		panic("e2ee: HKDF-SHA256 refused 32 bytes: " + err.Error()) // impossible: 32 <= 255*32
	}
	return out
}

// keyInfo is the HPKE info of a key package.
func keyInfo(room, sender, recipient string, kid uint64) ([]byte, error) {
	info, err := labeled(8, labelKey, room, sender, recipient)
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint64(info, kid), nil
}

// keyPackageSigned is what a key package's signature covers: the label,
// room, sender and recipient, then the package without its signature.
func keyPackageSigned(room, sender, recipient string, unsigned []byte) ([]byte, error) {
	msg, err := labeled(len(unsigned), labelKeyPackage, room, sender, recipient)
	if err != nil {
		return nil, err
	}
	return append(msg, unsigned...), nil
}

// SealKeyPackage seals key(e, s) (key, 32 bytes, with KID kid) from
// participant sender to participant recipient, whose announced KEM public
// key is recipientKEM, and signs it with id, the sender's identity. It
// returns the KeyPackageLen bytes of the package.
func SealKeyPackage(id *Identity, room, sender, recipient string, recipientKEM []byte, kid uint64, key []byte) ([]byte, error) {
	pub, err := parseKEMPublic(recipientKEM)
	if err != nil {
		return nil, fmt.Errorf("e2ee: recipient %w", err)
	}
	return sealKeyPackage(id, room, sender, recipient, pub, kid, key)
}

func sealKeyPackage(id *Identity, room, sender, recipient string, pub hpke.PublicKey, kid uint64, key []byte) ([]byte, error) {
	if _, _, ok := SplitKeyID(kid); !ok {
		return nil, fmt.Errorf("e2ee: KID %d has no epoch", kid)
	}
	if len(key) != SenderKeyLen {
		return nil, fmt.Errorf("e2ee: sender key is %d bytes, want %d", len(key), SenderKeyLen)
	}
	info, err := keyInfo(room, sender, recipient, kid)
	if err != nil {
		return nil, err
	}
	sealed, err := hpke.Seal(pub, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, key)
	if err != nil {
		return nil, err
	}
	pkg := make([]byte, 0, KeyPackageLen)
	pkg = append(pkg, Version, TypeKeyPackage)
	pkg = binary.BigEndian.AppendUint64(pkg, kid)
	pkg = append(pkg, sealed...)
	msg, err := keyPackageSigned(room, sender, recipient, pkg)
	if err != nil {
		return nil, err
	}
	return append(pkg, id.sign(msg)...), nil
}

// ParseKeyPackage checks pkg's size, version, type and KID, and returns
// the KID. It neither verifies nor opens it.
func ParseKeyPackage(pkg []byte) (uint64, error) {
	if len(pkg) != KeyPackageLen {
		return 0, fmt.Errorf("%w: %d bytes, want %d", ErrKeyPackage, len(pkg), KeyPackageLen)
	}
	if pkg[0] != Version || pkg[1] != TypeKeyPackage {
		return 0, fmt.Errorf("%w: version %d type %d", ErrKeyPackage, pkg[0], pkg[1])
	}
	kid := binary.BigEndian.Uint64(pkg[2:])
	if _, _, ok := SplitKeyID(kid); !ok {
		return 0, fmt.Errorf("%w: KID %d has no epoch", ErrKeyPackage, kid)
	}
	return kid, nil
}

// OpenKeyPackage verifies pkg, sent by participant sender to participant
// recipient in room, with the sender's identity key (from its verified
// announcement), opens it with the recipient's KEM key and returns the KID
// and the sender key it carries.
func OpenKeyPackage(kem *KEMKey, senderIdentityKey ed25519.PublicKey, room, sender, recipient string, pkg []byte) (kid uint64, key []byte, err error) {
	kid, err = ParseKeyPackage(pkg)
	if err != nil {
		return 0, nil, err
	}
	unsigned, sig := pkg[:KeyPackageLen-SignatureLen], pkg[KeyPackageLen-SignatureLen:]
	msg, err := keyPackageSigned(room, sender, recipient, unsigned)
	if err != nil {
		return 0, nil, err
	}
	if !verifySignature(senderIdentityKey, msg, sig) {
		return 0, nil, ErrKeyPackageSignature
	}
	info, err := keyInfo(room, sender, recipient, kid)
	if err != nil {
		return 0, nil, err
	}
	key, err = hpke.Open(kem.priv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, unsigned[10:])
	if err != nil || len(key) != SenderKeyLen {
		return 0, nil, ErrKeyPackageOpen
	}
	return kid, key, nil
}

// AppendAck appends the acknowledgement of the key package with KID kid.
func AppendAck(dst []byte, kid uint64) []byte {
	dst = append(dst, Version, TypeAck)
	return binary.BigEndian.AppendUint64(dst, kid)
}

// ParseAck returns the KID an acknowledgement acknowledges.
func ParseAck(ack []byte) (uint64, error) {
	if len(ack) != AckLen {
		return 0, fmt.Errorf("%w: acknowledgement is %d bytes, want %d", ErrKeyPackage, len(ack), AckLen)
	}
	if ack[0] != Version || ack[1] != TypeAck {
		return 0, fmt.Errorf("%w: version %d type %d", ErrKeyPackage, ack[0], ack[1])
	}
	kid := binary.BigEndian.Uint64(ack[2:])
	if _, _, ok := SplitKeyID(kid); !ok {
		return 0, fmt.Errorf("%w: KID %d has no epoch", ErrKeyPackage, kid)
	}
	return kid, nil
}
