package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// TestWebAppRouting checks the app handler on a bundle of its own, so it
// does not depend on what web/dist holds.
func TestWebAppRouting(t *testing.T) {
	app, err := newWebApp(fstest.MapFS{
		"index.html":       {Data: []byte("<!doctype html>index")},
		"app/app.js":       {Data: []byte("console.log(1)")},
		"app/app.css":      {Data: []byte("body{}")},
		"sdk/conclave.js":  {Data: []byte("export {}")},
		"sdk/conclave.map": {Data: []byte("{}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/rooms", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) })
	mux.HandleFunc("POST /dev/token", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(298) })
	app.register(mux)

	for _, c := range []struct {
		method, path string
		status       int
		ctype, cache string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>index"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>index"},
		{"GET", "/meeting/standup", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>index"},
		{"GET", "/app/app.js", 200, "text/javascript; charset=utf-8", assetCacheControl, "console.log(1)"},
		{"GET", "/app/app.css", 200, "text/css; charset=utf-8", assetCacheControl, "body{}"},
		{"GET", "/sdk/conclave.js", 200, "text/javascript; charset=utf-8", assetCacheControl, "export {}"},
		{"GET", "/sdk/conclave.map", 200, "application/json", assetCacheControl, "{}"},
		{"GET", "/app/missing.js", 404, "", "", ""},
		{"GET", "/app/route", 404, "", "", ""},
		{"GET", "/robots.txt", 404, "", "", ""},
		{"GET", "/v1/rooms", 299, "", "", ""},
		{"GET", "/v1/nope", 404, "application/json", "no-store", ""},
		{"POST", "/v1/rooms", 405, "application/json", "no-store", ""},
		{"POST", "/dev/token", 298, "", "", ""},
		{"GET", "/dev/token", 405, "application/json", "no-store", ""},
		{"GET", "/dev/other", 404, "application/json", "no-store", ""},
		{"DELETE", "/anything", 405, "", "", ""},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.status)
			continue
		}
		if c.ctype != "" && rec.Header().Get("Content-Type") != c.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", c.method, c.path, rec.Header().Get("Content-Type"), c.ctype)
		}
		if c.cache != "" && rec.Header().Get("Cache-Control") != c.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", c.method, c.path, rec.Header().Get("Cache-Control"), c.cache)
		}
		if c.body != "" && rec.Body.String() != c.body {
			t.Errorf("%s %s: body %q", c.method, c.path, rec.Body.String())
		}
	}

	// Without an index.html (an SDK-only build), "/" says what is missing.
	bare, err := newWebApp(fstest.MapFS{"sdk/conclave.js": {Data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	bare.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 404 {
		t.Errorf("no index.html: %d", rec.Code)
	}
}
