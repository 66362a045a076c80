package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/httpapi"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// publishAudio publishes a payload-stamped audio track of size-byte
// packets at rate a second from c.
func publishAudio(ctx context.Context, t *testing.T, c *client.Client, id string, size, rate int) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, id, "stream-"+id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, tr, client.SourceMicrophone); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	go func() {
		_ = media.NewPayloadSource(media.PayloadOptions{Size: size, Rate: rate, ClockRate: 48000, Prefix: []byte{}}).Run(ctx, tr)
	}()
}

// floodEvent holds the last signal_flood event seen.
type floodEvent struct {
	mu sync.Mutex
	ev *roompkg.Event
}

func (f *floodEvent) set(ev roompkg.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ev = &ev
}

func (f *floodEvent) get() (roompkg.Event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ev == nil {
		return roompkg.Event{}, false
	}
	return *f.ev, true
}

// rembWatch is an interceptor that records the bitrate of the last REMB
// its connection received.
type rembWatch struct {
	interceptor.NoOp
	bitrate atomic.Int64
}

func (w *rembWatch) NewInterceptor(string) (interceptor.Interceptor, error) { return w, nil }

func (w *rembWatch) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err == nil {
			if pkts, perr := rtcp.Unmarshal(b[:n]); perr == nil {
				for _, p := range pkts {
					if r, ok := p.(*rtcp.ReceiverEstimatedMaximumBitrate); ok {
						w.bitrate.Store(int64(r.Bitrate))
					}
				}
			}
		}
		return n, a, err
	})
}

// watch reads every track c subscribes to, and its RTCP as a browser
// does (the sender reports are what its receiver reports' LSR names), and
// counts the RTP packets.
func watch(ctx context.Context, c *client.Client) *atomic.Int64 {
	n := new(atomic.Int64)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-c.Events():
				if !ok {
					return
				}
				sub, ok := ev.(client.TrackSubscribed)
				if !ok {
					continue
				}
				go func() {
					for {
						if _, _, err := sub.Receiver.ReadRTCP(); err != nil {
							return
						}
					}
				}()
				go func() {
					buf := make([]byte, 1500)
					for {
						if _, _, err := sub.Remote.Read(buf); err != nil {
							return
						}
						n.Add(1)
					}
				}()
			}
		}
	}()
	return n
}

// roomStats fetches GET /v1/rooms/{room}/stats as the room's admin.
func roomStats(t *testing.T, e *env, room string) httpapi.RoomStats {
	t.Helper()
	st, body := e.api(http.MethodGet, "/v1/rooms/"+room+"/stats", e.adminToken(e.Key, room), nil)
	if st != http.StatusOK {
		t.Fatalf("GET stats: %d %s", st, body)
	}
	var out httpapi.RoomStats
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("stats body %s: %v", body, err)
	}
	return out
}

func statsOf(s httpapi.RoomStats, identity string) (httpapi.ParticipantStats, bool) {
	for _, p := range s.Participants {
		if p.Participant.Identity == identity {
			return p, true
		}
	}
	return httpapi.ParticipantStats{}, false
}

// TestBitrateCap: a Go client publishing well above the room's cap is told
// to lower (bitrate_limited), then disconnected with bitrate_exceeded after
// the grace period, with security events and metrics; a client under the
// cap in the same room is untouched, and the room's stats show its
// bitrate, packet rate, and its subscriber's loss and RTT.
func TestBitrateCap(t *testing.T) {
	const capBits = 400_000
	e := newEnv(t, func(c *config.Config) {
		c.Rooms.MaxPublishBitrate = capBits
		c.Rooms.BitrateGrace = 2 * time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()

	light := e.Connect(ctx, t, "capped", "light")
	lightRec := record(light)
	publishAudio(ctx, t, light, "mic-light", 120, 50) // about 60 kbit/s
	// The watcher only receives.
	watcher := watch(ctx, e.Connect(ctx, t, "capped", "watcher"))
	// About 900 kbit/s of video, from a client that watches its RTCP for
	// the server's REMB.
	var remb rembWatch
	hc := e.Connect(ctx, t, "capped", "heavy", client.WithInterceptors(func(me *webrtc.MediaEngine, ir *interceptor.Registry) error {
		if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
			return err
		}
		ir.Add(&remb)
		return nil
	}))
	heavy := &mediaClient{c: hc, rec: record(hc), tracks: make(map[string]*received)}
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam-heavy", "stream-heavy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Publish(ctx, video, client.SourceCamera); err != nil {
		t.Fatal(err)
	}
	go func() { _ = media.NewPayloadSource(media.PayloadOptions{Size: 1100, Rate: 100}).Run(ctx, video) }()

	limited := wait(t, heavy.rec, "bitrate_limited", func(ev client.BitrateLimited) bool { return true })
	t.Logf("heavy: %s", limited.Message)
	if limited.MaxBitrate != capBits {
		t.Errorf("bitrate_limited carries a cap of %d, want %d", limited.MaxBitrate, capBits)
	}
	testkit.Eventually(t, "a REMB at the cap to the heavy publisher", func() bool { return remb.bitrate.Load() == capBits })
	wait(t, heavy.rec, "disconnected for its bitrate", func(ev client.Disconnected) bool {
		return ev.Reason == protocol.CodeBitrateExceeded
	})
	waitGone(t, e, "capped", "heavy")

	// The light publisher never hears of the cap.
	if _, ok := find(lightRec, func(ev client.BitrateLimited) bool { return true }); ok {
		t.Fatal("the light publisher was told to lower its bitrate")
	}
	var last httpapi.RoomStats
	defer func() {
		if t.Failed() {
			b, _ := json.Marshal(last)
			t.Logf("last stats: %s", b)
		}
	}()
	testkit.Eventually(t, "the light publisher's figures, and its subscriber's loss and RTT, in the room's stats", func() bool {
		s := roomStats(t, e, "capped")
		last = s
		if s.MaxPublishBitrate != capBits {
			t.Fatalf("stats max_publish_bitrate = %d, want %d", s.MaxPublishBitrate, capBits)
		}
		p, ok := statsOf(s, "light")
		if !ok || p.SampledAt == nil || len(p.Tracks) != 1 {
			return false
		}
		if p.Bitrate <= 0 || p.Bitrate > capBits || p.Tracks[0].PacketRate < 10 {
			t.Fatalf("light's stats = %+v", p)
		}
		w, ok := statsOf(s, "watcher")
		if !ok {
			return false
		}
		for _, sub := range w.Subscriptions {
			if sub.Reported && sub.HasRTT && sub.RTT >= 0 && sub.RTT < 1 && sub.Loss >= 0 && sub.Loss <= 1 {
				return true
			}
		}
		return false
	})
	if !inRoom(e, "capped", "light") {
		t.Fatal("the light publisher left the room")
	}
	if watcher.Load() == 0 {
		t.Fatal("the watcher received nothing")
	}

	m := e.Metrics()
	for name, min := range map[string]float64{
		"conclave_bitrate_exceeded_total":                                           1,
		"conclave_bitrate_limited_total":                                            1,
		`conclave_security_events_total{kind="bitrate_exceeded",outcome="refused"}`: 1,
		`conclave_security_events_total{kind="bitrate_limited",outcome="refused"}`:  1,
		"conclave_publish_bitrate_bits_count":                                       1,
		"conclave_subscriber_loss_ratio_count":                                      1,
		"conclave_subscriber_rtt_seconds_count":                                     1,
	} {
		if m[name] < min {
			t.Errorf("%s = %v, want at least %v", name, m[name], min)
		}
	}
}

// TestSignalFloodKeepsOthersMedia: a client flooding the signaling socket is
// cut off (a security event and conclave_signal_floods_total), while another
// client in the same room keeps receiving a third one's media: RTP packets
// keep arriving after the flood started and after the cut-off.
func TestSignalFloodKeepsOthersMedia(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	const room = "flooded"
	pub := startMediaClient(ctx, t, e, room, "pub")
	watcher := startMediaClient(ctx, t, e, room, "watcher")
	intact := func() int64 { n, _ := watcher.totals(); return n }
	testkit.Eventually(t, "the watcher to receive pub's media", func() bool {
		return len(watcher.counts()) == 2 && intact() > 50
	})
	_ = pub

	var flood floodEvent
	defer e.Srv.Rooms().Subscribe(roompkg.ListenerFunc(func(ev roompkg.Event) {
		if ev.Kind == roompkg.EventSecurity && ev.Security.Kind == roompkg.SecuritySignalFlood {
			flood.set(ev)
		}
	}))()
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}
	r := e.dialRaw(ctx, t)
	r.join(mintToken(t, e.Key, room, "flooder", all))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			if r.send(fmt.Sprintf(`{"v":1,"type":"ping","data":{"t":%d}}`, i)) != nil {
				return // the server has hung up
			}
		}
	})
	limit := time.After(testkit.DefaultWait())
	for {
		if _, ok := r.next(limit, "the server to end the flooder's session"); !ok {
			break
		}
	}
	wg.Wait()
	waitGone(t, e, room, "flooder")
	// The flood may be cut off before a packet could arrive (its 2,000
	// messages leave in milliseconds): what must hold is that the
	// watcher's media goes on, whole, and that it is still in the room.
	atCut := intact()
	testkit.Eventually(t, "media to keep reaching the watcher after the cut-off", func() bool {
		return intact() > atCut+50
	})
	if _, corrupt := watcher.totals(); corrupt != 0 {
		t.Fatalf("the watcher received corrupt packets: %v", watcher.counts())
	}
	if !inRoom(e, room, "pub") || !inRoom(e, room, "watcher") {
		t.Fatal("pub or watcher left the room with the flooder")
	}
	testkit.Eventually(t, "the flood's metric and security event", func() bool {
		m := e.Metrics()
		return m["conclave_signal_floods_total"] == 1 &&
			m[`conclave_security_events_total{kind="signal_flood",outcome="refused"}`] == 1
	})
	if ev, ok := flood.get(); !ok || ev.Room != room || ev.Security.Subject != "flooder" || ev.Security.IP != "127.0.0.1" {
		t.Fatalf("signal_flood event = %+v (%v)", ev, ok)
	}
}
