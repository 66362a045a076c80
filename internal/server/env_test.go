package server_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/telemetry"
	"github.com/conclave-video/conclave/token"
)

// env is one in-process Conclave server on 127.0.0.1 with an API key.
type env struct {
	t    *testing.T
	srv  *server.Server
	cfg  config.Config
	key  token.Key
	tls  *tls.Config
	stop context.CancelFunc
	done chan error
}

func newEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	cfg := config.DefaultDev()
	cfg.Addr = "127.0.0.1:0"
	cfg.RTCPort = 0
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	for _, m := range mutate {
		m(&cfg)
	}
	level := "warn"
	if os.Getenv("CONCLAVETEST_LOG") != "" {
		level = "debug"
	}
	log := telemetry.NewLogger(os.Stderr, level, "text")
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	e := &env{t: t, srv: srv, cfg: cfg, stop: cancel, done: make(chan error, 1)}
	e.key = e.newKey("test")
	pem, err := os.ReadFile(filepath.Join(cfg.DataDir, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	e.tls = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	go func() { e.done <- srv.Run(ctx) }()
	t.Cleanup(e.close)
	return e
}

func (e *env) close() {
	e.stop()
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("server.Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		e.t.Error("server did not stop within 15 s")
	}
}

// newKey creates an API key in the server's store.
func (e *env) newKey(name string) token.Key {
	e.t.Helper()
	rec, priv, err := auth.NewAPIKey(name, rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	rec.CreatedAt = time.Now()
	if err := e.srv.Store().CreateAPIKey(context.Background(), rec); err != nil {
		e.t.Fatal(err)
	}
	return token.Key{ID: rec.ID, Private: priv}
}

func (e *env) joinToken(key token.Key, room, identity string) string {
	e.t.Helper()
	tok, err := key.Mint(token.Options{
		Identity: identity, Name: identity, Room: room, TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) connect(ctx context.Context, room, identity string) *client.Client {
	e.t.Helper()
	c, err := client.Connect(ctx, e.srv.URL(), e.joinToken(e.key, room, identity),
		client.WithTLSConfig(e.tls), client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(4096))
	if err != nil {
		e.t.Fatalf("%s: connect: %v", identity, err)
	}
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// serverCode returns the stable code of a refused connection.
func serverCode(err error) string {
	var se *client.ServerError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// recorder keeps every event a client receives so tests can wait for one
// without consuming the others.
type recorder struct {
	c      *client.Client
	mu     sync.Mutex
	events []client.Event
	notify chan struct{}
}

func record(c *client.Client) *recorder {
	r := &recorder{c: c, notify: make(chan struct{}, 1)}
	go func() {
		for ev := range c.Events() {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
			select {
			case r.notify <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

// find returns the first recorded event of type T that matches.
func find[T client.Event](r *recorder, match func(T) bool) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.events {
		if v, ok := ev.(T); ok && (match == nil || match(v)) {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// wait waits until an event of type T matching match has been recorded.
func wait[T client.Event](t *testing.T, r *recorder, d time.Duration, match func(T) bool) T {
	t.Helper()
	deadline := time.After(d)
	for {
		if v, ok := find(r, match); ok {
			return v
		}
		select {
		case <-r.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			var zero T
			t.Fatalf("%s: no %T within %s", r.c.Self().Identity, zero, d)
			return zero
		}
	}
}

// metrics scrapes the admin listener's /metrics and returns the samples
// without labels, by name.
func (e *env) metrics() map[string]float64 {
	e.t.Helper()
	resp, err := http.Get(e.srv.AdminURL() + "/metrics")
	if err != nil {
		e.t.Fatalf("scrape metrics: %v", err)
	}
	defer resp.Body.Close()
	out := make(map[string]float64)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		// A labelled sample is keyed by its name with its labels, as
		// exposed: name{label="value"}.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, value, ok := line[:i], line[i+1:], true
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	if err := sc.Err(); err != nil {
		e.t.Fatalf("scrape metrics: %v", err)
	}
	return out
}
