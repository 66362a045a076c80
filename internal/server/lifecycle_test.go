package server_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
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

// TestSessionLimit: signal.max_sessions counts participants whose token
// was verified. A connection that has not joined does not hold a slot;
// beyond the limit a valid join gets server_full, and a freed slot is
// usable again.
func TestSessionLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Signal.MaxSessions = 1
		// The idle connection must stay open for the whole test, however
		// slow a loaded CI machine is.
		c.Signal.JoinTimeout = time.Minute
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}
	idle := e.dialRaw(ctx, t) // never joins
	first := e.dialRaw(ctx, t)
	first.join(mintToken(t, e.Key, "limit", "first", all))
	second := e.dialRaw(ctx, t)
	second.mustSend(joinFrame(mintToken(t, e.Key, "limit", "second", all)))
	second.expectError(protocol.CodeServerFull)
	_ = idle.ws.CloseNow()

	first.mustSend(`{"v":1,"type":"leave"}`)
	testkit.Eventually(t, "the first session's slot to be freed", func() bool {
		c, err := client.Connect(ctx, e.Srv.URL(), mintToken(t, e.Key, "limit", "third", all),
			client.WithTLSConfig(e.TLS), client.WithLogger(slog.New(slog.DiscardHandler)))
		if err == nil {
			_ = c.Close()
			return true
		}
		if serverCode(err) != protocol.CodeServerFull {
			t.Fatalf("third session: %v, want it admitted or server_full", err)
		}
		return false
	})
}
