package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/token"
)

// The tests here put the Go client and the meeting app in one room that
// requires end-to-end encryption (docs/e2ee.md), both sides implementing
// the specification on their own: each decrypts and decodes what the other
// encrypts, their chat opens on the other side, and all of them compute
// the same safety code. e2ee_interop.mjs drives the pages; which part it
// plays is CONCLAVE_E2EE_CASE.

// e2eeRoom is the server configuration of these tests.
func e2eeRoom(c *config.Config) { c.Rooms.E2EE = "required" }

// TestE2EEInterop: a Go client publishing the VP8 and Opus clips of
// testdata and two pages of the meeting app see, hear and read each other
// in an E2EE room: the pages decode the Go client's frames and each
// other's, the Go client's FrameReader decrypts the pages' frames into
// VP8 key frames that parse, and chat crosses both ways in clear at the
// ends only.
func TestE2EEInterop(t *testing.T) {
	e := newEnv(t, e2eeRoom)
	roomName := room("e2ee-interop")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	bot := newE2EEBot(t, e, ctx, roomName, "go-bot")
	bot.publishClips(t, ctx)

	r := e.scenario("e2ee_interop", roomName,
		map[string]string{"CONCLAVE_E2EE_CASE": "interop", "CONCLAVE_GO_IDENTITY": "go-bot"}, bot.steps(ctx))

	for _, side := range []string{"aliceFromGo", "bobFromGo", "aliceFromBob", "bobFromAlice"} {
		if num(t, r, "media."+side+".video.framesDecoded") <= 0 || num(t, r, "media."+side+".video.frameWidth") <= 0 {
			t.Errorf("%s: no decoded video: %v", side, r["media"])
		}
		if num(t, r, "media."+side+".audio.packetsReceived") <= 0 || num(t, r, "media."+side+".audio.totalSamplesReceived") <= 0 {
			t.Errorf("%s: no audio: %v", side, r["media"])
		}
	}
	// The clip is 640x360: a page that decoded it saw its real size.
	for _, side := range []string{"aliceFromGo", "bobFromGo"} {
		if w := num(t, r, "media."+side+".video.frameWidth"); w != 640 {
			t.Errorf("%s: frame width %v, want the clip's 640", side, w)
		}
	}
	for _, who := range []string{"alice", "bob"} {
		if num(t, r, "go."+who+".video") < goMinVideoFrames || num(t, r, "go."+who+".audio") < goMinAudioFrames ||
			num(t, r, "go."+who+".keyframes") < 1 {
			t.Errorf("the Go client decrypted too little from %s: %v", who, r["go"])
		}
		if num(t, r, "stats."+who+".framesEncrypted") <= 0 || num(t, r, "stats."+who+".framesDecrypted") <= 0 {
			t.Errorf("%s's E2EE stats: %v", who, r["stats"])
		}
	}
	st := bot.c.E2EEStats()
	if st.FramesEncrypted == 0 || st.FramesDecrypted == 0 || st.DataSealed == 0 || st.DataOpened < 2 {
		t.Errorf("the Go client's E2EE stats: %+v", st)
	}
	if n := bot.undecryptable(); n != 0 {
		t.Errorf("the Go client could not open %d data messages", n)
	}
	t.Logf("Go client: %+v", st)
}

// TestE2EESafetyCode: three people, each in their own browser, and a Go
// client see the same safety code; it changes on every screen when one of
// them joins or leaves, back to the code of the same membership before.
func TestE2EESafetyCode(t *testing.T) {
	e := newEnv(t, e2eeRoom)
	roomName := room("e2ee-safety")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	bot := newE2EEBot(t, e, ctx, roomName, "go-bot")
	r := e.scenario("e2ee_interop", roomName,
		map[string]string{"CONCLAVE_E2EE_CASE": "safety", "CONCLAVE_GO_IDENTITY": "go-bot"}, bot.steps(ctx))

	three, _ := r["three"].(string)
	four, _ := r["four"].(string)
	after, _ := r["afterLeave"].(string)
	if three == "" || four == "" || three == four || after != three {
		t.Errorf("safety codes: with three %q, with four %q, after one left %q; want three == after != four", three, four, after)
	}
}

// TestE2EEWrongKey: frames that a receiver cannot authenticate are dropped
// before the decoder. A page whose E2EE Worker holds a wrong key for one
// participant decodes none of that participant's video and plays none of
// its audio (while its packets arrive, its frames are counted as dropped,
// and the other participant's video decodes), and a page that decoded a
// participant stops once the key in its Worker is replaced by a wrong one.
func TestE2EEWrongKey(t *testing.T) {
	e := newEnv(t, e2eeRoom)
	r := e.scenario("e2ee_interop", room("e2ee-wrongkey"), map[string]string{"CONCLAVE_E2EE_CASE": "wrongkey"}, nil)
	for _, who := range []string{"fresh", "midCall"} {
		if a, b := num(t, r, who+".before.framesDecoded"), num(t, r, who+".after.framesDecoded"); a != b {
			t.Errorf("%s: alice's video decoded with a wrong key (%v -> %v frames)", who, a, b)
		}
		if num(t, r, who+".after.packetsReceived") <= num(t, r, who+".before.packetsReceived") {
			t.Errorf("%s: alice's video packets stopped arriving: %v", who, r[who])
		}
		if num(t, r, who+".after.auth") <= num(t, r, who+".before.auth") {
			t.Errorf("%s: no frames dropped for failing authentication: %v", who, r[who])
		}
	}
	if n := num(t, r, "fresh.after.framesDecoded"); n != 0 {
		t.Errorf("carol, who never held alice's key, decoded %v of her frames", n)
	}
	// Nor did any of alice's audio play on carol (samples made up for
	// lack of frames are concealment), while bob's did.
	if num(t, r, "fresh.audio.alice.packetsReceived") <= 0 ||
		num(t, r, "fresh.audio.alice.totalSamplesReceived") != num(t, r, "fresh.audio.alice.concealedSamples") {
		t.Errorf("carol's audio from alice, with a wrong key: %v", r["fresh"])
	}
	if num(t, r, "fresh.audio.bob.totalSamplesReceived") <= 0 {
		t.Errorf("carol's audio from bob: %v", r["fresh"])
	}
}

// How much the Go client must decrypt from each page (about 2 s of each)
// before its media check passes.
const (
	goMinVideoFrames = 30
	goMinAudioFrames = 50
)

// e2eeBot is a Go client with an E2EE identity in the test's room. It
// decrypts every track it is subscribed to with its FrameReader, checks
// that the VP8 key frames that come out parse, and keeps the data
// messages it receives.
type e2eeBot struct {
	c *client.Client

	mu      sync.Mutex
	from    map[string]*frameCounts // by publisher
	data    []client.DataReceived
	undecr  []client.DataUndecryptable
	readErr []string // tracks the FrameReader refused
}

// frameCounts are the frames decrypted from one publisher. VP8 key frames
// that do not parse are kept in badKey: decrypted, they must be VP8.
type frameCounts struct {
	video, audio, keyframes int64
	badKey                  []string
	width, height           int
	readers                 []*client.FrameReader
}

func newE2EEBot(t *testing.T, e *env, ctx context.Context, roomName, identity string) *e2eeBot {
	t.Helper()
	tok, err := e.key.Mint(token.Options{
		Identity: identity, Name: "Go bot", Room: roomName, TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Connect(ctx, e.srv.URL(), tok, client.WithTLSConfig(e.tls), client.WithE2EE(id),
		client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(4096))
	if err != nil {
		t.Fatalf("go client: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if !c.E2EE() {
		t.Fatal("the Go client's room does not require end-to-end encryption")
	}
	b := &e2eeBot{c: c, from: map[string]*frameCounts{}}
	go b.events()
	return b
}

// publishClips publishes the VP8 and Opus clips of testdata as encrypted
// tracks, looping until ctx ends.
func (b *e2eeBot) publishClips(t *testing.T, ctx context.Context) {
	t.Helper()
	video, err := media.OpenIVF(filepath.Join(repoRoot, "testdata", "media", "video.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	audio, err := media.OpenOgg(filepath.Join(repoRoot, "testdata", "media", "audio.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	publish := func(clip *media.Clip, cap webrtc.RTPCodecCapability, id string, source client.TrackSource) {
		tr, err := client.NewSampleTrack(cap, id, "go-bot")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.c.Publish(ctx, tr, source); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
		if !tr.Encrypted() {
			t.Fatalf("%s is published unencrypted", id)
		}
		go func() { _ = clip.Play(ctx, tr) }()
	}
	publish(video, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "go-video", client.SourceCamera)
	publish(audio, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "go-audio", client.SourceMicrophone)
}

// events reads the client's events until it is closed.
func (b *e2eeBot) events() {
	for ev := range b.c.Events() {
		switch ev := ev.(type) {
		case client.TrackSubscribed:
			r, err := b.c.FrameReader(ev)
			if err != nil {
				b.mu.Lock()
				b.readErr = append(b.readErr, fmt.Sprintf("%s: %v", ev.ParticipantID, err))
				b.mu.Unlock()
				continue
			}
			video := ev.Remote.Kind() == webrtc.RTPCodecTypeVideo
			b.mu.Lock()
			n := b.countsLocked(ev.ParticipantID)
			n.readers = append(n.readers, r)
			b.mu.Unlock()
			go b.read(n, r, video)
		case client.DataReceived:
			b.mu.Lock()
			b.data = append(b.data, ev)
			b.mu.Unlock()
		case client.DataUndecryptable:
			b.mu.Lock()
			b.undecr = append(b.undecr, ev)
			b.mu.Unlock()
		}
	}
}

func (b *e2eeBot) countsLocked(id string) *frameCounts {
	if b.from[id] == nil {
		b.from[id] = new(frameCounts)
	}
	return b.from[id]
}

// read counts the frames r decrypts and checks each VP8 key frame.
func (b *e2eeBot) read(n *frameCounts, r *client.FrameReader, video bool) {
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return
		}
		b.mu.Lock()
		switch {
		case !video:
			n.audio++
		case len(f.Data) > 0 && f.Data[0]&1 == 0: // P bit clear: a key frame
			n.video++
			n.keyframes++
			if w, h, err := parseVP8KeyFrame(f.Data); err != nil {
				n.badKey = append(n.badKey, err.Error())
			} else {
				n.width, n.height = w, h
			}
		default:
			n.video++
		}
		b.mu.Unlock()
	}
}

// parseVP8KeyFrame reads a VP8 key frame's header (RFC 6386 section 9.1):
// the frame tag, the start code 9d 01 2a and the picture size.
func parseVP8KeyFrame(f []byte) (width, height int, err error) {
	if len(f) < 10 {
		return 0, 0, fmt.Errorf("key frame of %d bytes", len(f))
	}
	tag := uint32(f[0]) | uint32(f[1])<<8 | uint32(f[2])<<16
	version := (tag >> 1) & 7
	show := (tag >> 4) & 1
	firstPart := int(tag >> 5)
	if f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, 0, fmt.Errorf("key frame start code % x", f[3:6])
	}
	if version > 3 || show != 1 || firstPart == 0 || firstPart > len(f)-10 {
		return 0, 0, fmt.Errorf("key frame tag: version %d, shown %d, first partition %d of %d bytes", version, show, firstPart, len(f))
	}
	width = int(uint16(f[6])|uint16(f[7])<<8) & 0x3fff
	height = int(uint16(f[8])|uint16(f[9])<<8) & 0x3fff
	if width == 0 || height == 0 {
		return 0, 0, fmt.Errorf("key frame of %dx%d", width, height)
	}
	return width, height, nil
}

func (b *e2eeBot) undecryptable() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.undecr)
}

// mediaFrom is what the Go client decrypted from participant id.
type mediaFrom struct {
	Video        int64    `json:"video"`
	Audio        int64    `json:"audio"`
	Keyframes    int64    `json:"keyframes"`
	Dropped      uint64   `json:"dropped"`
	Width        int      `json:"width"`
	Height       int      `json:"height"`
	BadKeyframes []string `json:"badKeyframes,omitempty"`
	ReaderErrors []string `json:"readerErrors,omitempty"`
}

func (b *e2eeBot) mediaFrom(id string) mediaFrom {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.countsLocked(id)
	m := mediaFrom{Video: n.video, Audio: n.audio, Keyframes: n.keyframes, Width: n.width, Height: n.height,
		BadKeyframes: n.badKey, ReaderErrors: b.readErr}
	for _, r := range n.readers {
		m.Dropped += r.Dropped()
	}
	return m
}

// steps are what e2ee_interop.mjs asks of the Go client.
func (b *e2eeBot) steps(ctx context.Context) map[string]stepFunc {
	return map[string]stepFunc{
		// go-media: the Go client decrypts the page's video and audio, its
		// VP8 key frames parse, and more keeps coming.
		"go-media": func(data json.RawMessage) (any, error) {
			var d struct{ ParticipantID string }
			if err := json.Unmarshal(data, &d); err != nil || d.ParticipantID == "" {
				return nil, fmt.Errorf("bad step data %s", data)
			}
			var first mediaFrom
			if err := waitFor("the page's frames decrypted by the Go client", func() error {
				first = b.mediaFrom(d.ParticipantID)
				if len(first.BadKeyframes) > 0 || len(first.ReaderErrors) > 0 {
					return nil // reported below, at once
				}
				if first.Video < goMinVideoFrames || first.Audio < goMinAudioFrames || first.Keyframes == 0 {
					return fmt.Errorf("decrypted %+v", first)
				}
				return nil
			}); err != nil {
				return nil, err
			}
			if len(first.BadKeyframes) > 0 || len(first.ReaderErrors) > 0 {
				return nil, fmt.Errorf("decrypted VP8 key frames that do not parse: %v; tracks not read: %v", first.BadKeyframes, first.ReaderErrors)
			}
			var now mediaFrom
			if err := waitFor("more of the page's frames decrypted by the Go client", func() error {
				now = b.mediaFrom(d.ParticipantID)
				if now.Video <= first.Video || now.Audio <= first.Audio {
					return fmt.Errorf("decrypted %+v, then %+v", first, now)
				}
				return nil
			}); err != nil {
				return nil, err
			}
			if len(now.BadKeyframes) > 0 {
				return nil, fmt.Errorf("decrypted VP8 key frames that do not parse: %v", now.BadKeyframes)
			}
			return now, nil
		},
		// go-chat-send: the Go client says text in chat, as the SDK's
		// sendChat does.
		"go-chat-send": func(data json.RawMessage) (any, error) {
			var d struct{ Text string }
			if err := json.Unmarshal(data, &d); err != nil || d.Text == "" {
				return nil, fmt.Errorf("bad step data %s", data)
			}
			payload, err := json.Marshal(map[string]string{"text": d.Text})
			if err != nil {
				return nil, err
			}
			return nil, b.c.SendData(ctx, payload, "chat")
		},
		// go-chat: the page's chat message reached the Go client, opened.
		"go-chat": func(data json.RawMessage) (any, error) {
			var d struct{ ParticipantID, Text string }
			if err := json.Unmarshal(data, &d); err != nil || d.ParticipantID == "" || d.Text == "" {
				return nil, fmt.Errorf("bad step data %s", data)
			}
			var got client.DataReceived
			err := waitFor("the page's chat message at the Go client", func() error {
				b.mu.Lock()
				defer b.mu.Unlock()
				for _, m := range b.data {
					var chat struct{ Text string }
					if m.From == d.ParticipantID && m.Topic == "chat" && json.Unmarshal(m.Payload, &chat) == nil && chat.Text == d.Text {
						got = m
						return nil
					}
				}
				return fmt.Errorf("%d messages received, %d undecryptable", len(b.data), len(b.undecr))
			})
			if err != nil {
				return nil, err
			}
			if !got.E2EE {
				return nil, fmt.Errorf("the chat message from %s arrived without end-to-end encryption", d.ParticipantID)
			}
			return map[string]any{"topic": got.Topic, "e2ee": got.E2EE, "payload": string(got.Payload)}, nil
		},
		// go-safety: the Go client's safety code and how it sees the others.
		"go-safety": func(json.RawMessage) (any, error) {
			var members []map[string]any
			for _, m := range b.c.E2EEMembers() {
				members = append(members, map[string]any{"id": m.ID, "identity": m.Identity, "verified": m.Verified, "hasKey": m.HasKey})
			}
			return map[string]any{"code": b.c.SafetyCode(), "members": members, "kid": b.c.SendingKID()}, nil
		},
	}
}
