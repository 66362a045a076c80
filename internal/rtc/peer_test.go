package rtc

import (
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/internal/testkit"
)

type recordingHandler struct {
	mu     sync.Mutex
	offers []string
	lost   int
}

func (h *recordingHandler) Candidate(PC, webrtc.ICECandidateInit) {}
func (h *recordingHandler) Offer(sdp string) {
	h.mu.Lock()
	h.offers = append(h.offers, sdp)
	h.mu.Unlock()
}
func (h *recordingHandler) TrackPublished(*PublishedTrack) {}
func (h *recordingHandler) TrackEnded(*PublishedTrack)     {}
func (h *recordingHandler) ConnectionLost(PC) {
	h.mu.Lock()
	h.lost++
	h.mu.Unlock()
}

func (h *recordingHandler) offerCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.offers)
}

// answerOffer applies a subscriber offer to remote, the client's side, and
// returns remote's answer.
func answerOffer(t *testing.T, remote *webrtc.PeerConnection, offer string) string {
	t.Helper()
	if err := remote.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	a, err := remote.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.SetLocalDescription(a); err != nil {
		t.Fatal(err)
	}
	return a.SDP
}

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = udp.Close() })
	e, err := NewEngine(Config{UDP: udp, IncludeLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func videoReceiver(id string) *sfu.Receiver {
	return sfu.NewReceiver(sfu.ReceiverConfig{
		TrackID: id, StreamID: "PA_pub", Kind: webrtc.RTPCodecTypeVideo,
		Codec: webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
			PayloadType:        96,
		},
	})
}

// TestSubscribeRacesClose: a participant that leaves while tracks are
// being added to it must not bring the server down.
func TestSubscribeRacesClose(t *testing.T) {
	e := newTestEngine(t)
	for i := 0; i < 30; i++ {
		p, err := e.NewPeer("PA_sub", &recordingHandler{})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for j := 0; j < 4; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = p.Subscribe(videoReceiver("TR_" + string(rune('a'+j))))
			}()
		}
		p.Close()
		wg.Wait()
		if err := p.Subscribe(videoReceiver("TR_late")); err != ErrClosed {
			t.Fatalf("Subscribe after Close: %v, want ErrClosed", err)
		}
		if n := p.Subscriptions(); n != 0 {
			t.Fatalf("%d subscriptions after Close", n)
		}
	}
}

// TestOneSubscriberOfferInFlight: tracks added while an offer awaits its
// answer are negotiated by one more offer after the answer, never by a
// second concurrent offer; a stray answer is refused.
func TestOneSubscriberOfferInFlight(t *testing.T) {
	e := newTestEngine(t)
	h := &recordingHandler{}
	p, err := e.NewPeer("PA_sub", h)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.HandleAnswer("v=0"); err != ErrNoOffer {
		t.Fatalf("answer without offer: %v, want ErrNoOffer", err)
	}

	remote, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	answer := func(offer string) string { return answerOffer(t, remote, offer) }

	if err := p.Subscribe(videoReceiver("TR_1")); err != nil {
		t.Fatal(err)
	}
	if err := p.Subscribe(videoReceiver("TR_2")); err != nil {
		t.Fatal(err)
	}
	if err := p.Subscribe(videoReceiver("TR_3")); err != nil {
		t.Fatal(err)
	}
	if n := h.offerCount(); n != 1 {
		t.Fatalf("%d offers in flight, want 1", n)
	}
	if err := p.HandleAnswer(answer(h.offers[0])); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the offer for the tracks added meanwhile", func() bool { return h.offerCount() >= 2 })
	if n := h.offerCount(); n != 2 {
		t.Fatalf("after the answer: %d offers, want 2 (one for the tracks added meanwhile)", n)
	}
	if err := p.HandleAnswer(answer(h.offers[1])); err != nil {
		t.Fatal(err)
	}
	if got := len(remote.GetTransceivers()); got != 3 {
		t.Errorf("remote has %d transceivers, want 3", got)
	}
	if err := p.HandleAnswer(answer(h.offers[1])); err != ErrNoOffer {
		t.Errorf("second answer to the same offer: %v, want ErrNoOffer", err)
	}
}

// TestBadOfferIsRefused: garbage SDP from a client is an ErrBadSDP, not a
// crash, and the peer still works afterwards.
func TestBadOfferIsRefused(t *testing.T) {
	e := newTestEngine(t)
	p, err := e.NewPeer("PA_pub", &recordingHandler{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, sdp := range []string{"", "v=garbage", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\n"} {
		if _, err := p.HandleOffer(sdp); !errors.Is(err, ErrBadSDP) {
			t.Errorf("offer %q: %v, want ErrBadSDP", sdp, err)
		}
	}
	// An offer pion takes half-way (it changes state, then finds no ICE
	// credentials) must not leave the publisher stuck.
	pub, err := p.publisher()
	if err != nil {
		t.Fatal(err)
	}
	_ = pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"})
	if pub.SignalingState() != webrtc.SignalingStateHaveRemoteOffer {
		t.Fatalf("setup: state %v, want have-remote-offer", pub.SignalingState())
	}
	p.rollbackOffer(pub)
	if p.pc(Publisher) == pub {
		t.Fatal("the half-applied publisher was not replaced")
	}
	client, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandleOffer(offer.SDP); err != nil {
		t.Fatalf("a good offer after bad ones: %v", err)
	}
}

// FuzzValidateOffer: no input makes the offer check panic, and whatever it
// accepts parses as SDP with 1..MaxMediaSections media sections.
func FuzzValidateOffer(f *testing.F) {
	f.Add("")
	f.Add("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	f.Add("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 AA\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:u\r\na=ice-pwd:p\r\na=rtpmap:96 VP8/90000\r\n")
	f.Fuzz(func(t *testing.T, raw string) {
		if validateOffer(raw) != nil {
			return
		}
		var d sdp.SessionDescription
		if err := d.UnmarshalString(raw); err != nil {
			t.Fatalf("accepted an offer that does not parse: %v", err)
		}
		if n := len(d.MediaDescriptions); n < 1 || n > MaxMediaSections {
			t.Fatalf("accepted %d media sections", n)
		}
	})
}

// TestConnectAndBatchedSubscribe: Connect offers the subscriber connection
// before there is anything to receive (a data channel section, no media),
// once; Subscribe with several tracks makes one offer carrying all of them.
func TestConnectAndBatchedSubscribe(t *testing.T) {
	e := newTestEngine(t)
	h := &recordingHandler{}
	p, err := e.NewPeer("PA_sub", h)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	remote, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	answer := func(offer string) string { return answerOffer(t, remote, offer) }
	sections := func(offer string) (media, application int) {
		t.Helper()
		var d sdp.SessionDescription
		if err := d.UnmarshalString(offer); err != nil {
			t.Fatal(err)
		}
		for _, m := range d.MediaDescriptions {
			if m.MediaName.Media == "application" {
				application++
			} else {
				media++
			}
		}
		return media, application
	}

	p.Connect()
	p.Connect()
	if n := h.offerCount(); n != 1 {
		t.Fatalf("Connect twice made %d offers, want 1", n)
	}
	if m, a := sections(h.offers[0]); m != 0 || a != 1 {
		t.Fatalf("the connecting offer has %d media and %d application sections, want 0 and 1", m, a)
	}
	if err := p.HandleAnswer(answer(h.offers[0])); err != nil {
		t.Fatal(err)
	}

	if err := p.Subscribe(videoReceiver("TR_a"), videoReceiver("TR_b"), videoReceiver("TR_a")); err != nil {
		t.Fatal(err)
	}
	if n := h.offerCount(); n != 2 {
		t.Fatalf("one Subscribe of two tracks made %d more offers, want 1", n-1)
	}
	if m, a := sections(h.offers[1]); m != 2 || a != 1 {
		t.Fatalf("the subscribing offer has %d media and %d application sections, want 2 and 1", m, a)
	}
	if got := p.Subscriptions(); got != 2 {
		t.Errorf("%d subscriptions, want 2 (a track named twice counts once)", got)
	}

	// Subscriptions first (a participant joining a room with tracks): the
	// subscribing offer sets the connection up, and Connect adds nothing.
	h2 := &recordingHandler{}
	p2, err := e.NewPeer("PA_sub2", h2)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if err := p2.Subscribe(videoReceiver("TR_c"), videoReceiver("TR_d")); err != nil {
		t.Fatal(err)
	}
	p2.Connect()
	if n := h2.offerCount(); n != 1 {
		t.Fatalf("Subscribe then Connect made %d offers, want 1", n)
	}
	if m, a := sections(h2.offers[0]); m != 2 || a != 1 {
		t.Fatalf("the first offer has %d media and %d application sections, want 2 and 1", m, a)
	}
}
