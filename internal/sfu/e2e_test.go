package sfu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/testkit"
)

// newAPI returns a pion API with the default codecs. Server-side
// PeerConnections get RTCP reports only: no NACK responder, because
// DownTrack answers NACKs from the Receiver's cache.
func newAPI(t *testing.T, server bool) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	var err error
	if server {
		err = webrtc.ConfigureRTCPReports(ir)
	} else {
		err = webrtc.RegisterDefaultInterceptors(m, ir)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := webrtc.SettingEngine{}
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(s))
}

// connect runs offer/answer between offerer and answerer with complete ICE
// gathering (no trickle).
func connect(t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
}

// payloadFor is the recognisable payload of the i-th test packet.
func payloadFor(i uint32) []byte {
	p := make([]byte, 1000)
	binary.BigEndian.PutUint32(p, i)
	for j := 4; j < len(p); j++ {
		p[j] = byte(uint32(j) * (i + 7))
	}
	return p
}

func TestEndToEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	stats := &Stats{}

	pub, err := newAPI(t, false).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	serverPub, err := newAPI(t, true).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	serverSub, err := newAPI(t, true).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := newAPI(t, false).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}

	// Publisher -> server.
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "alice")
	if err != nil {
		t.Fatal(err)
	}
	pubSender, err := pub.AddTrack(track)
	if err != nil {
		t.Fatal(err)
	}
	var pubPLIs atomic.Int32
	pubRTCPDone := make(chan struct{})
	go func() {
		defer close(pubRTCPDone)
		for {
			pkts, _, err := pubSender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					pubPLIs.Add(1)
				}
			}
		}
	}()

	receivers := make(chan *Receiver, 1)
	runDone := make(chan error, 1)
	serverPub.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		r := NewReceiver(ReceiverConfig{
			TrackID: remote.ID(), StreamID: remote.StreamID(), Kind: remote.Kind(), Codec: remote.Codec(),
			SSRC: uint32(remote.SSRC()), Feedback: serverPub, PLIInterval: 20 * time.Millisecond, Stats: stats,
		})
		receivers <- r
		runDone <- r.Run(remote)
	})
	connect(t, pub, serverPub)

	stopWriting := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for i := uint32(0); ; i++ {
			select {
			case <-stopWriting:
				return
			case <-tick.C:
			}
			_ = track.WriteRTP(&rtp.Packet{
				Header:  rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: i * 3000, Marker: true},
				Payload: payloadFor(i),
			})
		}
	}()

	r := testkit.Receive(t, receivers, "the server to get the publisher's track")

	// Server -> subscriber.
	dt := r.NewDownTrack("bob")
	subSender, err := serverSub.AddTrack(dt)
	if err != nil {
		t.Fatal(err)
	}
	rtcpDone := make(chan struct{})
	go func() { dt.HandleRTCP(subSender); close(rtcpDone) }()

	type got struct {
		pkt  *rtp.Packet
		ssrc webrtc.SSRC
		pt   webrtc.PayloadType
	}
	received := make(chan got, 1024)
	sub.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if remote.ID() != "cam" || remote.StreamID() != "alice" {
			t.Errorf("subscriber sees track %q stream %q", remote.ID(), remote.StreamID())
		}
		for {
			p, _, err := remote.ReadRTP()
			if err != nil {
				return
			}
			select {
			case received <- got{p, remote.SSRC(), remote.PayloadType()}:
			default:
			}
		}
	})
	connect(t, serverSub, sub)

	intact := 0
	var subSSRC webrtc.SSRC
	limit := time.After(testkit.DefaultWait())
	for intact < 50 {
		select {
		case g := <-received:
			i := binary.BigEndian.Uint32(g.pkt.Payload)
			if !bytes.Equal(g.pkt.Payload, payloadFor(i)) {
				t.Fatalf("packet %d arrived corrupted", i)
			}
			if uint32(g.pkt.SSRC) != uint32(g.ssrc) || g.pkt.PayloadType != uint8(g.pt) {
				t.Fatalf("header SSRC/PT %d/%d, negotiated %d/%d", g.pkt.SSRC, g.pkt.PayloadType, g.ssrc, g.pt)
			}
			subSSRC = g.ssrc
			intact++
		case <-limit:
			t.Fatalf("gave up after %s waiting for 50 packets: the subscriber got %d", testkit.DefaultWait(), intact)
		}
	}

	// A PLI from the subscriber reaches the publisher.
	// Past the PLIInterval (20 ms) of Bind's request, which would swallow
	// the subscriber's: a sleep is the condition here, and a slow machine
	// only makes it longer.
	time.Sleep(50 * time.Millisecond)
	plis := pubPLIs.Load()
	if err := sub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(subSSRC)}}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the subscriber's PLI to reach the publisher", func() bool { return pubPLIs.Load() > plis })
	if stats.PLIsSent() < 2 || stats.PacketsForwarded() < 50 {
		t.Errorf("stats: PLIsSent=%d PacketsForwarded=%d", stats.PLIsSent(), stats.PacketsForwarded())
	}

	close(stopWriting)
	<-writerDone
	dt.Close()
	r.Close()
	if err := <-runDone; err != nil {
		t.Errorf("Run: %v", err)
	}
	<-rtcpDone
	for _, pc := range []*webrtc.PeerConnection{pub, serverPub, serverSub, sub} {
		if err := pc.Close(); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
			t.Errorf("close: %v", err)
		}
	}
	<-pubRTCPDone
	checkGoroutines(t, before)
}
