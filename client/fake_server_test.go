package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// fakeServer is a minimal signaling peer: it accepts a join, answers
// publisher offers, offers one VP8 track on the subscriber PC and echoes data.
func fakeServer(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		var wmu sync.Mutex
		send := func(typ protocol.Type, p any) {
			b, _ := encode(typ, p)
			wmu.Lock()
			defer wmu.Unlock()
			_ = conn.Write(ctx, websocket.MessageText, b)
		}
		if _, _, err := conn.Read(ctx); err != nil { // join
			return
		}
		send(protocol.TypeJoined, protocol.Joined{Room: "r1", Participant: Participant{ID: "p1",
			Permissions: protocol.Permissions{Publish: true, Subscribe: true, PublishData: true}}})
		se := webrtc.SettingEngine{}
		se.SetIncludeLoopbackCandidate(true)
		api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
		pcs := map[protocol.PeerConnection]*webrtc.PeerConnection{}
		for _, name := range []protocol.PeerConnection{protocol.Publisher, protocol.Subscriber} {
			pc, err := api.NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Error(err)
				return
			}
			defer pc.Close()
			pc.OnICECandidate(func(c *webrtc.ICECandidate) {
				if c != nil {
					ci := c.ToJSON()
					send(protocol.TypeCandidate, protocol.ICECandidate{PC: name, Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
				}
			})
			pcs[name] = pc
		}
		track, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "t1", "p2")
		_, _ = pcs[protocol.Subscriber].AddTrack(track)
		offer, _ := pcs[protocol.Subscriber].CreateOffer(nil)
		_ = pcs[protocol.Subscriber].SetLocalDescription(offer)
		send(protocol.TypeOffer, protocol.SessionDescription{PC: protocol.Subscriber, SDP: offer.SDP})
		go func() {
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true}, Payload: []byte{0x10, 0, 0, 0, 0x9d, 0x01, 0x2a, 1, 2, 3}}
			for i := 0; ctx.Err() == nil; i++ {
				pkt.SequenceNumber, pkt.Timestamp = uint16(i), uint32(i*3000)
				_ = track.WriteRTP(pkt)
				time.Sleep(20 * time.Millisecond) // the pace of a 50 fps sender, not a wait
			}
		}()
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			typ, msg, err := decodeClientForTest(b)
			if err != nil {
				t.Errorf("bad client message: %v", err)
				return
			}
			switch m := msg.(type) {
			case *protocol.SessionDescription:
				pc := pcs[m.PC]
				if typ == protocol.TypeOffer {
					_ = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP})
					ans, _ := pc.CreateAnswer(nil)
					_ = pc.SetLocalDescription(ans)
					send(protocol.TypeAnswer, protocol.SessionDescription{PC: m.PC, SDP: ans.SDP})
				} else {
					_ = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
				}
			case *protocol.ICECandidate:
				if pcs[m.PC].RemoteDescription() == nil {
					t.Errorf("client sent a %s candidate before its SDP", m.PC)
				}
				_ = pcs[m.PC].AddICECandidate(webrtc.ICECandidateInit{Candidate: m.Candidate, SDPMid: m.SDPMid, SDPMLineIndex: m.SDPMLineIndex})
			case *protocol.Data:
				send(protocol.TypeData, protocol.Data{From: "p2", Topic: m.Topic, Payload: m.Payload})
			case *protocol.Leave:
				conn.Close(websocket.StatusNormalClosure, "")
				return
			}
		}
	}))
}

// decodeClientForTest decodes the client-to-server messages the fake needs.
func decodeClientForTest(b []byte) (protocol.Type, any, error) {
	typ, msg, err := decode(b)
	if err == nil {
		return typ, msg, nil
	}
	switch typ {
	case protocol.TypeAddTrack, protocol.TypePing:
		return typ, nil, nil
	}
	return typ, nil, err
}

func TestAgainstFakeServer(t *testing.T) {
	srv := fakeServer(t)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	c, err := Connect(ctx, srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if c.Room() != "r1" || c.Self().ID != "p1" {
		t.Fatalf("joined %q as %q", c.Room(), c.Self().ID)
	}
	// Two overlapping publishes exercise offer serialization.
	var wg sync.WaitGroup
	for _, id := range []string{"v1", "v2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, id, "me")
			if _, err := c.Publish(ctx, tr, SourceCamera); err != nil {
				t.Errorf("publish %s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	if err := c.SendData(ctx, []byte("hi"), "chat"); err != nil {
		t.Fatal(err)
	}
	var gotTrack, gotData bool
	for !(gotTrack && gotData) {
		select {
		case ev := <-c.Events():
			switch ev := ev.(type) {
			case TrackSubscribed:
				if ev.ParticipantID != "p2" || ev.Track.ID != "t1" {
					t.Errorf("track %+v", ev)
				}
				buf := make([]byte, 1500)
				if _, _, err := ev.Remote.Read(buf); err != nil {
					t.Errorf("read: %v", err)
				}
				gotTrack = true
			case DataReceived:
				if ev.From != "p2" || string(ev.Payload) != "hi" {
					t.Errorf("data %+v", ev)
				}
				gotData = true
			}
		case <-ctx.Done():
			t.Fatalf("timed out: track %v data %v", gotTrack, gotData)
		}
	}
	if err := c.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	var last Event
	for ev := range c.Events() {
		last = ev
	}
	if d, ok := last.(Disconnected); !ok || d.Reason != protocol.ReasonLeft || d.Err != nil {
		t.Errorf("last event %#v", last)
	}
}
