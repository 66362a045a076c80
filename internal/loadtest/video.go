package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/conclave-video/conclave/client/media"
)

// keyframeLoop plays VP8 frames in a loop, like media.Clip.Play, and
// answers key frame requests as a browser's encoder answers a PLI: the next
// frame sent is a key frame. Without that, a new subscriber's first
// decodable frame would wait for the source's next periodic key frame (one
// a second, for the clip and for generated frames), and the first key frame
// the report times would measure the source, not the server.
//
// A request jumps to the loop's next key frame, so the stream stays
// decodable: the frames after a key frame refer only to it and to each
// other. A keyframeLoop is immutable; any number of Plays may share one.
type keyframeLoop struct {
	frames []media.Frame
	next   []int // next[i]: the first key frame at or after i, wrapping
}

// isKeyframe reports whether a VP8 frame is a key frame: its frame tag's P
// bit is 0 (RFC 6386 section 9.1).
func isKeyframe(frame []byte) bool { return len(frame) > 0 && frame[0]&1 == 0 }

func newKeyframeLoop(frames []media.Frame) (*keyframeLoop, error) {
	l := &keyframeLoop{frames: frames, next: make([]int, len(frames))}
	k := -1
	for i := 2*len(frames) - 1; i >= 0; i-- { // twice round, for the wrap
		if isKeyframe(frames[i%len(frames)].Data) {
			k = i % len(frames)
		}
		l.next[i%len(frames)] = k
	}
	if k < 0 {
		return nil, errors.New("loadtest: the video has no key frame")
	}
	return l, nil
}

// Play writes frames to w at real time until ctx is done, then returns
// ctx.Err(). A value on keyframe makes the next frame a key frame. Pacing
// is Clip.Play's: one ticker at the first frame's duration, each sample
// carrying its own.
func (l *keyframeLoop) Play(ctx context.Context, w media.SampleWriter, keyframe <-chan struct{}) error {
	tick := time.NewTicker(l.frames[0].Duration)
	defer tick.Stop()
	for i := 0; ; i = (i + 1) % len(l.frames) {
		select {
		case <-keyframe:
			i = l.next[i]
		default:
		}
		f := &l.frames[i]
		if err := w.WriteSample(pionmedia.Sample{Data: f.Data, Duration: f.Duration}); err != nil {
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

// generatedFrames returns one key frame period of media.Generator's frames
// at bitrate (30 frames a second, the first a key frame), taken from the
// generator itself so they are byte for byte what it sends. Taking them
// lasts one frame: the generator plays in real time.
func generatedFrames(ctx context.Context, bitrate int) ([]media.Frame, error) {
	const fps = 30
	g := media.NewGenerator(media.GeneratorOptions{Bitrate: bitrate, FrameRate: fps, KeyframeEvery: fps})
	var c frameCapture
	if err := g.Play(ctx, &c); err != nil {
		return nil, err
	}
	if !isKeyframe(c.frames[0].Data) || isKeyframe(c.frames[1].Data) {
		return nil, fmt.Errorf("loadtest: generated frames do not start with a key frame and an interframe")
	}
	frames := []media.Frame{c.frames[0]}
	for len(frames) < fps {
		frames = append(frames, c.frames[1])
	}
	return frames, nil
}

// frameCapture keeps copies of the first two frames written to it, then
// reports the track closed, which ends a player's Play without an error.
type frameCapture struct{ frames []media.Frame }

func (c *frameCapture) WriteSample(s pionmedia.Sample) error {
	if len(c.frames) == 2 {
		return io.ErrClosedPipe
	}
	c.frames = append(c.frames, media.Frame{Data: append([]byte(nil), s.Data...), Duration: s.Duration})
	return nil
}
