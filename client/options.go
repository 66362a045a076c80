package client

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/url"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/pionlog"
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
