package client

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/conclave-video/conclave/e2ee"
)

// SampleTrack is a local track written one whole frame at a time, like
// webrtc.TrackLocalStaticSample, which it wraps. Published in a room that
// requires end-to-end encryption, it encrypts every frame before pion
// packetizes it (docs/e2ee.md, "Media frames"), so the server forwards
// frames it cannot read; elsewhere it sends frames as they are. It is the
// track to publish in such a room, and a client/media SampleWriter (Clip
// and Generator play into it).
//
// A SampleTrack is published by one client at most.
type SampleTrack struct {
	inner *webrtc.TrackLocalStaticSample
	codec e2ee.Codec // 0 for a codec an E2EE room does not carry
	sess  atomic.Pointer[e2ee.Session]
}

// ErrTrackInUse: the SampleTrack is already published by another client
// in a room with end-to-end encryption.
var ErrTrackInUse = errors.New("client: the track is published by another client")

// NewSampleTrack returns a SampleTrack of codec; id and streamID are those
// of webrtc.NewTrackLocalStaticSample (id is the client track id, CID).
// In a room that requires end-to-end encryption only VP8 and Opus can be
// published.
func NewSampleTrack(codec webrtc.RTPCodecCapability, id, streamID string) (*SampleTrack, error) {
	inner, err := webrtc.NewTrackLocalStaticSample(codec, id, streamID)
	if err != nil {
		return nil, err
	}
	return &SampleTrack{inner: inner, codec: e2eeCodec(codec.MimeType)}, nil
}

// e2eeCodec is the e2ee codec of a MIME type, 0 if an E2EE room does not
// carry it.
func e2eeCodec(mime string) e2ee.Codec {
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeVP8):
		return e2ee.VP8
	case strings.EqualFold(mime, webrtc.MimeTypeOpus):
		return e2ee.Opus
	}
	return 0
}

// encryptWith makes the track encrypt its frames with sess from now on.
func (t *SampleTrack) encryptWith(sess *e2ee.Session) error {
	if t.codec == 0 {
		return fmt.Errorf("%w: %s", ErrNotEncrypted, t.inner.Codec().MimeType)
	}
	if !t.sess.CompareAndSwap(nil, sess) && t.sess.Load() != sess {
		return ErrTrackInUse
	}
	return nil
}

// WriteSample sends one frame (a whole VP8 frame or Opus packet), encrypted
// if the track is published in a room that requires end-to-end
// encryption. A frame that cannot be encrypted is not sent and the error
// is returned.
func (t *SampleTrack) WriteSample(s media.Sample) error {
	if sess := t.sess.Load(); sess != nil {
		enc, err := sess.EncryptFrame(t.codec, s.Data)
		if err != nil {
			return fmt.Errorf("client: encrypting a frame: %w", err)
		}
		s.Data = enc
	}
	return t.inner.WriteSample(s)
}

// Encrypted reports whether the track's frames are end-to-end encrypted:
// it is published in a room that requires it.
func (t *SampleTrack) Encrypted() bool { return t.sess.Load() != nil }

// Codec is the track's codec.
func (t *SampleTrack) Codec() webrtc.RTPCodecCapability { return t.inner.Codec() }

// Bind, Unbind, ID, RID, StreamID and Kind make a SampleTrack a
// webrtc.TrackLocal; pion calls them. The wrapped track is not exposed,
// so nothing can write to it around the encryption.

// Bind is called by pion when the track is negotiated.
func (t *SampleTrack) Bind(c webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	return t.inner.Bind(c)
}

// Unbind is called by pion when the track is removed.
func (t *SampleTrack) Unbind(c webrtc.TrackLocalContext) error { return t.inner.Unbind(c) }

// ID is the track's id; once published, the server shows it as the
// track's TrackInfo.CID.
func (t *SampleTrack) ID() string { return t.inner.ID() }

// RID is the track's RTP stream id (none).
func (t *SampleTrack) RID() string { return t.inner.RID() }

// StreamID is the track's stream id.
func (t *SampleTrack) StreamID() string { return t.inner.StreamID() }

// Kind is audio or video.
func (t *SampleTrack) Kind() webrtc.RTPCodecType { return t.inner.Kind() }
