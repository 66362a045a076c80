package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/httpapi"
)

// corsResult is what CORS answered and whether the request reached the
// handler behind it.
type corsResult struct {
	status  int
	header  http.Header
	reached bool
}

func corsDo(t *testing.T, origins []string, method, path string, headers ...string) corsResult {
	t.Helper()
	var reached bool
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		if r.Method == http.MethodOptions {
			// What the server's mux answers to an OPTIONS it has no route for.
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	})
	req := httptest.NewRequest(method, "https://conclave.example"+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	httpapi.CORS(origins, next).ServeHTTP(rec, req)
	return corsResult{rec.Code, rec.Header(), reached}
}

// listHas reports whether a comma-separated header holds item
// (case-insensitively, as HTTP tokens compare).
func listHas(h http.Header, name, item string) bool {
	for _, v := range h.Values(name) {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), item) {
				return true
			}
		}
	}
	return false
}

// TestCORS: http.allowed_origins lets exactly those origins call /v1 from a
// browser: the preflight is answered without reaching the API, an actual
// request (including an error) carries Access-Control-Allow-Origin, and
// nothing else does: no other origin, scheme, port or look-alike, no
// credentials, not the WebSocket, not the app's pages.
func TestCORS(t *testing.T) {
	origins := []string{"https://app.example.com", "HTTP://Intranet.Example.ORG:80", "https://[2001:db8::1]:8443"}
	const app = "https://app.example.com"
	preflight := []string{"Origin", app, "Access-Control-Request-Method", "DELETE", "Access-Control-Request-Headers", "authorization,content-type"}

	t.Run("preflight from an allowed origin", func(t *testing.T) {
		r := corsDo(t, origins, "OPTIONS", "/v1/rooms/standup", preflight...)
		if r.reached || r.status != http.StatusNoContent {
			t.Fatalf("status %d, reached the API %v; want 204 answered by CORS", r.status, r.reached)
		}
		if got := r.header.Get("Access-Control-Allow-Origin"); got != app {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, app)
		}
		for _, m := range []string{"GET", "POST", "DELETE"} {
			if !listHas(r.header, "Access-Control-Allow-Methods", m) {
				t.Errorf("Access-Control-Allow-Methods %q lacks %s", r.header.Get("Access-Control-Allow-Methods"), m)
			}
		}
		for _, h := range []string{"Authorization", "Content-Type"} {
			if !listHas(r.header, "Access-Control-Allow-Headers", h) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", r.header.Get("Access-Control-Allow-Headers"), h)
			}
		}
		if r.header.Get("Access-Control-Max-Age") == "" {
			t.Error("no Access-Control-Max-Age")
		}
		if !listHas(r.header, "Vary", "Origin") {
			t.Errorf("Vary = %q, want Origin", r.header.Values("Vary"))
		}
	})

	for _, tt := range []struct {
		name, method, path string
		headers            []string
		allow              string // expected Access-Control-Allow-Origin
		vary               bool   // expected Vary: Origin
	}{
		{"request from an allowed origin", "POST", "/v1/rooms", []string{"Origin", app}, app, true},
		{"configured with upper case and default port", "GET", "/v1/rooms", []string{"Origin", "http://intranet.example.org"}, "http://intranet.example.org", true},
		{"IPv6 origin", "GET", "/v1/rooms", []string{"Origin", "https://[2001:db8::1]:8443"}, "https://[2001:db8::1]:8443", true},
		{"same origin, no Origin header", "GET", "/v1/rooms", nil, "", true},
		{"another origin", "GET", "/v1/rooms", []string{"Origin", "https://evil.example"}, "", true},
		{"another scheme", "GET", "/v1/rooms", []string{"Origin", "http://app.example.com"}, "", true},
		{"another port", "GET", "/v1/rooms", []string{"Origin", "https://app.example.com:8443"}, "", true},
		{"explicit default port is not how browsers send it", "GET", "/v1/rooms", []string{"Origin", "https://app.example.com:443"}, "", true},
		{"suffix look-alike", "GET", "/v1/rooms", []string{"Origin", "https://app.example.com.evil.example"}, "", true},
		{"prefix look-alike", "GET", "/v1/rooms", []string{"Origin", "https://evilapp.example.com"}, "", true},
		{"sub-domain", "GET", "/v1/rooms", []string{"Origin", "https://x.app.example.com"}, "", true},
		{"opaque origin", "GET", "/v1/rooms", []string{"Origin", "null"}, "", true},
		{"two Origin headers", "GET", "/v1/rooms", []string{"Origin", app, "Origin", "https://evil.example"}, "", true},
		{"signaling WebSocket", "GET", "/v1/signal", []string{"Origin", app}, "", false},
		{"meeting app page", "GET", "/", []string{"Origin", app}, "", false},
		{"dev token endpoint", "POST", "/dev/token", []string{"Origin", app}, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := corsDo(t, origins, tt.method, tt.path, tt.headers...)
			if !r.reached || r.status != http.StatusTeapot {
				t.Fatalf("status %d, reached %v: the request must reach the handler", r.status, r.reached)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.allow)
			}
			if got := listHas(r.header, "Vary", "Origin"); got != tt.vary {
				t.Errorf("Vary: Origin = %v, want %v", got, tt.vary)
			}
			if r.header.Get("Access-Control-Allow-Methods") != "" {
				t.Error("an actual request got preflight headers")
			}
		})
	}

	t.Run("preflight from another origin", func(t *testing.T) {
		r := corsDo(t, origins, "OPTIONS", "/v1/rooms", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
		if !r.reached || r.status != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, reached %v: want the mux's own answer", r.status, r.reached)
		}
		for name := range r.header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("refused preflight has %s", name)
			}
		}
	})

	t.Run("never credentials", func(t *testing.T) {
		for _, r := range []corsResult{
			corsDo(t, origins, "OPTIONS", "/v1/rooms", preflight...),
			corsDo(t, origins, "GET", "/v1/rooms", "Origin", app),
		} {
			if v := r.header.Values("Access-Control-Allow-Credentials"); len(v) > 0 {
				t.Errorf("Access-Control-Allow-Credentials = %q", v)
			}
			if slices.Contains(r.header.Values("Access-Control-Allow-Origin"), "*") {
				t.Error("wildcard origin")
			}
		}
	})

	t.Run("no origins configured", func(t *testing.T) {
		for _, o := range [][]string{nil, {}} {
			r := corsDo(t, o, "OPTIONS", "/v1/rooms", preflight...)
			if !r.reached || len(r.header) != 0 {
				t.Fatalf("CORS without origins changed the answer: reached %v, headers %v", r.reached, r.header)
			}
		}
	})
}
