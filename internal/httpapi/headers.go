package httpapi

import (
	"net/http"
	"strings"
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
