package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/config"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// cutProxy is a TCP proxy whose connections can be cut: both sides are
// reset at once, as when a NAT or a load balancer drops a flow. While
// refusing, it resets every new connection as soon as it is accepted.
type cutProxy struct {
	ln       net.Listener
	target   string
	refusing atomic.Bool
	accepted atomic.Int32 // connections forwarded

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	p.wg.Go(p.serve)
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refusing.Load() {
			reset(in)
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			reset(in)
			continue
		}
		p.accepted.Add(1)
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Go(func() { pipe(out, in) })
		p.wg.Go(func() { pipe(in, out) })
	}
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// reset closes c with a TCP RST rather than a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// cut resets every forwarded connection, on both sides.
func (p *cutProxy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		reset(c)
	}
}

func (p *cutProxy) close() {
	_ = p.ln.Close()
	p.cut()
	p.wg.Wait()
}

// connectVia connects identity to room through the proxy, resume enabled.
func connectVia(ctx context.Context, t *testing.T, e *env, p *cutProxy, room, identity string) *client.Client {
	t.Helper()
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}
	c, err := client.Connect(ctx, "https://"+p.addr(), mintToken(t, e.Key, room, identity, all),
		client.WithTLSConfig(e.TLS), client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(4096))
	if err != nil {
		t.Fatalf("%s: connect through the proxy: %v", identity, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// index returns the position of the first recorded event of type T, or -1.
func index[T client.Event](r *recorder) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, ev := range r.events {
		if _, ok := ev.(T); ok {
			return i
		}
	}
	return -1
}

// countIntact reads every track the watcher receives from publisherID and
// counts the packets whose payload is intact.
func countIntact(ctx context.Context, t *testing.T, r *recorder, publisherID string) *atomic.Int64 {
	t.Helper()
	sub := wait(t, r, "the publisher's track", func(ev client.TrackSubscribed) bool { return ev.ParticipantID == publisherID })
	var n atomic.Int64
	go func() {
		buf := make([]byte, 1500)
		for ctx.Err() == nil {
			k, _, err := sub.Remote.Read(buf)
			if err != nil {
				return
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(buf[:k]) != nil {
				continue
			}
			if _, ok := media.VerifyPayload(pkt.Payload); ok {
				n.Add(1)
			}
		}
	}()
	return &n
}

// waitCount waits until n reaches at least want.
func waitCount(t *testing.T, n *atomic.Int64, want int64, what string) {
	t.Helper()
	testkit.Eventually(t, fmt.Sprintf("%d intact packets %s", want, what), func() bool { return n.Load() >= want })
}

// TestClientResumesAfterCut: a Go client publishing video through a proxy
// loses its signaling connection (the proxy resets it); it reconnects and
// resumes the same session — same participant id, nobody told it left —
// while its media keeps reaching a second client.
func TestClientResumesAfterCut(t *testing.T) {
	e := newEnv(t)
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "client-resume"

	watcher := e.Connect(ctx, t, room, "watcher")
	wrec := record(watcher)
	proxy := newCutProxy(t, u.Host)
	pub := connectVia(ctx, t, e, proxy, room, "publisher")
	prec := record(pub)
	pubID := pub.Self().ID

	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video-pub", "stream-pub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Publish(ctx, tr, client.SourceCamera); err != nil {
		t.Fatalf("publish: %v", err)
	}
	go func() { _ = media.NewPayloadSource(media.PayloadOptions{Size: 1000, Rate: 50}).Run(ctx, tr) }()
	got := countIntact(ctx, t, wrec, pubID)
	waitCount(t, got, 25, "before the cut")

	proxy.cut()
	wait(t, prec, "Reconnecting after the cut", func(client.Reconnecting) bool { return true })
	wait(t, prec, "Reconnected after the cut", func(client.Reconnected) bool { return true })
	if i, j := index[client.Reconnecting](prec), index[client.Reconnected](prec); i < 0 || j < i {
		t.Errorf("Reconnecting at %d, Reconnected at %d: want Reconnecting first", i, j)
	}
	if id := pub.Self().ID; id != pubID {
		t.Errorf("participant id %s after the resume, want %s", id, pubID)
	}
	if n := proxy.accepted.Load(); n != 2 {
		t.Errorf("the proxy forwarded %d connections, want 2 (join, resume)", n)
	}

	// Media keeps arriving after the resume.
	after := got.Load()
	waitCount(t, got, after+50, "after the resume")

	// Signaling works on the resumed connection, both ways.
	if err := pub.SendData(ctx, []byte("resumed"), "chat"); err != nil {
		t.Fatalf("send after resume: %v", err)
	}
	wait(t, wrec, "the publisher's data after the resume", func(ev client.DataReceived) bool {
		return ev.From == pubID && string(ev.Payload) == "resumed"
	})
	if err := watcher.SendData(ctx, []byte("welcome back"), "chat"); err != nil {
		t.Fatal(err)
	}
	wait(t, prec, "the watcher's data after the resume", func(ev client.DataReceived) bool { return string(ev.Payload) == "welcome back" })

	if _, left := find(wrec, func(ev client.ParticipantLeft) bool { return ev.ParticipantID == pubID }); left {
		t.Error("the watcher was told the publisher left, though it resumed")
	}
	if _, gone := find(prec, func(client.Disconnected) bool { return true }); gone {
		t.Error("the publisher was disconnected")
	}
	ps, err := e.Srv.Rooms().Participants(roompkg.RoomName(room), roompkg.KeyID(e.Key.ID))
	if err != nil || len(ps) != 2 {
		t.Errorf("room lists %d participants (%v), want 2", len(ps), err)
	}
	if ws := pub.Participants(); len(ws) != 1 || ws[0].Identity != "watcher" {
		t.Errorf("the publisher sees %+v, want the watcher", ws)
	}
	if err := pub.Leave(ctx); err != nil {
		t.Errorf("leave after resume: %v", err)
	}
	wait(t, wrec, "the publisher to leave", func(ev client.ParticipantLeft) bool {
		return ev.ParticipantID == pubID && ev.Reason == protocol.ReasonLeft
	})
}

// TestClientResumeImpossible: the server's resume window (300 ms here) ends
// while the proxy refuses connections; the client's next attempt is refused
// with resume_failed and it ends with connection_lost, without joining
// afresh.
func TestClientResumeImpossible(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Signal.ResumeWindow = 300 * time.Millisecond })
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "client-resume-late"

	watcher := e.Connect(ctx, t, room, "watcher")
	wrec := record(watcher)
	proxy := newCutProxy(t, u.Host)
	lost := connectVia(ctx, t, e, proxy, room, "lost")
	lrec := record(lost)
	lostID := lost.Self().ID
	wait(t, wrec, "the lost client to join", func(ev client.ParticipantJoined) bool { return ev.Participant.ID == lostID })

	proxy.refusing.Store(true)
	proxy.cut()
	wait(t, lrec, "Reconnecting after the cut", func(client.Reconnecting) bool { return true })
	// The server gives up on the session once its window has passed: the
	// watcher is told. Only then may the client get through again.
	left := wait(t, wrec, "the lost client to be removed", func(ev client.ParticipantLeft) bool { return ev.ParticipantID == lostID })
	if left.Reason != protocol.ReasonConnectionLost {
		t.Errorf("the watcher was told %q, want connection_lost", left.Reason)
	}
	proxy.refusing.Store(false)

	d := wait(t, lrec, "Disconnected once the resume is refused", func(client.Disconnected) bool { return true })
	if d.Reason != protocol.ReasonConnectionLost || serverCode(d.Err) != protocol.CodeResumeFailed {
		t.Errorf("Disconnected{%q, %v}, want connection_lost after resume_failed", d.Reason, d.Err)
	}
	if _, ok := find(lrec, func(client.Reconnected) bool { return true }); ok {
		t.Error("Reconnected although the session was gone")
	}
	// No fresh join behind the application's back. A negative check: the
	// pause gives a wrongly started join time to show; on a slow machine it
	// may miss one, but never fails a correct client.
	time.Sleep(300 * time.Millisecond)
	if inRoom(e, room, "lost") {
		t.Error("the lost client is in the room again")
	}
	if n := proxy.accepted.Load(); n != 2 {
		t.Errorf("the proxy forwarded %d connections, want 2 (join, refused resume)", n)
	}
}
