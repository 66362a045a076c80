package media

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
)

// Generator makes video-sized frames at a fixed rate with no input file. The
// frames start with a VP8 frame tag (and, for key frames, the VP8 start code
// and dimensions), so an SFU's key-frame detection treats them like VP8, but
// the rest is filler: a browser cannot decode them. Use it to load an SFU,
// never to show a picture.
type Generator struct {
	key, delta []byte
	frameDur   time.Duration
	keyEvery   int
}

// GeneratorOptions configures a Generator. Zero fields take the defaults.
type GeneratorOptions struct {
	Bitrate       int // bits per second; default 1_000_000
	FrameRate     int // frames per second; default 30
	KeyframeEvery int // a key frame every N frames; default FrameRate (1 s)
	Width, Height int // written into key frames; default 640x360
}

// NewGenerator returns a Generator for opts.
func NewGenerator(opts GeneratorOptions) *Generator {
	if opts.Bitrate <= 0 {
		opts.Bitrate = 1_000_000
	}
	if opts.FrameRate <= 0 {
		opts.FrameRate = 30
	}
	if opts.KeyframeEvery <= 0 {
		opts.KeyframeEvery = opts.FrameRate
	}
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 640, 360
	}
	size := opts.Bitrate / 8 / opts.FrameRate
	if size < 16 {
		size = 16
	}
	g := &Generator{
		key:      make([]byte, size),
		delta:    make([]byte, size),
		frameDur: time.Second / time.Duration(opts.FrameRate),
		keyEvery: opts.KeyframeEvery,
	}
	for i := range g.key {
		g.key[i] = byte(i*7 + 3)
		g.delta[i] = byte(i*13 + 5)
	}
	// VP8 frame tag (RFC 6386 9.1): bit 0 clear = key frame, bit 4 = show
	// frame; then the start code and 14-bit width and height.
	g.key[0], g.key[1], g.key[2] = 0x10, 0x00, 0x00
	g.key[3], g.key[4], g.key[5] = 0x9d, 0x01, 0x2a
	g.key[6], g.key[7] = byte(opts.Width), byte(opts.Width>>8)&0x3f
	g.key[8], g.key[9] = byte(opts.Height), byte(opts.Height>>8)&0x3f
	g.delta[0], g.delta[1], g.delta[2] = 0x11, 0x00, 0x00
	return g
}

// FrameSize is the size of every generated frame in bytes.
func (g *Generator) FrameSize() int { return len(g.key) }

// Play writes frames to w at real time until ctx is done, then returns
// ctx.Err(). The frame buffers are reused: no allocation per frame.
func (g *Generator) Play(ctx context.Context, w SampleWriter) error {
	tick := time.NewTicker(g.frameDur)
	defer tick.Stop()
	for n := 0; ; n++ {
		data := g.delta
		if n%g.keyEvery == 0 {
			data = g.key
		}
		if err := w.WriteSample(media.Sample{Data: data, Duration: g.frameDur}); err != nil {
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
