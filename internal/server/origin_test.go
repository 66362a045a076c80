package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
)

// TestWebSocketOriginCheck: a browser may open the signaling WebSocket only
// from the server's own origin or a configured one, compared as scheme, host
// and port; a request without Origin (not a browser) is let through.
func TestWebSocketOriginCheck(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.HTTP.AllowedOrigins = []string{"https://app.example.com", "http://intranet.example:8080"}
	})
	own := e.Srv.URL() // https://127.0.0.1:PORT
	hostPort := strings.TrimPrefix(own, "https://")
	_, port, _ := strings.Cut(hostPort, ":")
	u := "wss://" + hostPort + client.SignalPath
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.TLS}}

	cases := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{own, true},
		{"HTTPS://127.0.0.1:" + port, true},
		{"https://app.example.com", true},
		{"https://app.example.com:443", true},
		{"https://APP.example.com", true},
		{"http://intranet.example:8080", true},
		// Same host and port, another scheme.
		{"http://" + hostPort, false},
		{"http://app.example.com", false},
		{"https://intranet.example:8080", false},
		// Same scheme and host, another port.
		{"https://127.0.0.1:1", false},
		{"https://127.0.0.1", false},
		{"https://app.example.com:8443", false},
		{"http://intranet.example", false},
		{"https://evil.example", false},
		{"https://app.example.com.evil.example", false},
		{"null", false},
		{"https://127.0.0.1:" + port + "/path", false},
		{"not a url", false},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		h := http.Header{}
		if c.origin != "" {
			h.Set("Origin", c.origin)
		}
		conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: h})
		cancel()
		if c.ok {
			if err != nil {
				t.Errorf("Origin %q: refused (%v), want accepted", c.origin, err)
				continue
			}
			_ = conn.CloseNow()
			continue
		}
		if err == nil {
			_ = conn.CloseNow()
			t.Errorf("Origin %q: accepted, want refused", c.origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("Origin %q: %v, want 403", c.origin, err)
		}
	}
}

// TestDevTokenOriginScheme: /dev/token compares the browser's origin as
// scheme, host and port too.
func TestDevTokenOriginScheme(t *testing.T) {
	e := newEnv(t)
	e.Srv.SetDevKey(e.Key)
	hostPort := strings.TrimPrefix(e.Srv.URL(), "https://")
	for _, o := range []string{"http://" + hostPort, "https://" + strings.Split(hostPort, ":")[0] + ":1", "null"} {
		if r := e.devToken(`{"room":"a","name":"b"}`, "Origin", o); r.status != http.StatusForbidden || errorCode(r.body) != "permission_denied" {
			t.Errorf("Origin %q: %d %s, want 403 permission_denied", o, r.status, r.body)
		}
	}
	if r := e.devToken(`{"room":"a","name":"b"}`, "Origin", e.Srv.URL()); r.status != http.StatusOK {
		t.Errorf("own origin: %d %s", r.status, r.body)
	}
}
