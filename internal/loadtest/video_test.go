package loadtest

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/token"
)

// testFrames returns VP8-tagged frames, key frames at the given indexes;
// each frame's second byte is its index, so a test can tell them apart.
func testFrames(n int, keys ...int) []media.Frame {
	frames := make([]media.Frame, n)
	for i := range frames {
		tag := deltaTag
		if slices.Contains(keys, i) {
			tag = keyTag
		}
		data := cat(tag, filler)
		data[1] = byte(i)
		frames[i] = media.Frame{Data: data, Duration: time.Second / 30}
	}
	return frames
}

func TestKeyframeLoopNext(t *testing.T) {
	l, err := newKeyframeLoop(testFrames(6, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 3, 3, 3, 0, 0}; !slices.Equal(l.next, want) {
		t.Errorf("next = %v, want %v", l.next, want)
	}
	l, err = newKeyframeLoop(testFrames(3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 2, 2}; !slices.Equal(l.next, want) {
		t.Errorf("next = %v, want %v", l.next, want)
	}
	if _, err := newKeyframeLoop(testFrames(3)); err == nil {
		t.Error("a loop without a key frame was accepted")
	}
}

// playedFrames records which frames a keyframeLoop plays, asking for a key
// frame on the frames listed in ask, and ends Play after n frames.
type playedFrames struct {
	n      int
	ask    []int // positions in the played order
	req    chan struct{}
	played []int
}

func (p *playedFrames) WriteSample(s pionmedia.Sample) error {
	if len(p.played) == p.n {
		return io.ErrClosedPipe
	}
	p.played = append(p.played, int(s.Data[1]))
	if slices.Contains(p.ask, len(p.played)-1) {
		p.req <- struct{}{}
	}
	return nil
}

func TestKeyframeLoopAnswersRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := newKeyframeLoop(testFrames(6, 0, 3))
		if err != nil {
			t.Fatal(err)
		}
		// Asked after frame 1: the next frame is 3, the next key
		// frame. Asked after 4: the loop skips 5 and wraps to 0. Asked
		// after 2, when the next frame is a key frame anyway: 3.
		p := &playedFrames{n: 12, ask: []int{1, 3, 6}, req: make(chan struct{}, 1)}
		start := time.Now()
		if err := l.Play(context.Background(), p, p.req); err != nil {
			t.Fatal(err)
		}
		if want := []int{0, 1, 3, 4, 0, 1, 2, 3, 4, 5, 0, 1}; !slices.Equal(p.played, want) {
			t.Errorf("played %v, want %v", p.played, want)
		}
		if d, want := time.Since(start), 12*(time.Second/30); d != want {
			t.Errorf("12 frames took %v of the bubble's clock, want %v", d, want)
		}
	})
}

func TestGeneratedFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		frames, err := generatedFrames(context.Background(), 2_000_000)
		if err != nil {
			t.Fatal(err)
		}
		size := media.NewGenerator(media.GeneratorOptions{Bitrate: 2_000_000}).FrameSize()
		if len(frames) != 30 {
			t.Fatalf("%d frames, want a second's 30", len(frames))
		}
		for i, f := range frames {
			if isKeyframe(f.Data) != (i == 0) || len(f.Data) != size || f.Duration != time.Second/30 {
				t.Errorf("frame %d: key %v, %d bytes, %v", i, isKeyframe(f.Data), len(f.Data), f.Duration)
			}
		}
	})
}

// TestPublisherAnswersKeyframeRequests runs the load test against a real
// server with a video whose only key frame is its first, in a loop of a
// minute: the subscriber, which joins a second after the publisher began,
// can see a whole key frame only if the publisher answers the server's key
// frame request, made when the subscriber's track can first carry it.
func TestPublisherAnswersKeyframeRequests(t *testing.T) {
	s := testserver.Start(t)
	dir := t.TempDir()
	writeIVF(t, filepath.Join(dir, "video.ivf"), testFrames(30*60, 0))

	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	rep, err := Run(ctx, Config{
		URL: s.Srv.URL(), Rooms: 1, Publishers: 1, Subscribers: 1, Decrypting: 1,
		Duration: 100 * time.Millisecond, MediaDir: dir, TLS: s.TLS, RunID: "kf",
		Token: func(room, identity string, publisher bool) (string, error) {
			return s.Key.Mint(token.Options{Identity: identity, Room: room, TTL: time.Minute,
				Grants: token.Grants{Publish: publisher, Subscribe: !publisher}})
		},
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Clients.Subscribers != 1 || rep.Decrypting != 1 || rep.Keyframes != 1 {
		t.Errorf("%d subscribers, %d decrypting, %d saw a key frame; want 1 of each", rep.Clients.Subscribers, rep.Decrypting, rep.Keyframes)
	}
}

// writeIVF writes frames as a 30 fps VP8 IVF file.
func writeIVF(t *testing.T, path string, frames []media.Frame) {
	t.Helper()
	b := make([]byte, 32)
	copy(b, "DKIF")
	binary.LittleEndian.PutUint16(b[6:], 32)
	copy(b[8:], "VP80")
	binary.LittleEndian.PutUint16(b[12:], 640)
	binary.LittleEndian.PutUint16(b[14:], 360)
	binary.LittleEndian.PutUint32(b[16:], 30) // timebase 1/30 s
	binary.LittleEndian.PutUint32(b[20:], 1)
	binary.LittleEndian.PutUint32(b[24:], uint32(len(frames)))
	for i, f := range frames {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Data)))
		b = binary.LittleEndian.AppendUint64(b, uint64(i))
		b = append(b, f.Data...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
