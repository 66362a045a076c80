package server_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
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
