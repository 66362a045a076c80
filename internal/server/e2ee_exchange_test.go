package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestE2EEExchange: two Go clients in a room that requires end-to-end
// encryption exchange VP8 and Opus frames and chat. Every frame they read
// decrypts to the bytes that were sent, and each chat message opens to its
// text; both see the same safety code.
func TestE2EEExchange(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "e2ee-exchange"
	e.createE2EERoom(room)

	alice := e.connectE2EE(ctx, t, room, "alice")
	arec := record(alice)
	bob := e.connectE2EE(ctx, t, room, "bob")
	brec := record(bob)
	if !alice.E2EE() || !bob.E2EE() {
		t.Fatal("joined.e2ee is false in a room that requires end-to-end encryption")
	}

	marker := newMarker(t)
	type stream struct {
		from, to *client.Client
		rec      *recorder
		codec    e2ee.Codec
		id       string
	}
	streams := []stream{
		{alice, bob, brec, e2ee.VP8, "alice-cam"}, {alice, bob, brec, e2ee.Opus, "alice-mic"},
		{bob, alice, arec, e2ee.VP8, "bob-cam"}, {bob, alice, arec, e2ee.Opus, "bob-mic"},
	}
	var counts []*frameCount
	for _, s := range streams {
		publishFrames(ctx, t, s.from, s.codec, s.id, marker)
	}
	for _, s := range streams {
		ev := waitTrack(t, s.rec, s.from.Self().ID, s.id)
		if !ev.Track.E2EE {
			t.Errorf("track %s is not announced as end-to-end encrypted: %+v", s.id, ev.Track)
		}
		n, _ := readDecrypted(t, s.to, ev, marker)
		counts = append(counts, n)
	}
	for i, s := range streams {
		waitIntact(t, counts[i], 50, s.id)
	}
	for i, s := range streams {
		if c := counts[i].corrupt.Load(); c != 0 {
			t.Errorf("%s: %d frames decrypted to other bytes than were sent", s.id, c)
		}
	}
	for _, c := range []*client.Client{alice, bob} {
		st := c.E2EEStats()
		if st.FramesEncrypted == 0 || st.FramesDecrypted == 0 || st.DataSealed != 0 {
			t.Errorf("%s: stats %+v, want frames encrypted and decrypted, no data yet", c.Self().Identity, st)
		}
	}

	// Chat both ways.
	if err := alice.SendData(ctx, []byte("hello bob"), "chat"); err != nil {
		t.Fatal(err)
	}
	if err := bob.SendData(ctx, []byte("hello alice"), "chat", alice.Self().ID); err != nil {
		t.Fatal(err)
	}
	wait(t, brec, "alice's chat", func(ev client.DataReceived) bool {
		return ev.From == alice.Self().ID && ev.Topic == "chat" && string(ev.Payload) == "hello bob" && ev.E2EE
	})
	wait(t, arec, "bob's chat", func(ev client.DataReceived) bool {
		return ev.From == bob.Self().ID && ev.Topic == "chat" && string(ev.Payload) == "hello alice" && ev.E2EE
	})
	for _, r := range []*recorder{arec, brec} {
		if ev, ok := find(r, func(client.DataUndecryptable) bool { return true }); ok {
			t.Errorf("undecryptable data: %+v", ev)
		}
	}

	if a, b := alice.SafetyCode(), bob.SafetyCode(); a == "" || a != b {
		t.Errorf("safety codes %q and %q, want the same", a, b)
	}
	for _, c := range []*client.Client{alice, bob} {
		ms := c.E2EEMembers()
		if len(ms) != 1 || !ms[0].Verified || !ms[0].HasKey {
			t.Errorf("%s: members %+v, want the other verified, with its key", c.Self().Identity, ms)
		}
	}
}

// TestE2EERefusals: a room that requires end-to-end encryption refuses a
// client without keys (e2ee_required) and a track announced without
// encryption (track_not_encrypted); the Go client refuses to publish a
// track it cannot encrypt, before the server sees anything.
func TestE2EERefusals(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "e2ee-refusals"
	e.createE2EERoom(room)

	t.Run("join without keys", func(t *testing.T) {
		_, err := client.Connect(ctx, e.Srv.URL(), e.JoinToken(room, "keyless"), client.WithTLSConfig(e.TLS))
		if code := serverCode(err); code != protocol.CodeE2EERequired {
			t.Fatalf("join without keys: %v, want %s", err, protocol.CodeE2EERequired)
		}
	})

	t.Run("unencrypted track", func(t *testing.T) {
		r := e.dialRaw(ctx, t)
		r.joinE2EE(e.JoinToken(room, "raw"), room, "raw")
		r.mustSend(`{"v":1,"type":"add_track","data":{"cid":"plain","kind":"video","source":"camera"}}`)
		r.expectError(protocol.CodeTrackNotEncrypted)
		r.expectOpen()
	})

	t.Run("client refuses a plain track", func(t *testing.T) {
		c := e.connectE2EE(ctx, t, room, "careful")
		tr, err := webrtc.NewTrackLocalStaticSample(mimeOf(e2ee.VP8), "plain", "s")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, tr, client.SourceCamera); !errors.Is(err, client.ErrNotEncrypted) {
			t.Fatalf("publish a plain track: %v, want ErrNotEncrypted", err)
		}
		h264, err := client.NewSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "h264", "s")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, h264, client.SourceCamera); !errors.Is(err, client.ErrNotEncrypted) {
			t.Fatalf("publish H.264: %v, want ErrNotEncrypted", err)
		}
	})

	t.Run("client that requires E2EE refuses a plain room", func(t *testing.T) {
		// The server's tests create plain rooms by default: this one is.
		id, err := e2ee.NewIdentity()
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Connect(ctx, e.Srv.URL(), e.JoinToken("plain-room", "strict"), client.WithTLSConfig(e.TLS),
			client.WithE2EE(id), client.WithE2EERequired())
		if !errors.Is(err, client.ErrE2EENotOffered) {
			t.Fatalf("join a plain room with WithE2EERequired: %v, want ErrE2EENotOffered", err)
		}
		c := e.Connect(ctx, t, room, "strict", client.WithE2EE(id), client.WithE2EERequired())
		if !c.E2EE() {
			t.Fatal("WithE2EERequired in an E2EE room: not encrypting")
		}
	})
}
