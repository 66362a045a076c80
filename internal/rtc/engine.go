// Package rtc owns one participant's two PeerConnections and the WebRTC
// engine they are built from: codecs, interceptors, the single-port ICE
// transport (UDP mux plus ICE-TCP on the same number) and SDP negotiation.
//
// The client offers on the publisher PeerConnection; the server offers on the
// subscriber PeerConnection. Media received on the publisher becomes an
// sfu.Receiver; each subscription becomes an sfu.DownTrack on the
// subscriber. rtc knows nothing of rooms or signaling messages.
package rtc

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/internal/udpbatch"
	"github.com/conclave-video/conclave/pionlog"
)

// Config configures an Engine.
type Config struct {
	// UDP is the one UDP socket all ICE traffic shares.
	UDP net.PacketConn
	// TCP is the listener for ICE-TCP, on the same port number as UDP.
	TCP net.Listener
	// PublicIPs are advertised as host candidates in place of local
	// addresses (1:1 NAT).
	PublicIPs []string
	// IncludeLoopback adds loopback candidates (needed for tests and --dev).
	IncludeLoopback bool
	// DisconnectTimeout is how long ICE may go without traffic before the
	// connection counts as failed.
	DisconnectTimeout time.Duration
	// PLIInterval is the minimum gap between keyframe requests upstream.
	PLIInterval time.Duration
	// SampleInterval is how often each Peer's media is sampled for its
	// MediaObserver (DefaultSampleInterval).
	SampleInterval time.Duration
	Stats          *sfu.Stats
	Logger         *slog.Logger
}

// relayAcceptanceWait is how long the controlling side waits before
// nominating a pair through the client's TURN relay (see NewEngine).
const relayAcceptanceWait = 500 * time.Millisecond

// Engine builds PeerConnections. One per server.
type Engine struct {
	cfg       Config
	publisher *webrtc.API
	// Subscriber PeerConnections each get their own API built from these,
	// so that each can capture its own DTLS secrets (see direct.go).
	subSettings webrtc.SettingEngine
	subMedia    *webrtc.MediaEngine
	// udp is the media socket when it can send batches: the direct SRTP
	// path is used only then.
	udp     *udpbatch.Conn
	reports reporter
	monitor monitor
}

// NewEngine builds the WebRTC APIs: one for publisher PeerConnections
// (NACK generation, receiver reports, TWCC feedback) and the settings for
// subscriber PeerConnections, which run no interceptors: NACKs are answered
// by the sfu from its shared packet cache, and sender reports are written
// by the Peer (reports.go).
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.UDP == nil {
		return nil, errors.New("rtc: a UDP socket is required")
	}
	if cfg.Stats == nil {
		cfg.Stats = new(sfu.Stats)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DisconnectTimeout <= 0 {
		cfg.DisconnectTimeout = 10 * time.Second
	}
	if cfg.PLIInterval <= 0 {
		cfg.PLIInterval = 500 * time.Millisecond
	}
	if cfg.SampleInterval <= 0 {
		cfg.SampleInterval = DefaultSampleInterval
	}

	logs := pionlog.Factory(cfg.Logger)
	se := webrtc.SettingEngine{LoggerFactory: logs}
	se.SetICEUDPMux(webrtc.NewICEUDPMux(logs.NewLogger("udpmux"), cfg.UDP))
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if cfg.TCP != nil {
		se.SetICETCPMux(webrtc.NewICETCPMux(logs.NewLogger("tcpmux"), cfg.TCP, 64))
		types = append(types, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(types)
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	se.SetLite(false)
	// A dead peer is declared disconnected after half the timeout and failed
	// after all of it. Keepalives (binding requests on an idle pair; the
	// direct SRTP path leaves pion's pair idle) every 2 s keep NAT bindings
	// open and a silent peer noticed well inside that, at half the cost in
	// wake-ups of 1 s across hundreds of connections.
	keepalive := min(2*time.Second, cfg.DisconnectTimeout/4)
	se.SetICETimeouts(cfg.DisconnectTimeout/2, cfg.DisconnectTimeout, keepalive)
	// On the subscriber connection the server offers and is ICE-controlling:
	// it nominates the pair media uses. pion waits before nominating a pair
	// whose remote candidate is server-reflexive (0.5 s), peer-reflexive
	// (1 s) or relayed (2 s), in case a better pair succeeds meanwhile. The
	// server's own candidates are host candidates only, so the wait could
	// only ever find another path to the same client, while a peer-
	// reflexive remote is what every client behind NAT, and every browser
	// that hides its addresses behind mDNS names, looks like: the wait was
	// a second added to every join. A working direct pair is nominated at
	// once; a relayed one still waits briefly, so that a client with a TURN
	// server but a direct path too ends up on the direct path.
	se.SetHostAcceptanceMinWait(0)
	se.SetSrflxAcceptanceMinWait(0)
	se.SetPrflxAcceptanceMinWait(0)
	se.SetRelayAcceptanceMinWait(relayAcceptanceWait)
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("rtc: public IPs: %w", err)
		}
	}
	se.DisableActiveTCP(true)

	pubAPI, err := newPublisherAPI(se)
	if err != nil {
		return nil, err
	}
	subMedia := &webrtc.MediaEngine{}
	if err := registerCodecs(subMedia, false); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, publisher: pubAPI, subSettings: se, subMedia: subMedia}
	e.monitor.interval = cfg.SampleInterval
	e.udp, _ = cfg.UDP.(*udpbatch.Conn)
	return e, nil
}

// subscriberAPI returns the API for one subscriber PeerConnection. With a
// batching media socket it captures the connection's DTLS secrets into
// secrets (nil otherwise) for the direct SRTP path.
func (e *Engine) subscriberAPI() (*webrtc.API, *dtlsSecrets) {
	se := e.subSettings // a copy: the hooks below belong to this connection
	var secrets *dtlsSecrets
	if e.udp != nil {
		secrets = &dtlsSecrets{}
		se.SetDTLSKeyLogWriter(secrets)
		se.SetDTLSServerHelloMessageHook(secrets.serverHello)
	}
	api := webrtc.NewAPI(
		webrtc.WithMediaEngine(e.subMedia),
		webrtc.WithSettingEngine(se),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}),
	)
	return api, secrets
}

// batches returns what gives each Receiver its own sendmmsg batch on the
// media socket, or nil without a batching socket.
func (e *Engine) batches() func() sfu.DatagramBatch {
	if e.udp == nil {
		return nil
	}
	return func() sfu.DatagramBatch { return e.udp.NewBatch() }
}

// Stats returns the forwarding counters shared by every receiver.
func (e *Engine) Stats() *sfu.Stats { return e.cfg.Stats }

// Codecs Conclave forwards. VP8 and Opus are always offered; H.264 and VP9
// are used when both sides offer them.
//
// Transport-wide congestion control is negotiated on publisher
// PeerConnections only: the server sends TWCC feedback so each publisher's
// send-side bandwidth estimation works. On subscriber PeerConnections the
// server would have to consume the feedback to use it, and forwarding with
// no simulcast layers to choose from has nothing to adapt, so it does not
// pay to stamp every forwarded packet with a sequence number.
func registerCodecs(m *webrtc.MediaEngine, publisher bool) error {
	videoFB := []webrtc.RTCPFeedback{
		{Type: "ccm", Parameter: "fir"},
		{Type: "nack"},
		{Type: "nack", Parameter: "pli"},
	}
	var audioFB []webrtc.RTCPFeedback
	if publisher {
		videoFB = append(videoFB, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC})
		audioFB = append(audioFB, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC})
	}
	codecs := []struct {
		kind  webrtc.RTPCodecType
		codec webrtc.RTPCodecParameters
	}{
		{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
				SDPFmtpLine:  "minptime=10;useinbandfec=1",
				RTCPFeedback: audioFB,
			},
			PayloadType: 111,
		}},
		{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFB},
			PayloadType:        96,
		}},
		{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0", RTCPFeedback: videoFB,
			},
			PayloadType: 98,
		}},
		{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
				SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
				RTCPFeedback: videoFB,
			},
			PayloadType: 102,
		}},
		{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
				SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032",
				RTCPFeedback: videoFB,
			},
			PayloadType: 104,
		}},
	}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.codec, c.kind); err != nil {
			return fmt.Errorf("rtc: register %s: %w", c.codec.MimeType, err)
		}
	}
	if !publisher {
		return nil
	}
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, kind); err != nil {
			return err
		}
	}
	return nil
}

// newPublisherAPI builds the API for publisher PeerConnections.
func newPublisherAPI(se webrtc.SettingEngine) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m, true); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(gen)
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(rr)
	fb, err := twcc.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(fb)
	return webrtc.NewAPI(
		webrtc.WithMediaEngine(m),
		webrtc.WithSettingEngine(se),
		webrtc.WithInterceptorRegistry(reg),
	), nil
}
