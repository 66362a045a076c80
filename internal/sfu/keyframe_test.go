package sfu

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestKeyframeStart(t *testing.T) {
	for _, c := range []struct {
		name    string
		mime    string
		payload []byte
		key     bool
	}{
		{"vp8 key frame", webrtc.MimeTypeVP8, []byte{0x10, 0x00}, true},
		{"vp8 delta frame", webrtc.MimeTypeVP8, []byte{0x10, 0x01}, false},
		{"vp8 not a frame start", webrtc.MimeTypeVP8, []byte{0x00, 0x00}, false},
		{"vp8 partition 1", webrtc.MimeTypeVP8, []byte{0x11, 0x00}, false},
		{"vp8 15-bit picture id, TL0PICIDX, TID", webrtc.MimeTypeVP8, []byte{0x90, 0xE0, 0x81, 0x23, 0x05, 0x20, 0x00}, true},
		{"vp8 7-bit picture id, delta", webrtc.MimeTypeVP8, []byte{0x90, 0x80, 0x12, 0x01}, false},
		{"vp8 truncated", webrtc.MimeTypeVP8, []byte{0x90, 0x80}, false},
		{"vp9 key frame start", webrtc.MimeTypeVP9, []byte{0x08}, true},
		{"vp9 inter frame", webrtc.MimeTypeVP9, []byte{0x48}, false},
		{"vp9 not a frame start", webrtc.MimeTypeVP9, []byte{0x04}, false},
		{"h264 idr", webrtc.MimeTypeH264, []byte{0x65}, true},
		{"h264 sps", webrtc.MimeTypeH264, []byte{0x67}, true},
		{"h264 non-idr slice", webrtc.MimeTypeH264, []byte{0x41}, false},
		{"h264 stap-a opening with an sps", webrtc.MimeTypeH264, []byte{0x18, 0x00, 0x04, 0x67}, true},
		{"h264 fu-a starting an idr", webrtc.MimeTypeH264, []byte{0x7C, 0x85}, true},
		{"h264 fu-a continuing an idr", webrtc.MimeTypeH264, []byte{0x7C, 0x05}, false},
		{"empty", webrtc.MimeTypeH264, nil, false},
	} {
		key, known := keyframeStart(c.mime, c.payload)
		if key != c.key || !known {
			t.Errorf("%s: key %v known %v, want %v true", c.name, key, known, c.key)
		}
	}
	if _, known := keyframeStart(webrtc.MimeTypeAV1, []byte{0}); known {
		t.Error("AV1 reported as known")
	}
}
