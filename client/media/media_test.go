package media

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media"
)

func fixture(name string) string { return filepath.Join("..", "..", "testdata", "media", name) }

func TestIVFFixture(t *testing.T) {
	c, err := OpenIVF(fixture("video.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Frames()); got != 60 {
		t.Errorf("frames = %d, want 60", got)
	}
	if d := c.Duration(); d < 1990*time.Millisecond || d > 2010*time.Millisecond {
		t.Errorf("duration = %v, want 2s", d)
	}
	if br := c.Bitrate(); br < 1.5e6 || br > 2.5e6 {
		t.Errorf("bitrate = %.0f, want about 2 Mbit/s", br)
	}
	// The loadtest expects about 200 video packets/s at a 1200-byte MTU.
	var pay codecs.VP8Payloader
	pkts := 0
	for _, f := range c.Frames() {
		pkts += len(pay.Payload(1200, f.Data))
	}
	perSec := float64(pkts) / c.Duration().Seconds()
	if perSec < 150 || perSec > 260 {
		t.Errorf("video packets/s = %.0f, want about 200", perSec)
	}
	if c.Frames()[0].Data[0]&1 != 0 {
		t.Error("first frame is not a key frame")
	}
}

func TestOggFixture(t *testing.T) {
	c, err := OpenOgg(fixture("audio.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Frames()); n < 99 || n > 102 {
		t.Errorf("frames = %d, want about 100", n)
	}
	for i, f := range c.Frames() {
		if f.Duration != 20*time.Millisecond {
			t.Fatalf("frame %d lasts %v, want 20ms", i, f.Duration)
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := OpenIVF(fixture("audio.ogg")); err == nil {
		t.Error("ogg accepted as ivf")
	}
	if _, err := OpenOgg(fixture("video.ivf")); err == nil {
		t.Error("ivf accepted as ogg")
	}
}

// stopAfter records the first byte of each sample and cancels Play once
// it has want of them.
type stopAfter struct {
	mu     sync.Mutex
	first  []byte
	want   int
	cancel context.CancelFunc
}

func (w *stopAfter) WriteSample(s media.Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.first = append(w.first, s.Data[0])
	if len(w.first) == w.want {
		w.cancel()
	}
	return nil
}

// Play loops over the clip and paces it: 20 frames of 10 ms take at least
// the 190 ms between the first and the last (a busy machine only makes it
// slower), and they alternate over the 2-frame clip.
func TestPlayPacesAndLoops(t *testing.T) {
	c := &Clip{}
	c.add([]byte{1}, 10*time.Millisecond)
	c.add([]byte{2}, 10*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &stopAfter{want: 20, cancel: cancel}
	start := time.Now()
	if err := c.Play(ctx, w); err != context.Canceled {
		t.Fatalf("Play = %v", err)
	}
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("20 frames of 10 ms written in %v: not paced", d)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, b := range w.first {
		if want := byte(1 + i%2); b != want {
			t.Fatalf("frame %d is clip frame %d, want %d (frames %v)", i, b, want, w.first)
		}
	}
}

func TestGenerator(t *testing.T) {
	g := NewGenerator(GeneratorOptions{Bitrate: 2_400_000, FrameRate: 30})
	if g.FrameSize() != 10000 {
		t.Errorf("frame size = %d", g.FrameSize())
	}
	if g.key[0]&1 != 0 || g.delta[0]&1 != 1 {
		t.Error("key/delta frame tags wrong")
	}
	if w := int(g.key[6]) | int(g.key[7])<<8; w != 640 {
		t.Errorf("width = %d", w)
	}
}

type rtpSink struct {
	mu       sync.Mutex
	payloads [][]byte
	seqs     []uint16
	// stopAt, if set, cancels the run once that many packets arrived.
	stopAt int
	cancel context.CancelFunc
}

func (s *rtpSink) WriteRTP(p *rtp.Packet) error {
	s.mu.Lock()
	s.payloads = append(s.payloads, append([]byte(nil), p.Payload...))
	s.seqs = append(s.seqs, p.SequenceNumber)
	if s.stopAt > 0 && len(s.payloads) == s.stopAt {
		s.cancel()
	}
	s.mu.Unlock()
	return nil
}

func TestPayloadSource(t *testing.T) {
	src := NewPayloadSource(PayloadOptions{Size: 300, Rate: 200})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := rtpSink{stopAt: 5, cancel: cancel}
	_ = src.Run(ctx, &sink)
	if len(sink.payloads) < 5 {
		t.Fatalf("only %d packets", len(sink.payloads))
	}
	for i, p := range sink.payloads {
		seq, ok := VerifyPayload(p)
		if !ok || seq != uint64(i) || sink.seqs[i] != uint16(i) {
			t.Fatalf("packet %d: seq %d ok %v", i, seq, ok)
		}
		if len(p) != 300 || p[0] != 0x10 {
			t.Fatalf("packet %d: len %d prefix %x", i, len(p), p[0])
		}
	}
	p := sink.payloads[0]
	for _, i := range []int{0, 20, len(p) - 33, len(p) - 1} {
		bad := append([]byte(nil), p...)
		bad[i] ^= 0x40
		if _, ok := VerifyPayload(bad); ok {
			t.Errorf("flip at %d not detected", i)
		}
	}
	if _, ok := VerifyPayload(p[:10]); ok {
		t.Error("short payload accepted")
	}
	if _, ok := VerifyPayload(p[:len(p)-1]); ok {
		t.Error("truncated payload accepted")
	}
}

func TestStampNoAlloc(t *testing.T) {
	b := make([]byte, 1000)
	allocs := testing.AllocsPerRun(100, func() { StampPayload(b, 7) })
	if allocs != 0 {
		t.Errorf("StampPayload allocates %v times", allocs)
	}
	if seq, ok := VerifyPayload(b); !ok || seq != 7 {
		t.Error("stamp/verify mismatch")
	}
}
