// Package config owns Conclave's configuration: the Config struct, its
// defaults, loading from one YAML file plus CONCLAVE_* environment overrides,
// and validation whose errors name the offending key.
//
// Every key in the YAML file can be overridden by an environment variable
// named CONCLAVE_ followed by the key's path in upper snake case: rtc_port is
// CONCLAVE_RTC_PORT, tokens.max_lifetime is CONCLAVE_TOKENS_MAX_LIFETIME.
// docs/configuration.md lists every key.
package config

import (
	"time"
)

// Config is the whole server configuration. Field tags are the YAML keys;
// durations are written as Go duration strings ("10m", "500ms").
type Config struct {
	// Addr is the HTTPS and WSS listen address.
	Addr string `yaml:"addr"`
	// RTCPort is the single UDP port (ICE UDP mux) and ICE-TCP port for media.
	RTCPort int `yaml:"rtc_port"`
	// AdminAddr is the metrics and pprof listener. Empty disables it.
	AdminAddr string `yaml:"admin_addr"`
	// DataDir holds the database, TLS certificate and server keys.
	DataDir string `yaml:"data_dir"`
	// Dev enables development defaults (loopback bind, loopback ICE candidates).
	Dev bool `yaml:"dev"`
	// DevListenAny lets a dev server listen on a non-loopback address. Dev
	// mode hands out join tokens to anyone who can reach /dev/token, so
	// without it Validate refuses such an address.
	DevListenAny bool `yaml:"dev_listen_any"`
	// PublicURL is the origin browsers reach the server at
	// ("https://meet.example.org", no path). Passkeys are bound to its
	// host (the WebAuthn relying party id) and accepted from it alone.
	// Empty: passkeys are off, except in dev mode, where they work on
	// https://localhost:<port>.
	PublicURL string `yaml:"public_url"`

	TLS    TLS    `yaml:"tls"`
	Tokens Tokens `yaml:"tokens"`
	Rooms  Rooms  `yaml:"rooms"`
	Signal Signal `yaml:"signal"`
	RTC    RTC    `yaml:"rtc"`
	HTTP   HTTP   `yaml:"http"`
	// Accounts configures sign-in to Conclave itself (docs/accounts.md).
	Accounts Accounts `yaml:"accounts"`
	Log      Log      `yaml:"log"`
	// Audit configures the audit log (audit.go).
	Audit Audit `yaml:"audit"`
	// Guard configures the traffic defence (guard.go).
	Guard Guard `yaml:"guard"`
	// Doctor configures the security self-audit (doctor.go).
	Doctor Doctor `yaml:"doctor"`
	// Webhooks receive security events (webhooks.go); YAML only.
	Webhooks []Webhook `yaml:"webhooks"`
}

// TLS configures the HTTPS certificate. With CertFile and KeyFile empty the
// server uses a self-signed certificate kept in the data directory.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Hosts are extra names and addresses for the self-signed certificate;
	// localhost, 127.0.0.1 and ::1 are always included.
	Hosts []string `yaml:"hosts"`
}

// Tokens configures join and server-API token policy.
type Tokens struct {
	// MaxLifetime is the longest exp-nbf (or exp-iat) span accepted.
	MaxLifetime time.Duration `yaml:"max_lifetime"`
}

// Rooms configures room limits.
type Rooms struct {
	// AutoCreate lets a valid join token create its room on first join.
	AutoCreate      bool          `yaml:"auto_create"`
	MaxParticipants int           `yaml:"max_participants"`
	EmptyTimeout    time.Duration `yaml:"empty_timeout"`
	MaxRooms        int           `yaml:"max_rooms"`
	// E2EE is whether a room created without saying so (by a join, or
	// by the REST API without the option) requires end-to-end
	// encryption: "required" or "off".
	E2EE string `yaml:"e2ee"`
	// MaxParticipantsCap and MaxEmptyTimeout bound what a REST caller may
	// ask for when it creates a room.
	MaxParticipantsCap int           `yaml:"max_participants_cap"`
	MaxEmptyTimeout    time.Duration `yaml:"max_empty_timeout"`
	// MaxDuration bounds every meeting's length: a room that asks for no
	// maximum duration, or a longer one, gets this. 0: no bound (a room
	// may still ask for one, up to 7 days).
	MaxDuration time.Duration `yaml:"max_duration"`
	// MaxPublishBitrate caps what one participant publishes, all its
	// tracks together, in bits per second, and bounds a room's own
	// max_publish_bitrate; 0: no cap. BitrateGrace is how long a
	// publisher may stay above the cap after being told to lower before
	// it is disconnected (docs/sfu.md, "Bitrate cap").
	MaxPublishBitrate int64         `yaml:"max_publish_bitrate"`
	BitrateGrace      time.Duration `yaml:"bitrate_grace"`
}

// Accounts configures accounts, sign-in and sessions (docs/accounts.md).
type Accounts struct {
	// Signup is who may create an account: "invite" (only with an
	// admin's invite) or "open" (anyone who can reach the server).
	Signup string `yaml:"signup"`
	// RequireSecondFactor is whose accounts must have a second factor
	// (TOTP or a passkey): "admins", "everyone" or "none".
	RequireSecondFactor string `yaml:"require_second_factor"`
	// SessionIdle ends a session not used for this long; SessionMax ends
	// any session this long after sign-in.
	SessionIdle time.Duration `yaml:"session_idle"`
	SessionMax  time.Duration `yaml:"session_max"`
	// LockDuration is how long an account stays locked after too many
	// failed sign-ins.
	LockDuration time.Duration `yaml:"lock_duration"`
	// MaxConcurrentHashes bounds the password hashes (64 MiB each)
	// computed at once.
	MaxConcurrentHashes int `yaml:"max_concurrent_hashes"`
	// InviteMaxLifetime bounds how long a signup invite may stay valid;
	// TokenMaxLifetime bounds a personal API token's.
	InviteMaxLifetime time.Duration `yaml:"invite_max_lifetime"`
	TokenMaxLifetime  time.Duration `yaml:"token_max_lifetime"`
}

// Signal configures the signaling WebSocket.
type Signal struct {
	JoinTimeout       time.Duration `yaml:"join_timeout"`
	MessagesPerSecond float64       `yaml:"messages_per_second"`
	Burst             int           `yaml:"burst"`
	PingInterval      time.Duration `yaml:"ping_interval"`
	ResumeWindow      time.Duration `yaml:"resume_window"`
	// MaxSessions bounds sessions whose token has been verified.
	MaxSessions int `yaml:"max_sessions"`
	// MaxUnauthenticated bounds connections that have not yet presented a
	// valid token, and MaxUnauthenticatedPerIP those of one address (IPv6:
	// one /56) among them; beyond either the longest-waiting such
	// connection is closed to make room.
	MaxUnauthenticated      int `yaml:"max_unauthenticated"`
	MaxUnauthenticatedPerIP int `yaml:"max_unauthenticated_per_ip"`
}

// RTC configures the media transport.
type RTC struct {
	// PublicIPs are 1:1 NAT addresses advertised as host candidates.
	PublicIPs []string `yaml:"public_ips"`
	// IncludeLoopback offers loopback ICE candidates (useful on one machine).
	IncludeLoopback   bool          `yaml:"include_loopback"`
	DisconnectTimeout time.Duration `yaml:"disconnect_timeout"`
	// PLIInterval is the minimum spacing of keyframe requests per track.
	PLIInterval time.Duration `yaml:"pli_interval"`
}

// HTTP configures browser-facing security headers and origin checks.
type HTTP struct {
	// FrameAncestors is the CSP frame-ancestors source list.
	FrameAncestors []string `yaml:"frame_ancestors"`
	// AllowedOrigins are extra origins (scheme://host[:port]) accepted on the
	// WebSocket upgrade and allowed to call the REST API from a browser
	// (httpapi.CORS: exact origins, no credentials); the server's own origin
	// always is.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For is believed: for a request from one of them, the
	// client is the rightmost address in it that is not a trusted proxy
	// (guard.Prefixes.ClientIP). Empty: the TCP peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Default returns the production defaults. It is the one place a default
// is set: the packages that take these values (room, signal, httpapi) fill
// a zero field from here.
func Default() Config {
	return Config{
		Addr:      ":8443",
		RTCPort:   7881,
		AdminAddr: "127.0.0.1:9090",
		DataDir:   "./conclave-data",
		Tokens:    Tokens{MaxLifetime: 24 * time.Hour},
		Rooms: Rooms{
			AutoCreate:      true,
			MaxParticipants: 100,
			EmptyTimeout:    5 * time.Minute,
			MaxRooms:        1000,
			E2EE:            "required",

			MaxParticipantsCap: 1000,
			MaxEmptyTimeout:    24 * time.Hour,

			MaxPublishBitrate: 8_000_000,
			BitrateGrace:      10 * time.Second,
		},
		Signal: Signal{
			JoinTimeout:       5 * time.Second,
			MessagesPerSecond: 50,
			Burst:             100,
			PingInterval:      5 * time.Second,
			ResumeWindow:      15 * time.Second,
			MaxSessions:       10000,

			MaxUnauthenticated:      256,
			MaxUnauthenticatedPerIP: 16,
		},
		RTC: RTC{
			DisconnectTimeout: 10 * time.Second,
			PLIInterval:       500 * time.Millisecond,
		},
		HTTP: HTTP{FrameAncestors: []string{"'none'"}},
		Accounts: Accounts{
			Signup:              "invite",
			RequireSecondFactor: "admins",
			SessionIdle:         12 * time.Hour,
			SessionMax:          7 * 24 * time.Hour,
			LockDuration:        15 * time.Minute,
			MaxConcurrentHashes: 4,
			InviteMaxLifetime:   30 * 24 * time.Hour,
			TokenMaxLifetime:    365 * 24 * time.Hour,
		},
		Log:    Log{Level: "info", Format: "text"},
		Audit:  defaultAudit(),
		Guard:  defaultGuard(),
		Doctor: defaultDoctor(),
	}
}

// DefaultDev returns the defaults used when dev is true: Default with the
// HTTPS listener bound to loopback, loopback ICE candidates offered and
// loopback on guard.allow.
func DefaultDev() Config {
	c := Default()
	c.Dev = true
	c.Addr = "127.0.0.1:8443"
	c.RTC.IncludeLoopback = true
	// A dev server is this machine's: its own clients, tests and load
	// tests all come from loopback, and would trip the limits meant for
	// strangers. Addresses beyond it (dev_listen_any) are still guarded.
	c.Guard.Allow = []string{"127.0.0.0/8", "::1"}
	return c
}
