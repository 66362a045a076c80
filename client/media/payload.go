package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/pion/rtp"
)

// PayloadTrailer is the number of bytes PayloadSource appends to every
// payload: an 8-byte big-endian sequence counter and a SHA-256 of everything
// before the digest.
const PayloadTrailer = 8 + sha256.Size

// RTPWriter is what a PayloadSource writes to; *webrtc.TrackLocalStaticRTP
// implements it.
type RTPWriter interface {
	WriteRTP(*rtp.Packet) error
}

// PayloadOptions configures a PayloadSource. Zero fields take the defaults.
type PayloadOptions struct {
	// Size is the RTP payload size in bytes, trailer included; default 1000,
	// minimum len(Prefix)+PayloadTrailer.
	Size int
	// Rate is packets per second; default 100.
	Rate int
	// ClockRate is the RTP clock in Hz; default 90000 (video).
	ClockRate uint32
	// Prefix starts every payload, for SFUs that inspect codec bytes. The
	// default looks like a VP8 key frame (payload descriptor with S=1, then a
	// key-frame tag and start code) so a key-frame-gated forwarder passes
	// every packet. Use an empty non-nil slice for no prefix.
	Prefix []byte
}

// PayloadSource writes RTP packets whose payloads prove their own integrity:
// VerifyPayload on the receiving side returns the sequence counter and
// whether the bytes are unchanged.
type PayloadSource struct {
	opts PayloadOptions
}

// NewPayloadSource returns a PayloadSource for opts.
func NewPayloadSource(opts PayloadOptions) *PayloadSource {
	if opts.Prefix == nil {
		opts.Prefix = []byte{0x10, 0x10, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}
	}
	if opts.Size <= 0 {
		opts.Size = 1000
	}
	if min := len(opts.Prefix) + PayloadTrailer; opts.Size < min {
		opts.Size = min
	}
	if opts.Rate <= 0 {
		opts.Rate = 100
	}
	if opts.ClockRate == 0 {
		opts.ClockRate = 90000
	}
	return &PayloadSource{opts: opts}
}

// Run writes packets to w at the configured rate until ctx is done, then
// returns ctx.Err(). The counter starts at 0. The packet and its payload
// buffer are reused: no allocation per packet.
func (s *PayloadSource) Run(ctx context.Context, w RTPWriter) error {
	payload := make([]byte, s.opts.Size)
	n := copy(payload, s.opts.Prefix)
	for i := n; i < len(payload)-PayloadTrailer; i++ {
		payload[i] = byte(i)
	}
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true}, Payload: payload}
	step := s.opts.ClockRate / uint32(s.opts.Rate)
	tick := time.NewTicker(time.Second / time.Duration(s.opts.Rate))
	defer tick.Stop()
	for seq := uint64(0); ; seq++ {
		StampPayload(payload, seq)
		pkt.SequenceNumber = uint16(seq)
		pkt.Timestamp = uint32(seq) * step
		if err := w.WriteRTP(pkt); err != nil {
			if errors.Is(err, io.ErrClosedPipe) {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// StampPayload writes seq and the digest into the last PayloadTrailer bytes of
// b. b must be at least PayloadTrailer long.
func StampPayload(b []byte, seq uint64) {
	n := len(b)
	binary.BigEndian.PutUint64(b[n-PayloadTrailer:], seq)
	sum := sha256.Sum256(b[:n-sha256.Size])
	copy(b[n-sha256.Size:], sum[:])
}

// VerifyPayload checks a payload made by PayloadSource (or StampPayload) and
// returns its sequence counter; ok is false if the payload is too short or
// any byte changed.
func VerifyPayload(b []byte) (seq uint64, ok bool) {
	n := len(b)
	if n < PayloadTrailer {
		return 0, false
	}
	sum := sha256.Sum256(b[:n-sha256.Size])
	if !bytes.Equal(sum[:], b[n-sha256.Size:]) {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[n-PayloadTrailer:]), true
}
