package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/telemetry"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// peerHeader tells the test front door which TCP peer address to present
// to the server: the per-IP cap needs several addresses, and a test has
// only loopback ones.
const peerHeader = "X-Test-Peer"

// frontDoor is the server's real handler behind a TLS test listener that
// sets RemoteAddr from peerHeader, as net/http sets it from the TCP peer.
type frontDoor struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
	key token.Key
}

func newFrontDoor(t *testing.T, mutate func(*config.Config)) *frontDoor {
	t.Helper()
	cfg := config.DefaultDev()
	cfg.Addr = "127.0.0.1:0"
	cfg.RTCPort = 0
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Rooms.E2EE = "off" // its clients join without keys
	mutate(&cfg)
	level := "warn"
	if os.Getenv("CONCLAVETEST_LOG") != "" {
		level = "debug"
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, cfg, telemetry.NewLogger(os.Stderr, level, "text"))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-s.ready
	rec, priv, err := auth.NewAPIKey("test", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store().CreateAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.Header.Get(peerHeader); p != "" {
			r.RemoteAddr = p
		}
		s.http.Handler.ServeHTTP(w, r)
	}))
	ts.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	ts.StartTLS()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		select {
		case <-done:
		case <-time.After(testkit.DefaultWait()):
			t.Error("server did not stop")
		}
	})
	return &frontDoor{t: t, srv: s, ts: ts, key: token.Key{ID: rec.ID, Private: priv}}
}

// wsConn is a raw signaling connection; msgs gets every server message and
// is closed when the connection ends.
type wsConn struct {
	ws   *websocket.Conn
	msgs chan protocol.Envelope
}

// dial opens a signaling WebSocket that appears to come from peer.
func (f *frontDoor) dial(peer string) (*wsConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set(peerHeader, peer)
	u := "wss://" + strings.TrimPrefix(f.ts.URL, "https://") + "/v1/signal"
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: f.ts.Client(), HTTPHeader: h})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &wsConn{ws: ws, msgs: make(chan protocol.Envelope, 256)}
	go func() {
		defer close(c.msgs)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var env protocol.Envelope
			if json.Unmarshal(b, &env) == nil {
				c.msgs <- env
			}
		}
	}()
	f.t.Cleanup(func() { _ = ws.CloseNow() })
	return c, nil
}

func (f *frontDoor) mustDial(peer string) *wsConn {
	f.t.Helper()
	c, err := f.dial(peer)
	if err != nil {
		f.t.Fatalf("dial from %s: %v", peer, err)
	}
	return c
}

// outcome waits for the first decisive message: "joined", or the code of
// an error; "closed" if the connection ends without either.
func (c *wsConn) outcome(t *testing.T, within time.Duration) string {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case env, ok := <-c.msgs:
			if !ok {
				return "closed"
			}
			switch env.Type {
			case protocol.TypeJoined:
				return "joined"
			case protocol.TypeError:
				var e protocol.Error
				_ = json.Unmarshal(env.Data, &e)
				return e.Code
			}
		case <-deadline:
			t.Fatalf("no joined, error or close within %s", within)
			return ""
		}
	}
}

// join dials from peer and joins room as identity; it returns the
// outcome.
func (f *frontDoor) join(peer, room, identity string) (*wsConn, string) {
	f.t.Helper()
	tok, err := f.key.Mint(token.Options{
		Identity: identity, Room: room, TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := f.dial(peer)
	if err != nil {
		return nil, "dial: " + err.Error()
	}
	b, _ := json.Marshal(map[string]any{"v": 1, "type": "join", "data": map[string]string{"token": tok}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return c, "write: " + err.Error()
	}
	return c, c.outcome(f.t, 15*time.Second)
}

// evicted reports the metric of unauthenticated connections closed to make
// room, by reason, scraped from the admin listener.
func (f *frontDoor) evicted(reason string) int {
	f.t.Helper()
	resp, err := http.Get(f.srv.AdminURL() + "/metrics")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	want := fmt.Sprintf(`conclave_signal_unauthenticated_evicted_total{reason=%q} `, reason)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return 0
}

// TestUnauthenticatedConnectionsCannotCrowdOutParticipants: connections
// that never send join have their own small budget, a per-IP cap within
// it, and never count against signal.max_sessions; however they are
// opened, from one address or many, a client with a valid token still
// joins.
func TestUnauthenticatedConnectionsCannotCrowdOutParticipants(t *testing.T) {
	f := newFrontDoor(t, func(c *config.Config) {
		c.Signal.MaxSessions = 3
		c.Signal.MaxUnauthenticated = 6
		c.Signal.MaxUnauthenticatedPerIP = 2
		c.Signal.JoinTimeout = time.Minute // idle sockets hold their place unless evicted
	})

	// One address: it keeps at most two connections waiting; each new one
	// closes its own oldest, and nobody else's.
	const attacker = "198.51.100.7:40000"
	var idle []*wsConn
	for range 5 {
		idle = append(idle, f.mustDial(attacker))
	}
	for i, c := range idle[:3] {
		if got := c.outcome(t, testkit.DefaultWait()); got != protocol.CodeServerFull {
			t.Errorf("idle connection %d from one address: %s, want %s (evicted, oldest first)", i, got, protocol.CodeServerFull)
		}
	}
	if n := f.evicted("per_ip"); n != 3 {
		t.Errorf("per_ip evictions = %d, want 3", n)
	}
	if _, got := f.join("203.0.113.9:1", "r", "alice"); got != "joined" {
		t.Fatalf("valid join from another address while one address floods: %s", got)
	}
	// A valid join from the flooding address itself (a shared NAT) gets in
	// too: it takes the place of that address's oldest idle connection.
	if _, got := f.join(attacker, "r", "bob"); got != "joined" {
		t.Fatalf("valid join from the flooding address: %s", got)
	}
	if got := idle[3].outcome(t, testkit.DefaultWait()); got != protocol.CodeServerFull {
		t.Errorf("idle connection 3: %s, want %s", got, protocol.CodeServerFull)
	}

	// Many addresses: the budget is full, and a valid join still gets in,
	// in place of the connection that has waited longest.
	var many []*wsConn
	for i := range 6 {
		many = append(many, f.mustDial(fmt.Sprintf("192.0.2.%d:5000", 10+i)))
	}
	if got := idle[4].outcome(t, testkit.DefaultWait()); got != protocol.CodeServerFull {
		t.Errorf("oldest idle connection when the budget overflowed: %s, want %s", got, protocol.CodeServerFull)
	}
	carol, got := f.join("192.0.2.99:1", "r", "carol")
	if got != "joined" {
		t.Fatalf("valid join with the unauthenticated budget full: %s", got)
	}
	if got := many[0].outcome(t, testkit.DefaultWait()); got != protocol.CodeServerFull {
		t.Errorf("oldest of the many: %s, want %s", got, protocol.CodeServerFull)
	}
	if n := f.evicted("budget"); n != 2 {
		t.Errorf("budget evictions = %d, want 2", n)
	}

	// max_sessions (3) counts participants only: alice, bob and carol.
	if _, got := f.join("192.0.2.98:1", "r", "dave"); got != protocol.CodeServerFull {
		t.Errorf("fourth participant with max_sessions 3: %s, want %s", got, protocol.CodeServerFull)
	}
	// Carol leaves (a dropped connection would keep her slot for the
	// resume window); her slot is free again.
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	if err := carol.ws.Write(ctx, websocket.MessageText, []byte(`{"v":1,"type":"leave"}`)); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "a freed participant slot to be reused", func() bool {
		_, got := f.join("192.0.2.98:1", "r", "dave")
		return got == "joined"
	})
}

// TestUnauthenticatedPerIPGrouping: IPv6 peers are grouped by /56 (what an
// ISP commonly delegates to one customer, who could otherwise spread over
// 256 /64s), IPv4-mapped addresses as IPv4, and loopback peers
// (a reverse proxy on the same host, a load test) are not capped per
// address, only by the budget.
func TestUnauthenticatedPerIPGrouping(t *testing.T) {
	f := newFrontDoor(t, func(c *config.Config) {
		c.Signal.MaxUnauthenticated = 20
		c.Signal.MaxUnauthenticatedPerIP = 2
		c.Signal.JoinTimeout = time.Minute
	})
	// Three /64s of one /56, then another /56.
	v6 := []*wsConn{f.mustDial("[2001:db8::1]:1"), f.mustDial("[2001:db8:0:1::2]:1"), f.mustDial("[2001:db8:0:ff::3]:1")}
	f.mustDial("[2001:db8:0:100::1]:1")
	if got := v6[0].outcome(t, testkit.DefaultWait()); got != protocol.CodeServerFull {
		t.Errorf("first of three in one /56: %s, want %s", got, protocol.CodeServerFull)
	}
	mapped := []*wsConn{f.mustDial("198.51.100.1:1"), f.mustDial("[::ffff:198.51.100.1]:2"), f.mustDial("198.51.100.1:3")}
	if got := mapped[0].outcome(t, testkit.DefaultWait()); got != protocol.CodeServerFull {
		t.Errorf("first of three from one IPv4 address, partly IPv4-mapped: %s, want %s", got, protocol.CodeServerFull)
	}
	for i := range 6 {
		f.mustDial("127.0.0.1:" + strconv.Itoa(1000+i))
	}
	if n := f.evicted("per_ip"); n != 2 {
		t.Errorf("per_ip evictions = %d, want 2 (one per crowded address, none for loopback)", n)
	}
	if n := f.evicted("budget"); n != 0 {
		t.Errorf("budget evictions = %d, want 0", n)
	}
}
