package client

import (
	"fmt"
	"sync/atomic"

	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/conclave-video/conclave/e2ee"
)

// How far behind a frame's packets may arrive before the frame is given
// up, in packets: a VP8 key frame of a few hundred kilobytes is a few
// hundred packets.
const (
	maxLateVideo = 512
	maxLateAudio = 64
)

// FrameReader reads a remote track one whole frame at a time: VP8 frames
// reassembled from their RTP packets with pion's depacketizer and sample
// builder, Opus one packet per frame. Made by Client.FrameReader for a
// room that requires end-to-end encryption, it decrypts each frame with
// the keys of the track's publisher and drops, and counts, the frames
// that fail: they never reach the caller. It is read from one goroutine.
type FrameReader struct {
	remote *webrtc.TrackRemote
	sb     *samplebuilder.SampleBuilder

	sess    *e2ee.Session // nil: frames are returned as they arrive
	sender  string
	codec   e2ee.Codec
	dropped atomic.Uint64
}

// NewFrameReader reads whole frames of remote as they arrive, without
// decrypting them: in a room with end-to-end encryption they are the
// encrypted frames the server forwards. Use Client.FrameReader to read
// them decrypted. remote must be VP8 or Opus.
func NewFrameReader(remote *webrtc.TrackRemote) (*FrameReader, error) {
	mime := remote.Codec().MimeType
	var sb *samplebuilder.SampleBuilder
	codec := e2eeCodec(mime)
	switch codec {
	case e2ee.VP8:
		sb = samplebuilder.New(maxLateVideo, &codecs.VP8Packet{}, remote.Codec().ClockRate)
	case e2ee.Opus:
		sb = samplebuilder.New(maxLateAudio, &codecs.OpusPacket{}, remote.Codec().ClockRate)
	default:
		return nil, fmt.Errorf("client: no frame reader for %s", mime)
	}
	return &FrameReader{remote: remote, sb: sb, codec: codec}, nil
}

// FrameReader reads the track of ev one whole frame at a time. In a room
// that requires end-to-end encryption the frames are decrypted with the
// publisher's keys; a frame that does not decrypt (a key not received yet,
// a publisher whose keys do not verify, a tampered frame) is dropped and
// counted in Dropped and E2EEStats.
func (c *Client) FrameReader(ev TrackSubscribed) (*FrameReader, error) {
	r, err := NewFrameReader(ev.Remote)
	if err != nil {
		return nil, err
	}
	r.sess, r.sender = c.e2ee.sess, ev.ParticipantID
	return r, nil
}

// ReadFrame returns the next whole frame: Data is the frame (decrypted,
// for a FrameReader of an end-to-end encrypted room), PacketTimestamp its
// RTP timestamp and Duration the time until the next frame. A frame is
// returned once the first packet of the one after it has arrived. The
// error is the remote track's, when it ends.
func (r *FrameReader) ReadFrame() (media.Sample, error) {
	for {
		for s := r.sb.Pop(); s != nil; s = r.sb.Pop() {
			if r.sess == nil {
				return *s, nil
			}
			pt, err := r.sess.DecryptFrame(r.sender, r.codec, s.Data)
			if err != nil {
				r.dropped.Add(1)
				continue
			}
			s.Data = pt
			return *s, nil
		}
		pkt, _, err := r.remote.ReadRTP()
		if err != nil {
			return media.Sample{}, err
		}
		r.sb.Push(pkt)
	}
}

// Dropped is the number of frames that did not decrypt.
func (r *FrameReader) Dropped() uint64 { return r.dropped.Load() }
