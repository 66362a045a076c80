package server

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// HTTP server timeouts (docs/operations.md, "Timeouts"): a client that
// sends its headers slowly, its body slowly, reads its answer slowly or
// keeps an idle connection open is cut off. WebSocket connections are
// hijacked and live by their own pings (signal.ping_interval).
const (
	httpReadHeaderTimeout = 10 * time.Second
	httpReadTimeout       = 30 * time.Second
	httpWriteTimeout      = 30 * time.Second
	httpIdleTimeout       = 120 * time.Second
	httpMaxHeaderBytes    = 16 << 10
)

// Bounds of the guard's in-memory state (docs/security.md): the buckets
// per address and per credential, and the queue of blocks waiting to be
// stored and announced.
const (
	guardMaxBuckets = 100_000
	guardQueue      = 1024
)

// refusalReasons are the reasons conclave_guard_refused_total counts
// under, each exported from the start (0 until the first).
var refusalReasons = []string{"address_blocked", "connections", "forwarded_for", "rate_api", "rate_auth", "rate_join",
	"rate_identity", room.LimitJoinIdentity, "rate_invite", "invite_failures"}

// defense is the traffic defence wired into the server: the client
// address of every request, blocks, rate limits and connection caps
// (docs/security.md, "Brute force and floods").
type defense struct {
	s       *Server
	proxies guard.Prefixes
	allow   guard.Prefixes
	blocker *guard.Blocker
	conns   *guard.Conns // open connections per peer, and per proxied client

	api, auth, join, identity *guard.Keyed

	// invites limits the redemptions of each meeting invite, and
	// inviteFails throttles the failed guesses against one (invitelimit.go).
	invites     *guard.Keyed
	inviteFails *guard.Throttle

	refused     *prometheus.CounterVec
	storeFailed prometheus.Counter

	mu     sync.Mutex
	closed bool
	queue  chan func()
	done   chan struct{}
}

// newDefense builds the defence from the configuration, restores the
// stored blocks and starts the goroutine that stores and announces new
// ones.
func (s *Server) newDefense(ctx context.Context, reg *prometheus.Registry) error {
	g := s.cfg.Guard
	proxies, err := guard.ParsePrefixes(s.cfg.HTTP.TrustedProxies)
	if err != nil {
		return fmt.Errorf("http.trusted_proxies: %w", err)
	}
	allow, err := guard.ParsePrefixes(g.Allow)
	if err != nil {
		return fmt.Errorf("guard.allow: %w", err)
	}
	pol := guard.BlockPolicy{
		Failures: g.Failures, Window: g.Window, Steps: g.Steps(), Forgive: g.Forgive,
		AccountAddrs: g.AccountAddresses, AccountFor: g.AccountThrottle, Allow: allow,
		MaxEntries: guard.MaxTracked,
	}
	d := &defense{
		s: s, proxies: proxies, allow: allow,
		blocker:  guard.NewBlocker(pol, nil),
		conns:    guard.NewConns(g.MaxConnectionsPerIP),
		api:      guard.NewKeyed(g.APIRate, g.APIBurst, guardMaxBuckets, nil),
		auth:     guard.NewKeyed(g.AuthRate, g.AuthBurst, guardMaxBuckets, nil),
		join:     guard.NewKeyed(g.JoinRate, g.JoinBurst, guardMaxBuckets, nil),
		identity: guard.NewKeyed(g.IdentityRate, g.IdentityBurst, guardMaxBuckets, nil),
		invites:  guard.NewKeyed(g.InviteRate, g.InviteBurst, guardMaxBuckets, nil),
		inviteFails: guard.NewThrottle(guard.ThrottlePolicy{Free: inviteFreeFailures, Base: inviteFailBase, Max: inviteFailMax,
			Forget: inviteFailForget}, nil),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_guard_refused_total",
			Help: "Connections and requests the traffic defence refused, by reason (" + strings.Join(refusalReasons, ", ") + ").",
		}, []string{"reason"}),
		storeFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "conclave_guard_store_failures_total",
			Help: "Blocks put in force that could not be stored (they end at a restart).",
		}),
		queue: make(chan func(), guardQueue),
		done:  make(chan struct{}),
	}
	// Every reason is exported at 0 from the start: a dashboard shows a
	// quiet server as 0, not as "no data".
	for _, r := range refusalReasons {
		d.refused.WithLabelValues(r)
	}
	reg.MustRegister(d.refused, d.storeFailed, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "conclave_guard_blocks", Help: "Blocks in force (addresses and accounts).",
	}, func() float64 { return float64(len(d.blocker.List())) }))

	now := time.Now()
	if _, err := s.store.PurgeGuardBlocks(ctx, now.Add(-g.Forgive)); err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	rows, err := s.store.GuardBlocks(ctx, now.Add(-g.Forgive))
	if err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	blocks := make([]guard.Block, 0, len(rows))
	for _, r := range rows {
		blocks = append(blocks, guard.Block{ID: r.ID, Kind: guard.BlockKind(r.Kind), Key: r.Key, Level: r.Level,
			Since: r.Since, Until: r.Until, Reason: r.Reason, Addrs: r.Addrs})
	}
	d.blocker.Restore(blocks)
	go d.run()
	s.guard = d
	return nil
}

// run stores and announces blocks in the order they happened. It runs
// apart from the rooms' event stream, whose listeners must not publish.
func (d *defense) run() {
	defer close(d.done)
	for f := range d.queue {
		f()
	}
}

// later queues f for run; a full queue drops it, logged.
func (d *defense) later(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	select {
	case d.queue <- f:
	default:
		d.s.log.Error("guard: queue full; a block was not stored or announced")
	}
}

// close stops run after what is queued; the store must still be open.
func (d *defense) close() {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		close(d.queue)
	}
	d.mu.Unlock()
	<-d.done
}

// blocked puts blk in force on record: stored, and announced as a
// security event.
func (d *defense) blocked(blk guard.Block, ip string) {
	d.later(func() {
		d.store(blk)
		ev := room.SecurityEvent{Kind: room.SecurityAddressBlocked, Outcome: room.OutcomeSucceeded, Actor: "server",
			Subject: blk.ID, IP: ip, Reason: blk.Reason + " " + blk.Until.Sub(blk.Since).String()}
		if blk.Kind == guard.BlockAccount {
			ev.Kind, ev.IP, ev.Email = room.SecurityAccountThrottled, "", blk.Key
			ev.Reason += " from " + strconv.Itoa(blk.Addrs) + " addresses"
		}
		d.s.log.Warn("guard: blocked", "kind", blk.Kind, "id", blk.ID, "level", blk.Level, "until", blk.Until, "reason", blk.Reason)
		d.s.rooms.Security(ev)
	})
}

// store keeps a new block across restarts. The block is in force in
// memory already (a request must not wait on the store to be refused);
// one that cannot be stored is logged and counted, and ends at a restart.
func (d *defense) store(blk guard.Block) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.put(ctx, blk); err != nil {
		d.storeFailed.Inc()
		d.s.log.Error("guard: block not stored; it ends at a restart", "id", blk.ID, "err", err)
	}
}

func (d *defense) put(ctx context.Context, blk guard.Block) error {
	return d.s.store.PutGuardBlock(ctx, store.GuardBlock{ID: blk.ID, Kind: string(blk.Kind), Key: blk.Key, Level: blk.Level,
		Since: blk.Since, Until: blk.Until, Reason: blk.Reason, Addrs: blk.Addrs})
}

// addrFailed counts a failure from the client address ip ("a.b.c.d" or
// "a.b.c.d:port").
func (d *defense) addrFailed(ip, reason string) {
	a, ok := guard.PeerAddr(ip)
	if !ok {
		return
	}
	if blk, ok := d.blocker.AddrFailed(a, reason); ok {
		d.blocked(blk, a.String())
	}
}

// OnEvent is the defence's subscription to the rooms' events: failures
// that do not show as an HTTP 401 (wrong room passwords over signaling,
// refused meeting-invite redemptions, sign-in tries an address makes
// while throttled), and every failed sign-in against its account, from
// many addresses.
func (d *defense) OnEvent(e room.Event) {
	if e.Kind != room.EventSecurity || e.Security == nil || e.Security.Outcome != room.OutcomeRefused {
		return
	}
	ev := e.Security
	switch ev.Kind {
	case room.SecuritySigninFailed, room.SecuritySigninThrottled:
		// Every try on an account counts against it, the ones refused
		// while it is locked or delayed too: that is what many addresses
		// guessing one password look like (a try on an account already
		// throttled for that adds nothing). A try refused because its
		// address or its account must wait, made anyway, is guessing:
		// it counts against the address too (a wrong password already
		// did, as a 401), so that one address hammering one account is
		// blocked like one trying many.
		if a, ok := guard.PeerAddr(ev.IP); ok && ev.Email != "" && ev.Reason != "account_throttled" {
			if blk, ok := d.blocker.AccountFailed(a, ev.Email, string(ev.Kind)); ok {
				d.blocked(blk, "")
			}
		}
		if ev.Kind == room.SecuritySigninThrottled {
			d.addrFailed(ev.IP, string(ev.Kind))
		}
	case room.SecurityRoomPasswordFailed:
		d.addrFailed(ev.IP, string(ev.Kind))
	case room.SecurityMeetingInviteRedeemed:
		// A throttled try is no guess, nor is one refused for its
		// invite's limit: the address may be a guest's, new to it.
		if ev.Reason != protocol.CodeTooManyAttempts && ev.Reason != protocol.CodeAddressBlocked && ev.Reason != protocol.CodeRateLimited {
			d.addrFailed(ev.IP, string(ev.Kind))
		}
	}
}

// staleCodes are refusals of a credential that was once good: an
// expired or revoked token, a session that ended, a ticket that timed
// out. A client retrying with one is not guessing (a browser's reconnect
// loop, a whole office behind one address), so they do not count as
// failures; forged, malformed and wrong credentials do.
var staleCodes = map[string]bool{
	protocol.CodeTokenExpired: true, protocol.CodeTokenNotYetValid: true, protocol.CodeTokenRevoked: true,
	protocol.CodeTokenRevokedKey: true, protocol.CodeUnauthenticated: true, protocol.CodeTicketInvalid: true,
}

// tokenRefused is signaling's report of a refused join token.
func (d *defense) tokenRefused(remote, code string) {
	if !staleCodes[code] {
		d.addrFailed(remote, "token_refused "+code)
	}
}

// exempt reports whether a TCP peer is not counted per connection: a
// trusted proxy (its clients are counted per request) or the allow-list.
func (d *defense) exempt(a netip.Addr) bool { return d.proxies.Contains(a) || d.allow.Contains(a) }

// handler wraps every request of the HTTPS listener: it sets the
// request's RemoteAddr to the client's address (guard.Prefixes.ClientIP),
// so that every handler after it (sign-in, joins, the API, the signaling
// upgrade) sees the one answer; refuses blocked addresses; caps a proxied
// client's open requests; applies the rate limits; and counts every 401
// answered to a request that presented credentials as a failure.
func (d *defense) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, _ := guard.PeerAddr(r.RemoteAddr)
		client, err := d.proxies.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
		switch {
		case errors.Is(err, guard.ErrForwardedFor):
			d.refused.WithLabelValues("forwarded_for").Inc()
			d.s.rooms.SecurityRefused("", room.SecurityEvent{Kind: room.SecurityForwardedForRefused,
				Outcome: room.OutcomeRefused, Actor: "server", IP: peer.String()})
			httpapi.WriteError(w, http.StatusBadRequest, protocol.CodeInvalidArgument,
				"X-Forwarded-For from a trusted proxy names no client address: the proxy must append the client's address")
			return
		case err != nil:
			next.ServeHTTP(w, r)
			return
		}
		r.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		r = r.WithContext(guard.WithClientAddr(r.Context(), client))
		if d.allow.Contains(client) {
			next.ServeHTTP(w, r)
			return
		}
		if wait, blocked := d.blocker.AddrBlocked(client); blocked {
			d.refused.WithLabelValues("address_blocked").Inc()
			refuse(w, http.StatusTooManyRequests, protocol.CodeAddressBlocked, "this address is blocked after repeated failures: try again later", wait)
			return
		}
		key := guard.AddrKey(client)
		if client != peer && d.proxies.Contains(peer) {
			if !d.conns.Acquire(key) {
				d.refused.WithLabelValues("connections").Inc()
				refuse(w, http.StatusTooManyRequests, protocol.CodeTooManyConnections, "too many open connections from this address", time.Second)
				return
			}
			defer d.conns.Release(key)
		}
		if bucket, name := d.bucket(r); bucket != nil && !bucket.Allow(key) {
			d.refused.WithLabelValues("rate_" + name).Inc()
			refuse(w, http.StatusTooManyRequests, protocol.CodeRateLimited, "too many requests: slow down", time.Second)
			return
		}
		cred := credential(r)
		if cred != "" && strings.HasPrefix(r.URL.Path, "/v1/") && !d.identity.Allow(cred) {
			d.refused.WithLabelValues("rate_identity").Inc()
			refuse(w, http.StatusTooManyRequests, protocol.CodeRateLimited, "too many requests for this credential: slow down", time.Second)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusUnauthorized && (cred != "" || r.Method != http.MethodGet) {
			if code := sw.code(); !staleCodes[code] {
				d.addrFailed(r.RemoteAddr, "unauthorized "+code+" "+r.Method+" "+r.URL.Path)
			}
		}
	})
}

// bucket is the per-address limit a request falls under, and its name.
func (d *defense) bucket(r *http.Request) (*guard.Keyed, string) {
	p := r.URL.Path
	switch {
	case p == "/v1/signal":
		return d.join, "join"
	case r.Method != http.MethodGet && (strings.HasPrefix(p, "/v1/auth/") || strings.HasSuffix(p, "/redeem")):
		return d.auth, "auth"
	case strings.HasPrefix(p, "/v1/"):
		return d.api, "api"
	}
	return nil, ""
}

// credential is a digest of the credential a request presents (a bearer
// token or the session cookie), its key for the per-credential limit; ""
// for none. The credential is not verified here: a digest of an invalid
// one only limits itself.
func credential(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if v == "" {
		if c, err := r.Cookie(accounts.CookieName); err == nil {
			v = c.Value
		}
	}
	if v == "" {
		return ""
	}
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:16])
}

// refuse answers a refusal of the guard with Retry-After.
func refuse(w http.ResponseWriter, status int, code, msg string, wait time.Duration) {
	httpapi.SetRetryAfter(w, wait)
	httpapi.WriteError(w, status, code, msg)
}

// statusWriter remembers the status a handler answered, and the start of
// a 401's body for its error code. It passes hijacking (the WebSocket
// upgrade) and flushing through.
type statusWriter struct {
	http.ResponseWriter
	status int
	head   []byte // a 401's body, up to maxErrorHead bytes
}

// maxErrorHead bounds what statusWriter keeps of a 401's body: an error
// body's code comes first and is short.
const maxErrorHead = 512

// code is the stable error code of the 401 answered, "" if unreadable.
func (w *statusWriter) code() string {
	var v struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(w.head, &v)
	return v.Error.Code
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status == http.StatusUnauthorized && len(w.head) < maxErrorHead {
		w.head = append(w.head, b[:min(len(b), maxErrorHead-len(w.head))]...)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Blocks for the admin API (accounts.Blocks).

// ListBlocks implements accounts.Blocks.
func (d *defense) ListBlocks() []guard.Block { return d.blocker.List() }

// Unblock implements accounts.Blocks: the block lifted is stored before
// it is lifted (an unblock the API acknowledges survives a restart; one
// that cannot be stored is an error, and the block stays), then
// announced, actor and ip its admin's.
func (d *defense) Unblock(ctx context.Context, id, actor, ip string) (bool, error) {
	blk, ok := d.blocker.Find(id)
	if !ok {
		return false, nil
	}
	blk.Until = time.Now()
	if err := d.put(ctx, blk); err != nil {
		return false, err
	}
	lifted, ok := d.blocker.Unblock(id, actor)
	if !ok {
		// It ended meanwhile; what was stored says so too.
		return false, nil
	}
	d.later(func() {
		ev := room.SecurityEvent{Kind: room.SecurityAddressUnblocked, Outcome: room.OutcomeSucceeded, Actor: actor, Subject: lifted.ID,
			IP: ip, Reason: string(lifted.Kind) + " " + lifted.Key}
		if lifted.Kind == guard.BlockAccount {
			// An account's key is the email a sign-in named (perhaps a
			// password typed into the wrong field): it goes where emails
			// go, never into the reason that log lines and webhooks carry.
			ev.Reason, ev.Email = string(lifted.Kind), lifted.Key
		}
		d.s.log.Info("guard: block lifted", "id", lifted.ID, "by", actor)
		d.s.rooms.Security(ev)
	})
	return true, nil
}

// AccountThrottled implements accounts.Blocks.
func (d *defense) AccountThrottled(email string) (time.Duration, bool) {
	return d.blocker.AccountBlocked(email)
}
