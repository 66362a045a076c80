package signal

import (
	"net/http"

	"github.com/conclave-video/conclave/internal/config"
)

// Browser origin checks. coder/websocket's own check compares hosts only,
// so that a page at http://host:port passes on https://host:port; Conclave
// compares scheme, host and port itself and only then lets Accept skip its
// check.

// OwnOrigin is the origin a browser page served by this request's server
// has: the scheme of the connection and the Host the client asked for.
func OwnOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	o, _ := config.CanonicalOrigin(scheme + "://" + r.Host)
	return o
}

// OriginAllowed reports whether a browser request may proceed: it carries
// no Origin (not a browser), or its Origin is the server's own or one of
// allowed (canonical origins, see config.CanonicalOrigin).
func OriginAllowed(r *http.Request, allowed map[string]bool) bool {
	h, ok := r.Header["Origin"]
	if !ok {
		return true
	}
	if len(h) != 1 {
		return false
	}
	o, ok := config.CanonicalOrigin(h[0])
	if !ok {
		return false
	}
	if own := OwnOrigin(r); own != "" && o == own {
		return true
	}
	return allowed[o]
}

// originSet canonicalises configured origins; config validation has
// refused malformed ones already, and any left over match nothing.
func originSet(origins []string) map[string]bool {
	set := make(map[string]bool, len(origins))
	for _, o := range origins {
		if c, ok := config.CanonicalOrigin(o); ok {
			set[c] = true
		}
	}
	return set
}
