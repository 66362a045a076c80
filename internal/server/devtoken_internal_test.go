package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/token"
)

// TestDevTokenLoopbackPeersOnly: /dev/token answers a client on this
// machine only, judged by the TCP peer address the connection came from
// (http.Request.RemoteAddr), never by headers a client or proxy can set;
// even a dev server told to listen on every address (--dev-listen-any).
func TestDevTokenLoopbackPeersOnly(t *testing.T) {
	cfg := config.DefaultDev()
	cfg.DevListenAny = true
	cfg.Addr = "0.0.0.0:0"
	cfg.RTCPort = 0
	cfg.AdminAddr = ""
	cfg.DataDir = t.TempDir()
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	rec, priv, err := auth.NewAPIKey("dev", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store().CreateAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	s.SetDevKey(token.Key{ID: rec.ID, Private: priv})

	ask := func(remote string, headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "https://192.0.2.2:8443/dev/token", strings.NewReader(`{"room":"a","name":"b"}`))
		req.RemoteAddr = remote
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		s.http.Handler.ServeHTTP(w, req)
		return w
	}
	spoof := []string{
		"X-Forwarded-For", "127.0.0.1", "X-Real-IP", "127.0.0.1",
		"Forwarded", "for=127.0.0.1", "True-Client-IP", "127.0.0.1",
	}
	for _, remote := range []string{"192.0.2.7:40000", "[2001:db8::7]:40000", "[::ffff:192.0.2.7]:40000", "10.0.0.1:1"} {
		for _, h := range [][]string{nil, spoof} {
			w := ask(remote, h...)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), `"permission_denied"`) {
				t.Errorf("peer %s, headers %v: %d %s; want 403 permission_denied", remote, h, w.Code, w.Body)
			}
			if strings.Contains(w.Body.String(), `"token"`) {
				t.Errorf("peer %s got a token", remote)
			}
		}
	}
	for _, remote := range []string{"127.0.0.1:40000", "127.0.0.2:40000", "[::1]:40000", "[::ffff:127.0.0.1]:40000"} {
		if w := ask(remote); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"token"`) {
			t.Errorf("loopback peer %s: %d %s; want a token", remote, w.Code, w.Body)
		}
	}
}
