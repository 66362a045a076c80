package client

import (
	"fmt"
	"net/url"
	"strings"
)

// SignalPath is where the server accepts the signaling WebSocket.
const SignalPath = "/v1/signal"

// signalURL turns a server base URL (https://host:8443, wss://host/v1/signal,
// host:8443) into the WebSocket URL of the signaling endpoint.
func signalURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("client: bad server URL: %w", err)
	}
	switch u.Scheme {
	case "https", "wss":
		u.Scheme = "wss"
	case "http", "ws":
		u.Scheme = "ws"
	default:
		return "", fmt.Errorf("client: bad server URL scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("client: server URL %q has no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Tokens never travel in URLs; refuse anything that looks like it.
		return "", fmt.Errorf("client: server URL must not carry credentials, a query or a fragment")
	}
	p := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(p, SignalPath) {
		p += SignalPath
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}
