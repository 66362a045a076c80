package sfu

import (
	"errors"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

var (
	vp8Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        96,
	}
	opusCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
)

// fakeContext is a webrtc.TrackLocalContext for unit tests.
type fakeContext struct {
	id     string
	ssrc   webrtc.SSRC
	codecs []webrtc.RTPCodecParameters
	w      webrtc.TrackLocalWriter
}

func (c *fakeContext) CodecParameters() []webrtc.RTPCodecParameters { return c.codecs }
func (c *fakeContext) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter {
	return nil
}
func (c *fakeContext) SSRC() webrtc.SSRC                       { return c.ssrc }
func (c *fakeContext) SSRCRetransmission() webrtc.SSRC         { return 0 }
func (c *fakeContext) SSRCForwardErrorCorrection() webrtc.SSRC { return 0 }
func (c *fakeContext) WriteStream() webrtc.TrackLocalWriter    { return c.w }
func (c *fakeContext) ID() string                              { return c.id }
func (c *fakeContext) RTCPReader() interceptor.RTCPReader      { return nil }

// recordingWriter keeps a marshalled copy of every packet written.
type recordingWriter struct {
	mu   sync.Mutex
	pkts []*rtp.Packet
	err  error
}

func (w *recordingWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	buf := make([]byte, rtp.PacketMarshalSize(h, payload))
	n, err := rtp.MarshalPacketTo(buf, h, payload)
	if err != nil {
		return 0, err
	}
	p := &rtp.Packet{}
	if err := p.Unmarshal(buf[:n]); err != nil {
		return 0, err
	}
	w.pkts = append(w.pkts, p)
	return n, nil
}

func (w *recordingWriter) Write(b []byte) (int, error) { return 0, errors.New("not used") }

func (w *recordingWriter) packets() []*rtp.Packet {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*rtp.Packet(nil), w.pkts...)
}

// discardWriter accepts every packet, like a writer that never blocks.
type discardWriter struct{}

func (discardWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	return len(payload), nil
}
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// feedback records the RTCP a Receiver sends to its publisher.
type feedback struct {
	mu    sync.Mutex
	pkts  []rtcp.Packet
	fails int // the next writes that fail
}

func (f *feedback) WriteRTCP(p []rtcp.Packet) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("feedback: write failed")
	}
	f.pkts = append(f.pkts, p...)
	return nil
}

func (f *feedback) plis() []*rtcp.PictureLossIndication {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*rtcp.PictureLossIndication
	for _, p := range f.pkts {
		if pli, ok := p.(*rtcp.PictureLossIndication); ok {
			out = append(out, pli)
		}
	}
	return out
}

// chanRTCP is an RTCPReader fed by a channel; closing done (or a read
// deadline) ends it.
type chanRTCP struct {
	ch   chan []rtcp.Packet
	once sync.Once
	done chan struct{}
}

func newChanRTCP() *chanRTCP {
	return &chanRTCP{ch: make(chan []rtcp.Packet), done: make(chan struct{})}
}

func (c *chanRTCP) ReadRTCP() ([]rtcp.Packet, interceptor.Attributes, error) {
	select {
	case p := <-c.ch:
		return p, nil, nil
	case <-c.done:
		return nil, nil, errors.New("closed")
	}
}

func (c *chanRTCP) SetReadDeadline(time.Time) error {
	c.once.Do(func() { close(c.done) })
	return nil
}

// chanSource is a PacketReader fed by a channel, like a TrackRemote.
type chanSource struct {
	ch   chan []byte
	once sync.Once
	done chan struct{}
}

func newChanSource() *chanSource {
	return &chanSource{ch: make(chan []byte), done: make(chan struct{})}
}

func (s *chanSource) Read(b []byte) (int, interceptor.Attributes, error) {
	select {
	case p := <-s.ch:
		return copy(b, p), nil, nil
	case <-s.done:
		return 0, nil, errors.New("i/o timeout")
	}
}

func (s *chanSource) SetReadDeadline(time.Time) error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// packet builds a marshalled RTP packet as a browser would send it: with a
// header extension (publisher ids) and the given payload.
func packet(seq uint16, ts uint32, payload []byte) []byte {
	p := &rtp.Packet{
		Header: rtp.Header{
			Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: 0xABCD,
			Marker: seq%3 == 0,
		},
		Payload: payload,
	}
	_ = p.Header.SetExtension(3, []byte{1, 2, 3})
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}
