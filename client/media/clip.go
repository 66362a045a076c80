package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// MaxClipBytes bounds the media a Clip holds in memory.
const MaxClipBytes = 64 << 20

// Errors returned when loading a clip.
var (
	ErrEmptyClip     = errors.New("media: clip has no frames")
	ErrClipTooLarge  = errors.New("media: clip exceeds MaxClipBytes")
	ErrUnsupported   = errors.New("media: unsupported codec")
	ErrBadFrameTimes = errors.New("media: frame timestamps do not increase")
)

// SampleWriter is what a Clip plays into; *webrtc.TrackLocalStaticSample
// implements it.
type SampleWriter interface {
	WriteSample(media.Sample) error
}

// Frame is one encoded frame of a Clip and how long it lasts.
type Frame struct {
	Data     []byte
	Duration time.Duration
}

// Clip is an encoded media file held in memory, ready to be played in a loop.
// A Clip is immutable and safe for concurrent use by many Play loops.
type Clip struct {
	frames []Frame
	total  time.Duration
	bytes  int
}

// Frames returns the clip's frames. The caller must not modify them.
func (c *Clip) Frames() []Frame { return c.frames }

// Duration is the play time of one pass through the clip.
func (c *Clip) Duration() time.Duration { return c.total }

// Bitrate is the clip's average bitrate in bits per second.
func (c *Clip) Bitrate() float64 {
	if c.total <= 0 {
		return 0
	}
	return float64(c.bytes*8) / c.total.Seconds()
}

// OpenIVF loads a VP8 IVF file; see NewIVFSource.
func OpenIVF(path string) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return NewIVFSource(f)
}

// NewIVFSource reads a whole VP8 IVF stream into a Clip. Frame durations come
// from the presentation timestamps and the file's timebase; the last frame
// lasts as long as the one before it. (The IVF container is parsed here
// rather than with pion's ivfreader, whose frame timestamps are scaled by the
// inverse of the timebase.)
func NewIVFSource(r io.Reader) (*Clip, error) {
	var hdr [32]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("media: ivf header: %w", err)
	}
	if string(hdr[0:4]) != "DKIF" {
		return nil, fmt.Errorf("%w: not an IVF file", ErrUnsupported)
	}
	if fourcc := string(hdr[8:12]); fourcc != "VP80" {
		return nil, fmt.Errorf("%w: ivf fourcc %q (want VP80)", ErrUnsupported, fourcc)
	}
	if hl := binary.LittleEndian.Uint16(hdr[6:8]); hl > 32 {
		if _, err := io.CopyN(io.Discard, r, int64(hl-32)); err != nil {
			return nil, fmt.Errorf("media: ivf header: %w", err)
		}
	}
	// Bytes 16-19 hold the timebase denominator (the frame rate), 20-23 its
	// numerator: a pts unit lasts num/den seconds.
	den := binary.LittleEndian.Uint32(hdr[16:20])
	num := binary.LittleEndian.Uint32(hdr[20:24])
	if den == 0 || num == 0 {
		return nil, errors.New("media: ivf timebase is zero")
	}
	unit := func(ticks uint64) time.Duration {
		return time.Duration(ticks * uint64(num) * uint64(time.Second) / uint64(den))
	}
	var (
		datas [][]byte
		pts   []uint64
		size  int
		fh    [12]byte
	)
	for {
		if _, err := io.ReadFull(r, fh[:]); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("media: ivf frame %d header: %w", len(datas), err)
		}
		n := binary.LittleEndian.Uint32(fh[0:4])
		size += int(n)
		if size > MaxClipBytes {
			return nil, ErrClipTooLarge
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("media: ivf frame %d: %w", len(datas), err)
		}
		datas = append(datas, data)
		pts = append(pts, binary.LittleEndian.Uint64(fh[4:12]))
	}
	if len(datas) == 0 {
		return nil, ErrEmptyClip
	}
	c := &Clip{frames: make([]Frame, len(datas)), bytes: size}
	for i := range datas {
		var d time.Duration
		switch {
		case i+1 < len(datas):
			if pts[i+1] <= pts[i] {
				return nil, fmt.Errorf("%w: frame %d", ErrBadFrameTimes, i+1)
			}
			d = unit(pts[i+1] - pts[i])
		case i > 0:
			d = c.frames[i-1].Duration
		default:
			d = unit(1)
		}
		c.frames[i] = Frame{Data: datas[i], Duration: d}
		c.total += d
	}
	return c, nil
}

// OpenOgg loads an Opus Ogg file; see NewOggSource.
func OpenOgg(path string) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return NewOggSource(f)
}

// NewOggSource reads a whole Opus Ogg stream into a Clip. Each Ogg page
// becomes one sample, so the file must carry one Opus packet per page (ffmpeg:
// -page_duration 20000 with 20 ms frames; see testdata/media/make.sh). A
// sample's duration comes from the Opus TOC byte (RFC 6716 3.1).
func NewOggSource(r io.Reader) (*Clip, error) {
	rd, _, err := oggreader.NewWith(r)
	if err != nil {
		return nil, fmt.Errorf("media: ogg header: %w", err)
	}
	c := &Clip{}
	for {
		page, ph, err := rd.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("media: ogg page %d: %w", len(c.frames), err)
		}
		if _, isHeader := ph.HeaderType(page); isHeader {
			continue // OpusTags
		}
		d, ok := opusDuration(page)
		if !ok {
			return nil, fmt.Errorf("media: ogg page %d is not one Opus packet", len(c.frames))
		}
		c.add(page, d)
		if c.bytes > MaxClipBytes {
			return nil, ErrClipTooLarge
		}
	}
	if len(c.frames) == 0 {
		return nil, ErrEmptyClip
	}
	return c, nil
}

// opusDuration is the play time of one Opus packet from its TOC byte.
func opusDuration(p []byte) (time.Duration, bool) {
	if len(p) == 0 {
		return 0, false
	}
	config := p[0] >> 3
	var frame time.Duration
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]time.Duration{10, 20, 40, 60}[config%4] * time.Millisecond
	case config < 16: // hybrid: 10, 20 ms
		frame = [2]time.Duration{10, 20}[config%2] * time.Millisecond
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]time.Duration{2500, 5000, 10000, 20000}[config%4] * time.Microsecond
	}
	count := 1
	switch p[0] & 3 {
	case 1, 2:
		count = 2
	case 3:
		if len(p) < 2 {
			return 0, false
		}
		count = int(p[1] & 0x3f)
	}
	d := frame * time.Duration(count)
	if count == 0 || d > 120*time.Millisecond {
		return 0, false
	}
	return d, true
}

func (c *Clip) add(data []byte, d time.Duration) {
	c.frames = append(c.frames, Frame{Data: data, Duration: d})
	c.total += d
	c.bytes += len(data)
}

// Play writes the clip's frames to w at real time, looping until ctx is done,
// and then returns ctx.Err(). A write error other than io.ErrClosedPipe (the
// track was removed) ends the loop and is returned.
//
// Pacing uses one time.Ticker at the first frame's duration (the clips Conclave
// uses have a constant frame rate); each sample still carries its own
// duration so RTP timestamps stay exact.
func (c *Clip) Play(ctx context.Context, w SampleWriter) error {
	if len(c.frames) == 0 {
		return ErrEmptyClip
	}
	tick := time.NewTicker(c.frames[0].Duration)
	defer tick.Stop()
	for i := 0; ; i = (i + 1) % len(c.frames) {
		f := &c.frames[i]
		if err := w.WriteSample(media.Sample{Data: f.Data, Duration: f.Duration}); err != nil {
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
