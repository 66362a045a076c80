package e2ee

import (
	"errors"
)

// EncryptFrame encrypts a media frame of codec with the current key and
// the next media counter.
func (s *Session) EncryptFrame(codec Codec, frame []byte) ([]byte, error) {
	n, err := ClearPrefixLen(codec, frame)
	if err != nil {
		return nil, err
	}
	sender, err := s.sender(false)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(frame)+MaxHeaderLen+tagLen)
	out, err = sender.Seal(append(out, frame[:n]...), frame[:n], frame[n:])
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.stats.FramesEncrypted++
	s.mu.Unlock()
	return out, nil
}

// sender is the current key's media or data Sender.
func (s *Session) sender(data bool) (*Sender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.cur != nil && data:
		return s.cur.data, nil
	case s.cur != nil:
		return s.cur.media, nil
	case s.self != "":
		return nil, ErrEpochsExhausted
	}
	return nil, ErrNotJoined
}

// DecryptFrame decrypts a media frame of codec from participant sender. A
// frame that fails in any way returns an error, is counted in Stats, and
// must be dropped.
func (s *Session) DecryptFrame(sender string, codec Codec, frame []byte) ([]byte, error) {
	var m *member
	h, out, err := openFrame(nil, codec, frame, func(kid uint64) (*Key, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var err error
		if m, err = s.memberLocked(sender); err != nil {
			return nil, err
		}
		return m.key(kid, false)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		count(&s.stats.FramesDropped, err)
		return nil, err
	}
	s.stats.FramesDecrypted++
	m.seen(h.KID)
	return out, nil
}

// count adds a drop to the counter its error names.
func count(c *DropCounts, err error) {
	switch {
	case errors.Is(err, ErrUnknownMember):
		c.UnknownMember++
	case errors.Is(err, ErrUnverified):
		c.Unverified++
	case errors.Is(err, ErrUnknownKID):
		c.NoKey++
	case errors.Is(err, ErrAuth), errors.Is(err, ErrDataSignature):
		c.Auth++
	default:
		c.Malformed++
	}
}

// SealData seals a data message's payload on topic with the current key's
// data key and the next data counter, and signs it.
func (s *Session) SealData(topic string, payload []byte) ([]byte, error) {
	sender, err := s.sender(true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	self := s.self
	s.mu.Unlock()
	meta, err := dataMetadata(s.cfg.Room, self, topic)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 2+MaxHeaderLen+len(payload)+tagLen+SignatureLen)
	out, err = sender.Seal(append(out, Version, TypeSealedData), meta, payload)
	if err != nil {
		return nil, err
	}
	msg, err := dataSigned(s.cfg.Room, self, topic, out)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.stats.DataSealed++
	s.mu.Unlock()
	return append(out, s.cfg.ID.sign(msg)...), nil
}

// OpenData verifies and opens a sealed data message from participant
// sender on topic. A message that fails returns an error, is counted in
// Stats, and is to be reported to the application as undecryptable.
func (s *Session) OpenData(sender, topic string, sealed []byte) ([]byte, error) {
	pt, kid, m, err := s.openData(sender, topic, sealed)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		count(&s.stats.DataDropped, err)
		return nil, err
	}
	s.stats.DataOpened++
	m.seen(kid)
	return pt, nil
}

func (s *Session) openData(sender, topic string, sealed []byte) ([]byte, uint64, *member, error) {
	h, err := ParseDataMessage(sealed)
	if err != nil {
		return nil, 0, nil, err
	}
	s.mu.Lock()
	m, err := s.memberLocked(sender)
	s.mu.Unlock()
	if err != nil {
		return nil, 0, nil, err
	}
	// The signature first, so that forged messages derive no keys.
	if err := verifyData(m.Announcement.IdentityKey, s.cfg.Room, sender, topic, sealed); err != nil {
		return nil, 0, nil, err
	}
	s.mu.Lock()
	k, err := m.key(h.KID, true)
	s.mu.Unlock()
	if err != nil {
		return nil, 0, nil, err
	}
	meta, err := dataMetadata(s.cfg.Room, sender, topic)
	if err != nil {
		return nil, 0, nil, err
	}
	_, pt, err := k.Open(nil, sealed[2:len(sealed)-SignatureLen], meta)
	return pt, h.KID, m, err
}
