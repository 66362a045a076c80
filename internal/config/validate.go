package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Validate checks every value and reports all problems at once; each error
// starts with the key it concerns, e.g. "rtc_port: must be 1..65535, got 0".
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}

	if err := checkHostPort(c.Addr); err != nil {
		bad("addr", "%v", err)
	} else if c.Dev && !c.DevListenAny && !IsLoopbackAddr(c.Addr) {
		bad("addr", "dev mode listens on loopback only (127.0.0.1, ::1 or localhost), got %q: "+
			"its /dev/token endpoint hands out join tokens; pass --dev-listen-any (dev_listen_any: true) "+
			"to listen on other addresses anyway", c.Addr)
	}
	// Port 0 asks the kernel for a free port: tests use it; an operator
	// would not, since clients must be able to reach the port.
	if c.RTCPort < 0 || c.RTCPort > 65535 {
		bad("rtc_port", "must be 0..65535, got %d", c.RTCPort)
	}
	if c.AdminAddr != "" {
		if err := checkHostPort(c.AdminAddr); err != nil {
			bad("admin_addr", "%v", err)
		}
	}
	if c.PublicURL != "" {
		if err := checkPublicURL(c.PublicURL); err != nil {
			bad("public_url", "%v", err)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	}

	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("tls", "cert_file and key_file must be set together")
	}
	for i, h := range c.TLS.Hosts {
		isIP := net.ParseIP(h) != nil
		if !isIP && (h == "" || strings.ContainsAny(h, " /:,*\t\r\n")) {
			bad(fmt.Sprintf("tls.hosts[%d]", i), "%q is not a host name or IP address", h)
		}
	}

	positive(bad, "tokens.max_lifetime", c.Tokens.MaxLifetime)

	if c.Rooms.MaxParticipants < 1 {
		bad("rooms.max_participants", "must be at least 1, got %d", c.Rooms.MaxParticipants)
	}
	if c.Rooms.E2EE != "required" && c.Rooms.E2EE != "off" {
		bad("rooms.e2ee", "must be required or off, got %q", c.Rooms.E2EE)
	}
	if c.Rooms.MaxRooms < 1 {
		bad("rooms.max_rooms", "must be at least 1, got %d", c.Rooms.MaxRooms)
	}
	if c.Rooms.MaxParticipantsCap < c.Rooms.MaxParticipants {
		bad("rooms.max_participants_cap", "must be at least rooms.max_participants (%d), got %d", c.Rooms.MaxParticipants, c.Rooms.MaxParticipantsCap)
	}
	positive(bad, "rooms.max_empty_timeout", c.Rooms.MaxEmptyTimeout)
	if c.Rooms.MaxPublishBitrate < 0 || c.Rooms.MaxPublishBitrate > 1_000_000_000 {
		bad("rooms.max_publish_bitrate", "must be between 0 (no cap) and 1000000000 bit/s, got %d", c.Rooms.MaxPublishBitrate)
	}
	if c.Rooms.BitrateGrace < 2*time.Second || c.Rooms.BitrateGrace > 5*time.Minute {
		bad("rooms.bitrate_grace", "must be between 2s (one media sample) and 5m, got %s", c.Rooms.BitrateGrace)
	}
	if c.Rooms.MaxDuration < 0 || c.Rooms.MaxDuration > 7*24*time.Hour {
		bad("rooms.max_duration", "must be between 0 (no bound) and 168h, got %s", c.Rooms.MaxDuration)
	}
	if c.Rooms.EmptyTimeout < 0 {
		bad("rooms.empty_timeout", "must not be negative, got %s", c.Rooms.EmptyTimeout)
	}

	if a := c.Accounts.Signup; a != "invite" && a != "open" {
		bad("accounts.signup", "must be invite or open, got %q", a)
	}
	if a := c.Accounts.RequireSecondFactor; a != "admins" && a != "everyone" && a != "none" {
		bad("accounts.require_second_factor", "must be admins, everyone or none, got %q", a)
	}
	positive(bad, "accounts.session_idle", c.Accounts.SessionIdle)
	positive(bad, "accounts.session_max", c.Accounts.SessionMax)
	if c.Accounts.SessionIdle > c.Accounts.SessionMax {
		bad("accounts.session_idle", "must not be longer than accounts.session_max (%s), got %s", c.Accounts.SessionMax, c.Accounts.SessionIdle)
	}
	positive(bad, "accounts.lock_duration", c.Accounts.LockDuration)
	if n := c.Accounts.MaxConcurrentHashes; n < 1 || n > 64 {
		bad("accounts.max_concurrent_hashes", "must be 1..64 (each hash takes 64 MiB), got %d", n)
	}
	positive(bad, "accounts.invite_max_lifetime", c.Accounts.InviteMaxLifetime)
	positive(bad, "accounts.token_max_lifetime", c.Accounts.TokenMaxLifetime)

	positive(bad, "signal.join_timeout", c.Signal.JoinTimeout)
	if r := c.Signal.MessagesPerSecond; !(r > 0) || math.IsInf(r, 0) {
		bad("signal.messages_per_second", "must be a positive number, got %v", r)
	}
	if c.Signal.Burst < 1 {
		bad("signal.burst", "must be at least 1, got %d", c.Signal.Burst)
	}
	positive(bad, "signal.ping_interval", c.Signal.PingInterval)
	positive(bad, "signal.resume_window", c.Signal.ResumeWindow)
	if c.Signal.MaxSessions < 1 {
		bad("signal.max_sessions", "must be at least 1, got %d", c.Signal.MaxSessions)
	}
	if c.Signal.MaxUnauthenticated < 1 {
		bad("signal.max_unauthenticated", "must be at least 1, got %d", c.Signal.MaxUnauthenticated)
	}
	if c.Signal.MaxUnauthenticatedPerIP < 1 {
		bad("signal.max_unauthenticated_per_ip", "must be at least 1, got %d", c.Signal.MaxUnauthenticatedPerIP)
	}

	for i, ip := range c.RTC.PublicIPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			bad(fmt.Sprintf("rtc.public_ips[%d]", i), "%q is not an IP address", ip)
		}
	}
	positive(bad, "rtc.disconnect_timeout", c.RTC.DisconnectTimeout)
	positive(bad, "rtc.pli_interval", c.RTC.PLIInterval)

	if len(c.HTTP.FrameAncestors) == 0 {
		bad("http.frame_ancestors", "must not be empty (use 'none' to forbid framing)")
	}
	for i, src := range c.HTTP.FrameAncestors {
		// Anything that could end the directive would inject CSP.
		if strings.TrimSpace(src) == "" || strings.ContainsAny(src, ";,\r\n\t ") {
			bad(fmt.Sprintf("http.frame_ancestors[%d]", i), "%q is not a single CSP source", src)
		}
	}
	for i, o := range c.HTTP.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			bad(fmt.Sprintf("http.allowed_origins[%d]", i), "%v", err)
		}
	}

	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "must be text or json, got %q", c.Log.Format)
	}
	c.Audit.validate(bad)
	if err := checkCIDRs(c.HTTP.TrustedProxies); err != nil {
		bad("http.trusted_proxies", "%v", err)
	}
	c.Guard.validate(bad)
	c.Doctor.validate(bad)
	validateWebhooks(c.Webhooks, bad)
	return errors.Join(errs...)
}

func positive(bad func(string, string, ...any), key string, d time.Duration) {
	if d <= 0 {
		bad(key, "must be a positive duration, got %s", d)
	}
}

// IsLoopbackAddr reports whether a host:port listen address is on loopback
// only: a loopback IP address or "localhost". An empty host (every
// address) is not.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port, got %q", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port must be 0..65535, got %q", port)
	}
	return nil
}

// checkPublicURL accepts an https origin, scheme://host[:port], whose
// host is a DNS name in lower case: the host becomes the WebAuthn relying
// party id, which may be neither an IP address nor a Unicode name (its
// A-label, xn--…, is accepted).
func checkPublicURL(s string) error {
	canon, ok := CanonicalOrigin(s)
	if !ok || !strings.HasPrefix(canon, "https://") {
		return fmt.Errorf("%q is not an https origin like https://meet.example.org or https://meet.example.org:8443 (no path, not even a trailing /)", s)
	}
	if canon != s && canon+":443" != s {
		return fmt.Errorf("%q must be written in lower case, as %q", s, canon)
	}
	u, _ := url.Parse(canon)
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return fmt.Errorf("%q: the host must be a DNS name, not an IP address: passkeys are bound to a name (WebAuthn refuses IP addresses)", s)
	}
	if !isDNSName(host) {
		return fmt.Errorf("%q: the host %q is not a DNS name (letters, digits and hyphens in dot-separated labels; write a Unicode name as its xn-- form)", s, host)
	}
	return nil
}

// isDNSName reports whether h is a lower-case DNS name: labels of 1 to 63
// of [a-z0-9-], not starting or ending with a hyphen, 253 bytes at most.
func isDNSName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkOrigin accepts exactly scheme://host[:port]: origins are compared
// as a whole (scheme, host and port), so there are no wildcards.
func checkOrigin(o string) error {
	if _, ok := CanonicalOrigin(o); !ok {
		return fmt.Errorf("%q is not an origin like https://example.com or https://example.com:8443", o)
	}
	return nil
}

// CanonicalOrigin returns an origin ("https://Example.com:443") in the form
// origins are compared in: lower-case scheme and host, the scheme's default
// port left out. It reports false for anything that is not an http or https
// origin: a path, query, fragment, user info, an empty host, a wildcard, or
// "null". The WebSocket origin check, CORS and the validation of
// http.allowed_origins all compare origins in this form.
func CanonicalOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.ForceQuery || u.Host == "" || strings.Contains(u.Host, "*") {
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
