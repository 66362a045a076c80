package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "conclave.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFreePortsAreValid(t *testing.T) {
	c := Default()
	c.Addr, c.RTCPort, c.AdminAddr = "127.0.0.1:0", 0, "127.0.0.1:0"
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDefaultIsValid(t *testing.T) {
	for name, c := range map[string]Config{"default": Default(), "dev": DefaultDev()} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		env   []string
		check func(t *testing.T, c Config)
	}{
		{
			name: "defaults without file",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c, Default()) {
					t.Errorf("got %+v, want defaults", c)
				}
			},
		},
		{
			name: "yaml values",
			yaml: `
addr: "0.0.0.0:443"
rtc_port: 50000
tokens:
  max_lifetime: 2h
rooms:
  auto_create: false
  empty_timeout: 10m
signal:
  messages_per_second: 12.5
rtc:
  public_ips: [203.0.113.7]
http:
  allowed_origins: ["https://meet.example.com"]
log: {level: debug, format: json}
`,
			check: func(t *testing.T, c Config) {
				want := Default()
				want.Addr = "0.0.0.0:443"
				want.RTCPort = 50000
				want.Tokens.MaxLifetime = 2 * time.Hour
				want.Rooms.AutoCreate = false
				want.Rooms.EmptyTimeout = 10 * time.Minute
				want.Signal.MessagesPerSecond = 12.5
				want.RTC.PublicIPs = []string{"203.0.113.7"}
				want.HTTP.AllowedOrigins = []string{"https://meet.example.com"}
				want.Log = Log{Level: "debug", Format: "json"}
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "env overrides yaml",
			yaml: "rtc_port: 50000\n",
			env: []string{
				"PATH=/usr/bin", "CONCLAVE_RTC_PORT=50001",
				"CONCLAVE_TOKENS_MAX_LIFETIME=90m", "CONCLAVE_ROOMS_AUTO_CREATE=false",
				"CONCLAVE_RTC_PUBLIC_IPS=203.0.113.7, 2001:db8::1,",
				"CONCLAVE_SIGNAL_MESSAGES_PER_SECOND=7.5", "CONCLAVE_LOG_FORMAT=json",
			},
			check: func(t *testing.T, c Config) {
				if c.RTCPort != 50001 || c.Tokens.MaxLifetime != 90*time.Minute || c.Rooms.AutoCreate ||
					c.Signal.MessagesPerSecond != 7.5 || c.Log.Format != "json" {
					t.Errorf("overrides not applied: %+v", c)
				}
				if want := []string{"203.0.113.7", "2001:db8::1"}; !reflect.DeepEqual(c.RTC.PublicIPs, want) {
					t.Errorf("public_ips = %q, want %q", c.RTC.PublicIPs, want)
				}
			},
		},
		{
			name: "env list replaces default",
			env:  []string{"CONCLAVE_HTTP_FRAME_ANCESTORS='self',https://intranet.example.com"},
			check: func(t *testing.T, c Config) {
				if want := []string{"'self'", "https://intranet.example.com"}; !reflect.DeepEqual(c.HTTP.FrameAncestors, want) {
					t.Errorf("frame_ancestors = %q", c.HTTP.FrameAncestors)
				}
			},
		},
		{
			name: "empty env list clears file",
			yaml: "tls:\n  hosts: [meet.example.com]\n",
			env:  []string{"CONCLAVE_TLS_HOSTS="},
			check: func(t *testing.T, c Config) {
				if len(c.TLS.Hosts) != 0 {
					t.Errorf("hosts = %q, want empty", c.TLS.Hosts)
				}
			},
		},
		{
			name: "dev defaults",
			env:  []string{"CONCLAVE_DEV=true"},
			check: func(t *testing.T, c Config) {
				if !c.Dev || c.Addr != "127.0.0.1:8443" || !c.RTC.IncludeLoopback {
					t.Errorf("dev defaults not applied: %+v", c)
				}
			},
		},
		{
			name: "dev from yaml keeps explicit values",
			yaml: "dev: true\ndev_listen_any: true\naddr: \"0.0.0.0:8443\"\nrtc: {include_loopback: false}\n",
			check: func(t *testing.T, c Config) {
				if !c.Dev || !c.DevListenAny || c.Addr != "0.0.0.0:8443" || c.RTC.IncludeLoopback {
					t.Errorf("explicit values lost in dev: %+v", c)
				}
			},
		},
		{
			name:  "comments only",
			yaml:  "# nothing here\n",
			check: func(t *testing.T, c Config) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.yaml != "" {
				path = writeFile(t, tt.yaml)
			}
			c, err := Load(path, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want string // substring of the error
	}{
		{"unknown top-level key", "rtc_prot: 1\n", nil, "rtc_prot"},
		{"unknown nested key", "rooms:\n  max_participant: 3\n", nil, "max_participant"},
		{"bad duration", "tokens:\n  max_lifetime: forever\n", nil, "max_lifetime"},
		{"two documents", "addr: \":1\"\n---\naddr: \":2\"\n", nil, "more than one"},
		{"unknown env", "", []string{"CONCLAVE_RTC_PROT=1"}, "CONCLAVE_RTC_PROT: unknown"},
		{"bad env int", "", []string{"CONCLAVE_RTC_PORT=abc"}, "CONCLAVE_RTC_PORT (rtc_port): invalid integer"},
		{"bad env bool", "", []string{"CONCLAVE_DEV=maybe"}, "invalid boolean"},
		{"bad env duration", "", []string{"CONCLAVE_SIGNAL_JOIN_TIMEOUT=5"}, "signal.join_timeout): invalid duration"},
		{"validation after env", "", []string{"CONCLAVE_RTC_PORT=-1"}, "rtc_port: must be 0..65535, got -1"},
		{"validation after yaml", "log: {level: loud}\n", nil, "log.level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.yaml != "" {
				path = writeFile(t, tt.yaml)
			}
			_, err := Load(path, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil {
		t.Error("missing file: no error")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(c *Config)
		want   string
	}{
		{"addr", func(c *Config) { c.Addr = "8443" }, "addr: must be host:port"},
		{"addr port", func(c *Config) { c.Addr = ":65536" }, "addr: port must be 0..65535"},
		{"addr port name", func(c *Config) { c.Addr = ":https" }, "addr: port must be 0..65535"},
		{"rtc_port", func(c *Config) { c.RTCPort = -1 }, "rtc_port: must be 0..65535, got -1"},
		{"rtc_port high", func(c *Config) { c.RTCPort = 70000 }, "rtc_port: must be 0..65535, got 70000"},
		{"admin_addr", func(c *Config) { c.AdminAddr = "localhost" }, "admin_addr:"},
		{"data_dir", func(c *Config) { c.DataDir = " " }, "data_dir: must not be empty"},
		{"tls pair", func(c *Config) { c.TLS.CertFile = "c.pem" }, "tls: cert_file and key_file"},
		{"tls host", func(c *Config) { c.TLS.Hosts = []string{"a b"} }, "tls.hosts[0]"},
		{"max_lifetime", func(c *Config) { c.Tokens.MaxLifetime = 0 }, "tokens.max_lifetime: must be a positive duration"},
		{"max_participants", func(c *Config) { c.Rooms.MaxParticipants = 0 }, "rooms.max_participants"},
		{"max_rooms", func(c *Config) { c.Rooms.MaxRooms = -1 }, "rooms.max_rooms"},
		{"empty_timeout", func(c *Config) { c.Rooms.EmptyTimeout = -time.Second }, "rooms.empty_timeout"},
		{"join_timeout", func(c *Config) { c.Signal.JoinTimeout = 0 }, "signal.join_timeout"},
		{"rate", func(c *Config) { c.Signal.MessagesPerSecond = 0 }, "signal.messages_per_second"},
		{"burst", func(c *Config) { c.Signal.Burst = 0 }, "signal.burst"},
		{"ping interval", func(c *Config) { c.Signal.PingInterval = 0 }, "signal.ping_interval"},
		{"resume window", func(c *Config) { c.Signal.ResumeWindow = -time.Second }, "signal.resume_window"},
		{"max sessions", func(c *Config) { c.Signal.MaxSessions = 0 }, "signal.max_sessions"},
		{"max unauthenticated", func(c *Config) { c.Signal.MaxUnauthenticated = 0 }, "signal.max_unauthenticated"},
		{"max unauthenticated per ip", func(c *Config) { c.Signal.MaxUnauthenticatedPerIP = -1 }, "signal.max_unauthenticated_per_ip"},
		{"public ip", func(c *Config) { c.RTC.PublicIPs = []string{"example.com"} }, "rtc.public_ips[0]"},
		{"disconnect", func(c *Config) { c.RTC.DisconnectTimeout = 0 }, "rtc.disconnect_timeout"},
		{"pli", func(c *Config) { c.RTC.PLIInterval = 0 }, "rtc.pli_interval"},
		{"frame ancestors empty", func(c *Config) { c.HTTP.FrameAncestors = nil }, "http.frame_ancestors"},
		{"frame ancestors injection", func(c *Config) { c.HTTP.FrameAncestors = []string{"'self'; script-src *"} }, "http.frame_ancestors[0]"},
		{"origin with path", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://a.example/x"} }, "http.allowed_origins[0]"},
		{"origin scheme", func(c *Config) { c.HTTP.AllowedOrigins = []string{"ftp://a.example"} }, "http.allowed_origins[0]"},
		{"origin wildcard", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://*.example.com"} }, "http.allowed_origins[0]"},
		{"origin empty port", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://a.example:"} }, "http.allowed_origins[0]"},
		{"trusted proxy not an address", func(c *Config) { c.HTTP.TrustedProxies = []string{"proxy.example"} }, "http.trusted_proxies"},
		{"allow not a CIDR", func(c *Config) { c.Guard.Allow = []string{"10.0.0.0/40"} }, "guard.allow"},
		{"guard failures", func(c *Config) { c.Guard.Failures = 0 }, "guard.failures"},
		{"guard steps empty", func(c *Config) { c.Guard.BlockSteps = nil }, "guard.block_steps"},
		{"guard step not a duration", func(c *Config) { c.Guard.BlockSteps = []string{"1m", "soon"} }, "guard.block_steps[1]"},
		{"guard steps descending", func(c *Config) { c.Guard.BlockSteps = []string{"5m", "1m"} }, "guard.block_steps[1]"},
		{"guard step too long", func(c *Config) { c.Guard.BlockSteps = []string{"400h"} }, "guard.block_steps[0]"},
		{"guard account addresses", func(c *Config) { c.Guard.AccountAddresses = 1 }, "guard.account_addresses"},
		{"guard connections", func(c *Config) { c.Guard.MaxConnectionsPerIP = 0 }, "guard.max_connections_per_ip"},
		{"guard api rate", func(c *Config) { c.Guard.APIRate = 0 }, "guard.api_rate"},
		{"guard join burst", func(c *Config) { c.Guard.JoinBurst = 0 }, "guard.join_burst"},
		{"log level", func(c *Config) { c.Log.Level = "trace" }, "log.level"},
		{"participants cap below the default", func(c *Config) { c.Rooms.MaxParticipantsCap = c.Rooms.MaxParticipants - 1 }, "rooms.max_participants_cap"},
		{"max empty timeout zero", func(c *Config) { c.Rooms.MaxEmptyTimeout = 0 }, "rooms.max_empty_timeout"},
		{"max duration negative", func(c *Config) { c.Rooms.MaxDuration = -time.Second }, "rooms.max_duration"},
		{"max duration over a week", func(c *Config) { c.Rooms.MaxDuration = 169 * time.Hour }, "rooms.max_duration"},
		{"publish bitrate negative", func(c *Config) { c.Rooms.MaxPublishBitrate = -1 }, "rooms.max_publish_bitrate"},
		{"bitrate grace under a sample", func(c *Config) { c.Rooms.BitrateGrace = time.Second }, "rooms.bitrate_grace"},
		{"signup", func(c *Config) { c.Accounts.Signup = "anyone" }, "accounts.signup"},
		{"second factor", func(c *Config) { c.Accounts.RequireSecondFactor = "hosts" }, "accounts.require_second_factor"},
		{"session idle zero", func(c *Config) { c.Accounts.SessionIdle = 0 }, "accounts.session_idle"},
		{"session idle past max", func(c *Config) { c.Accounts.SessionIdle = c.Accounts.SessionMax + time.Second }, "accounts.session_idle"},
		{"session max zero", func(c *Config) { c.Accounts.SessionMax = 0 }, "accounts.session_max"},
		{"lock duration zero", func(c *Config) { c.Accounts.LockDuration = 0 }, "accounts.lock_duration"},
		{"no hashes", func(c *Config) { c.Accounts.MaxConcurrentHashes = 0 }, "accounts.max_concurrent_hashes"},
		{"too many hashes", func(c *Config) { c.Accounts.MaxConcurrentHashes = 65 }, "accounts.max_concurrent_hashes"},
		{"invite lifetime zero", func(c *Config) { c.Accounts.InviteMaxLifetime = 0 }, "accounts.invite_max_lifetime"},
		{"token lifetime zero", func(c *Config) { c.Accounts.TokenMaxLifetime = 0 }, "accounts.token_max_lifetime"},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}

	c := Default()
	c.RTCPort, c.Log.Level = -1, "x"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "rtc_port") || !strings.Contains(err.Error(), "log.level") {
		t.Errorf("want every problem reported, got %v", err)
	}
}

// TestPublicURL: public_url is an https origin on a DNS name, written as
// browsers write origins; anything else names the key and says why.
func TestPublicURL(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want string // "" valid; else a part of the error
	}{
		{"https://meet.example.org", ""},
		{"https://meet.example.org:8443", ""},
		{"https://meet.example.org:443", ""},
		{"https://localhost:8443", ""},
		{"https://xn--bcher-kva.example", ""},
		{"https://conclave", ""},
		{"http://meet.example.org", "not an https origin"},
		{"https://meet.example.org/", "no path"},
		{"https://meet.example.org/app", "no path"},
		{"https://meet.example.org?x=1", "not an https origin"},
		{"https://meet.example.org#x", "not an https origin"},
		{"https://user@meet.example.org", "not an https origin"},
		{"meet.example.org", "not an https origin"},
		{"https://", "not an https origin"},
		{"https://meet.example.org:", "not an https origin"},
		{"https://*.example.org", "not an https origin"},
		{"https://Meet.Example.org", "lower case"},
		{"HTTPS://meet.example.org", "lower case"},
		{"https://192.0.2.7", "not an IP address"},
		{"https://[2001:db8::7]:8443", "not an IP address"},
		{"https://bücher.example", "not a DNS name"},
		{"https://meet_1.example.org", "not a DNS name"},
		{"https://-meet.example.org", "not a DNS name"},
		{"https://meet.example.org.", "not a DNS name"},
		{"https://" + strings.Repeat("a", 64) + ".example", "not a DNS name"},
	} {
		c := Default()
		c.PublicURL = tt.url
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q refused: %v", tt.url, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), "public_url: ") || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: %v, want public_url: …%s…", tt.url, err, tt.want)
		}
	}
	c, err := Load("", []string{"CONCLAVE_PUBLIC_URL=https://meet.example.org"})
	if err != nil || c.PublicURL != "https://meet.example.org" {
		t.Errorf("Load with CONCLAVE_PUBLIC_URL: %q, %v", c.PublicURL, err)
	}
}

// TestDevListensOnLoopback: dev mode refuses a listen address beyond
// loopback unless dev_listen_any is set, and the error names the flag.
func TestDevListensOnLoopback(t *testing.T) {
	for _, tt := range []struct {
		addr      string
		dev, any  bool
		wantError bool
	}{
		{"127.0.0.1:8443", true, false, false},
		{"127.0.0.2:8443", true, false, false},
		{"[::1]:8443", true, false, false},
		{"localhost:8443", true, false, false},
		{"LOCALHOST:0", true, false, false},
		{"192.0.2.2:8443", true, false, true},
		{"0.0.0.0:8443", true, false, true},
		{":8443", true, false, true},
		{"[::]:8443", true, false, true},
		{"[::ffff:127.0.0.1]:8443", true, false, false},
		{"meet.example.com:8443", true, false, true},
		{"localhost.example.com:8443", true, false, true},
		{"192.0.2.2:8443", true, true, false},
		{":8443", true, true, false},
		{"192.0.2.2:8443", false, false, false},
	} {
		c := DefaultDev()
		c.Dev, c.DevListenAny, c.Addr = tt.dev, tt.any, tt.addr
		err := c.Validate()
		if (err != nil) != tt.wantError {
			t.Errorf("addr %s dev %v dev_listen_any %v: %v", tt.addr, tt.dev, tt.any, err)
			continue
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "addr: ") || !strings.Contains(err.Error(), "--dev-listen-any")) {
			t.Errorf("addr %s: %q does not start with addr: and name --dev-listen-any", tt.addr, err)
		}
	}
	// The environment sets it like any key.
	c, err := Load("", []string{"CONCLAVE_DEV=true", "CONCLAVE_ADDR=0.0.0.0:8443", "CONCLAVE_DEV_LISTEN_ANY=true"})
	if err != nil || !c.DevListenAny {
		t.Errorf("Load with CONCLAVE_DEV_LISTEN_ANY: %+v, %v", c, err)
	}
	if _, err := Load("", []string{"CONCLAVE_DEV=true", "CONCLAVE_ADDR=0.0.0.0:8443"}); err == nil {
		t.Error("Load: dev on 0.0.0.0 accepted")
	}
}

// TestEveryKeyOverridable checks that each leaf field has an environment
// variable that round-trips, so a new key cannot be forgotten.
func TestEveryKeyOverridable(t *testing.T) {
	vars := EnvVars() // panics on a name collision
	for _, name := range []string{
		"CONCLAVE_ADDR", "CONCLAVE_RTC_PORT", "CONCLAVE_ADMIN_ADDR", "CONCLAVE_DATA_DIR", "CONCLAVE_DEV", "CONCLAVE_DEV_LISTEN_ANY",
		"CONCLAVE_PUBLIC_URL",
		"CONCLAVE_TLS_CERT_FILE", "CONCLAVE_TLS_KEY_FILE", "CONCLAVE_TLS_HOSTS",
		"CONCLAVE_TOKENS_MAX_LIFETIME",
		"CONCLAVE_ROOMS_AUTO_CREATE", "CONCLAVE_ROOMS_MAX_PARTICIPANTS", "CONCLAVE_ROOMS_EMPTY_TIMEOUT", "CONCLAVE_ROOMS_MAX_ROOMS", "CONCLAVE_ROOMS_E2EE",
		"CONCLAVE_ROOMS_MAX_PARTICIPANTS_CAP", "CONCLAVE_ROOMS_MAX_EMPTY_TIMEOUT", "CONCLAVE_ROOMS_MAX_DURATION",
		"CONCLAVE_ROOMS_MAX_PUBLISH_BITRATE", "CONCLAVE_ROOMS_BITRATE_GRACE",
		"CONCLAVE_SIGNAL_JOIN_TIMEOUT", "CONCLAVE_SIGNAL_MESSAGES_PER_SECOND", "CONCLAVE_SIGNAL_BURST",
		"CONCLAVE_SIGNAL_PING_INTERVAL", "CONCLAVE_SIGNAL_RESUME_WINDOW", "CONCLAVE_SIGNAL_MAX_SESSIONS",
		"CONCLAVE_SIGNAL_MAX_UNAUTHENTICATED", "CONCLAVE_SIGNAL_MAX_UNAUTHENTICATED_PER_IP",
		"CONCLAVE_RTC_PUBLIC_IPS", "CONCLAVE_RTC_INCLUDE_LOOPBACK", "CONCLAVE_RTC_DISCONNECT_TIMEOUT", "CONCLAVE_RTC_PLI_INTERVAL",
		"CONCLAVE_HTTP_FRAME_ANCESTORS", "CONCLAVE_HTTP_ALLOWED_ORIGINS", "CONCLAVE_HTTP_TRUSTED_PROXIES",
		"CONCLAVE_LOG_LEVEL", "CONCLAVE_LOG_FORMAT",
		"CONCLAVE_ACCOUNTS_SIGNUP", "CONCLAVE_ACCOUNTS_REQUIRE_SECOND_FACTOR", "CONCLAVE_ACCOUNTS_SESSION_IDLE",
		"CONCLAVE_ACCOUNTS_SESSION_MAX", "CONCLAVE_ACCOUNTS_LOCK_DURATION", "CONCLAVE_ACCOUNTS_MAX_CONCURRENT_HASHES",
		"CONCLAVE_ACCOUNTS_INVITE_MAX_LIFETIME", "CONCLAVE_ACCOUNTS_TOKEN_MAX_LIFETIME",
		"CONCLAVE_AUDIT_CHECKPOINT_RECORDS", "CONCLAVE_AUDIT_CHECKPOINT_INTERVAL", "CONCLAVE_AUDIT_RETENTION",
		"CONCLAVE_GUARD_ALLOW", "CONCLAVE_GUARD_FAILURES", "CONCLAVE_GUARD_WINDOW", "CONCLAVE_GUARD_BLOCK_STEPS",
		"CONCLAVE_GUARD_FORGIVE", "CONCLAVE_GUARD_ACCOUNT_ADDRESSES", "CONCLAVE_GUARD_ACCOUNT_THROTTLE",
		"CONCLAVE_GUARD_MAX_CONNECTIONS_PER_IP", "CONCLAVE_GUARD_API_RATE", "CONCLAVE_GUARD_API_BURST",
		"CONCLAVE_GUARD_AUTH_RATE", "CONCLAVE_GUARD_AUTH_BURST", "CONCLAVE_GUARD_JOIN_RATE", "CONCLAVE_GUARD_JOIN_BURST",
		"CONCLAVE_GUARD_IDENTITY_RATE", "CONCLAVE_GUARD_IDENTITY_BURST", "CONCLAVE_GUARD_INVITE_RATE", "CONCLAVE_GUARD_INVITE_BURST",
		"CONCLAVE_DOCTOR_API_KEY_ROTATION", "CONCLAVE_DOCTOR_MAX_BINARY_AGE",
	} {
		if _, ok := vars[name]; !ok {
			t.Errorf("%s missing", name)
		}
		delete(vars, name)
	}
	for name := range vars {
		t.Errorf("%s is not documented in this test (and maybe not in docs/configuration.md)", name)
	}
}

func TestDocsListEveryVariable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal("docs/configuration.md:", err)
	}
	for name, key := range EnvVars() {
		if !strings.Contains(string(doc), name) || !strings.Contains(string(doc), "`"+key+"`") {
			t.Errorf("docs/configuration.md does not document %s (%s)", key, name)
		}
	}
}

func TestYAMLErrorsNameKey(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"rtc_prot: 1\n", "rtc_prot: line 1: unknown key"},
		{"rooms:\n  max_participant: 3\n", "rooms.max_participant: line 2: unknown key"},
		{"tokens:\n  max_lifetime: forever\n", "tokens.max_lifetime:"},
		{"rtc_port: many\n", "rtc_port:"},
		{"rooms: 3\n", "rooms: line 1: want a mapping"},
		{"- a\n", "top level"},
		{"rtc_port: 1\nrtc_port: 2\n", "rtc_port: line 2: key repeated"},
	}
	for _, tt := range tests {
		var c Config
		err := decodeYAML(&c, []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

func TestDocsExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal("docs/configuration.md:", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	if !ok {
		t.Fatal("no yaml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	if _, err := Load(writeFile(t, example), nil); err != nil {
		t.Errorf("example does not load: %v", err)
	}
}
