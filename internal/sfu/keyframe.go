package sfu

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// keyframeStart reports whether payload (an RTP payload of the codec mime)
// is the first packet of a key frame. known is false for codecs it cannot
// read; the payload is never trusted beyond its length.
func keyframeStart(mime string, payload []byte) (key, known bool) {
	f := keyframeReader(mime)
	if f == nil {
		return false, false
	}
	return f(payload), true
}

// keyframeReader returns the function that recognises the first packet of
// a key frame of the codec mime, or nil for a codec it cannot read.
func keyframeReader(mime string) func(payload []byte) bool {
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeVP8):
		return vp8KeyframeStart
	case strings.EqualFold(mime, webrtc.MimeTypeVP9):
		return vp9KeyframeStart
	case strings.EqualFold(mime, webrtc.MimeTypeH264):
		return h264KeyframeStart
	}
	return nil
}

// vp9KeyframeStart reads the first byte of the RFC 9628 payload descriptor,
// I|P|L|F|B|E|V|Z: a key frame starts with B set and P (inter-picture
// predicted) clear.
func vp9KeyframeStart(p []byte) bool {
	return len(p) > 0 && p[0]&0x08 != 0 && p[0]&0x40 == 0
}

// vp8KeyframeStart reads the RFC 7741 payload descriptor: the start (S) of
// partition 0, then the P bit of the VP8 payload header (0 = key frame).
func vp8KeyframeStart(p []byte) bool {
	if len(p) < 1 || p[0]&0x10 == 0 || p[0]&0x07 != 0 { // S, and partition index 0
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X: extension byte
		if len(p) < 2 {
			return false
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: picture id, 7 or 15 bits
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
			i++
		}
	}
	return len(p) > i && p[i]&0x01 == 0
}

// h264KeyframeStart reports an IDR slice or a sequence parameter set (which
// opens a key frame in what browsers send), alone, first in a STAP-A, or
// starting an FU-A (RFC 6184).
func h264KeyframeStart(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch t := p[0] & 0x1f; t {
	case 5, 7:
		return true
	case 24: // STAP-A: 2-byte size, then the first NAL unit's header
		return len(p) > 3 && (p[3]&0x1f == 5 || p[3]&0x1f == 7)
	case 28: // FU-A: start bit and the fragmented unit's type
		return len(p) > 1 && p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
}
