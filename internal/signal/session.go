package signal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/rtc"
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
	Rooms             *room.Manager
	Engine            *rtc.Engine
	Logger            *slog.Logger
	JoinTimeout       time.Duration // first message deadline (5 s)
	MessagesPerSecond float64
	Burst             int
	PingInterval      time.Duration // websocket liveness probe
	OriginPatterns    []string      // extra allowed browser origins (host patterns)
	// OnError counts an error sent to a client, by code.
	OnError func(code string)
}

// Handler serves /v1/signal.
type Handler struct {
	cfg Config

	mu       sync.Mutex
	sessions map[*session]struct{}
	wg       sync.WaitGroup
}

// NewHandler returns the signaling endpoint.
func NewHandler(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.JoinTimeout <= 0 {
		cfg.JoinTimeout = 5 * time.Second
	}
	if cfg.MessagesPerSecond <= 0 {
		cfg.MessagesPerSecond = 50
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 100
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 5 * time.Second
	}
	if cfg.OnError == nil {
		cfg.OnError = func(string) {}
	}
	return &Handler{cfg: cfg, sessions: make(map[*session]struct{})}
}

// ServeHTTP upgrades to a WebSocket and runs one session.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.OriginPatterns})
	if err != nil {
		return // Accept has answered the request
	}
	// The session enforces message sizes itself (readMessage), so that an
	// oversize message gets an error with a stable code.
	conn.SetReadLimit(-1)
	s := newSession(h, conn, r.RemoteAddr)
	h.mu.Lock()
	h.sessions[s] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.sessions, s)
		h.mu.Unlock()
		h.wg.Done()
	}()
	s.run(r.Context())
}

// Shutdown tells every connected client the server is going away, closes
// their sessions and waits for them to end (or ctx to expire).
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	all := make([]*session, 0, len(h.sessions))
	for s := range h.sessions {
		all = append(all, s)
	}
	h.mu.Unlock()
	for _, s := range all {
		s.Close(ReasonServerShutdown)
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

// Sessions reports how many signaling connections are open.
func (h *Handler) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// outQueue is how many messages may wait for a slow client before the
// session is dropped; the room never waits on a client.
const outQueue = 512

type session struct {
	h      *Handler
	conn   *websocket.Conn
	remote string
	log    *slog.Logger

	out       chan []byte
	closing   chan struct{}
	closeOnce sync.Once
	reason    string // set once, before closing is closed

	roomName string // set before the join is attempted

	// participant and peer are set by the reader once joined and taken
	// by run's clean-up; ended stops a join that races with the end.
	mu          sync.Mutex
	ended       bool
	participant *room.Participant
	peer        *rtc.Peer
}

func newSession(h *Handler, conn *websocket.Conn, remote string) *session {
	return &session{
		h: h, conn: conn, remote: remote,
		log:     h.cfg.Logger.With("remote", remote),
		out:     make(chan []byte, outQueue),
		closing: make(chan struct{}),
	}
}

// Close ends the session with reason: the client is sent leave{reason}.
// It never blocks.
func (s *session) Close(reason string) {
	s.closeOnce.Do(func() {
		s.reason = reason
		close(s.closing)
	})
}

func (s *session) send(t Type, payload any) {
	b, err := Encode(t, payload)
	if err != nil {
		s.log.Error("encode", "type", t, "err", err)
		return
	}
	select {
	case s.out <- b:
	case <-s.closing:
	default:
		s.log.Warn("client too slow, dropping session")
		s.Close(ReasonError)
	}
}

func (s *session) sendError(code, msg string) {
	s.h.cfg.OnError(code)
	s.send(TypeError, Error{Code: code, Message: msg})
}

func (s *session) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	writerDone := make(chan struct{})
	flush := make(chan struct{})
	go s.writeLoop(ctx, flush, writerDone)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		// A bug in handling one client's message ends that session, not
		// the server.
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("session panic", "panic", v, "stack", string(debug.Stack()))
				s.h.cfg.OnError(CodeInternal)
				s.Close(ReasonError)
			}
		}()
		s.readLoop(ctx)
	}()
	go s.pingLoop(ctx)

	select {
	case <-s.closing:
	case <-readerDone:
		s.Close(ReasonConnectionLost)
	}
	reason := s.reason
	s.mu.Lock()
	s.ended = true
	p, peer := s.participant, s.peer
	s.mu.Unlock()
	if p != nil {
		p.Leave(reason)
	}
	if peer != nil {
		peer.Close()
	}
	// Tell the client why, unless it left on its own or vanished.
	if reason != ReasonLeft && reason != ReasonConnectionLost {
		if b, err := Encode(TypeLeave, Leave{Reason: reason}); err == nil {
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
	_ = s.conn.Close(closeStatus(reason), reason)
	cancel()
	<-readerDone
}

// writeLoop writes queued messages until flush is closed, then writes
// what is still queued and returns. Senders never block on it: send drops a
// session whose queue is full.
func (s *session) writeLoop(ctx context.Context, flush <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	write := func(b []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.conn.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			s.Close(ReasonConnectionLost)
			return false
		}
		return true
	}
	for {
		select {
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

func (s *session) pingLoop(ctx context.Context) {
	t := time.NewTicker(s.h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, s.h.cfg.PingInterval)
			err := s.conn.Ping(pctx)
			cancel()
			if err != nil {
				s.Close(ReasonConnectionLost)
				return
			}
		}
	}
}

func (s *session) readLoop(ctx context.Context) {
	if !s.join(ctx) {
		return
	}
	limiter := guard.NewLimiter(s.h.cfg.MessagesPerSecond, s.h.cfg.Burst, nil)
	// A client is disconnected when it has more than twice the burst of
	// messages refused within one second; an occasional excess is only
	// dropped, with at most one rate_limited error per second.
	var refused int
	var window time.Time
	for {
		b, err := s.readMessage(ctx)
		if err != nil {
			return
		}
		if !limiter.Allow() {
			now := time.Now()
			if now.Sub(window) > time.Second {
				window, refused = now, 0
				s.sendError(CodeRateLimited, "too many messages; message dropped")
			}
			refused++
			if refused > 2*s.h.cfg.Burst {
				s.sendError(CodeRateLimited, "too many messages; disconnecting")
				s.Close(CodeRateLimited)
				return
			}
			continue
		}
		t, payload, err := Decode(b)
		if err != nil {
			code := ErrorCode(err)
			s.sendError(code, err.Error())
			continue
		}
		if t == TypeLeave {
			s.Close(ReasonLeft)
			return
		}
		s.handle(t, payload)
	}
}

// join reads and acts on the first message. It reports whether the
// session is now in a room.
func (s *session) join(ctx context.Context) bool {
	// The deadline is a timer, not a read context: coder/websocket closes
	// the connection when a read's context expires, and the client must
	// still be told why.
	timer := time.AfterFunc(s.h.cfg.JoinTimeout, func() {
		s.sendError(CodeJoinTimeout, "no join message within the time allowed")
		s.Close(CodeJoinTimeout)
	})
	b, err := s.readMessage(ctx)
	if !timer.Stop() || err != nil {
		return false
	}
	t, payload, err := Decode(b)
	if err != nil {
		s.sendError(ErrorCode(err), err.Error())
		s.Close(ReasonError)
		return false
	}
	if t != TypeJoin {
		s.sendError(CodeNotJoined, "the first message must be join")
		s.Close(ReasonError)
		return false
	}
	j := payload.(*Join)
	claims, err := s.h.cfg.Verifier.Verify(ctx, j.Token)
	if err != nil {
		code, msg := s.h.cfg.TokenErrorCode(err), err.Error()
		if code == "" {
			// Not the token's fault: the store failed.
			s.log.Error("token verification", "err", err)
			code, msg = CodeInternal, "the token could not be checked; try again"
		}
		s.sendError(code, msg)
		s.Close(ReasonError)
		s.log.Info("join refused", "code", code)
		return false
	}
	if claims.Room == "" || claims.Subject == "" || !claims.Grants.Join() {
		s.sendError(CodePermissionDenied, "the token does not grant joining a room")
		s.Close(ReasonError)
		return false
	}
	s.roomName = claims.Room
	p, err := s.h.cfg.Rooms.Join(room.JoinRequest{
		Room:     claims.Room,
		Owner:    claims.Issuer,
		Identity: claims.Subject,
		Name:     claims.Name,
		Permissions: room.Permissions{
			Publish:     claims.Grants.Publish,
			Subscribe:   claims.Grants.Subscribe,
			PublishData: claims.Grants.PublishData,
		},
		Sink: sink{s},
	})
	if err != nil {
		code, msg := roomErrorCode(err)
		s.sendError(code, msg)
		s.Close(ReasonError)
		s.log.Info("join refused", "room", claims.Room, "identity", claims.Subject, "code", code)
		return false
	}
	s.log = s.log.With("room", claims.Room, "participant", p.ID())
	peer, err := s.h.cfg.Engine.NewPeer(p.ID(), peerHandler{s, p})
	if err != nil {
		p.Leave(ReasonError)
		s.sendError(CodeInternal, "media setup failed")
		s.Close(ReasonError)
		s.log.Error("peer setup", "err", err)
		return false
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		p.Leave(ReasonError)
		peer.Close()
		return false
	}
	s.participant, s.peer = p, peer
	s.mu.Unlock()
	p.AttachMedia(peer)
	s.log.Info("joined")
	return true
}

// errTooLarge reports a message over the hard limit.
var errTooLarge = errors.New("signal: message too large")

// hardLimit is the largest message read at all. Messages above
// MaxMessageBytes but within it get a message_too_large error and the
// session goes on; larger ones end the session.
const hardLimit = 2 * MaxMessageBytes

// readMessage reads one message, refusing anything over hardLimit without
// buffering it.
func (s *session) readMessage(ctx context.Context) ([]byte, error) {
	_, r, err := s.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r, hardLimit+1))
	if err != nil {
		return nil, err
	}
	if len(b) > hardLimit {
		s.sendError(CodeTooLarge, fmt.Sprintf("message over %d bytes; disconnecting", hardLimit))
		s.Close(CodeTooLarge)
		return nil, errTooLarge
	}
	return b, nil
}

// closeStatus is the WebSocket close status for a session's end reason.
func closeStatus(reason string) websocket.StatusCode {
	switch reason {
	case ReasonLeft, ReasonRemoved, ReasonRoomDeleted:
		return websocket.StatusNormalClosure
	case ReasonServerShutdown, ReasonConnectionLost:
		return websocket.StatusGoingAway
	case CodeTooLarge:
		return websocket.StatusMessageTooBig
	}
	return websocket.StatusPolicyViolation
}

func (s *session) handle(t Type, payload any) {
	p := s.participant
	switch m := payload.(type) {
	case *Join:
		s.sendError(CodeAlreadyJoined, "this connection has already joined")
	case *Ping:
		s.send(TypePong, Pong(*m))
	case *AddTrack:
		if err := p.AnnounceTrack(m.CID, m.Kind, m.Source, m.Name); err != nil {
			s.sendError(roomErrorCode(err))
		}
	case *SessionDescription:
		if t == TypeOffer {
			if !p.Permissions().Publish {
				s.sendError(CodePermissionDenied, "the token does not grant publishing")
				return
			}
			answer, err := s.peer.HandleOffer(m.SDP)
			if err != nil {
				s.sendError(CodeBadSDP, "the offer could not be applied")
				return
			}
			s.send(TypeAnswer, SessionDescription{PC: Publisher, SDP: answer})
			return
		}
		if err := s.peer.HandleAnswer(m.SDP); err != nil {
			s.sendError(CodeBadSDP, "the answer could not be applied")
		}
	case *ICECandidate:
		pc := rtc.Publisher
		if m.PC == Subscriber {
			pc = rtc.Subscriber
		}
		init := webrtc.ICECandidateInit{
			Candidate: m.Candidate, SDPMid: m.SDPMid, SDPMLineIndex: m.SDPMLineIndex, UsernameFragment: m.UsernameFragment,
		}
		if err := s.peer.AddCandidate(pc, init); err != nil {
			s.sendError(CodeBadCandidate, "the candidate could not be added")
		}
	case *Mute:
		if err := p.SetMuted(m.TrackID, m.Muted); err != nil {
			s.sendError(roomErrorCode(err))
		}
	case *Data:
		if err := p.SendData(m.To, m.Topic, m.Payload); err != nil {
			s.sendError(roomErrorCode(err))
		}
	default:
		s.sendError(CodeUnknownType, "message type not accepted here")
	}
}

func roomErrorCode(err error) (string, string) {
	switch {
	case errors.Is(err, room.ErrIdentityInUse):
		return CodeIdentityInUse, "a participant with this identity is already in the room"
	case errors.Is(err, room.ErrRoomFull):
		return CodeRoomFull, "the room is full"
	case errors.Is(err, room.ErrRoomNotFound), errors.Is(err, room.ErrRoomClosed):
		return CodeRoomNotFound, "no such room"
	case errors.Is(err, room.ErrNotOwner):
		return CodePermissionDenied, "the room belongs to another API key"
	case errors.Is(err, room.ErrTooManyRooms):
		return CodeRoomFull, "the server hosts as many rooms as it may"
	case errors.Is(err, room.ErrPermissionDenied):
		return CodePermissionDenied, "the token does not grant this"
	case errors.Is(err, room.ErrUnknownTrack):
		return CodeUnknownTrack, "no such track"
	case errors.Is(err, room.ErrUnknownParticipant):
		return CodeUnknownParticipant, "no such participant"
	case errors.Is(err, room.ErrTooManyTracks):
		return CodeRateLimited, "too many tracks"
	}
	return CodeInternal, "internal error"
}

// sink delivers room events to the client.
type sink struct{ s *session }

func (k sink) Joined(self room.ParticipantInfo, others []room.ParticipantInfo) {
	k.s.send(TypeJoined, Joined{Room: k.s.roomName, Participant: self, Participants: others})
}
func (k sink) ParticipantJoined(p room.ParticipantInfo) {
	k.s.send(TypeParticipantJoined, ParticipantJoined{Participant: p})
}
func (k sink) ParticipantLeft(id, reason string) {
	k.s.send(TypeParticipantLeft, ParticipantLeft{ParticipantID: id, Reason: reason})
}
func (k sink) ParticipantUpdated(p room.ParticipantInfo) {
	k.s.send(TypeParticipantUpdated, ParticipantUpdated{Participant: p})
}
func (k sink) TrackPublished(pid string, t room.TrackInfo) {
	k.s.send(TypeTrackPublished, TrackPublished{ParticipantID: pid, Track: t})
}
func (k sink) TrackUnpublished(pid, trackID string) {
	k.s.send(TypeTrackUnpublished, TrackUnpublished{ParticipantID: pid, TrackID: trackID})
}
func (k sink) Data(from, topic string, payload []byte) {
	k.s.send(TypeData, Data{From: from, Topic: topic, Payload: payload})
}
func (k sink) MuteRequested(trackID string, muted bool) {
	k.s.send(TypeMute, Mute{TrackID: trackID, Muted: muted})
}
func (k sink) Close(reason string) { k.s.Close(reason) }

// peerHandler delivers media-layer events.
type peerHandler struct {
	s *session
	p *room.Participant
}

func (h peerHandler) Candidate(pc rtc.PC, c webrtc.ICECandidateInit) {
	k := Publisher
	if pc == rtc.Subscriber {
		k = Subscriber
	}
	h.s.send(TypeCandidate, ICECandidate{
		PC: k, Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment,
	})
}
func (h peerHandler) Offer(sdp string) {
	h.s.send(TypeOffer, SessionDescription{PC: Subscriber, SDP: sdp})
}
func (h peerHandler) TrackPublished(t *rtc.PublishedTrack) {
	kind := room.KindAudio
	if t.Kind == webrtc.RTPCodecTypeVideo {
		kind = room.KindVideo
	}
	if _, err := h.p.Publish(t.ID, t.CID, kind, t.MimeType, t.Receiver); err != nil {
		t.Receiver.Close()
		code, msg := roomErrorCode(err)
		h.s.sendError(code, msg)
	}
}
func (h peerHandler) TrackEnded(t *rtc.PublishedTrack) { h.p.Unpublish(t.ID) }
func (h peerHandler) ConnectionLost(rtc.PC)            { h.s.Close(ReasonConnectionLost) }
