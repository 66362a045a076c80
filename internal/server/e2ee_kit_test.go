package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// What the end-to-end encryption tests share: rooms that require it,
// clients with identities, frames that carry a marker, and readers of what
// the server forwards, decrypted or not.

// createE2EERoom creates room through the REST API as one that requires
// end-to-end encryption.
func (e *env) createE2EERoom(room string) {
	e.t.Helper()
	status, body := e.api(http.MethodPost, "/v1/rooms", e.adminToken(e.Key, room), map[string]any{"name": room, "e2ee": "required"})
	if status != http.StatusCreated && status != http.StatusOK {
		e.t.Fatalf("create E2EE room %s: %d %s", room, status, body)
	}
}

// connectE2EE joins room as identity with a fresh E2EE identity.
func (e *env) connectE2EE(ctx context.Context, t *testing.T, room, identity string, opts ...client.Option) *client.Client {
	t.Helper()
	id, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return e.Connect(ctx, t, room, identity, append([]client.Option{client.WithE2EE(id)}, opts...)...)
}

// joinE2EE joins with tok and an announcement of fresh keys for room and
// identity, waits for joined, and returns the identity key announced.
func (r *rawConn) joinE2EE(tok, room, identity string) []byte {
	r.t.Helper()
	id, err := e2ee.NewIdentity()
	if err != nil {
		r.t.Fatal(err)
	}
	kem, err := e2ee.NewKEMKey()
	if err != nil {
		r.t.Fatal(err)
	}
	a, err := id.Announce(room, identity, kem)
	if err != nil {
		r.t.Fatal(err)
	}
	b, err := json.Marshal(protocol.Join{Token: tok, E2EE: &protocol.E2EEKeys{IdentityKey: a.IdentityKey, KEMKey: a.KEMKey, Signature: a.Signature}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.mustSend(fmt.Sprintf(`{"v":1,"type":"join","data":%s}`, b))
	limit := time.After(testkit.DefaultWait())
	for {
		env, ok := r.next(limit, "joined")
		if !ok {
			r.t.Fatalf("connection closed (%v) while joining", r.err)
		}
		switch env.Type {
		case protocol.TypeJoined:
			return a.IdentityKey
		case protocol.TypeError:
			r.t.Fatalf("join refused: %s", env.Data)
		}
	}
}

// newMarker is 16 random bytes to look for in what the server sees.
func newMarker(t *testing.T) []byte {
	t.Helper()
	m := make([]byte, 16)
	if _, err := rand.Read(m); err != nil {
		t.Fatal(err)
	}
	return m
}

// How many times a frame carries its marker: a VP8 frame of 1.6 KB is two
// RTP packets, which the reader reassembles; an Opus frame is one.
const (
	videoMarkerRepeats = 100
	audioMarkerRepeats = 8
)

// testFrame is frame number seq of codec: codec bytes a depacketizer and
// the SFU read (a VP8 frame tag, and for a key frame the start code and
// size; an Opus TOC byte), the sequence number, then the marker repeated,
// so that every RTP packet of the frame holds it whole.
// Every 30th VP8 frame is a key frame.
func testFrame(codec e2ee.Codec, seq uint32, marker []byte) []byte {
	var f []byte
	repeats := videoMarkerRepeats
	switch {
	case codec == e2ee.Opus:
		f = []byte{0xfc} // CELT, 20 ms, stereo, one frame
		repeats = audioMarkerRepeats
	case seq%30 == 0:
		f = []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01} // key frame, 640x360
	default:
		f = []byte{0x11, 0x02, 0x00} // delta frame
	}
	f = binary.BigEndian.AppendUint32(f, seq)
	return append(f, bytes.Repeat(marker, repeats)...)
}

// checkFrame reports whether f is a testFrame of codec with marker.
func checkFrame(codec e2ee.Codec, f, marker []byte) bool {
	off := 1
	if codec == e2ee.VP8 {
		if len(f) == 0 {
			return false
		}
		off = 3
		if f[0]&1 == 0 {
			off = 10
		}
	}
	if len(f) < off+4 {
		return false
	}
	return bytes.Equal(f, testFrame(codec, binary.BigEndian.Uint32(f[off:]), marker))
}

// mimeOf is the capability of a test track of codec.
func mimeOf(codec e2ee.Codec) webrtc.RTPCodecCapability {
	if codec == e2ee.Opus {
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	}
	return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
}

// publishFrames publishes a SampleTrack of codec from c and writes
// testFrames with marker to it every 20 ms until ctx is done. It returns
// how many frames were written.
func publishFrames(ctx context.Context, t *testing.T, c *client.Client, codec e2ee.Codec, id string, marker []byte) *atomic.Int64 {
	t.Helper()
	tr, err := client.NewSampleTrack(mimeOf(codec), id, "stream-"+id)
	if err != nil {
		t.Fatal(err)
	}
	source := client.SourceCamera
	if codec == e2ee.Opus {
		source = client.SourceMicrophone
	}
	if _, err := c.Publish(ctx, tr, source); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	if tr.Encrypted() != c.E2EE() {
		t.Fatalf("track %s encrypted = %v in a room with E2EE %v", id, tr.Encrypted(), c.E2EE())
	}
	var n atomic.Int64
	go func() {
		// The pace of a 50 frames/s source, not a wait.
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for seq := uint32(0); ; seq++ {
			if err := tr.WriteSample(media.Sample{Data: testFrame(codec, seq, marker), Duration: 20 * time.Millisecond}); err != nil {
				return
			}
			n.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return &n
}

// frameCount counts the frames a reader got, intact or not.
type frameCount struct{ intact, corrupt atomic.Int64 }

// readDecrypted reads the track of ev with c's FrameReader and checks every
// frame it returns against marker.
func readDecrypted(t *testing.T, c *client.Client, ev client.TrackSubscribed, marker []byte) (*frameCount, *client.FrameReader) {
	t.Helper()
	r, err := c.FrameReader(ev)
	if err != nil {
		t.Fatal(err)
	}
	codec := codecOf(ev)
	var n frameCount
	go func() {
		for {
			f, err := r.ReadFrame()
			if err != nil {
				return
			}
			if checkFrame(codec, f.Data, marker) {
				n.intact.Add(1)
			} else {
				n.corrupt.Add(1)
			}
		}
	}()
	return &n, r
}

func codecOf(ev client.TrackSubscribed) e2ee.Codec {
	if ev.Remote.Codec().MimeType == webrtc.MimeTypeOpus {
		return e2ee.Opus
	}
	return e2ee.VP8
}

// packetTap reads a track as the server forwards it, one RTP packet at a
// time, without decrypting: it counts the media payloads and those that
// carry the marker.
type packetTap struct {
	packets atomic.Int64
	marked  atomic.Int64 // packets whose payload holds the marker
}

// tapPackets starts a packetTap on the track of ev; it consumes the track.
func tapPackets(ev client.TrackSubscribed, marker []byte) *packetTap {
	tp := &packetTap{}
	go func() {
		for {
			pkt, _, err := ev.Remote.ReadRTP()
			if err != nil {
				return
			}
			if len(pkt.Payload) == 0 {
				continue // padding carries no media
			}
			tp.packets.Add(1)
			if bytes.Contains(pkt.Payload, marker) {
				tp.marked.Add(1)
			}
		}
	}()
	return tp
}

// tap reads a track as the server forwards it, one whole frame at a time
// without decrypting (client.NewFrameReader), and keeps the latest frames.
type tap struct {
	codec e2ee.Codec

	mu     sync.Mutex
	frames [][]byte // the latest maxTapFrames frames, as forwarded
}

const maxTapFrames = 1000

// tapFrames starts a tap on the track of ev; it consumes the track.
func tapFrames(t *testing.T, ev client.TrackSubscribed) *tap {
	t.Helper()
	tp := &tap{codec: codecOf(ev)}
	fr, err := client.NewFrameReader(ev.Remote)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			tp.mu.Lock()
			tp.frames = append(tp.frames, f.Data)
			if len(tp.frames) > maxTapFrames {
				tp.frames = tp.frames[len(tp.frames)-maxTapFrames:]
			}
			tp.mu.Unlock()
		}
	}()
	return tp
}

// framesWithKID returns the tapped frames sealed under kid.
func (tp *tap) framesWithKID(kid uint64) [][]byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out [][]byte
	for _, f := range tp.frames {
		if k, ok := frameKID(tp.codec, f); ok && k == kid {
			out = append(out, f)
		}
	}
	return out
}

// frameKID is the SFrame KID of an encrypted frame.
func frameKID(codec e2ee.Codec, f []byte) (uint64, bool) {
	n, err := e2ee.ClearPrefixLen(codec, f)
	if err != nil {
		return 0, false
	}
	h, _, err := e2ee.ParseHeader(f[n:])
	return h.KID, err == nil
}

// encodings are the forms in which marker could show up in text: itself,
// hex, and the base64 (standard and URL) characters that depend on the
// marker alone, at each of the three alignments it can have in a longer
// encoded string.
func encodings(marker []byte) [][]byte {
	out := [][]byte{marker, []byte(hex.EncodeToString(marker)), bytes.ToUpper([]byte(hex.EncodeToString(marker)))}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			s := enc.EncodeToString(append(make([]byte, k), marker...))
			from, to := 4*((k+2)/3), 4*((k+len(marker))/3)
			out = append(out, []byte(s[from:to]))
		}
	}
	return out
}

// leaks reports which encoding of marker hay contains, or "".
func leaks(hay, marker []byte) string {
	for _, e := range encodings(marker) {
		if bytes.Contains(hay, e) {
			return fmt.Sprintf("%q", e)
		}
	}
	return ""
}

// waitTrack waits for the TrackSubscribed of the publisher's track whose
// client track id is cid.
func waitTrack(t *testing.T, r *recorder, publisherID, cid string) client.TrackSubscribed {
	t.Helper()
	return wait(t, r, "track "+cid, func(ev client.TrackSubscribed) bool {
		return ev.ParticipantID == publisherID && ev.Track.CID == cid
	})
}

// waitIntact waits until n has at least want intact frames.
func waitIntact(t *testing.T, n *frameCount, want int64, what string) {
	t.Helper()
	testkit.Eventually(t, fmt.Sprintf("%d intact frames of %s", want, what), func() bool { return n.intact.Load() >= want })
}

// epochOf is the epoch of a KID.
func epochOf(kid uint64) uint64 { return kid >> 8 }
