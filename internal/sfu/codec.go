package sfu

import (
	"encoding/hex"
	"strings"

	"github.com/pion/webrtc/v4"
)

// matchCodec picks from offered (a subscriber's negotiated codecs) the one
// that can carry the publisher's codec pub unchanged: same MIME type and
// clock rate, and for H264 the same packetization mode and profile, for VP9
// the same profile. An identical fmtp line is preferred.
func matchCodec(pub webrtc.RTPCodecParameters, offered []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	var found webrtc.RTPCodecParameters
	ok := false
	for _, c := range offered {
		if !strings.EqualFold(c.MimeType, pub.MimeType) || c.ClockRate != pub.ClockRate ||
			!fmtpCompatible(pub.MimeType, pub.SDPFmtpLine, c.SDPFmtpLine) {
			continue
		}
		if c.SDPFmtpLine == pub.SDPFmtpLine {
			return c, true
		}
		if !ok {
			found, ok = c, true
		}
	}
	return found, ok
}

// fmtpCompatible reports whether a decoder negotiated with fmtp line b can
// decode a stream described by fmtp line a.
func fmtpCompatible(mime, a, b string) bool {
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeH264):
		pa, pb := fmtpParams(a), fmtpParams(b)
		return param(pa, "packetization-mode", "0") == param(pb, "packetization-mode", "0") &&
			sameH264Profile(param(pa, "profile-level-id", "42001f"), param(pb, "profile-level-id", "42001f"))
	case strings.EqualFold(mime, webrtc.MimeTypeVP9):
		return param(fmtpParams(a), "profile-id", "0") == param(fmtpParams(b), "profile-id", "0")
	default:
		return true
	}
}

// sameH264Profile compares profile_idc and profile_iop, the first two bytes
// of profile-level-id; the level may differ.
func sameH264Profile(a, b string) bool {
	x, errA := hex.DecodeString(a)
	y, errB := hex.DecodeString(b)
	return errA == nil && errB == nil && len(x) == 3 && len(y) == 3 && x[0] == y[0] && x[1] == y[1]
}

func fmtpParams(line string) map[string]string {
	m := make(map[string]string)
	for _, kv := range strings.Split(line, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if k != "" {
			m[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func param(m map[string]string, key, def string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return def
}
