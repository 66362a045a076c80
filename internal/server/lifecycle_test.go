package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/testkit"
)

// TestNewReportsBusyPort: a port in use is reported with the key that
// names it, and everything opened before is released (no panic, no leak
// of the store: a second New on the same data directory works).
func TestNewReportsBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := config.DefaultDev()
	cfg.DataDir = t.TempDir()
	cfg.Addr = busy.Addr().String()
	cfg.RTCPort = 0
	cfg.AdminAddr = ""
	log := slog.New(slog.DiscardHandler)
	_, err = server.New(context.Background(), cfg, log)
	if err == nil || !strings.HasPrefix(err.Error(), "addr:") {
		t.Fatalf("New on a busy port: %v, want an addr: error", err)
	}
	cfg.Addr = "127.0.0.1:0"
	srv, err := server.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("New after a failed New: %v", err)
	}
	srv.Shutdown(context.Background())
}

// TestSessionLimit: beyond signal.max_sessions a WebSocket upgrade is
// refused with 503, and a freed slot is usable again.
func TestSessionLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Signal.MaxSessions = 1
		// The first session never joins; it must hold its slot while the
		// second is refused, however slow a loaded CI machine is.
		c.Signal.JoinTimeout = time.Minute
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	first := e.dialRaw(ctx, t)
	u := "wss://" + strings.TrimPrefix(e.Srv.URL(), "https://") + client.SignalPath
	opts := &websocket.DialOptions{HTTPClient: e.HTTPClient()}
	_, resp, err := websocket.Dial(ctx, u, opts)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second session: err %v, response %v; want 503", err, resp)
	}
	_ = first.ws.CloseNow() // never joined: the session ends at once
	testkit.Eventually(t, "the first session's slot to be freed", func() bool {
		c, _, err := websocket.Dial(ctx, u, opts)
		if err != nil {
			return false
		}
		_ = c.CloseNow()
		return true
	})
}
