package client

import (
	"errors"
	"sync"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/protocol"
)

func TestSignalURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://127.0.0.1:8443", "wss://127.0.0.1:8443/v1/signal"},
		{"https://example.com/", "wss://example.com/v1/signal"},
		{"http://localhost:8080", "ws://localhost:8080/v1/signal"},
		{"wss://example.com/v1/signal", "wss://example.com/v1/signal"},
		{"https://example.com/conclave", "wss://example.com/conclave/v1/signal"},
		{"example.com:8443", "wss://example.com:8443/v1/signal"},
	} {
		got, err := signalURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("signalURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://x", "https://", "https://h/?token=x", "https://u:p@h", "https://h/#f"} {
		if got, err := signalURL(bad); err == nil {
			t.Errorf("signalURL(%q) = %q, want error", bad, got)
		}
	}
}

func TestOptions(t *testing.T) {
	var called string
	o, err := buildOptions("https://example.com", []Option{
		WithEventBuffer(5), WithEventBuffer(-1), WithKeyframeRequest(func(id string) { called = id }),
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.eventBuffer != 5 || o.logger == nil || o.settingEngine == nil {
		t.Errorf("options = %+v", o)
	}
	o.onKeyframe("v1")
	if called != "v1" {
		t.Error("keyframe callback not kept")
	}
	for host, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "example.com": false, "10.0.0.1": false} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%s) = %v", host, got)
		}
	}
}

func TestICEBuffer(t *testing.T) {
	var b iceBuffer
	var applied []string
	apply := func(c webrtc.ICECandidateInit) error {
		applied = append(applied, c.Candidate)
		return nil
	}
	for _, s := range []string{"a", "b"} {
		if err := b.add(webrtc.ICECandidateInit{Candidate: s}, apply); err != nil {
			t.Fatal(err)
		}
	}
	if len(applied) != 0 {
		t.Fatal("applied before open")
	}
	if err := b.open(apply); err != nil {
		t.Fatal(err)
	}
	_ = b.add(webrtc.ICECandidateInit{Candidate: "c"}, apply)
	if got := len(applied); got != 3 || applied[0] != "a" || applied[2] != "c" {
		t.Errorf("applied = %v", applied)
	}
	var full iceBuffer
	for i := 0; i < maxPendingCandidates; i++ {
		_ = full.add(webrtc.ICECandidateInit{}, apply)
	}
	if err := full.add(webrtc.ICECandidateInit{}, apply); !errors.Is(err, errTooManyCandidates) {
		t.Errorf("overflow: %v", err)
	}
}

func TestNegotiatorSerializes(t *testing.T) {
	var mu sync.Mutex
	offers := 0
	n := &negotiator{}
	n.sendOffer = func() error { mu.Lock(); offers++; mu.Unlock(); return nil }
	first := n.negotiate()
	// Three more requests while the first offer is out: one follow-up offer.
	more := []<-chan error{n.negotiate(), n.negotiate(), n.negotiate()}
	if offers != 1 || !n.pending() {
		t.Fatalf("offers = %d", offers)
	}
	n.done(nil) // answer to offer 1
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if offers != 2 {
		t.Fatalf("offers after answer = %d, want 2", offers)
	}
	select {
	case <-more[0]:
		t.Fatal("follow-up resolved before its answer")
	default:
	}
	n.done(errors.New("bad"))
	for _, ch := range more {
		if err := <-ch; err == nil || err.Error() != "bad" {
			t.Errorf("waiter got %v", err)
		}
	}
	if n.pending() {
		t.Error("still pending")
	}
	n.done(nil) // a stray answer is ignored
	last := n.negotiate()
	n.close(ErrClosed)
	if err := <-last; !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	if err := <-n.negotiate(); !errors.Is(err, ErrClosed) {
		t.Errorf("negotiate on closed: %v", err)
	}
}

func TestNegotiatorSendError(t *testing.T) {
	n := &negotiator{sendOffer: func() error { return errors.New("down") }}
	if err := <-n.negotiate(); err == nil {
		t.Fatal("send error not reported")
	}
	if n.pending() {
		t.Error("pending after failed send")
	}
}

func TestEventQueue(t *testing.T) {
	q := newEventQueue(2)
	q.push(MuteRequested{TrackID: "1"})
	q.push(MuteRequested{TrackID: "2"})
	if q.push(MuteRequested{TrackID: "3"}) {
		t.Error("push into full queue succeeded")
	}
	q.close(Disconnected{Reason: "left"})
	q.close(Disconnected{Reason: "twice"})
	q.push(MuteRequested{TrackID: "4"})
	var got []Event
	for ev := range q.ch {
		got = append(got, ev)
	}
	if len(got) != 2 || got[1] != (Disconnected{Reason: "left"}) {
		t.Errorf("events = %v", got)
	}
	if q.droppedCount() != 2 {
		t.Errorf("dropped = %d", q.droppedCount())
	}
}

func TestDecode(t *testing.T) {
	b, err := encode(protocol.TypeData, protocol.Data{From: "p1", Topic: "chat", Payload: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	typ, msg, err := decode(b)
	if err != nil || typ != protocol.TypeData {
		t.Fatal(typ, err)
	}
	if d := msg.(*protocol.Data); d.From != "p1" || string(d.Payload) != "hi" {
		t.Errorf("data = %+v", d)
	}
	for _, bad := range []string{`{`, `{"v":2,"type":"pong","data":{}}`, `{"v":1,"type":"nope"}`, `{"v":1,"type":"pong","data":[]}`} {
		if _, _, err := decode([]byte(bad)); err == nil {
			t.Errorf("decode(%s) succeeded", bad)
		}
	}
	// Unknown fields from a newer server are tolerated.
	if _, _, err := decode([]byte(`{"v":1,"type":"pong","data":{"t":1,"extra":true}}`)); err != nil {
		t.Error(err)
	}
}
