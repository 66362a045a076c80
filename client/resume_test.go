package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// scriptedServer hands every accepted signaling connection to the test,
// which plays the server's part by hand.
type scriptedServer struct {
	*httptest.Server
	conns chan *scriptedConn
}

type scriptedConn struct {
	t    *testing.T
	ws   *websocket.Conn
	done chan struct{} // closed when the test is done with the connection
}

func newScriptedServer(t *testing.T) *scriptedServer {
	s := &scriptedServer{conns: make(chan *scriptedConn, 4)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		sc := &scriptedConn{t: t, ws: ws, done: make(chan struct{})}
		s.conns <- sc
		select {
		case <-sc.done:
		case <-r.Context().Done():
		}
		_ = ws.CloseNow()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptedServer) accept(t *testing.T) *scriptedConn {
	t.Helper()
	c := testkit.Receive(t, s.conns, "a connection from the client")
	t.Cleanup(func() { c.drop() })
	return c
}

// drop cuts the connection without a close handshake.
func (c *scriptedConn) drop() {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	_ = c.ws.CloseNow()
}

func (c *scriptedConn) send(typ protocol.Type, p any) {
	c.t.Helper()
	b, err := encode(typ, p)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("server write %s: %v", typ, err)
	}
}

// next reads the next client message that is not an ICE candidate (nor a
// keepalive ping unless wantPings).
func (c *scriptedConn) next(wantPings bool) (protocol.Type, json.RawMessage) {
	c.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
		_, b, err := c.ws.Read(ctx)
		cancel()
		if err != nil {
			c.t.Fatalf("server read, waiting for a client message: %v", err)
		}
		var env protocol.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			c.t.Fatal(err)
		}
		if env.Type == protocol.TypeCandidate || env.Type == protocol.TypePing && !wantPings {
			continue
		}
		return env.Type, env.Data
	}
}

func (c *scriptedConn) expect(typ protocol.Type, into any) {
	c.t.Helper()
	got, data := c.next(typ == protocol.TypePing)
	if got != typ {
		c.t.Fatalf("client sent %s (%s), want %s", got, data, typ)
	}
	if into != nil {
		if err := json.Unmarshal(data, into); err != nil {
			c.t.Fatal(err)
		}
	}
}

var allPerms = protocol.Permissions{Publish: true, Subscribe: true, PublishData: true}

func participant(id string, tracks ...TrackInfo) Participant {
	return Participant{ID: id, Identity: "id-" + id, JoinedAt: int64(len(id)), Permissions: allPerms, Tracks: tracks}
}

// joinScripted connects a client to s and plays the first join.
func joinScripted(t *testing.T, s *scriptedServer, others []Participant, opts ...Option) (*Client, *scriptedConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	type result struct {
		c   *Client
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, err := Connect(ctx, s.URL, "tok", opts...)
		res <- result{c, err}
	}()
	sc := s.accept(t)
	var j protocol.Join
	sc.expect(protocol.TypeJoin, &j)
	if j.Token != "tok" || j.Resume != nil {
		t.Fatalf("first join %+v", j)
	}
	sc.send(protocol.TypeJoined, protocol.Joined{Room: "r1", Participant: participant("p1"),
		Participants: append([]Participant{participant("p1")}, others...), ResumeSecret: "s3cret"})
	r := testkit.Receive(t, res, "Connect to return")
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { _ = r.c.Close() })
	return r.c, sc
}

// nextEvent returns the next event that is not a TrackSubscribed.
func nextEvent(t *testing.T, c *Client) Event {
	t.Helper()
	limit := time.After(testkit.DefaultWait())
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatal("events closed")
			}
			if _, ok := ev.(TrackSubscribed); ok {
				continue
			}
			return ev
		case <-limit:
			t.Fatalf("gave up after %s waiting for an event", testkit.DefaultWait())
			return nil
		}
	}
}

func expectEvent[T Event](t *testing.T, c *Client) T {
	t.Helper()
	ev := nextEvent(t, c)
	v, ok := ev.(T)
	if !ok {
		var zero T
		t.Fatalf("event %#v, want %T", ev, zero)
	}
	return v
}

func TestResumeAfterDrop(t *testing.T) {
	s := newScriptedServer(t)
	cam := TrackInfo{ID: "t1", Kind: protocol.KindVideo, Source: protocol.SourceCamera}
	c, sc := joinScripted(t, s, []Participant{participant("p2"), participant("p3")})

	sc.drop()
	if ev := expectEvent[Reconnecting](t, c); ev.Err == nil {
		t.Error("Reconnecting carries no cause")
	}
	// Sent while reconnecting: held for the resumed connection.
	if err := c.SendData(context.Background(), []byte("held"), "chat"); err != nil {
		t.Fatalf("SendData while reconnecting: %v", err)
	}

	sc2 := s.accept(t)
	var j protocol.Join
	sc2.expect(protocol.TypeJoin, &j)
	if j.Token != "tok" || j.Resume == nil || j.Resume.ParticipantID != "p1" || j.Resume.Secret != "s3cret" {
		t.Fatalf("resume join %+v", j)
	}
	sc2.send(protocol.TypeJoined, protocol.Joined{Room: "r1", Participant: participant("p1"), Resumed: true,
		Participants: []Participant{participant("p1"), participant("p2", cam), participant("p4")}, ResumeSecret: "s3cret"})
	expectEvent[Reconnected](t, c)
	if ev := expectEvent[ParticipantLeft](t, c); ev.ParticipantID != "p3" || ev.Reason != protocol.ReasonLeft {
		t.Errorf("left %+v", ev)
	}
	if ev := expectEvent[ParticipantJoined](t, c); ev.Participant.ID != "p4" {
		t.Errorf("joined %+v", ev)
	}
	if ev := expectEvent[ParticipantUpdated](t, c); ev.Participant.ID != "p2" || len(ev.Participant.Tracks) != 1 {
		t.Errorf("updated %+v", ev)
	}
	var d protocol.Data
	sc2.expect(protocol.TypeData, &d)
	if string(d.Payload) != "held" {
		t.Errorf("held data %q", d.Payload)
	}
	var ping protocol.Ping
	sc2.expect(protocol.TypePing, &ping)
	if ping.T >= 0 {
		t.Errorf("post-resume ping T = %d, want negative", ping.T)
	}
	sc2.send(protocol.TypePong, protocol.Pong(ping))

	if c.Self().ID != "p1" {
		t.Errorf("self %q after resume", c.Self().ID)
	}
	ps := c.Participants()
	if len(ps) != 2 || ps[0].ID != "p2" && ps[1].ID != "p2" {
		t.Errorf("participants after resume %+v", ps)
	}
	// The resumed connection carries the session on.
	sc2.send(protocol.TypeData, protocol.Data{From: "p2", Topic: "chat", Payload: []byte("after")})
	if ev := expectEvent[DataReceived](t, c); string(ev.Payload) != "after" {
		t.Errorf("data %+v", ev)
	}
	if err := c.SendData(context.Background(), []byte("direct"), "chat"); err != nil {
		t.Fatal(err)
	}
	sc2.expect(protocol.TypeData, &d)
	if string(d.Payload) != "direct" {
		t.Errorf("data after resume %q", d.Payload)
	}
}

func TestResumeRefused(t *testing.T) {
	s := newScriptedServer(t)
	c, sc := joinScripted(t, s, nil)
	sc.drop()
	expectEvent[Reconnecting](t, c)
	sc2 := s.accept(t)
	sc2.expect(protocol.TypeJoin, nil)
	sc2.send(protocol.TypeError, protocol.Error{Code: protocol.CodeResumeFailed, Message: "no session to resume; join afresh"})
	sc2.send(protocol.TypeLeave, protocol.Leave{Reason: protocol.ReasonError})
	d := expectEvent[Disconnected](t, c)
	var se *ServerError
	if d.Reason != protocol.ReasonConnectionLost || !errors.As(d.Err, &se) || se.Code != protocol.CodeResumeFailed {
		t.Errorf("disconnected %#v, want connection_lost with resume_failed", d)
	}
	if _, ok := <-c.Events(); ok {
		t.Error("events after Disconnected")
	}
	// A negative check: the pause gives a wrongly started fresh join time
	// to show; on a slow machine it may miss one, but never fails a correct
	// client.
	select {
	case extra := <-s.conns:
		extra.drop()
		t.Error("the client tried again after resume_failed (a fresh join is the application's call)")
	case <-time.After(500 * time.Millisecond):
	}
}

func TestWithoutResume(t *testing.T) {
	s := newScriptedServer(t)
	c, sc := joinScripted(t, s, nil, WithoutResume())
	sc.drop()
	d := expectEvent[Disconnected](t, c)
	if d.Reason != "" || d.Err == nil {
		t.Errorf("disconnected %#v, want an error and no reason", d)
	}
}

func TestNoResumeAfterServerLeave(t *testing.T) {
	s := newScriptedServer(t)
	c, sc := joinScripted(t, s, nil)
	sc.send(protocol.TypeLeave, protocol.Leave{Reason: protocol.ReasonRemoved})
	sc.drop()
	d := expectEvent[Disconnected](t, c)
	if d.Reason != protocol.ReasonRemoved || d.Err != nil {
		t.Errorf("disconnected %#v, want removed", d)
	}
}

func TestCloseWhileReconnecting(t *testing.T) {
	s := newScriptedServer(t)
	c, sc := joinScripted(t, s, nil)
	sc.drop()
	expectEvent[Reconnecting](t, c)
	_ = c.Close()
	d := expectEvent[Disconnected](t, c)
	if d.Reason != protocol.ReasonLeft || d.Err != nil {
		t.Errorf("disconnected %#v, want left", d)
	}
	if err := c.SendData(context.Background(), []byte("x"), ""); !errors.Is(err, ErrClosed) {
		t.Errorf("SendData after Close: %v", err)
	}
}

// TestResumeResendsUnansweredOffer: the publisher offer was sent but its
// answer never came; after the resume (and the server's replay, marked by
// the pong) the client offers again, and Publish completes.
func TestResumeResendsUnansweredOffer(t *testing.T) {
	s := newScriptedServer(t)
	c, sc := joinScripted(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "v1", "me")
	if err != nil {
		t.Fatal(err)
	}
	published := make(chan error, 1)
	go func() {
		_, err := c.Publish(ctx, tr, SourceCamera)
		published <- err
	}()
	sc.expect(protocol.TypeAddTrack, nil)
	var first protocol.SessionDescription
	sc.expect(protocol.TypeOffer, &first)
	sc.drop() // the answer is lost with the connection
	expectEvent[Reconnecting](t, c)

	sc2 := s.accept(t)
	sc2.expect(protocol.TypeJoin, nil)
	sc2.send(protocol.TypeJoined, protocol.Joined{Room: "r1", Participant: participant("p1"), Resumed: true,
		Participants: []Participant{participant("p1")}, ResumeSecret: "s3cret"})
	expectEvent[Reconnected](t, c)
	var ping protocol.Ping
	sc2.expect(protocol.TypePing, &ping)
	select {
	case err := <-published:
		t.Fatalf("Publish returned before its answer: %v", err)
	default:
	}
	sc2.send(protocol.TypePong, protocol.Pong(ping))
	var again protocol.SessionDescription
	sc2.expect(protocol.TypeOffer, &again)
	// The same offer (pion's local description may since carry the
	// gathered candidates): same origin line, same session version.
	if again.PC != protocol.Publisher || sdpOrigin(again.SDP) != sdpOrigin(first.SDP) || sdpOrigin(first.SDP) == "" {
		t.Fatalf("re-sent offer is not the first one: %q vs %q", sdpOrigin(again.SDP), sdpOrigin(first.SDP))
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: again.SDP}); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	sc2.send(protocol.TypeAnswer, protocol.SessionDescription{PC: protocol.Publisher, SDP: answer.SDP})
	select {
	case err := <-published:
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Publish did not complete after the resume")
	}
	// A duplicate answer is ignored, not fatal.
	sc2.send(protocol.TypeAnswer, protocol.SessionDescription{PC: protocol.Publisher, SDP: answer.SDP})
	sc2.send(protocol.TypeData, protocol.Data{From: "p2", Payload: []byte("still")})
	if ev := expectEvent[DataReceived](t, c); string(ev.Payload) != "still" {
		t.Errorf("data %+v", ev)
	}
}

func sdpOrigin(sdp string) string {
	for _, l := range strings.Split(sdp, "\n") {
		if strings.HasPrefix(l, "o=") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func TestResumeBackoff(t *testing.T) {
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}
	for i, w := range want {
		if got := resumeBackoff(i); got != w {
			t.Errorf("resumeBackoff(%d) = %s, want %s", i, got, w)
		}
	}
	if got := resumeBackoff(100); got != resumeBackoffMax {
		t.Errorf("resumeBackoff(100) = %s", got)
	}
}

func TestResumeWait(t *testing.T) {
	limited := &ServerError{Code: protocol.CodeRateLimited, RetryAfter: 5 * time.Second}
	for _, tt := range []struct {
		n    int
		last error
		want time.Duration
	}{
		{0, errors.New("connection reset"), resumeBackoffFirst},
		{3, &ServerError{Code: protocol.CodeInternal}, resumeBackoffMax},
		{0, limited, 5 * time.Second},
		{0, fmt.Errorf("client: resume: %w", limited), 5 * time.Second},
		// A wait shorter than the backoff does not hurry the client.
		{10, &ServerError{Code: protocol.CodeRateLimited, RetryAfter: time.Second}, resumeBackoffMax},
	} {
		if got := resumeWait(tt.n, tt.last); got != tt.want {
			t.Errorf("resumeWait(%d, %v) = %s, want %s", tt.n, tt.last, got, tt.want)
		}
	}
}

// TestResumeWaitsRetryAfter: a resume refused rate_limited with a
// retry_after is tried again no sooner than that, and then succeeds.
func TestResumeWaitsRetryAfter(t *testing.T) {
	s := newScriptedServer(t)
	c, sc := joinScripted(t, s, nil)
	sc.drop()
	expectEvent[Reconnecting](t, c)
	sc2 := s.accept(t)
	sc2.expect(protocol.TypeJoin, nil)
	const wait = 2 * time.Second
	refused := time.Now()
	sc2.send(protocol.TypeError, protocol.Error{Code: protocol.CodeRateLimited, Message: "try again in 2 s",
		RetryAfter: int64(wait / time.Second)})
	sc2.send(protocol.TypeLeave, protocol.Leave{Reason: protocol.ReasonError})
	sc3 := s.accept(t)
	// A lower bound only: a slow machine makes the gap longer, never shorter.
	if gap := time.Since(refused); gap < wait {
		t.Errorf("the client tried again %s after a refusal that asked for %s", gap, wait)
	}
	var j protocol.Join
	sc3.expect(protocol.TypeJoin, &j)
	if j.Resume == nil || j.Resume.ParticipantID != "p1" {
		t.Fatalf("second attempt %+v, want a resume", j)
	}
	sc3.send(protocol.TypeJoined, protocol.Joined{Room: "r1", Participant: participant("p1"), Resumed: true,
		Participants: []Participant{participant("p1")}, ResumeSecret: "s3cret"})
	expectEvent[Reconnected](t, c)
}

// TestConnectRefusedRetryAfter: a join refused with a wait returns a
// *ServerError carrying it.
func TestConnectRefusedRetryAfter(t *testing.T) {
	s := newScriptedServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	res := make(chan error, 1)
	go func() {
		c, err := Connect(ctx, s.URL, "tok")
		if c != nil {
			_ = c.Close()
		}
		res <- err
	}()
	sc := s.accept(t)
	sc.expect(protocol.TypeJoin, nil)
	sc.send(protocol.TypeError, protocol.Error{Code: protocol.CodeTooManyAttempts, Message: "too many wrong passwords; try again in 7 s", RetryAfter: 7})
	sc.send(protocol.TypeLeave, protocol.Leave{Reason: protocol.ReasonError})
	err := testkit.Receive(t, res, "Connect to return")
	se, ok := errors.AsType[*ServerError](err)
	if !ok || se.Code != protocol.CodeTooManyAttempts || se.RetryAfter != 7*time.Second {
		t.Fatalf("Connect: %v (%#v), want too_many_attempts with RetryAfter 7s", err, se)
	}
}
