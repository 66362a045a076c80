// Package server owns Conclave's listeners and lifecycle: the TLS listener
// for HTTPS and WebSocket signaling, the single media port (ICE UDP mux and
// ICE-TCP on the same number), the admin listener for metrics and pprof,
// the wiring of every component, and graceful shutdown.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/rtc"
	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/internal/signal"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/telemetry"
	"github.com/conclave-video/conclave/internal/udpbatch"
	"github.com/conclave-video/conclave/internal/webhooks"
	"github.com/conclave-video/conclave/token"
	"github.com/conclave-video/conclave/web"
)

// Server is one running Conclave node.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	store   *store.SQLite
	rooms   *room.Manager
	engine  *rtc.Engine
	signal  *signal.Handler
	metrics *telemetry.Metrics
	stats   *sfu.Stats

	httpLn  net.Listener
	adminLn net.Listener
	udp     *udpbatch.Conn
	tcp     net.Listener
	http    *http.Server
	admin   *http.Server

	ready    chan struct{}
	stopOnce sync.Once

	storeOpts []store.Option
	probe     storeProbe

	// serverKey signs the tokens the server issues itself (serverkey.go).
	serverKey token.Key

	// accounts serves /v1/auth and /v1/users; its purge runs from Run
	// until Shutdown, which waits for it before the store closes.
	accounts  *accounts.Service
	purgeMu   sync.Mutex
	purgeStop context.CancelFunc // nil until started
	purgeDone chan struct{}
	purgeEnd  bool // stopped: never start again

	// policy is the organisation's security policy in force; policyWatch
	// keeps it at the newest stored version (policy.go).
	policy      *policy.Holder
	policyWatch *policy.Watcher
	// revs is the revocation list and the bans (access.go); its loop
	// (refresh and purge) runs with the accounts' purge.
	revs *auth.Revocations

	// audit writes the audit log (audit.go).
	audit *audit.Sink
	// guard is the traffic defence (guard.go).
	guard *defense
	// webhooks delivers security events (nil: none configured), secLog
	// logs them (security.go).
	webhooks *webhooks.Dispatcher
	secLog   *slog.Logger

	// Dev mode only: the key POST /dev/token signs with, and its limit.
	devKey atomic.Pointer[token.Key]
	// registry holds every metric the admin listener exports.
	registry *prometheus.Registry
	devLimit *guard.Limiter
}

// New builds a server from cfg: opens the store, loads or creates the TLS
// certificate, binds every listener. Nothing is served until Run.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	return newServer(ctx, cfg, log, nil)
}

// newServer is New with options for the store (tests cap its size).
func newServer(ctx context.Context, cfg config.Config, log *slog.Logger, storeOpts []store.Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, stats: new(sfu.Stats), ready: make(chan struct{}), storeOpts: storeOpts,
		secLog: log.With("component", "security")}
	if err := s.build(ctx); err != nil {
		s.closeResources()
		return nil, err
	}
	return s, nil
}

// build opens, binds and wires everything; on error the caller closes what
// was opened.
func (s *Server) build(ctx context.Context) (err error) {
	cfg, log := s.cfg, s.log
	if cfg.Dev && !config.IsLoopbackAddr(cfg.Addr) {
		log.Warn("development server listening beyond loopback (--dev-listen-any): "+
			"anyone who reaches this address gets the meeting app; /dev/token still serves this machine only; "+
			"do not run a dev server on an untrusted network", "addr", cfg.Addr)
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	if s.store, err = store.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "conclave.db"), s.storeOpts...); err != nil {
		return err // "store: open PATH: …"
	}
	if s.serverKey, err = LoadServerKey(ctx, s.store, cfg.DataDir); err != nil {
		return err
	}

	tlsCfg, err := s.tlsConfig()
	if err != nil {
		return err
	}

	// Listeners first, so a port in use is reported before anything runs.
	if s.httpLn, err = net.Listen("tcp", cfg.Addr); err != nil {
		return fmt.Errorf("addr: %w", err)
	}
	if err := s.listenMedia(); err != nil {
		return err
	}
	if cfg.AdminAddr != "" {
		if s.adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			return fmt.Errorf("admin_addr: %w", err)
		}
	}

	reg := prometheus.NewRegistry()
	s.registry = reg
	s.metrics = telemetry.NewMetrics(reg, s.stats)
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "conclave_media_datagrams_sent_total", Help: "UDP datagrams sent on the media port.",
		}, func() float64 { n, _, _, _ := s.udp.Stats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "conclave_media_send_batches_total", Help: "System calls used to send them (sendmmsg batches).",
		}, func() float64 { _, n, _, _ := s.udp.Stats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "conclave_media_datagrams_dropped_total", Help: "UDP datagrams the kernel refused.",
		}, func() float64 { _, _, n, _ := s.udp.Stats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "conclave_media_send_overflow_total", Help: "UDP datagrams sent directly because the send queue was full.",
		}, func() float64 { _, _, _, n := s.udp.Stats(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "conclave_signal_unauthenticated", Help: "Signaling connections that have not presented a valid token yet.",
		}, func() float64 { return float64(s.signal.Unauthenticated()) }),
	)

	if s.engine, err = rtc.NewEngine(rtc.Config{
		UDP: s.udp, TCP: s.tcp,
		PublicIPs:         cfg.RTC.PublicIPs,
		IncludeLoopback:   cfg.RTC.IncludeLoopback,
		DisconnectTimeout: cfg.RTC.DisconnectTimeout,
		PLIInterval:       cfg.RTC.PLIInterval,
		Stats:             s.stats,
		Logger:            log.With("component", "rtc"),
	}); err != nil {
		return err
	}

	// The policy in force: the newest stored version, or the defaults
	// seeded from the configuration. A stored version that does not
	// parse stops the start (docs/policy.md).
	s.policy = policy.NewHolder(policy.Defaults(cfg))
	s.policyWatch = &policy.Watcher{Holder: s.policy, Latest: store.LatestPolicy(s.store), Logger: log.With("component", "policy")}
	if err := s.policyWatch.Load(ctx); err != nil {
		return err
	}

	if s.revs, err = auth.NewRevocations(ctx, auth.RevocationsConfig{
		Store: s.store, // A revocation must outlive every token it refuses: the longest
		// lifetime any policy may allow, or the configured one.
		MaxLifetime: max(cfg.Tokens.MaxLifetime, policy.MaxTokenLifetimeCap), Logger: log.With("component", "revocations"),
	}); err != nil {
		return err
	}
	hasher, err := auth.NewHasher(auth.DefaultArgon2Params(), cfg.Accounts.MaxConcurrentHashes)
	if err != nil {
		return err
	}
	s.rooms = room.NewManager(room.Config{
		Passwords:              hasher,
		Access:                 roomAccess{s.revs},
		AutoCreate:             cfg.Rooms.AutoCreate,
		DefaultMaxParticipants: cfg.Rooms.MaxParticipants,
		DefaultEmptyTimeout:    cfg.Rooms.EmptyTimeout,
		DefaultE2EE:            room.E2EEMode(cfg.Rooms.E2EE),
		MaxRooms:               cfg.Rooms.MaxRooms,
		Policy:                 s.policy,
		MaxDuration:            cfg.Rooms.MaxDuration,
		MaxPublishBitrate:      cfg.Rooms.MaxPublishBitrate,
		BitrateGrace:           cfg.Rooms.BitrateGrace,
		Store:                  roomStore{s.store},
		Logger:                 log.With("component", "room"),
		// The rooms' own limits count with the guard's (set up below,
		// before anyone can join).
		Limited: func(reason string) {
			if s.guard != nil {
				s.guard.refused.WithLabelValues(reason).Inc()
			}
		},
	})
	s.rooms.Subscribe(room.ListenerFunc(s.countEvent))
	if err := s.newAudit(reg); err != nil {
		return err
	}
	s.rooms.Subscribe(s.audit)
	if err := s.newDefense(ctx, reg); err != nil {
		return err
	}
	s.rooms.Subscribe(s.guard)
	// A peer with guard.max_connections_per_ip connections open has its
	// next ones closed before TLS (trusted proxies are counted per client
	// request instead, in s.guard.handler).
	s.httpLn = tls.NewListener(guard.LimitListener(s.httpLn, s.guard.conns, s.guard.exempt,
		func(netip.Addr) { s.guard.refused.WithLabelValues("connections").Inc() }), tlsCfg)
	if err := s.newWebhooks(); err != nil {
		return err
	}
	s.policyWatch.OnChange = s.policyChanged
	// Every version put in force, by the admin API or the watcher,
	// applies to the rooms already running too.
	s.policy.Watch(func(_, _ *policy.Policy) { s.rooms.ApplyPolicy() })
	if err := s.restoreRooms(ctx); err != nil {
		return err
	}

	// Both verifiers know the server's key: the host join tokens it signs
	// for an account (the owner claim) are that account's.
	verifier := &auth.Verifier{Keys: s.store, Lifetime: s.tokenLifetime, ServerKeyID: s.serverKey.ID, Users: s.store, AccountCheck: s.accountCheck,
		Revocations: refusalEvents{s.revs, s.rooms, "signal"}}
	s.signal = signal.NewHandler(signal.Config{
		Verifier:          refusedTokens{verifier, s.rooms, "signal"},
		TokenErrorCode:    auth.Code,
		Rooms:             s.rooms,
		Engine:            s.engine,
		Logger:            log.With("component", "signal"),
		JoinTimeout:       cfg.Signal.JoinTimeout,
		MessagesPerSecond: cfg.Signal.MessagesPerSecond,
		Burst:             cfg.Signal.Burst,
		PingInterval:      cfg.Signal.PingInterval,
		ResumeWindow:      cfg.Signal.ResumeWindow,
		MaxSessions:       cfg.Signal.MaxSessions,
		AllowedOrigins:    cfg.HTTP.AllowedOrigins,
		OnError:           s.metrics.SignalError,
		OnTokenRefused:    s.guard.tokenRefused,

		MaxUnauthenticated:      cfg.Signal.MaxUnauthenticated,
		MaxUnauthenticatedPerIP: cfg.Signal.MaxUnauthenticatedPerIP,
		OnEvict:                 s.metrics.UnauthenticatedEvicted,
		OnFlood:                 s.metrics.SignalFloods.Inc,
		OnMedia:                 s.observeMedia,
	})
	// The REST API also takes personal API tokens; signaling does not.
	apiVerifier := &auth.Verifier{Keys: s.store, Personal: s.store, Lifetime: s.tokenLifetime,
		ServerKeyID: s.serverKey.ID, Users: s.store, AccountCheck: s.accountCheck, Revocations: refusalEvents{s.revs, s.rooms, "rest"},
		OnTouchError: func(err error) { log.Warn("personal token: last use not recorded", "err", err) }}
	api := httpapi.New(httpapi.Config{
		Verifier:        refusedTokens{apiVerifier, s.rooms, "rest"},
		TokenErrorCode:  auth.Code,
		Rooms:           s.rooms,
		Logger:          log.With("component", "api"),
		MaxEmptyTimeout: cfg.Rooms.MaxEmptyTimeout,
		MaxParticipants: cfg.Rooms.MaxParticipantsCap,
		MaxDuration:     cfg.Rooms.MaxDuration,
	})

	signinPolicy := guard.DefaultSigninPolicy
	signinPolicy.LockFor = cfg.Accounts.LockDuration
	passkeys, err := s.passkeys()
	if err != nil {
		return err
	}
	accts, err := accounts.New(accounts.Config{
		Store:    s.store,
		Hasher:   hasher,
		Tracker:  guard.NewSigninTracker(signinPolicy, nil),
		Accounts: cfg.Accounts,
		Events:   s.rooms,
		Policy:   s.policy,
		Policies: s.store,
		Passkeys: passkeys,
		Logger:   log.With("component", "accounts"),

		Rooms:                s.rooms,
		ServerKey:            s.serverKey,
		Verifier:             apiVerifier,
		JoinTokenMaxLifetime: cfg.Tokens.MaxLifetime,
		Invites:              meetingInvites{s.store, s.revs, s.rooms},
		RoomPasswords:        s.rooms,
		Blocks:               s.guard,
		InviteLimits:         s.guard,
	})
	if err != nil {
		return err
	}

	s.accounts = accts

	mux := http.NewServeMux()
	api.Register(mux)
	accts.Register(mux)
	s.registerAdmin(mux, accts)
	mux.Handle("GET /v1/signal", s.signal)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	s.registerDev(mux)
	app, err := newWebApp(web.Dist())
	if err != nil {
		return fmt.Errorf("web bundle: %w", err)
	}
	app.register(mux)
	s.http = &http.Server{
		Handler:           httpapi.SecurityHeaders(cfg.HTTP.FrameAncestors, httpapi.CORS(cfg.HTTP.AllowedOrigins, s.guard.handler(s.recorded(mux)))),
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	if s.adminLn != nil {
		amux := http.NewServeMux()
		amux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		amux.HandleFunc("GET /healthz", s.healthz)
		amux.HandleFunc("GET /readyz", s.readyz)
		amux.HandleFunc("/debug/pprof/", pprof.Index)
		amux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		amux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		amux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		s.admin = &http.Server{Handler: amux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	}
	return nil
}

// passkeys returns the WebAuthn relying party: public_url's host and
// origin; in dev mode without it, localhost and https://localhost:<the
// port listened on>; otherwise nil (passkeys unavailable).
func (s *Server) passkeys() (*auth.Passkeys, error) {
	var rpID, origin string
	switch {
	case s.cfg.PublicURL != "":
		canon, ok := config.CanonicalOrigin(s.cfg.PublicURL)
		u, err := url.Parse(canon)
		if !ok || err != nil {
			return nil, fmt.Errorf("public_url: %q is not an origin", s.cfg.PublicURL)
		}
		rpID, origin = u.Hostname(), canon
	case s.cfg.Dev:
		port := s.httpLn.Addr().(*net.TCPAddr).Port
		rpID, origin = "localhost", "https://"+net.JoinHostPort("localhost", strconv.Itoa(port))
	default:
		s.log.Info("passkeys are off: set public_url to the https origin people reach this server at")
		return nil, nil
	}
	p, err := auth.NewPasskeys(auth.PasskeyConfig{RPID: rpID, Origins: []string{origin}, Store: s.store})
	if err != nil {
		return nil, fmt.Errorf("public_url: %w", err)
	}
	s.log.Info("passkeys", "rp_id", rpID, "origin", origin)
	return p, nil
}

// tlsConfig is the HTTPS listener's TLS configuration: the configured
// certificate, reloaded when its files change (certReloader), or the
// data directory's self-signed one.
func (s *Server) tlsConfig() (*tls.Config, error) {
	c := s.cfg.TLS
	if c.CertFile != "" {
		r, err := newCertReloader(c.CertFile, c.KeyFile, s.log.With("component", "tls"), nil)
		if err != nil {
			return nil, err
		}
		cfg := TLSConfig(tls.Certificate{})
		cfg.Certificates, cfg.GetCertificate = nil, r.GetCertificate
		return cfg, nil
	}
	cert, err := LoadOrCreateCertificate(filepath.Join(s.cfg.DataDir, "tls"), c.Hosts, time.Now())
	if err != nil {
		return nil, fmt.Errorf("tls: self-signed certificate: %w", err)
	}
	return TLSConfig(cert), nil
}

// listenMedia binds UDP and TCP on the same port number. With rtc_port 0
// (tests) it picks a free UDP port and takes the same number for TCP.
func (s *Server) listenMedia() error {
	host, _, err := net.SplitHostPort(s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("addr: %w", err)
	}
	for attempt := 0; ; attempt++ {
		addr := net.JoinHostPort(host, strconv.Itoa(s.cfg.RTCPort))
		raw, err := udpbatch.Listen("udp", addr)
		if err != nil {
			return fmt.Errorf("rtc_port: udp: %w", err)
		}
		// Large socket buffers absorb fan-out bursts; the batching conn
		// sends them with few system calls.
		_ = raw.SetWriteBuffer(4 << 20)
		_ = raw.SetReadBuffer(4 << 20)
		udp := udpbatch.New(raw, 0)
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			_ = udp.Close()
			if s.cfg.RTCPort == 0 && attempt < 10 {
				continue
			}
			return fmt.Errorf("rtc_port: tcp: %w", err)
		}
		s.udp, s.tcp = udp, tcp
		return nil
	}
}

// URL is the server's HTTPS base URL.
func (s *Server) URL() string {
	addr := s.httpLn.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return "https://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// AdminURL is the admin listener's base URL ("" when disabled).
func (s *Server) AdminURL() string {
	if s.adminLn == nil {
		return ""
	}
	return "http://" + s.adminLn.Addr().String()
}

// RTCPort is the media port number.
func (s *Server) RTCPort() int { return s.udp.LocalAddr().(*net.UDPAddr).Port }

// Store returns the server's store.
func (s *Server) Store() *store.SQLite { return s.store }

// Rooms returns the room manager.
func (s *Server) Rooms() *room.Manager { return s.rooms }

// Stats returns the forwarding counters.
func (s *Server) Stats() *sfu.Stats { return s.stats }

// Run serves until ctx is cancelled, then shuts down gracefully:
// participants are told, rooms closed, the store flushed and closed.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.http.Serve(s.httpLn) }()
	if s.admin != nil {
		go func() { errc <- s.admin.Serve(s.adminLn) }()
	}
	go s.updateGauges(ctx)
	s.startPurge(ctx)
	close(s.ready)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.Shutdown(sctx)
	return err
}

// Shutdown stops the server: new connections are refused, every
// participant is sent leave{server_shutdown}, media stops, the store closes.
func (s *Server) Shutdown(ctx context.Context) {
	s.stopOnce.Do(func() {
		s.log.Info("shutting down")
		_ = s.signal.Shutdown(ctx)
		s.rooms.CloseAll(room.ReasonServerShutdown)
		_ = s.http.Shutdown(ctx)
		if s.admin != nil {
			_ = s.admin.Shutdown(ctx)
		}
		s.stopPurge()
		// The last request has been answered: the refusals still being
		// counted are published now, while the audit log and webhooks
		// take them.
		s.rooms.FlushRefusals()
		s.closeResources()
		s.log.Info("stopped")
	})
}

// startPurge starts the accounts' purge loop and the revocation list's
// loop (a refresh every auth.RevocationPollInterval, a purge every
// auth.RevocationPurgeInterval) (at once, then every
// accounts.PurgeInterval) for as long as ctx lasts or until Shutdown.
func (s *Server) startPurge(ctx context.Context) {
	s.purgeMu.Lock()
	defer s.purgeMu.Unlock()
	if s.accounts == nil || s.purgeStop != nil || s.purgeEnd {
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	s.purgeStop, s.purgeDone = cancel, make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		// The policy's watcher shares the purge's life: both read the
		// store, so both end before it closes.
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			s.policyWatch.Run(pctx)
		}()
		s.accounts.RunPurge(pctx, accounts.PurgeInterval)
		<-watched
	}()
	go func() {
		defer wg.Done()
		s.revs.Run(pctx, auth.RevocationPollInterval, auth.RevocationPurgeInterval)
	}()
	go func() {
		wg.Wait()
		close(s.purgeDone)
	}()
}

// stopPurge stops the purge loop and waits for it: a round in progress
// ends before the store closes.
func (s *Server) stopPurge() {
	s.purgeMu.Lock()
	defer s.purgeMu.Unlock()
	s.purgeEnd = true
	if s.purgeStop != nil {
		s.purgeStop()
		<-s.purgeDone
	}
}

func (s *Server) closeResources() {
	if s.httpLn != nil {
		_ = s.httpLn.Close()
	}
	if s.adminLn != nil {
		_ = s.adminLn.Close()
	}
	if s.tcp != nil {
		_ = s.tcp.Close()
	}
	if s.udp != nil {
		_ = s.udp.Close()
	}
	if s.guard != nil {
		// Before the audit log and webhooks: the blocks queued are
		// announced to them.
		s.guard.close()
	}
	if s.webhooks != nil {
		s.webhooks.Close()
	}
	if s.audit != nil {
		s.audit.Close()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
}

func (s *Server) updateGauges(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rooms, participants, tracks, subs := s.rooms.Counts()
			s.metrics.Rooms.Set(float64(rooms))
			s.metrics.Participants.Set(float64(participants))
			s.metrics.TracksPublished.Set(float64(tracks))
			s.metrics.Subscriptions.Set(float64(subs))
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Readiness. /readyz is 200 when the node can do its work: every listener
// serves and the store can commit a write. A store that answers reads but
// cannot write (full disk, read-only file, I/O errors, a lock held too
// long) is not ready, since rooms created or deleted through it would be
// refused. The write probe runs at most once per probeEvery, however often
// /readyz is asked, and waits at most probeTimeout.
const (
	probeEvery   = time.Second
	probeTimeout = 2 * time.Second
)

// storeProbe is the last write probe's result.
type storeProbe struct {
	mu  sync.Mutex // held while probing: concurrent requests share one probe
	at  time.Time
	err error
}

// storeWritable reports whether the store can take a write, probing it
// unless a probe ran within probeEvery.
func (s *Server) storeWritable() error {
	p := &s.probe
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && time.Since(p.at) < probeEvery {
		return p.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	err := s.store.CheckWrite(ctx)
	cancel()
	switch {
	case err != nil && (p.at.IsZero() || p.err == nil):
		s.log.Error("store cannot write; not ready", "err", err)
	case err == nil && p.err != nil:
		s.log.Info("store writes again; ready")
	}
	p.at, p.err = time.Now(), err
	return err
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	select {
	case <-s.ready:
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("starting\n"))
		return
	}
	if err := s.storeWritable(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store cannot write\n"))
		return
	}
	if s.audit.Err() != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("audit log cannot write\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// countEvent is the metrics' subscription to the rooms' events.
func (s *Server) countEvent(e room.Event) {
	switch e.Kind {
	case room.EventDecision:
		d := e.Decision
		s.metrics.Decision(d.Action.String(), d.Outcome.String(), d.Code())
		return
	case room.EventSecurity:
		s.metrics.SecurityEvent(string(e.Security.Kind), e.Security.Outcome)
		s.metrics.SecurityEventSeverity(string(e.Security.Kind), e.Security.Severity().String())
		s.logSecurity(e)
		switch e.Security.Kind {
		case room.SecurityBitrateLimited:
			s.metrics.BitrateLimited.Inc()
		case room.SecurityBitrateExceeded:
			s.metrics.BitrateExceeded.Inc()
		}
		return
	}
	s.metrics.RoomEvent(e.Kind.String())
}

// observeMedia gives one participant's media report to the metrics.
func (s *Server) observeMedia(rep room.MediaReport) {
	var loss, rtt []float64
	for _, sub := range rep.Subscriptions {
		if sub.Reported {
			loss = append(loss, sub.Loss)
		}
		if sub.HasRTT {
			rtt = append(rtt, sub.RTT)
		}
	}
	s.metrics.MediaSample(len(rep.Tracks) > 0, rep.Bitrate, loss, rtt)
}

// roomStore keeps rooms in the store for room.Manager: a room is created
// or deleted only once this succeeds.
type roomStore struct{ st *store.SQLite }

func (rs roomStore) SaveRoom(ctx context.Context, info room.Info) error {
	// The manager saves a room only when no open room has its name, so a
	// stored row of that name is stale (a restore skipped it) and is
	// replaced: the new room's owner and settings are what a restart finds.
	return rs.st.PutRoom(ctx, store.Room{
		Name: string(info.Name), MaxParticipants: info.MaxParticipants,
		EmptyTimeout: time.Duration(info.EmptyTimeout) * time.Second,
		Owner:        string(info.Owner), CreatedAt: info.CreatedAt, E2EE: string(info.E2EE),
		InviteOnly: info.InviteOnly, PasswordHash: info.PasswordHash, Lobby: lobbyMode(info.Lobby),
		Locked: info.Locked, MaxDuration: time.Duration(info.MaxDuration) * time.Second,
		MaxPublishBitrate: info.MaxPublishBitrate,
	})
}

func (rs roomStore) SaveRoomState(ctx context.Context, name room.RoomName, createdAt time.Time, locked bool, maxDuration time.Duration) error {
	err := rs.st.SetRoomState(ctx, string(name), createdAt, locked, maxDuration)
	if errors.Is(err, store.ErrNotFound) {
		// Forgotten meanwhile: the room is ending.
		return room.ErrRoomClosed
	}
	return err
}

// restoredLobby is a stored room's lobby as it was: "" was off, never
// today's default.
func restoredLobby(s string) room.LobbyMode {
	if s == string(room.LobbyOn) {
		return room.LobbyOn
	}
	return room.LobbyOff
}

func lobbyMode(on bool) string {
	if on {
		return string(room.LobbyOn)
	}
	return string(room.LobbyOff)
}

func (rs roomStore) DeleteRoom(ctx context.Context, name room.RoomName) error {
	if err := rs.st.DeleteRoom(ctx, string(name)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func (s *Server) restoreRooms(ctx context.Context) error {
	rooms, err := s.store.ListRooms(ctx, "")
	if err != nil {
		return fmt.Errorf("store: rooms: %w", err)
	}
	for _, r := range rooms {
		// A name stored by an older version that today's rules refuse
		// (".", "..") is not brought back: no API path could reach it.
		if err := token.ValidateRoom(r.Name); err != nil || r.Name == "" {
			s.log.Warn("room not restored: its name is not valid", "room", r.Name, "err", err)
			continue
		}
		if err := s.rooms.Restore(room.Spec{
			Name: room.RoomName(r.Name), Owner: room.KeyID(r.Owner), MaxParticipants: r.MaxParticipants, EmptyTimeout: r.EmptyTimeout,
			E2EE: room.E2EEMode(r.E2EE), InviteOnly: r.InviteOnly, PasswordHash: r.PasswordHash, Lobby: restoredLobby(r.Lobby),
			Locked: r.Locked, MaxDuration: r.MaxDuration, MaxPublishBitrate: r.MaxPublishBitrate,
		}, r.CreatedAt); err != nil {
			s.log.Warn("room not restored", "room", r.Name, "err", err)
		}
	}
	return nil
}
