package signal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/internal/signal"
	"github.com/conclave-video/conclave/internal/testkit"
)

// TestShutdownRefusesNewConnections: once Shutdown has begun, a new
// signaling connection is refused (503, Retry-After) instead of joining a
// room that is about to close. A client reconnecting after
// leave{server_shutdown} would otherwise join the dying server, see the
// others leave and be sent away a second time.
func TestShutdownRefusesNewConnections(t *testing.T) {
	h := signal.NewHandler(signal.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err == nil {
		_ = conn.CloseNow()
		t.Fatal("a signaling connection was accepted after Shutdown")
	}
	if res == nil || res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after Shutdown: %v (response %+v), want 503 with Retry-After", err, res)
	}
}
