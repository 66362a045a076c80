package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
)

// blackhole is a TCP proxy that can be frozen: it then stops forwarding in
// both directions but keeps every socket open, as when a client's network
// vanishes without a FIN or a RST reaching either end.
type blackhole struct {
	ln      net.Listener
	target  string
	frozen  atomic.Bool
	release chan struct{} // closed at clean-up; frees the held copies

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, target: target, release: make(chan struct{})}
	b.wg.Go(b.serve)
	t.Cleanup(b.close)
	return b
}

func (b *blackhole) addr() string { return b.ln.Addr().String() }

// freeze stops all forwarding from now on.
func (b *blackhole) freeze() { b.frozen.Store(true) }

func (b *blackhole) serve() {
	for {
		in, err := b.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", b.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		b.mu.Lock()
		b.conns = append(b.conns, in, out)
		b.mu.Unlock()
		b.wg.Go(func() { b.pipe(out, in) })
		b.wg.Go(func() { b.pipe(in, out) })
	}
}

// pipe copies src to dst until either fails. Once frozen it holds whatever
// it read, and an end of stream, until clean-up: nothing gets through.
func (b *blackhole) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if b.frozen.Load() {
			<-b.release
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			_ = dst.Close()
			_ = src.Close()
			return
		}
	}
}

func (b *blackhole) close() {
	close(b.release)
	_ = b.ln.Close()
	b.mu.Lock()
	for _, c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// TestLostClientIsRemoved: a participant whose connection is gone, whether
// it vanished silently or its TCP connection closed without a leave, is
// removed from the room and the others are told with reason connection_lost.
//
// The silent case relies on the server's WebSocket ping (signal.ping_interval,
// 1 s here): a dropped connection is then held for signal.resume_window (2 s
// here) in case the client resumes, and only then is the participant removed.
func TestLostClientIsRemoved(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Signal.PingInterval = time.Second
		c.Signal.ResumeWindow = 2 * time.Second
	})
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}

	cases := []struct {
		name string
		// viaProxy connects the lost client through a blackhole proxy.
		viaProxy bool
		cut      func(c *client.Client, b *blackhole)
	}{
		{
			name: "network vanishes", viaProxy: true,
			cut: func(_ *client.Client, b *blackhole) { b.freeze() },
		},
		{
			name: "connection closes without leave",
			cut:  func(c *client.Client, _ *blackhole) { _ = c.Close() },
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
			defer cancel()
			room := "liveness-" + string(rune('a'+i))
			watcher := e.Connect(ctx, t, room, "watcher")
			wrec := record(watcher)

			var b *blackhole
			serverURL := e.Srv.URL()
			if tc.viaProxy {
				b = newBlackhole(t, u.Host)
				serverURL = "https://" + b.addr()
			}
			lost, err := client.Connect(ctx, serverURL, mintToken(t, e.Key, room, "lost", all),
				client.WithTLSConfig(e.TLS), client.WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatalf("lost: %v", err)
			}
			t.Cleanup(func() { _ = lost.Close() })
			lostID := lost.Self().ID
			wait(t, wrec, "the lost client to join", func(ev client.ParticipantJoined) bool { return ev.Participant.ID == lostID })

			start := time.Now()
			tc.cut(lost, b)
			left := wait(t, wrec, "the lost client to be removed", func(ev client.ParticipantLeft) bool { return ev.ParticipantID == lostID })
			t.Logf("removed %s after the cut", time.Since(start).Round(time.Millisecond))
			if left.Reason != "connection_lost" {
				t.Errorf("ParticipantLeft reason %q, want connection_lost", left.Reason)
			}
			if inRoom(e, room, "lost") {
				t.Error("the room still lists the lost participant")
			}
			if !inRoom(e, room, "watcher") {
				t.Error("the watcher is no longer in the room")
			}
			// The watcher's own session is unharmed.
			if _, ok := find(wrec, func(ev client.Disconnected) bool { return true }); ok {
				t.Error("the watcher was disconnected")
			}
			if err := watcher.Leave(ctx); err != nil {
				t.Errorf("watcher leave: %v", err)
			}
		})
	}
}

// TestSilentConnectionDetectedWithinOneInterval: a joined client whose TCP
// connection goes silent (a proxy stops forwarding, nothing is closed) is
// found dead at most one signal.ping_interval after the last thing the
// server heard from it, and removed signal.resume_window later, as
// docs/configuration.md says. A client that sends nothing but answers the
// server's pings stays.
func TestSilentConnectionDetectedWithinOneInterval(t *testing.T) {
	const interval, window = 4 * time.Second, time.Second
	e := newEnv(t, func(c *config.Config) {
		c.Signal.PingInterval = interval
		c.Signal.ResumeWindow = window
	})
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}

	quiet := e.dialRaw(ctx, t)
	quiet.join(mintToken(t, e.Key, "silence", "quiet", all))

	b := newBlackhole(t, u.Host)
	lost := e.dialRawVia(ctx, t, b.addr(), nil)
	lost.join(mintToken(t, e.Key, "silence", "lost", all))

	// The server hears from the lost client just before its network
	// vanishes, at whatever phase the server's ping schedule is.
	for !inRoom(e, "silence", "lost") || !inRoom(e, "silence", "quiet") {
		select {
		case <-ctx.Done():
			t.Fatal("clients not in the room")
		case <-time.After(20 * time.Millisecond):
		}
	}
	sent := time.Now()
	lost.expectOpen() // a ping message answered: the server has heard it since sent
	b.freeze()
	frozen := time.Now()

	for inRoom(e, "silence", "lost") {
		select {
		case <-ctx.Done():
			t.Fatal("the silent client was never removed")
		case <-time.After(20 * time.Millisecond):
		}
	}
	removed := time.Now()
	took := removed.Sub(frozen)
	t.Logf("silent client removed %s after its network vanished", took.Round(time.Millisecond))
	// Detection is due one interval after the server last heard the client
	// (after sent, before frozen), removal one resume window later. Pinging
	// on a fixed schedule that skips recently active connections took two
	// to three intervals: at least 9 s here.
	if limit := interval + window + 3*time.Second; took > limit {
		t.Errorf("silent client removed after %s, want within %s (ping_interval %s + resume_window %s + scheduling)",
			took.Round(time.Millisecond), limit, interval, window)
	}
	if early := removed.Sub(sent); early < interval+window-100*time.Millisecond {
		t.Errorf("silent client removed %s after it was last heard, before ping_interval + resume_window", early.Round(time.Millisecond))
	}
	// The quiet client answered every ping and is still in: it has been
	// silent (no messages) for far longer than an interval.
	if !inRoom(e, "silence", "quiet") {
		t.Error("a client that answers pings but sends nothing was removed")
	}
	quiet.expectOpen()
}

// TestSlowJoinIsNotSilence: a join the server takes longer than
// signal.ping_interval to decide (a room password hashed on a busy
// machine) is answered, not closed as a silent connection. While the
// server handles a message nobody reads the connection's pongs: that
// silence is the server's, not the client's. The join is held until the
// server has found another client silent and removed it, which takes a
// whole ping interval and a resume window, however busy the machine.
func TestSlowJoinIsNotSilence(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Signal.PingInterval = 200 * time.Millisecond
		c.Signal.ResumeWindow = 200 * time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	// The witness: a client in another room whose network will vanish.
	b := newBlackhole(t, u.Host)
	witness, err := client.Connect(ctx, "https://"+b.addr(), mintToken(t, e.Key, "witness-room", "witness", token.Grants{Subscribe: true}),
		client.WithTLSConfig(e.TLS), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("witness: %v", err)
	}
	t.Cleanup(func() { _ = witness.Close() })

	const name = "slow-join"
	e.createE2EERoom(name)
	witnessGone := make(chan struct{})
	var held sync.Once
	// The admission of an E2EE join runs this hook.
	e.Srv.Rooms().SetTestTamperE2EE(func(roompkg.Identity, *roompkg.E2EEKeys) {
		held.Do(func() {
			b.freeze()
			go func() {
				defer close(witnessGone)
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				for inRoom(e, "witness-room", "witness") && ctx.Err() == nil {
					<-tick.C
				}
			}()
			select {
			case <-witnessGone:
			case <-ctx.Done():
			}
		})
	})
	r := e.dialRaw(ctx, t)
	r.joinE2EE(e.JoinToken(name, "slow"), name, "slow") // fails the test if the connection closes first
	if inRoom(e, "witness-room", "witness") {
		t.Fatal("the join was not held until the witness was found silent")
	}
}
