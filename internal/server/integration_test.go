package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
)

// received counts what one client got on one subscribed track.
type received struct {
	intact, corrupt atomic.Int64
}

// mediaClient is a connected client publishing payload-stamped audio and
// video and verifying everything it receives.
type mediaClient struct {
	c   *client.Client
	rec *recorder

	mu     sync.Mutex
	tracks map[string]*received // by server track id
}

func startMediaClient(ctx context.Context, t *testing.T, e *env, room, identity string) *mediaClient {
	t.Helper()
	c := e.Connect(ctx, t, room, identity)
	m := &mediaClient{c: c, tracks: make(map[string]*received)}
	m.rec = record(c)
	publish := func(kind webrtc.RTPCodecCapability, id string, source client.TrackSource, opts media.PayloadOptions) {
		tr, err := webrtc.NewTrackLocalStaticRTP(kind, id, "stream-"+identity)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, tr, source); err != nil {
			t.Fatalf("%s: publish %s: %v", identity, id, err)
		}
		go func() { _ = media.NewPayloadSource(opts).Run(ctx, tr) }()
	}
	publish(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video-"+identity,
		client.SourceCamera, media.PayloadOptions{Size: 1100, Rate: 100})
	publish(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio-"+identity,
		client.SourceMicrophone, media.PayloadOptions{Size: 120, Rate: 50, ClockRate: 48000, Prefix: []byte{}})
	go m.consume(ctx)
	return m
}

// consume reads every subscribed track and checks each payload.
func (m *mediaClient) consume(ctx context.Context) {
	seen := 0
	for ctx.Err() == nil {
		m.rec.mu.Lock()
		evs := append([]client.Event(nil), m.rec.events[seen:]...)
		seen = len(m.rec.events)
		m.rec.mu.Unlock()
		for _, ev := range evs {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok {
				continue
			}
			r := new(received)
			m.mu.Lock()
			m.tracks[sub.Track.ID] = r
			m.mu.Unlock()
			go func() {
				buf := make([]byte, 1500)
				for {
					n, _, err := sub.Remote.Read(buf)
					if err != nil {
						return
					}
					var pkt rtp.Packet
					if pkt.Unmarshal(buf[:n]) != nil {
						r.corrupt.Add(1)
						continue
					}
					if _, ok := media.VerifyPayload(pkt.Payload); ok {
						r.intact.Add(1)
					} else {
						r.corrupt.Add(1)
					}
				}
			}()
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// totals are the intact and corrupt packets received on every track.
func (m *mediaClient) totals() (intact, corrupt int64) {
	for _, c := range m.counts() {
		intact += c[0]
		corrupt += c[1]
	}
	return intact, corrupt
}

func (m *mediaClient) counts() map[string][2]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][2]int64, len(m.tracks))
	for id, r := range m.tracks {
		out[id] = [2]int64{r.intact.Load(), r.corrupt.Load()}
	}
	return out
}

// TestThreeClientsExchangeMedia: three Go clients in one room each receive
// the other two's audio and video with every payload intact; then leave,
// removal and room deletion reach everyone.
func TestThreeClientsExchangeMedia(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()

	names := []string{"alice", "bob", "carol"}
	clients := make([]*mediaClient, len(names))
	for i, n := range names {
		clients[i] = startMediaClient(ctx, t, e, "standup", n)
	}

	// Every client must see 4 tracks (2 from each other participant), each
	// with a steady flow of intact packets and none corrupted.
	const want = 40
	logCounts := func() {
		if t.Failed() {
			for i, m := range clients {
				t.Logf("%s: %v", names[i], m.counts())
			}
		}
	}
	defer logCounts()
	testkit.Eventually(t, fmt.Sprintf("every client to receive %d intact packets on each of 4 tracks", want), func() bool {
		for _, m := range clients {
			cs := m.counts()
			if len(cs) < 4 {
				return false
			}
			for _, c := range cs {
				if c[0] < want {
					return false
				}
			}
		}
		return true
	})
	for i, m := range clients {
		cs := m.counts()
		if len(cs) != 4 {
			t.Errorf("%s subscribed to %d tracks, want 4", names[i], len(cs))
		}
		for id, c := range cs {
			if c[1] != 0 {
				t.Errorf("%s: track %s: %d corrupted payloads", names[i], id, c[1])
			}
		}
		subs := 0
		m.rec.mu.Lock()
		for _, ev := range m.rec.events {
			if s, ok := ev.(client.TrackSubscribed); ok {
				if s.ParticipantID == m.c.Self().ID {
					t.Errorf("%s received its own track", names[i])
				}
				subs++
			}
		}
		m.rec.mu.Unlock()
		if subs != 4 {
			t.Errorf("%s: %d TrackSubscribed events, want 4", names[i], subs)
		}
	}

	// Leave reaches everyone.
	alice, bob, carol := clients[0], clients[1], clients[2]
	aliceID := alice.c.Self().ID
	if err := alice.c.Leave(ctx); err != nil {
		t.Fatalf("leave: %v", err)
	}
	for _, m := range []*mediaClient{bob, carol} {
		wait(t, m.rec, "alice to leave", func(ev client.ParticipantLeft) bool {
			return ev.ParticipantID == aliceID && ev.Reason == "left"
		})
	}

	// Removal by the server API reaches the removed and the others.
	admin := e.adminToken(e.Key, "standup")
	if st, body := e.api(http.MethodDelete, "/v1/rooms/standup/participants/bob", admin, nil); st != http.StatusNoContent {
		t.Fatalf("remove bob: %d %s", st, body)
	}
	wait(t, bob.rec, "bob's removal", func(ev client.Disconnected) bool { return ev.Reason == "removed" })
	bobID := bob.c.Self().ID
	wait(t, carol.rec, "bob to be removed", func(ev client.ParticipantLeft) bool {
		return ev.ParticipantID == bobID && ev.Reason == "removed"
	})

	// Deleting the room ends the meeting for whoever is left.
	if st, body := e.api(http.MethodDelete, "/v1/rooms/standup", admin, nil); st != http.StatusNoContent {
		t.Fatalf("delete room: %d %s", st, body)
	}
	wait(t, carol.rec, "the room's deletion", func(ev client.Disconnected) bool { return ev.Reason == "room_deleted" })
	if st, _ := e.api(http.MethodGet, "/v1/rooms/standup", admin, nil); st != http.StatusNotFound {
		t.Errorf("deleted room: GET answered %d, want 404", st)
	}

	// Every forwarded packet took the direct SRTP path: the Go clients answer
	// the subscriber offer as DTLS clients, like browsers. The two counters
	// are compared once the media has stopped: while it flows, a scrape
	// reads one before the other.
	var fwd, direct float64
	defer func() {
		if t.Failed() {
			t.Logf("last scrape: forwarded %v packets, %v of them on the direct path", fwd, direct)
		}
	}()
	testkit.Eventually(t, "every forwarded packet to be counted on the direct path", func() bool {
		m := e.Metrics()
		fwd, direct = m["conclave_forwarded_packets_total"], m["conclave_forwarded_direct_packets_total"]
		return fwd > 0 && direct == fwd
	})
}

// TestSecondConnectionWithSameIdentityIsRefused: identity_in_use, and the
// first connection stays.
func TestSecondConnectionWithSameIdentityIsRefused(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	first := e.Connect(ctx, t, "r1", "dave")
	_, err := client.Connect(ctx, e.Srv.URL(), e.JoinToken("r1", "dave"), client.WithTLSConfig(e.TLS))
	if code := serverCode(err); code != "identity_in_use" {
		t.Fatalf("second join: err %v (code %q), want identity_in_use", err, code)
	}
	// The first connection is still in the room and still served.
	other := e.Connect(ctx, t, "r1", "erin")
	orec := record(other)
	ps := other.Participants()
	if len(ps) != 1 || ps[0].Identity != "dave" || ps[0].ID != first.Self().ID {
		t.Fatalf("erin sees %+v, want only the first dave", ps)
	}
	if err := first.SendData(ctx, []byte("still here"), "chat"); err != nil {
		t.Fatalf("first connection broken: %v", err)
	}
	wait(t, orec, "data from the first dave", func(ev client.DataReceived) bool {
		return ev.From == first.Self().ID && string(ev.Payload) == "still here" && ev.Topic == "chat"
	})
}

func (e *env) adminToken(key token.Key, room string) string {
	e.t.Helper()
	tok, err := key.Mint(token.Options{
		Identity: "admin", Room: room, TTL: 5 * time.Minute,
		Grants: token.Grants{RoomAdmin: true, RoomCreate: true, RoomList: true},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// api calls the server API and returns the status and body.
func (e *env) api(method, path, bearer string, body any) (int, string) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = bytes.NewReader([]byte(b))
		default:
			j, err := json.Marshal(b)
			if err != nil {
				e.t.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, e.Srv.URL()+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
