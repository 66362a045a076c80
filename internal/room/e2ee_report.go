package room

import (
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

// ReportIdentityChanged records that this participant's client saw the
// peer identity announce identityKey, which is not the key it knew: an
// e2ee_identity_changed security event (Actor the reporter, Subject the
// peer, Reason the key's fingerprint, "sha256:" and the first 16 bytes
// of its SHA-256 in hex). The room must require end-to-end encryption.
// Whether the report is true the server cannot tell: it records who
// said what, for the operator to look at.
func (p *Participant) ReportIdentityChanged(peer Identity, identityKey []byte) error {
	r := p.room
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return ErrRoomClosed
	}
	if r.spec.E2EE != E2EERequired || p.info.E2EE == nil {
		r.mu.Unlock()
		return ErrE2EEOff
	}
	if p.identityReports >= MaxIdentityReports {
		r.mu.Unlock()
		return ErrTooManyReports
	}
	p.identityReports++
	reporter, name := p.info.Identity, r.spec.Name
	r.mu.Unlock()
	sum := sha256.Sum256(identityKey)
	r.manager.SecurityRefused(name, SecurityEvent{
		Kind: SecurityE2EEIdentityChanged, Outcome: OutcomeSucceeded,
		Actor: string(reporter), Subject: string(peer), Reason: "sha256:" + hex.EncodeToString(sum[:16]),
	})
	return nil
}
