package httpapi

import (
	"net/http"
	"strings"

	"github.com/conclave-video/conclave/internal/config"
)

// SecurityHeaders sets the headers every response carries: a strict CSP
// without inline script, HSTS, nosniff, no referrer, framing limited to
// frameAncestors (default 'none'), and camera/microphone/display capture for
// this origin only.
func SecurityHeaders(frameAncestors []string, next http.Handler) http.Handler {
	if len(frameAncestors) == 0 {
		frameAncestors = []string{"'none'"}
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors " + strings.Join(frameAncestors, " ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// CORS lets web apps on the given origins call the REST API under /v1 from
// a browser (Cross-Origin Resource Sharing, the Fetch standard). origins
// are "scheme://host[:port]" as config validated them; they are compared
// with the request's Origin exactly, after lower-casing the scheme and host
// and dropping a default port, as browsers serialise an origin. With no
// origins, next is returned unchanged: same-origin requests need no CORS.
//
// The API authenticates with a bearer token the app sets itself, never with
// cookies, so credentials are never allowed
// (no Access-Control-Allow-Credentials): another origin's page can read an
// answer only with a token it already holds. The WebSocket /v1/signal is not
// covered: browsers do not apply CORS to WebSockets, and the upgrade checks
// Origin itself.
func CORS(origins []string, next http.Handler) http.Handler {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		if n, ok := config.CanonicalOrigin(o); ok {
			allowed[n] = true
		}
	}
	if len(allowed) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") || r.URL.Path == "/v1/signal" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		// The answer depends on Origin: a cache must not hand one origin's
		// answer to another.
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if len(r.Header.Values("Origin")) != 1 || !allowed[origin] {
			// Not a cross-origin request the operator allowed: no CORS
			// headers, and a preflight gets what any OPTIONS gets (405).
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			// A preflight: say what an actual request may use, once for
			// every endpoint. The browser enforces it; unknown paths and
			// refused requests are answered by the request itself, with
			// CORS headers so that the app can read the JSON error.
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

const (
	corsMethods = "GET, POST, DELETE"
	corsHeaders = "Authorization, Content-Type"
	// corsMaxAge lets a browser reuse a preflight for 10 minutes, so that
	// removing an origin from the configuration takes effect soon.
	corsMaxAge = "600"
)
