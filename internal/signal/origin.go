package signal

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Browser origin checks. coder/websocket's own check compares hosts only,
// so that a page at http://host:port passes on https://host:port; Conclave
// compares scheme, host and port itself and only then lets Accept skip its
// check.

// CanonicalOrigin returns an origin ("https://Example.com:443") in the form
// origins are compared in: lower-case scheme and host, the scheme's default
// port left out. It reports false for anything that is not an http or https
// origin: a path, query, fragment, user info, an empty host, or "null".
func CanonicalOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.ForceQuery || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	var defaultPort string
	switch scheme {
	case "https":
		defaultPort = "443"
	case "http":
		defaultPort = "80"
	default:
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || (port == "" && strings.HasSuffix(u.Host, ":")) {
		return "", false
	}
	if port == "" || port == defaultPort {
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return scheme + "://" + host, true
	}
	return scheme + "://" + net.JoinHostPort(host, port), true
}

// OwnOrigin is the origin a browser page served by this request's server
// has: the scheme of the connection and the Host the client asked for.
func OwnOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	o, _ := CanonicalOrigin(scheme + "://" + r.Host)
	return o
}

// OriginAllowed reports whether a browser request may proceed: it carries
// no Origin (not a browser), or its Origin is the server's own or one of
// allowed (canonical origins, see CanonicalOrigin).
func OriginAllowed(r *http.Request, allowed map[string]bool) bool {
	h, ok := r.Header["Origin"]
	if !ok {
		return true
	}
	if len(h) != 1 {
		return false
	}
	o, ok := CanonicalOrigin(h[0])
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
		if c, ok := CanonicalOrigin(o); ok {
			set[c] = true
		}
	}
	return set
}
