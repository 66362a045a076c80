package room

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"github.com/conclave-video/conclave/protocol"
)

// MaxIdentityReports bounds the e2ee_identity_changed reports one
// participant's session may make: each is a high-severity event that
// reaches webhooks, so one client cannot page the operator at will.
// Past it a report is refused (rate_limited) and not recorded; within
// it, reports of the same peer and key are throttled as refusals are
// (refusals.go): the first in RefusalEventInterval is published, the
// others counted.
const MaxIdentityReports = 16

// ErrTooManyReports refuses a report past MaxIdentityReports.
var ErrTooManyReports = &Error{protocol.CodeRateLimited, "", "this session has reported as many identity key changes as it may"}

// Reports refused: in a room without end-to-end encryption, and those the
// room can refute (the peer is not in the room, or does not announce the
// key reported).
var (
	ErrE2EEOffReport           = &Error{protocol.CodeE2EEOff, "", "the room does not use end-to-end encryption: it has no identity keys to report"}
	ErrReportedPeerAbsent      = &Error{protocol.CodeUnknownParticipant, "", "the identity reported is not in the room"}
	ErrReportedKeyNotAnnounced = &Error{protocol.CodeBadMessage, "", "the identity key reported is not the one this peer announces"}
)

// ReportIdentityChanged records that this participant's client saw the
// peer identity announce identityKey, which is not the key it knew: an
// e2ee_identity_changed security event (Actor the reporter, Subject the
// peer, Reason the key's fingerprint, "sha256:" and the first 16 bytes
// of its SHA-256 in hex; IP the reporter's address). The room must
// require end-to-end encryption, and the peer must be in it announcing
// identityKey: a report of anyone else, or of a key nobody announces, is
// refused and not recorded. Whether the peer announced another key
// before, the server cannot tell: it records who said what, for the
// operator to look at.
func (p *Participant) ReportIdentityChanged(peer Identity, identityKey []byte) error {
	r := p.room
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return ErrRoomClosed
	}
	if r.spec.E2EE != E2EERequired || p.info.E2EE == nil {
		r.mu.Unlock()
		return ErrE2EEOffReport
	}
	if p.identityReports >= MaxIdentityReports {
		r.mu.Unlock()
		return ErrTooManyReports
	}
	if err := r.announcesLocked(peer, identityKey); err != nil {
		r.mu.Unlock()
		return err
	}
	p.identityReports++
	reporter, addr, name := p.info.Identity, p.info.Addr, r.spec.Name
	r.mu.Unlock()
	sum := sha256.Sum256(identityKey)
	r.manager.SecurityRefused(name, SecurityEvent{
		Kind: SecurityE2EEIdentityChanged, Outcome: OutcomeSucceeded,
		Actor: string(reporter), Subject: string(peer), IP: addr, Reason: "sha256:" + hex.EncodeToString(sum[:16]),
	})
	return nil
}

// announcesLocked checks that peer is in r announcing identityKey.
// Called with r.mu held.
func (r *Room) announcesLocked(peer Identity, identityKey []byte) error {
	for _, q := range r.participants {
		if q.info.Identity != peer || q.left {
			continue
		}
		if q.info.E2EE == nil || !bytes.Equal(q.info.E2EE.IdentityKey, identityKey) {
			return ErrReportedKeyNotAnnounced
		}
		return nil
	}
	return ErrReportedPeerAbsent
}
