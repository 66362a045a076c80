// Package testserver starts a real Conclave server for a test: the
// configuration of `conclave serve --dev` on loopback ports (127.0.0.1:0
// for HTTPS, media and the admin listener), a fresh data directory, its
// own self-signed certificate and an API key, as a user meets it. The
// server stops when the test ends.
//
// It is a package of its own, not part of testkit, because it imports the
// server and the client: the in-package tests of those packages' own
// dependencies use testkit, and would otherwise import themselves.
package testserver

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/telemetry"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
)

// Server is one running in-process server. Its methods other than Connect
// fail the test that started it, so call them from that test's goroutine.
type Server struct {
	Srv    *server.Server // URL(), AdminURL(), Store(), Rooms(), Stats(), SetDevKey
	Config config.Config  // as the server was started
	Key    token.Key      // an API key in the server's store
	TLS    *tls.Config    // trusts the server's certificate

	t testing.TB
}

// Start starts a server from config.DefaultDev, with plain rooms (see
// start), on loopback addresses and a temporary data directory, after
// applying mutate in order (set
// AdminAddr to "" for no admin listener). It logs warnings to stderr, or
// everything when CONCLAVETEST_LOG is set.
func Start(t testing.TB, mutate ...func(*config.Config)) *Server {
	t.Helper()
	level := "warn"
	if os.Getenv("CONCLAVETEST_LOG") != "" {
		level = "debug"
	}
	return start(t, os.Stderr, level, mutate)
}

// StartWithLog is Start with everything the server logs, at debug level,
// written to w instead of stderr, for a test that reads what the server
// logged. Writes to w come from many goroutines, one whole record at a
// time.
func StartWithLog(t testing.TB, w io.Writer, mutate ...func(*config.Config)) *Server {
	t.Helper()
	return start(t, w, "debug", mutate)
}

func start(t testing.TB, log io.Writer, level string, mutate []func(*config.Config)) *Server {
	t.Helper()
	cfg := config.DefaultDev()
	cfg.Addr = "127.0.0.1:0"
	cfg.RTCPort = 0
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	// Rooms are plain unless a test asks for end-to-end encryption
	// (c.Rooms.E2EE = "required"): most tests exercise the SFU and
	// signaling with clients that publish unencrypted media. The server's
	// own default is "required".
	cfg.Rooms.E2EE = "off"
	for _, m := range mutate {
		m(&cfg)
	}
	ctx, stop := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, telemetry.NewLogger(log, level, "text"))
	if err != nil {
		stop()
		t.Fatalf("server.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := testkit.Receive(t, done, "the server to stop"); err != nil {
			t.Errorf("server.Run: %v", err)
		}
	})

	s := &Server{Srv: srv, Config: cfg, t: t}
	pem, err := os.ReadFile(filepath.Join(cfg.DataDir, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the server's certificate is not PEM")
	}
	s.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s.Key = s.NewKey("test")
	return s
}

// NewKey creates another API key in the server's store.
func (s *Server) NewKey(name string) token.Key {
	s.t.Helper()
	rec, priv, err := auth.NewAPIKey(name, rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	rec.CreatedAt = time.Now()
	if err := s.Srv.Store().CreateAPIKey(context.Background(), rec); err != nil {
		s.t.Fatal(err)
	}
	return token.Key{ID: rec.ID, Private: priv}
}

// JoinToken mints, with Key, a token joining room as identity with the
// grants to publish, subscribe and send data.
func (s *Server) JoinToken(room, identity string) string {
	s.t.Helper()
	tok, err := s.Key.Mint(token.Options{
		Identity: identity, Name: identity, Room: room, TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// Connect joins room as identity with a JoinToken, failing t if it cannot.
// The client trusts the server's certificate, logs nothing and buffers
// 4096 events (opts come after, and so win); it is closed when t ends. t
// may be a subtest of the test that started the server.
func (s *Server) Connect(ctx context.Context, t testing.TB, room, identity string, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{
		client.WithTLSConfig(s.TLS), client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(4096),
	}, opts...)
	c, err := client.Connect(ctx, s.Srv.URL(), s.JoinToken(room, identity), opts...)
	if err != nil {
		t.Fatalf("%s: connect: %v", identity, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// HTTPClient is an HTTP client that trusts the server's certificate. It
// gives a request testkit.DefaultWait to complete.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Timeout: testkit.DefaultWait(), Transport: &http.Transport{TLSClientConfig: s.TLS}}
}

// Metrics scrapes the admin listener's /metrics and returns every sample
// by its name as exposed, labels included: name{label="value"}.
func (s *Server) Metrics() map[string]float64 {
	s.t.Helper()
	resp, err := http.Get(s.Srv.AdminURL() + "/metrics")
	if err != nil {
		s.t.Fatalf("scrape metrics: %v", err)
	}
	defer resp.Body.Close()
	out := make(map[string]float64)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	if err := sc.Err(); err != nil {
		s.t.Fatalf("scrape metrics: %v", err)
	}
	return out
}
