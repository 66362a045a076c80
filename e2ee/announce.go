package e2ee

import (
	"crypto/hpke"
	"errors"
	"fmt"
)

// Errors of an announcement. The server refuses a join whose announcement
// is ErrAnnouncement; participants give no sender key to one whose
// announcement is either.
var (
	// ErrAnnouncement is returned (wrapped) for an announcement whose keys
	// or signature have the wrong size, or whose KEM key does not parse.
	ErrAnnouncement = errors.New("e2ee: malformed announcement")
	// ErrAnnouncementSignature is returned for an announcement whose
	// signature does not verify for the room and identity it is shown with.
	ErrAnnouncementSignature = errors.New("e2ee: announcement signature does not verify")
)

// Announcement is what a participant publishes in join: its identity key
// and this session's KEM key, bound to the room and its identity by a
// signature. The JSON field names are those of the join message.
type Announcement struct {
	IdentityKey []byte `json:"identity_key"`
	KEMKey      []byte `json:"kem_key"`
	Signature   []byte `json:"signature"`
}

// Announce signs the announcement of kem for room and identity, the join
// token's room and sub claims.
func (id *Identity) Announce(room, identity string, kem *KEMKey) (Announcement, error) {
	a := Announcement{IdentityKey: id.Public(), KEMKey: kem.PublicBytes()}
	msg, err := a.signed(room, identity)
	if err != nil {
		return Announcement{}, err
	}
	a.Signature = id.sign(msg)
	return a, nil
}

// signed is the message an announcement's signature covers.
func (a Announcement) signed(room, identity string) ([]byte, error) {
	msg, err := labeled(len(a.IdentityKey)+len(a.KEMKey), labelAnnounce, room, identity)
	if err != nil {
		return nil, err
	}
	msg = append(msg, a.IdentityKey...)
	return append(msg, a.KEMKey...), nil
}

// CheckSizes reports whether the announcement's three fields have their
// sizes (32, 1,216 and 64 bytes), as ErrAnnouncement if not. It is the
// check the server makes.
func (a Announcement) CheckSizes() error {
	switch {
	case len(a.IdentityKey) != IdentityKeyLen:
		return fmt.Errorf("%w: identity key is %d bytes, want %d", ErrAnnouncement, len(a.IdentityKey), IdentityKeyLen)
	case len(a.KEMKey) != KEMPublicKeyLen:
		return fmt.Errorf("%w: KEM key is %d bytes, want %d", ErrAnnouncement, len(a.KEMKey), KEMPublicKeyLen)
	case len(a.Signature) != SignatureLen:
		return fmt.Errorf("%w: signature is %d bytes, want %d", ErrAnnouncement, len(a.Signature), SignatureLen)
	}
	return nil
}

// Verify checks the announcement's sizes, that its KEM key parses, and its
// signature for room and identity, the room and identity the server shows
// the participant with.
func (a Announcement) Verify(room, identity string) error {
	_, err := a.verify(room, identity)
	return err
}

// verify is Verify, returning the parsed KEM key.
func (a Announcement) verify(room, identity string) (hpke.PublicKey, error) {
	if err := a.CheckSizes(); err != nil {
		return nil, err
	}
	msg, err := a.signed(room, identity)
	if err != nil {
		return nil, err
	}
	if !verifySignature(a.IdentityKey, msg, a.Signature) {
		return nil, ErrAnnouncementSignature
	}
	pub, err := parseKEMPublic(a.KEMKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAnnouncement, err)
	}
	return pub, nil
}
