package e2ee

import (
	"crypto/ed25519"
	"errors"
	"fmt"
)

// Errors of sealed data messages. Either means the message is dropped and
// reported to the application as undecryptable.
var (
	// ErrDataMessage is returned (wrapped) for bytes that are not a sealed
	// data message: too short, wrong version or type, bad SFrame header.
	ErrDataMessage = errors.New("e2ee: malformed sealed data message")
	// ErrDataSignature is returned for a sealed data message whose
	// signature does not verify with the sender's identity key for this
	// room, sender and topic.
	ErrDataSignature = errors.New("e2ee: sealed data signature does not verify")
)

// minSealedLen is the shortest sealed data message: version, type, a
// one-byte SFrame header, a tag and a signature.
const minSealedLen = 2 + 1 + tagLen + SignatureLen

// dataMetadata is the SFrame metadata of a data message.
func dataMetadata(room, sender, topic string) ([]byte, error) {
	return labeled(0, labelData, room, sender, topic)
}

// dataSigned is what a data message's signature covers.
func dataSigned(room, sender, topic string, unsigned []byte) ([]byte, error) {
	msg, err := labeled(len(unsigned), labelDataSignature, room, sender, topic)
	if err != nil {
		return nil, err
	}
	return append(msg, unsigned...), nil
}

// SealDataMessage seals payload, sent by participant sender on topic in
// room, with data key k and counter ctr, and signs it with id, the
// sender's identity. It never checks ctr: a Session counts.
func SealDataMessage(id *Identity, k *Key, ctr uint64, room, sender, topic string, payload []byte) ([]byte, error) {
	meta, err := dataMetadata(room, sender, topic)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 2+MaxHeaderLen+len(payload)+tagLen+SignatureLen)
	out = append(out, Version, TypeSealedData)
	out = k.Seal(out, ctr, meta, payload)
	msg, err := dataSigned(room, sender, topic, out)
	if err != nil {
		return nil, err
	}
	return append(out, id.sign(msg)...), nil
}

// ParseDataMessage checks a sealed data message's framing and returns its
// SFrame header, so that the receiver can find the sender's data key. It
// neither verifies nor opens it.
func ParseDataMessage(sealed []byte) (Header, error) {
	if len(sealed) < minSealedLen {
		return Header{}, fmt.Errorf("%w: %d bytes", ErrDataMessage, len(sealed))
	}
	if sealed[0] != Version || sealed[1] != TypeSealedData {
		return Header{}, fmt.Errorf("%w: version %d type %d", ErrDataMessage, sealed[0], sealed[1])
	}
	h, n, err := ParseHeader(sealed[2 : len(sealed)-SignatureLen])
	if err != nil {
		return Header{}, fmt.Errorf("%w: %w", ErrDataMessage, err)
	}
	if 2+n+tagLen > len(sealed)-SignatureLen {
		return Header{}, fmt.Errorf("%w: no room for a tag", ErrDataMessage)
	}
	return h, nil
}

// OpenDataMessage verifies sealed, sent by participant sender on topic in
// room, with the sender's identity key, then opens it with k, the sender's
// data key for the KID in its header, and returns the payload.
func OpenDataMessage(identityKey ed25519.PublicKey, k *Key, room, sender, topic string, sealed []byte) ([]byte, error) {
	if _, err := ParseDataMessage(sealed); err != nil {
		return nil, err
	}
	if err := verifyData(identityKey, room, sender, topic, sealed); err != nil {
		return nil, err
	}
	meta, err := dataMetadata(room, sender, topic)
	if err != nil {
		return nil, err
	}
	_, pt, err := k.Open(nil, sealed[2:len(sealed)-SignatureLen], meta)
	return pt, err
}

// verifyData checks a sealed message's signature; its framing is checked.
func verifyData(identityKey ed25519.PublicKey, room, sender, topic string, sealed []byte) error {
	unsigned, sig := sealed[:len(sealed)-SignatureLen], sealed[len(sealed)-SignatureLen:]
	msg, err := dataSigned(room, sender, topic, unsigned)
	if err != nil {
		return err
	}
	if !verifySignature(identityKey, msg, sig) {
		return ErrDataSignature
	}
	return nil
}
