package signal

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/rtc"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TokenVerifier checks a join token: implemented by *auth.Verifier.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*token.Claims, error)
}

// ErrorCoder maps a verification error to its stable code.
type ErrorCoder func(error) string

// Config configures the signaling endpoint.
type Config struct {
	Verifier          TokenVerifier
	TokenErrorCode    ErrorCoder
	Rooms             room.Rooms
	Engine            *rtc.Engine
	Logger            *slog.Logger
	JoinTimeout       time.Duration // first message deadline (5 s)
	MessagesPerSecond float64
	Burst             int
	PingInterval      time.Duration // websocket liveness probe (5 s)
	// ResumeWindow is how long a participant whose signaling connection
	// dropped stays in the room, media flowing, waiting for its client to
	// resume (15 s). Zero or less means the default; there is always one.
	ResumeWindow time.Duration
	// MaxSessions bounds signaling sessions whose token has been verified
	// (connected or waiting to be resumed); beyond it a join gets
	// server_full (10000).
	MaxSessions int
	// MaxUnauthenticated bounds connections whose token has not been
	// verified yet (256), MaxUnauthenticatedPerIP those of one address
	// among them (16); see budget.go.
	MaxUnauthenticated      int
	MaxUnauthenticatedPerIP int
	// AllowedOrigins are browser origins (scheme://host[:port]) allowed
	// besides the server's own; see OriginAllowed.
	AllowedOrigins []string
	// OnError counts an error sent to a client, by code.
	OnError func(code string)
	// OnTokenRefused is told of a join whose token was refused (remote
	// the client's address as the request carried it, code why), so that
	// repeated refusals can block the address (internal/guard).
	OnTokenRefused func(remote, code string)
	// OnEvict counts an unauthenticated connection closed to make room,
	// by reason (EvictPerIP, EvictBudget).
	OnEvict func(reason string)
	// OnFlood counts a session cut off for flooding (its security event
	// goes to Rooms.Security); OnMedia sees every media report (media.go).
	OnFlood func()
	OnMedia func(room.MediaReport)
}

// Handler serves /v1/signal.
type Handler struct {
	cfg     Config
	origins map[string]bool

	mu            sync.Mutex
	sessions      map[*session]struct{}
	live          map[room.ParticipantID]*session // joined sessions by participant id, for resume
	pending       *list.List                      // unauthenticated sessions, oldest first
	pendingByPeer map[string][]*session
	verified      int  // sessions counted against MaxSessions
	verifyingN    int  // unauthenticated sessions whose join arrived
	closing       bool // Shutdown has begun: new connections are refused
	wg            sync.WaitGroup
}

// NewHandler returns the signaling endpoint.
func NewHandler(cfg Config) *Handler {
	def := config.Default().Signal
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.JoinTimeout <= 0 {
		cfg.JoinTimeout = def.JoinTimeout
	}
	if cfg.MessagesPerSecond <= 0 {
		cfg.MessagesPerSecond = def.MessagesPerSecond
	}
	if cfg.Burst <= 0 {
		cfg.Burst = def.Burst
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = def.PingInterval
	}
	if cfg.ResumeWindow <= 0 {
		cfg.ResumeWindow = def.ResumeWindow
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = def.MaxSessions
	}
	if cfg.MaxUnauthenticated <= 0 {
		cfg.MaxUnauthenticated = def.MaxUnauthenticated
	}
	if cfg.MaxUnauthenticatedPerIP <= 0 {
		cfg.MaxUnauthenticatedPerIP = def.MaxUnauthenticatedPerIP
	}
	if cfg.OnError == nil {
		cfg.OnError = func(string) {}
	}
	if cfg.OnTokenRefused == nil {
		cfg.OnTokenRefused = func(string, string) {}
	}
	if cfg.OnEvict == nil {
		cfg.OnEvict = func(string) {}
	}
	if cfg.OnFlood == nil {
		cfg.OnFlood = func() {}
	}
	if cfg.OnMedia == nil {
		cfg.OnMedia = func(room.MediaReport) {}
	}
	return &Handler{cfg: cfg, origins: originSet(cfg.AllowedOrigins),
		sessions: make(map[*session]struct{}), live: make(map[room.ParticipantID]*session),
		pending: list.New(), pendingByPeer: make(map[string][]*session)}
}

// ServeHTTP upgrades to a WebSocket and runs one session, or hands the
// connection to the session it resumes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !OriginAllowed(r, h.origins) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if h.isClosing() {
		refuseClosing(w)
		return
	}
	// The session is unauthenticated until its token is verified; it
	// takes its place in that budget before the client can send anything.
	s := newSession(h, nil, r.RemoteAddr)
	h.admitPending(s, r.RemoteAddr)
	// Checked exactly above; Accept's own check compares hosts only.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		h.mu.Lock()
		h.releaseLocked(s)
		h.mu.Unlock()
		return // Accept has answered the request
	}
	// The session enforces message sizes itself (readMessage), so that an
	// oversize message gets an error with a stable code.
	conn.SetReadLimit(-1)
	s.conn = conn
	h.mu.Lock()
	if h.closing {
		// Shutdown began during the upgrade and did not see this session.
		h.releaseLocked(s)
		h.mu.Unlock()
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	h.sessions[s] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.releaseLocked(s)
		delete(h.sessions, s)
		if h.live[s.participantID] == s {
			delete(h.live, s.participantID)
		}
		h.mu.Unlock()
		h.wg.Done()
	}()
	// The session outlives this request when its connection drops and it
	// waits to be resumed, so it runs on its own context.
	s.run(context.WithoutCancel(r.Context()))
}

// Shutdown tells every connected client the server is going away, closes
// their sessions and waits for them to end (or ctx to expire).
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	all := make([]*session, 0, len(h.sessions))
	for s := range h.sessions {
		all = append(all, s)
	}
	h.mu.Unlock()
	for _, s := range all {
		s.Close(protocol.ReasonServerShutdown)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Handler) isClosing() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing
}

// refuseClosing answers a connection that arrives during shutdown: a
// restarting server is back soon, so the client is told to try again.
func refuseClosing(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "2")
	http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
}

// Sessions reports how many signaling sessions exist (connected or
// waiting to be resumed).
func (h *Handler) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// outQueue is how many messages may wait for a slow (or reconnecting)
// client before the session is dropped; the room never waits on a client.
// A newcomer to a full end-to-end encrypted room is sent a key package and
// an acknowledgement by everyone at once: 2 × room.MaxE2EEParticipants.
const outQueue = 1024

// The budget of e2ee messages a client may send. A leave costs each
// participant a key package to everyone and an acknowledgement of
// everyone's: 2 × (room.MaxE2EEParticipants − 2) messages; the burst covers
// two leaves at once in a full room. To any one recipient a sender may send
// a burst of e2eePairBurst (a package for each of a burst of joins and
// leaves, and their acknowledgements), so no member can fill another's
// queue. Going over either budget drops the message (rate_limited, at most
// once a second) and never closes the session: these messages are the
// room's doing, not the client's.
const (
	e2eeBurst             = 4*room.MaxE2EEParticipants + 64
	e2eeMessagesPerSecond = 400
	e2eePairBurst         = 16
	e2eePairPerSecond     = 8
)

type session struct {
	h      *Handler
	remote string
	// logp is the session's logger; join adds the room and participant,
	// while room events and the ping loop may be logging from other
	// goroutines.
	logp atomic.Pointer[slog.Logger]

	out       chan []byte
	closing   chan struct{}
	closeOnce sync.Once
	reason    string // set once, before closing is closed

	// resume carries a new connection to a session whose connection
	// dropped (or is about to be found dead).
	resume chan *websocket.Conn

	// Set by the first connection's reader during join, before the
	// session is registered as live; read-only afterwards.
	roomName      room.RoomName
	participantID room.ParticipantID
	identity      room.Identity
	owner         room.KeyID
	resumeSecret  string
	handedOff     bool // this connection was given to the session it resumed

	// participant and peer are set by the reader once joined and taken
	// by run's clean-up; ended stops a join that races with the end.
	mu          sync.Mutex
	ended       bool
	conn        *websocket.Conn // the current connection
	participant room.Member
	// lobby names the guest's wait while it is in the lobby; ready is
	// closed once an admitted guest's media is set up.
	lobby room.LobbyID
	ready chan struct{}
	peer  *rtc.Peer

	// The session's place in the connection budgets (budget.go); guarded
	// by h.mu. evicted: closed to make room for a newer connection.
	pending pendingState
	counted bool
	evicted atomic.Bool

	// heard is when the current connection last delivered a message or a
	// pong (nanoseconds since epoch): a client that talks needs no ping.
	heard atomic.Int64
	epoch time.Time
	// busy: the reader is handling a message, not reading (readMessage).
	// The connection's pongs are read only by a reader, so silence then is
	// the server's, not the client's (a join hashing a room password on a
	// loaded machine): it does not count.
	busy atomic.Bool
}

func newSession(h *Handler, conn *websocket.Conn, remote string) *session {
	s := &session{
		h: h, conn: conn, remote: remote,
		out:     make(chan []byte, outQueue),
		closing: make(chan struct{}),
		resume:  make(chan *websocket.Conn, 1),
		ready:   make(chan struct{}),
		epoch:   time.Now(),
	}
	s.logp.Store(h.cfg.Logger.With("remote", remote))
	return s
}

// log is the session's logger.
func (s *session) log() *slog.Logger { return s.logp.Load() }

// Close ends the session with reason: the client is sent leave{reason}.
// It never blocks.
func (s *session) Close(reason string) {
	s.closeOnce.Do(func() {
		s.reason = reason
		close(s.closing)
	})
}

func (s *session) send(t protocol.Type, payload any) {
	b, err := protocol.Encode(t, payload)
	if err != nil {
		s.log().Error("encode", "type", t, "err", err)
		return
	}
	select {
	case s.out <- b:
	case <-s.closing:
	default:
		s.log().Warn("client too slow, dropping session")
		s.Close(protocol.ReasonError)
	}
}

func (s *session) sendError(code, msg string) {
	s.sendErr(protocol.Error{Code: code, Message: msg})
}

// sendErr sends e, counted by its code.
func (s *session) sendErr(e protocol.Error) {
	s.h.cfg.OnError(e.Code)
	s.send(protocol.TypeError, e)
}

// run serves the session's connections until it ends. A joined session
// whose connection drops is suspended: the participant stays in the room
// and its media keeps flowing while the client has ResumeWindow to come
// back with its resume secret on a new connection.
func (s *session) run(ctx context.Context) {
	defer s.refuseLateResume()
	conn, resumed := s.conn, false
	for !s.serve(ctx, conn, resumed) {
		s.log().Info("signaling connection lost; waiting for resume", "window", s.h.cfg.ResumeWindow)
		timer := time.NewTimer(s.h.cfg.ResumeWindow)
		select {
		case conn = <-s.resume:
			timer.Stop()
			resumed = true
			s.mu.Lock()
			s.conn = conn
			s.mu.Unlock()
			s.log().Info("session resumed")
			continue
		case <-timer.C:
			s.Close(protocol.ReasonConnectionLost)
		case <-s.closing:
			timer.Stop()
		}
		// Nobody to tell: the client is gone.
		s.leaveRoom()
		return
	}
}

// refuseLateResume closes a connection handed over just as the session
// ended, so the client is not left waiting.
func (s *session) refuseLateResume() {
	select {
	case c := <-s.resume:
		_ = c.Close(websocket.StatusGoingAway, protocol.CodeResumeFailed)
	default:
	}
}

// serve runs one connection. It returns false when the connection dropped
// with the participant still in the room (the session waits for a
// resume), true when the session is over, clean-up done.
func (s *session) serve(ctx context.Context, conn *websocket.Conn, resumed bool) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if resumed {
		s.replayForResume()
	}
	stop, flush := make(chan struct{}), make(chan struct{})
	writerDone := make(chan struct{})
	go s.writeLoop(ctx, conn, stop, flush, writerDone)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		// A bug in handling one client's message ends that session, not
		// the server.
		defer func() {
			if v := recover(); v != nil {
				s.log().Error("session panic", "panic", v, "stack", string(debug.Stack()))
				s.h.cfg.OnError(protocol.CodeInternal)
				s.Close(protocol.ReasonError)
			}
		}()
		s.readLoop(ctx, conn, resumed)
	}()
	go s.pingLoop(ctx, conn)

	suspend := false
	select {
	case <-s.closing:
	case <-readerDone:
		s.mu.Lock()
		joined := s.participant != nil
		s.mu.Unlock()
		select {
		case <-s.closing:
		default:
			suspend = joined
			if !joined && !s.handedOff {
				s.Close(protocol.ReasonConnectionLost)
			}
		}
	}
	if suspend || s.handedOff {
		// Stop using this connection without draining the queue: what is
		// queued goes to the next connection. A handed-off connection now
		// belongs to the session it resumed.
		close(stop)
		<-writerDone
		if suspend {
			_ = conn.CloseNow()
		}
		cancel()
		<-readerDone
		return !suspend
	}

	reason := s.reason
	s.leaveRoom()
	// Tell the client why, unless it left on its own or vanished.
	if reason != protocol.ReasonLeft && reason != protocol.ReasonConnectionLost {
		if b, err := protocol.Encode(protocol.TypeLeave, protocol.Leave{Reason: reason}); err == nil {
			select {
			case s.out <- b:
			default:
			}
		}
	}
	// s.out is never closed: room events and pion callbacks may still be
	// sending. The writer writes what is queued now and stops.
	close(flush)
	select {
	case <-writerDone:
	case <-time.After(2 * time.Second):
	}
	if s.evicted.Load() {
		// No closing handshake: a crowd of evicted sockets must not
		// linger waiting for peers that never answer.
		_ = conn.CloseNow()
	} else {
		_ = conn.Close(closeStatus(reason), reason)
	}
	cancel()
	<-readerDone
	return true
}

// leaveRoom takes the participant out of its room and closes its media.
// It is idempotent. participant and peer stay set: a message still being
// handled finds them closed rather than missing.
func (s *session) leaveRoom() {
	s.mu.Lock()
	already := s.ended
	s.ended = true
	p, peer, lobby := s.participant, s.peer, s.lobby
	s.mu.Unlock()
	if already {
		return
	}
	if p == nil && lobby != "" {
		s.h.cfg.Rooms.LeaveLobby(s.roomName, lobby)
	}
	if p != nil {
		p.Leave(room.LeaveReason(s.reason))
	}
	if peer != nil {
		peer.Close()
	}
}

// writeLoop writes queued messages to conn until stop (leave the queue
// for the next connection) or flush (write what is queued, then return).
// Senders never block on it: send drops a session whose queue is full.
func (s *session) writeLoop(ctx context.Context, conn *websocket.Conn, stop, flush <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	write := func(b []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := conn.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			_ = conn.CloseNow() // the reader sees it and the session decides
			return false
		}
		return true
	}
	for {
		select {
		case <-stop:
			return
		case b := <-s.out:
			if !write(b) {
				return
			}
		case <-flush:
			for {
				select {
				case b := <-s.out:
					if !write(b) {
						return
					}
				default:
					return
				}
			}
		}
	}
}

// pingLoop finds a dead connection: one from which nothing, neither a
// message nor a pong, has arrived for PingInterval. After half an interval
// of silence it sends a WebSocket ping, which has the other half to be
// answered; so a connection that goes silent is found dead at most one
// interval after the server last heard from it. Clients that send
// something at least every half interval cost no server pings.
func (s *session) pingLoop(ctx context.Context, conn *websocket.Conn) {
	interval := s.h.cfg.PingInterval
	s.markHeard() // the connection is new: nothing is overdue yet
	t := time.NewTimer(interval / 2)
	defer t.Stop()
	for {
		if wait := interval/2 - s.silence(); wait > 0 {
			t.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-s.closing:
				return
			case <-t.C:
			}
			continue
		}
		left := interval - s.silence()
		if left <= 0 {
			s.log().Info("signaling connection silent for a whole ping interval; treating it as lost", "interval", interval)
			_ = conn.CloseNow()
			return
		}
		pctx, cancel := context.WithTimeout(ctx, left)
		err := conn.Ping(pctx)
		cancel()
		switch {
		case err == nil:
			s.markHeard()
		case ctx.Err() != nil:
			return // this connection's turn is over
		case !errors.Is(err, context.DeadlineExceeded):
			_ = conn.CloseNow() // the reader sees it and the session decides
			return
		}
		// No pong in time: the loop looks again at what was heard meanwhile.
	}
}

// markHeard records that the current connection has just delivered
// something.
func (s *session) markHeard() { s.heard.Store(int64(time.Since(s.epoch))) }

// silence is how long the current connection has delivered nothing while
// the server was listening: none while the reader is busy.
func (s *session) silence() time.Duration {
	if s.busy.Load() {
		s.markHeard()
		return 0
	}
	return time.Since(s.epoch) - time.Duration(s.heard.Load())
}

// e2eeType is in every e2ee message; messages without it (almost all) skip
// the peek, so that choosing the budget parses nothing twice.
var e2eeType = []byte(`"e2ee"`)

// e2eeBudget is one client's budget of e2ee messages: in all, and to each
// recipient.
type e2eeBudget struct {
	all   *guard.Limiter
	pairs map[string]*guard.Limiter
}

func newE2EEBudget() *e2eeBudget {
	return &e2eeBudget{
		all:   guard.NewLimiter(e2eeMessagesPerSecond, e2eeBurst, nil),
		pairs: make(map[string]*guard.Limiter),
	}
}

// pair is the budget for messages to one recipient. The map holds at most
// two rooms' worth of ids: a client naming more recipients than that (most
// of them unknown, and refused by the room) starts every budget afresh,
// which the overall budget still bounds.
func (b *e2eeBudget) pair(to string) *guard.Limiter {
	l := b.pairs[to]
	if l == nil {
		if len(b.pairs) >= 2*room.MaxE2EEParticipants {
			clear(b.pairs)
		}
		l = guard.NewLimiter(e2eePairPerSecond, e2eePairBurst, nil)
		b.pairs[to] = l
	}
	return l
}

// lobbyWait returns the participant and its media once a guest is
// admitted: at once if they are ready, after they are if the admission
// has begun (the client may answer joined before the media is set up),
// nil while it still waits.
func (s *session) lobbyWait(t protocol.Type) (room.Member, *rtc.Peer) {
	s.mu.Lock()
	p := s.participant
	s.mu.Unlock()
	if p == nil || t == protocol.TypePing {
		return nil, nil
	}
	select {
	case <-s.ready:
	case <-s.closing:
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.participant, s.peer
}

func (s *session) readLoop(ctx context.Context, conn *websocket.Conn, resumed bool) {
	if !resumed && !s.join(ctx, conn) {
		return
	}
	s.mu.Lock()
	p, peer := s.participant, s.peer
	s.mu.Unlock()
	limiter := guard.NewLimiter(s.h.cfg.MessagesPerSecond, s.h.cfg.Burst, nil)
	// End-to-end encryption messages have a budget of their own: their
	// number follows the room's size (a key package to everyone on a join
	// or a leave, and an acknowledgement of everyone's), not the client's
	// chattiness.
	e2ee := newE2EEBudget()
	// A client is disconnected when it has more than twice the burst of
	// messages refused within one second; an occasional excess is only
	// dropped, with at most one rate_limited error per second.
	var refused int
	var window, e2eeWindow time.Time
	for {
		b, err := s.readMessage(ctx, conn)
		if err != nil {
			return
		}
		s.markHeard()
		// The budget is chosen before the full (strict) decode, so that
		// refused messages cost little.
		if bytes.Contains(b, e2eeType) && peekType(b) == protocol.TypeE2EE {
			if !e2ee.all.Allow() {
				if now := time.Now(); now.Sub(e2eeWindow) > time.Second {
					e2eeWindow = now
					s.sendError(protocol.CodeRateLimited, "too many e2ee messages; message dropped")
				}
				continue
			}
			t, payload, derr := protocol.Decode(b)
			if derr != nil || t != protocol.TypeE2EE {
				// Not an e2ee message after all: it costs the general
				// budget, and the client hears why it was refused.
				if limiter.Allow() {
					if derr == nil {
						derr = &protocol.ProtocolError{Code: protocol.CodeBadMessage, Message: "message type is ambiguous"}
					}
					s.sendError(protocol.ErrorCode(derr), derr.Error())
				}
				continue
			}
			if m := payload.(*protocol.E2EE); !e2ee.pair(m.To).Allow() {
				if now := time.Now(); now.Sub(e2eeWindow) > time.Second {
					e2eeWindow = now
					s.sendError(protocol.CodeRateLimited, "too many e2ee messages to one participant; message dropped")
				}
				continue
			}
			if p == nil {
				if p, peer = s.lobbyWait(t); p == nil {
					s.sendError(protocol.CodeNotJoined, "waiting in the lobby: only ping and leave until admitted")
					continue
				}
			}
			s.handle(p, peer, t, payload)
			continue
		}
		if !limiter.Allow() {
			now := time.Now()
			if now.Sub(window) > time.Second {
				window, refused = now, 0
				s.sendError(protocol.CodeRateLimited, "too many messages; message dropped")
			}
			refused++
			if refused > 2*s.h.cfg.Burst {
				s.sendError(protocol.CodeRateLimited, "too many messages; disconnecting")
				s.flooded()
				s.Close(protocol.CodeRateLimited)
				return
			}
			continue
		}
		t, payload, derr := protocol.Decode(b)
		if derr != nil {
			s.sendError(protocol.ErrorCode(derr), derr.Error())
			continue
		}
		if t == protocol.TypeLeave {
			s.Close(protocol.ReasonLeft)
			return
		}
		if p == nil {
			// In the lobby: only pings, until admitted.
			if p, peer = s.lobbyWait(t); p == nil {
				if t == protocol.TypePing {
					s.send(protocol.TypePong, protocol.Pong(*payload.(*protocol.Ping)))
				} else {
					s.sendError(protocol.CodeNotJoined, "waiting in the lobby: only ping and leave until admitted")
				}
				continue
			}
		}
		s.handle(p, peer, t, payload)
	}
}
