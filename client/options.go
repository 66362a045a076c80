package client

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/pionlog"
	"github.com/conclave-video/conclave/protocol"
)

// DefaultEventBuffer is the capacity of the Events channel unless
// WithEventBuffer says otherwise.
const DefaultEventBuffer = 256

// Option configures Connect.
type Option func(*options)

type options struct {
	tlsConfig     *tls.Config
	logger        *slog.Logger
	settingEngine *webrtc.SettingEngine
	eventBuffer   int
	onKeyframe    func(trackID string)
	interceptors  func(*webrtc.MediaEngine, *interceptor.Registry) error
	noResume      bool
	e2eeIdentity  *e2ee.Identity
	e2eeFile      string
	e2eeRequired  bool
	password      string
	onLobby       func(protocol.LobbyStatus)
}

// WithPassword gives the room's password in the join (never in the URL):
// a room with one asks it of every guest (password_required,
// password_wrong, too_many_attempts).
func WithPassword(pw string) Option { return func(o *options) { o.password = pw } }

// WithLobby makes Connect wait while the server holds the join in the
// room's lobby, calling f with each status (waiting or waiting_for_host,
// and the position), until a host admits it (Connect returns the client)
// or denies it (a *ServerError with lobby_denied, lobby_timeout or
// meeting_locked). Connect's context bounds the wait. Without it, a
// lobby answer is a *ServerError with code "lobby".
func WithLobby(f func(protocol.LobbyStatus)) Option { return func(o *options) { o.onLobby = f } }

// WithE2EE gives the client its end-to-end encryption identity (docs/e2ee.md):
// it announces its keys in join, and in a room that requires end-to-end
// encryption it encrypts what it sends and decrypts what it receives (see
// SampleTrack, FrameReader, SendData). Without an identity, joining such a
// room fails with the server's e2ee_required. In a plain room the identity
// is not used.
func WithE2EE(id *e2ee.Identity) Option {
	return func(o *options) { o.e2eeIdentity, o.e2eeFile = id, "" }
}

// WithE2EEIdentityFile is WithE2EE with the identity kept in a file (PKCS #8
// PEM, mode 0600): Connect reads it, or creates it with a fresh identity if
// there is none (e2ee.LoadOrCreateIdentity). A file that is not such a key
// fails Connect; it is never overwritten.
func WithE2EEIdentityFile(path string) Option {
	return func(o *options) { o.e2eeIdentity, o.e2eeFile = nil, path }
}

// WithE2EERequired makes Connect fail with ErrE2EENotOffered when the
// server says the room is plain: a bot that must never send in clear
// refuses such a room rather than trust the server's word for it. It needs
// WithE2EE or WithE2EEIdentityFile.
func WithE2EERequired() Option {
	return func(o *options) { o.e2eeRequired = true }
}

// WithoutResume turns off automatic resume: when the signaling connection
// drops, the client ends with Disconnected{Err: ...} at once instead of
// emitting Reconnecting and taking the session over on a new connection.
func WithoutResume() Option {
	return func(o *options) { o.noResume = true }
}

// WithInterceptors replaces pion's default interceptors (NACK, RTCP
// reports, TWCC) with those register adds. A receive-only bot that never
// needs retransmissions or congestion feedback — such as the load tester's
// subscribers — can pass a function that registers none, and spend far
// less CPU per packet.
func WithInterceptors(register func(*webrtc.MediaEngine, *interceptor.Registry) error) Option {
	return func(o *options) { o.interceptors = register }
}

// WithTLSConfig sets the TLS configuration for the WebSocket (for example a
// RootCAs pool holding a self-signed development certificate).
func WithTLSConfig(c *tls.Config) Option {
	return func(o *options) { o.tlsConfig = c }
}

// WithLogger sets the logger; by default the client logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithSettingEngine replaces the pion SettingEngine used for both
// PeerConnections. Without it the client uses pion's defaults, pion's logs
// go to the client's logger, and loopback ICE candidates are included when
// the server URL's host is a loopback address or "localhost".
func WithSettingEngine(se webrtc.SettingEngine) Option {
	return func(o *options) { o.settingEngine = &se }
}

// WithEventBuffer sets the capacity of the Events channel (default
// DefaultEventBuffer). When the channel is full the client drops the event
// rather than stall the connection, and counts it in DroppedEvents.
func WithEventBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.eventBuffer = n
		}
	}
}

// WithKeyframeRequest sets a function called when a subscriber asks for a key
// frame (RTCP PLI or FIR) on one of the tracks this client publishes. trackID
// is the TrackLocal's ID(). It runs on the track's RTCP goroutine and must
// not block.
func WithKeyframeRequest(f func(trackID string)) Option {
	return func(o *options) { o.onKeyframe = f }
}

func buildOptions(rawURL string, opts []Option) (options, error) {
	o := options{eventBuffer: DefaultEventBuffer}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.e2eeFile != "" {
		id, err := e2ee.LoadOrCreateIdentity(o.e2eeFile)
		if err != nil {
			return o, fmt.Errorf("client: E2EE identity: %w", err)
		}
		o.e2eeIdentity = id
	}
	if o.interceptors == nil {
		o.interceptors = webrtc.RegisterDefaultInterceptors
	}
	if o.settingEngine == nil {
		se := webrtc.SettingEngine{LoggerFactory: pionlog.Factory(o.logger)}
		if u, err := url.Parse(rawURL); err == nil && isLoopback(u.Hostname()) {
			se.SetIncludeLoopbackCandidate(true)
		}
		o.settingEngine = &se
	}
	return o, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
