package server_test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
	"github.com/conclave-video/conclave/web"
)

// httpResult is a response with its body read.
type httpResult struct {
	status int
	header http.Header
	body   string
}

// do sends one request to the server; headers are "Name", "value" pairs.
func (e *env) do(method, path, body string, headers ...string) httpResult {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.Srv.URL()+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{resp.StatusCode, resp.Header, string(b)}
}

// errorCode returns the stable code of a JSON error body, or "" when the
// body is not one.
func errorCode(body string) string {
	var v struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	return v.Error.Code
}

func TestWebAppPage(t *testing.T) {
	e := newEnv(t)
	index, err := fs.ReadFile(web.Dist(), "index.html")
	if err != nil {
		t.Fatalf("web/dist/index.html is not embedded: %v", err)
	}
	// "/" and client routes (no extension) are the app's index.html.
	for _, p := range []string{"/", "/index.html", "/standup", "/r/standup"} {
		r := e.do("GET", p, "")
		if r.status != http.StatusOK || r.body != string(index) {
			t.Fatalf("GET %s: %d, body is index.html: %v", p, r.status, r.body == string(index))
		}
		if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", p, cc)
		}
		// The page carries a CSP that forbids inline script: script-src
		// is 'self' only (no 'unsafe-inline', no nonce or hash needed).
		csp := r.header.Get("Content-Security-Policy")
		m := regexp.MustCompile(`(?:^|;)\s*script-src ([^;]*)`).FindStringSubmatch(csp)
		if m == nil || strings.TrimSpace(m[1]) != "'self'" {
			t.Errorf("GET %s: CSP %q: script-src must be exactly 'self'", p, csp)
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP allows unsafe-inline/eval: %q", p, csp)
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q: framing not forbidden", p, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Strict-Transport-Security") == "" {
			t.Errorf("GET %s: security headers missing: %v", p, r.header)
		}
	}
	// The committed page itself must work under that CSP: no inline
	// script and no inline event handler attributes.
	for _, m := range regexp.MustCompile(`(?is)<script\b([^>]*)>`).FindAllStringSubmatch(string(index), -1) {
		if !regexp.MustCompile(`(?i)\bsrc\s*=`).MatchString(m[1]) {
			t.Errorf("index.html has an inline <script%s>, which the CSP blocks", m[1])
		}
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`).FindString(string(index)); m != "" {
		t.Errorf("index.html has an inline event handler, which the CSP blocks: %s", m)
	}

	// A HEAD answers like GET, without a body; other methods are refused.
	if r := e.do("HEAD", "/", ""); r.status != http.StatusOK || r.body != "" {
		t.Errorf("HEAD /: %d %q", r.status, r.body)
	}
	if r := e.do("POST", "/", "x"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", r.status)
	}
	// A missing file (it has an extension, or lies in an asset folder) is
	// 404, never index.html served as a script.
	for _, p := range []string{"/nope.js", "/app/nope", "/sdk/nope.js", "/favicon.ico"} {
		if r := e.do("GET", p, ""); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}

func TestWebSDK(t *testing.T) {
	e := newEnv(t)
	sdk, err := fs.ReadFile(web.Dist(), "sdk/conclave.js")
	if err != nil {
		t.Fatalf("web/dist/sdk/conclave.js is not embedded (cd web && npm run build): %v", err)
	}
	r := e.do("GET", "/sdk/conclave.js", "")
	if r.status != http.StatusOK || r.body != string(sdk) {
		t.Fatalf("GET /sdk/conclave.js: %d (body matches: %v)", r.status, r.body == string(sdk))
	}
	if ct := r.header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache (revalidated with the ETag)", cc)
	}
	if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", r.header)
	}
	// Revalidation with the ETag costs no body.
	etag := r.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if r := e.do("GET", "/sdk/conclave.js", "", "If-None-Match", etag); r.status != http.StatusNotModified || r.body != "" {
		t.Errorf("If-None-Match: %d, %d bytes", r.status, len(r.body))
	}

	// Every other bundle file is served under its own path with a type a
	// browser accepts under nosniff.
	_ = fs.WalkDir(web.Dist(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "index.html" {
			return err
		}
		r := e.do("GET", "/"+p, "")
		if r.status != http.StatusOK {
			t.Errorf("GET /%s: %d", p, r.status)
		}
		if strings.HasSuffix(p, ".js") && r.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("GET /%s: Content-Type %q", p, r.header.Get("Content-Type"))
		}
		if strings.HasSuffix(p, ".css") && r.header.Get("Content-Type") != "text/css; charset=utf-8" {
			t.Errorf("GET /%s: Content-Type %q", p, r.header.Get("Content-Type"))
		}
		return nil
	})
}

func TestUnknownAPIPathIsJSON404(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/nope", 404, "not_found"},
		{"GET", "/v1/", 404, "not_found"},
		{"POST", "/v1/rooms/x/nope", 404, "not_found"},
		{"DELETE", "/v1/nope/deeper", 404, "not_found"},
		{"GET", "/dev/nope", 404, "not_found"},
		// A known API path with the wrong method is 405, still JSON.
		{"PUT", "/v1/rooms", 405, "method_not_allowed"},
		{"POST", "/v1/signal", 405, "method_not_allowed"},
	} {
		r := e.do(c.method, c.path, "")
		if r.status != c.status || errorCode(r.body) != c.code {
			t.Errorf("%s %s: %d %q, want %d with code %s", c.method, c.path, r.status, r.body, c.status, c.code)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
		if r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no CSP", c.method, c.path)
		}
	}
	if r := e.do("PUT", "/v1/rooms", ""); !strings.Contains(r.header.Get("Allow"), "POST") || !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Errorf("PUT /v1/rooms: Allow %q", r.header.Get("Allow"))
	}
	// Known routes are untouched.
	if r := e.do("GET", "/healthz", ""); r.status != 200 || r.body != "ok\n" {
		t.Errorf("/healthz: %d %q", r.status, r.body)
	}
	if r := e.do("GET", "/v1/rooms", ""); r.status != http.StatusUnauthorized {
		t.Errorf("GET /v1/rooms without a token: %d", r.status)
	}
}

// devToken asks for a dev token; it returns the response.
func (e *env) devToken(body string, headers ...string) httpResult {
	e.t.Helper()
	return e.do("POST", "/dev/token", body, append([]string{"Content-Type", "application/json"}, headers...)...)
}

func TestDevToken(t *testing.T) {
	e := newEnv(t)
	e.Srv.SetDevKey(e.Key)

	r := e.do("GET", "/dev/config", "")
	if r.status != 200 || strings.TrimSpace(r.body) != `{"dev":true}` || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("/dev/config: %d %q %v", r.status, r.body, r.header)
	}

	r = e.devToken(`{"room":"standup","name":"Ada Lovelace"}`)
	if r.status != 200 {
		t.Fatalf("/dev/token: %d %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var got struct{ Token, URL string }
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("response %q: %v", r.body, err)
	}
	if got.URL != e.Srv.URL() {
		t.Errorf("url %q, want %q", got.URL, e.Srv.URL())
	}
	// The server itself accepts the token, with exactly the dev grants.
	claims, err := (&auth.Verifier{Keys: e.Srv.Store(), MaxLifetime: e.Config.Tokens.MaxLifetime}).Verify(context.Background(), got.Token)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if claims.Room != "standup" || claims.Name != "Ada Lovelace" {
		t.Errorf("room %q name %q", claims.Room, claims.Name)
	}
	if !regexp.MustCompile(`^dev-[0-9a-f]{16}$`).MatchString(claims.Subject) {
		t.Errorf("identity %q, want dev-<16 hex>", claims.Subject)
	}
	if want := (token.Grants{Publish: true, Subscribe: true, PublishData: true}); claims.Grants != want {
		t.Errorf("grants %+v, want %+v", claims.Grants, want)
	}
	if ttl := claims.ExpiresAt.Sub(claims.IssuedAt.Time); ttl != time.Hour {
		t.Errorf("lifetime %s, want 1h", ttl)
	}
	// Each call is a new identity, so two tabs can join the same room.
	r2 := e.devToken(`{"room":"standup","name":"Ada Lovelace"}`)
	var got2 struct{ Token, URL string }
	_ = json.Unmarshal([]byte(r2.body), &got2)
	c2, err := (&auth.Verifier{Keys: e.Srv.Store(), MaxLifetime: e.Config.Tokens.MaxLifetime}).Verify(context.Background(), got2.Token)
	if err != nil || c2.Subject == claims.Subject {
		t.Errorf("second token: %v, identity %q (first %q)", err, c2.Subject, claims.Subject)
	}

	// Strict input.
	for _, c := range []struct {
		name, body string
		headers    []string
		status     int
	}{
		{"unknown field", `{"room":"a","name":"b","admin":true}`, nil, 400},
		{"bad room", `{"room":"no spaces","name":"b"}`, nil, 400},
		{"empty room", `{"room":"","name":"b"}`, nil, 400},
		{"missing room", `{"name":"b"}`, nil, 400},
		{"name too long", `{"room":"a","name":"` + strings.Repeat("é", 65) + `"}`, nil, 400},
		{"control character in name", `{"room":"a","name":"a\u0007b"}`, nil, 400},
		{"two objects", `{"room":"a","name":"b"}{"room":"a","name":"b"}`, nil, 400},
		{"not an object", `["a","b"]`, nil, 400},
		{"not JSON", `room=a&name=b`, nil, 400},
		{"body too large", `{"room":"a","name":"` + strings.Repeat("x", 5000) + `"}`, nil, 413},
		{"form post", `{"room":"a","name":"b"}`, []string{"Content-Type", "text/plain"}, 415},
		{"cross-origin", `{"room":"a","name":"b"}`, []string{"Origin", "https://evil.example"}, 403},
	} {
		r := e.devToken(c.body, c.headers...)
		if r.status != c.status || errorCode(r.body) == "" {
			t.Errorf("%s: %d %s, want %d with a JSON error", c.name, r.status, r.body, c.status)
		}
	}
	// 64 characters are fine, and a same-origin browser request too.
	if r := e.devToken(`{"room":"a","name":"`+strings.Repeat("é", 64)+`"}`, "Origin", e.Srv.URL()); r.status != 200 {
		t.Errorf("64-character name, same origin: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/dev/token", ""); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /dev/token: %d", r.status)
	}
}

func TestDevTokenRateLimit(t *testing.T) {
	e := newEnv(t)
	e.Srv.SetDevKey(e.Key)
	// burst sends n requests at once and counts the answers; a refused one
	// must say when to come back.
	burst := func(n int) (allowed, limited int) {
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				r := e.devToken(`{"room":"a","name":"b"}`)
				switch r.status {
				case 200:
					ok.Add(1)
				case http.StatusTooManyRequests:
					if r.header.Get("Retry-After") == "" || errorCode(r.body) != "rate_limited" {
						t.Errorf("429 without Retry-After or code: %v %s", r.header, r.body)
					}
					refused.Add(1)
				default:
					t.Errorf("status %d %s", r.status, r.body)
				}
			})
		}
		wg.Wait()
		return int(ok.Load()), int(refused.Load())
	}
	// The bucket holds 20 and refills 5/s: of 40 requests at once, at least
	// the 20 pass, and at most those plus what the bucket refilled while
	// the requests ran (which a loaded machine makes longer).
	start := time.Now()
	allowed, limited := burst(40)
	if most := 20 + int(5*time.Since(start).Seconds()) + 1; allowed < 20 || allowed > most {
		t.Errorf("%d allowed, %d limited; want 20 to %d allowed", allowed, limited, most)
	}
	// A machine so slow that the bucket refilled as fast as the burst
	// drained it refused nothing yet: bursts go on until one is refused.
	if limited == 0 {
		testkit.Eventually(t, "a dev token request to be refused", func() bool {
			_, limited := burst(40)
			return limited > 0
		})
	}
}

func TestDevTokenWithoutKey(t *testing.T) {
	e := newEnv(t)
	if r := e.devToken(`{"room":"a","name":"b"}`); r.status != http.StatusServiceUnavailable || errorCode(r.body) == "" {
		t.Errorf("no dev key: %d %s, want 503", r.status, r.body)
	}
}

func TestDevRoutesOnlyInDevMode(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Dev = false })
	e.Srv.SetDevKey(e.Key) // even with a key, production mode mints nothing
	for _, c := range []struct{ method, path string }{{"GET", "/dev/config"}, {"POST", "/dev/token"}} {
		r := e.do(c.method, c.path, `{"room":"a","name":"b"}`, "Content-Type", "application/json")
		if r.status != http.StatusNotFound || errorCode(r.body) != "not_found" {
			t.Errorf("%s %s without dev: %d %s, want 404", c.method, c.path, r.status, r.body)
		}
		if strings.Contains(r.body, "token") {
			t.Errorf("%s %s without dev leaked a token: %s", c.method, c.path, r.body)
		}
	}
}
