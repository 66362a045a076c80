package rtc

import (
	"fmt"

	"github.com/pion/sdp/v3"
)

// MaxMediaSections bounds the m-lines one offer may carry.
const MaxMediaSections = 32

// validateOffer checks what pion checks only after changing state: an offer
// must parse, carry between 1 and MaxMediaSections media sections, and give
// ICE credentials and a DTLS fingerprint for each (at session or media
// level). A refused offer leaves the PeerConnection untouched.
func validateOffer(raw string) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	if len(d.MediaDescriptions) == 0 || len(d.MediaDescriptions) > MaxMediaSections {
		return fmt.Errorf("%w: %d media sections (1..%d allowed)", ErrBadSDP, len(d.MediaDescriptions), MaxMediaSections)
	}
	_, sUfrag := d.Attribute("ice-ufrag")
	_, sPwd := d.Attribute("ice-pwd")
	_, sFP := d.Attribute("fingerprint")
	for i, m := range d.MediaDescriptions {
		_, ufrag := m.Attribute("ice-ufrag")
		_, pwd := m.Attribute("ice-pwd")
		_, fp := m.Attribute("fingerprint")
		if !(ufrag || sUfrag) || !(pwd || sPwd) || !(fp || sFP) {
			return fmt.Errorf("%w: media section %d lacks ICE credentials or a DTLS fingerprint", ErrBadSDP, i)
		}
	}
	return nil
}
