package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/protocol"
)

// Timing of the keepalive: a ping every PingInterval; the connection is
// considered dead when nothing arrived for DeadAfter.
const (
	PingInterval = 4 * time.Second
	// DeadAfter stays inside the server's default resume window (15 s), so
	// a silently dropped network is noticed in time to resume.
	DeadAfter    = 3 * PingInterval
	writeTimeout = 10 * time.Second
)

// Errors callers may need to tell apart.
var (
	// ErrClosed: the client is closed or disconnected.
	ErrClosed = errors.New("client: closed")
	// ErrNotPermitted: the token's grants do not allow the operation.
	ErrNotPermitted = errors.New("client: not permitted by the token's grants")
	// ErrTimeout: the server stopped answering pings.
	ErrTimeout = errors.New("client: server not responding")
	// ErrPayloadTooLarge: a data payload exceeds protocol.MaxDataPayload.
	ErrPayloadTooLarge = errors.New("client: data payload too large")
	// ErrReconnectQueueFull: the client is reconnecting and already holds
	// as many messages as it will send on the resumed connection.
	ErrReconnectQueueFull = errors.New("client: reconnecting; too many messages held")
)

// ServerError is an error message from the server, with its stable code
// (protocol.Code...). RetryAfter is the wait the server asks for before
// trying again (error.retry_after, with rate_limited or too_many_attempts
// only): 0 when it gave none.
type ServerError struct {
	Code       string
	Message    string
	RetryAfter time.Duration
}

// serverError is the ServerError of an error message.
func serverError(m *protocol.Error) *ServerError {
	return &ServerError{Code: m.Code, Message: m.Message, RetryAfter: time.Duration(m.RetryAfter) * time.Second}
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("conclave: %s: %s", e.Code, e.Message)
}

// peer is one of the two PeerConnections with its candidate buffers.
type peer struct {
	name   protocol.PeerConnection
	pc     *webrtc.PeerConnection
	remote iceBuffer
	local  iceBuffer
}

// Client is a participant connected to a Conclave room. Its methods are safe
// for concurrent use.
type Client struct {
	opts  options
	log   *slog.Logger
	wsURL string
	token string // kept in memory to resume the session; never logged

	// wmu serializes writes and owns the connection: conn is the one
	// connection written to, nil while the client is reconnecting, and it
	// is only swapped with wmu held, so nothing is ever written to a dead
	// connection once a new one is in use. live mirrors conn for readers
	// that must not wait behind a blocked write.
	wmu          sync.Mutex
	conn         *websocket.Conn
	live         atomic.Pointer[websocket.Conn]
	reconnecting bool            // a resume is under way (or about to be)
	detached     *websocket.Conn // lost by a writer, not yet seen by connLost
	epoch        int64           // connections lost so far
	offerEpoch   int64           // epoch in which the outstanding publisher offer was written
	outbox       [][]byte        // messages held while reconnecting
	barrier      atomic.Int64    // ping T whose pong ends a resume's replay

	pub, sub *peer
	neg      negotiator
	events   *eventQueue

	e2ee       e2eeState
	announce   *e2ee.Session // the session announced in join; kept as e2ee.sess if the room requires it
	e2eeErrors atomic.Uint64

	mu           sync.Mutex
	room         string
	lobby        []protocol.LobbyGuestInfo // guests waiting now, if it may admit
	self         Participant
	participants map[string]Participant
	resumeSecret string // from joined; never logged
	leaveReason  string
	lastError    *ServerError
	userClosed   bool
	lost         bool // the connection was lost and could not be resumed

	lastRecv  atomic.Int64 // unix nanoseconds
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// Connect opens the signaling WebSocket at serverURL (for example
// https://127.0.0.1:8443; the path /v1/signal is added), joins with token and
// returns once the server has confirmed the join. A refused join returns a
// *ServerError carrying the server's code.
func Connect(ctx context.Context, serverURL, token string, opts ...Option) (*Client, error) {
	wsURL, err := signalURL(serverURL)
	if err != nil {
		return nil, err
	}
	o, err := buildOptions(serverURL, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts:         o,
		log:          o.logger,
		wsURL:        wsURL,
		token:        token,
		events:       newEventQueue(o.eventBuffer),
		participants: make(map[string]Participant),
		done:         make(chan struct{}),
	}
	c.e2ee.wake = make(chan struct{}, 1)
	if o.e2eeRequired && o.e2eeIdentity == nil {
		return nil, errors.New("client: WithE2EERequired needs an identity (WithE2EE or WithE2EEIdentityFile)")
	}
	if o.e2eeIdentity != nil {
		if c.announce, err = newE2EESession(o.e2eeIdentity, token); err != nil {
			return nil, err
		}
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	j, err := c.joinOn(ctx, conn, nil)
	if err != nil {
		c.cancel()
		_ = conn.CloseNow()
		var se *ServerError
		if errors.As(err, &se) && se.Code == protocol.CodeE2EERequired && c.announce == nil {
			return nil, fmt.Errorf("client: give the client an identity (WithE2EE or WithE2EEIdentityFile): %w", err)
		}
		return nil, err
	}
	c.room, c.self, c.resumeSecret, c.lobby = j.Room, j.Participant, j.ResumeSecret, j.Lobby
	var others []Participant
	for _, p := range j.Participants {
		if p.ID != c.self.ID {
			c.participants[p.ID] = p
			others = append(others, p)
		}
	}
	if !j.E2EE && c.opts.e2eeRequired {
		c.cancel()
		_ = conn.CloseNow()
		return nil, ErrE2EENotOffered
	}
	if j.E2EE {
		if c.announce == nil {
			// The server admits no join without keys to such a room.
			c.cancel()
			_ = conn.CloseNow()
			return nil, errors.New("client: the room requires end-to-end encryption but the join announced no keys")
		}
		c.e2ee.sess = c.announce
	}
	if err := c.setupPeers(); err != nil {
		c.cancel()
		_ = conn.CloseNow()
		return nil, err
	}
	c.conn = conn
	c.live.Store(conn)
	c.lastRecv.Store(time.Now().UnixNano())
	if c.e2ee.sess != nil {
		c.startE2EE(others)
	}
	go c.readLoop(conn)
	go c.pinger()
	return c, nil
}

// dial opens a signaling WebSocket.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	dial := &websocket.DialOptions{}
	if c.opts.tlsConfig != nil {
		dial.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: c.opts.tlsConfig.Clone(),
		}}
	}
	conn, _, err := websocket.Dial(ctx, c.wsURL, dial)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", c.wsURL, err)
	}
	conn.SetReadLimit(protocol.MaxServerMessageBytes)
	return conn, nil
}

// joinOn sends join (a resume if resume is set) on a new connection and
// waits for the server's answer. A refusal is a *ServerError.
func (c *Client) joinOn(ctx context.Context, conn *websocket.Conn, resume *protocol.Resume) (*protocol.Joined, error) {
	j := protocol.Join{Token: c.token, Resume: resume}
	if resume == nil {
		j.Password = c.opts.password
	}
	if c.announce != nil && resume == nil {
		// A resumed session keeps the keys it announced.
		j.E2EE = announcement(c.announce)
	}
	b, err := encode(protocol.TypeJoin, j)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	err = conn.Write(wctx, websocket.MessageText, b)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("client: sending join: %w", err)
	}
	for {
		j, lobby, err := c.readJoined(ctx, conn)
		if err != nil || lobby == nil {
			return j, err
		}
		if c.opts.onLobby == nil {
			return nil, &ServerError{Code: string(protocol.TypeLobby), Message: "the join waits in the lobby (see WithLobby)"}
		}
		c.opts.onLobby(*lobby)
	}
}

// readJoined reads the join's answer: joined, a lobby status, or a refusal.
func (c *Client) readJoined(ctx context.Context, conn *websocket.Conn) (*protocol.Joined, *protocol.LobbyStatus, error) {
	_, b, err := conn.Read(ctx)
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Reason == protocol.CodeResumeFailed {
			// The session ended just as this connection was handed to it.
			return nil, nil, &ServerError{Code: protocol.CodeResumeFailed, Message: "the session ended"}
		}
		return nil, nil, fmt.Errorf("client: waiting for joined: %w", err)
	}
	t, msg, err := decode(b)
	if err != nil {
		return nil, nil, err
	}
	switch m := msg.(type) {
	case *protocol.Joined:
		return m, nil, nil
	case *protocol.LobbyStatus:
		return nil, m, nil
	case *protocol.Error:
		return nil, nil, serverError(m)
	case *protocol.Leave:
		return nil, nil, &ServerError{Code: m.Reason, Message: "server closed the session"}
	default:
		return nil, nil, fmt.Errorf("client: expected joined, got %s", t)
	}
}

func (c *Client) setupPeers() error {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return err
	}
	ir := &interceptor.Registry{}
	if err := c.opts.interceptors(me, ir); err != nil {
		return err
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(*c.opts.settingEngine))
	cfg := webrtc.Configuration{SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}
	for _, name := range []protocol.PeerConnection{protocol.Publisher, protocol.Subscriber} {
		pc, err := api.NewPeerConnection(cfg)
		if err != nil {
			c.closePeers()
			return fmt.Errorf("client: %s PeerConnection: %w", name, err)
		}
		p := &peer{name: name, pc: pc}
		pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
			if cand == nil {
				return // gathering complete; the protocol has no end-of-candidates
			}
			if err := p.local.add(cand.ToJSON(), c.sendCandidate(p.name)); err != nil {
				c.log.Debug("sending ICE candidate", "pc", p.name, "err", err)
			}
		})
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			c.log.Debug("peer connection state", "pc", p.name, "state", s.String())
		})
		if name == protocol.Publisher {
			c.pub = p
		} else {
			c.sub = p
		}
	}
	c.sub.pc.OnTrack(c.onTrack)
	c.neg.sendOffer = c.sendPublisherOffer
	return nil
}

func (c *Client) sendCandidate(name protocol.PeerConnection) func(webrtc.ICECandidateInit) error {
	return func(ci webrtc.ICECandidateInit) error {
		return c.send(c.ctx, protocol.TypeCandidate, protocol.ICECandidate{
			PC: name, Candidate: ci.Candidate, SDPMid: ci.SDPMid,
			SDPMLineIndex: ci.SDPMLineIndex, UsernameFragment: ci.UsernameFragment,
		})
	}
}

// send writes one message. Writes from all goroutines go through wmu, to
// the current connection only. While the client is reconnecting, messages
// are held and go out on the resumed connection; offers, answers and pings
// are not held (after a resume the unanswered publisher offer is sent
// again and the server repeats its unanswered subscriber offer).
func (c *Client) send(ctx context.Context, t protocol.Type, payload any) error {
	b, err := encode(t, payload)
	if err != nil {
		return err
	}
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	conn := c.conn
	if conn == nil {
		return c.holdLocked(t, b)
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	err = conn.Write(wctx, websocket.MessageText, b)
	cancel()
	if err == nil {
		if t == protocol.TypeOffer {
			c.offerEpoch = c.epoch
		}
		return nil
	}
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	// A failed write leaves the connection unusable: close it so the read
	// loop reports the loss.
	_ = conn.CloseNow()
	if ctx.Err() == nil && c.canResume() {
		c.conn = nil
		c.live.Store(nil)
		c.detached, c.reconnecting = conn, true
		return c.holdLocked(t, b)
	}
	return fmt.Errorf("client: sending %s: %w", t, err)
}

// maxOutbox bounds the messages held while reconnecting; it stays below the
// server's burst so that flushing them is not rate limited.
const maxOutbox = 64

// holdLocked keeps a message for the resumed connection. wmu is held.
func (c *Client) holdLocked(t protocol.Type, b []byte) error {
	if !c.reconnecting {
		return ErrClosed
	}
	switch t {
	case protocol.TypeOffer, protocol.TypeAnswer, protocol.TypePing:
		return nil
	case protocol.TypeLeave, protocol.TypeJoin:
		return ErrClosed
	}
	if len(c.outbox) >= maxOutbox {
		return fmt.Errorf("client: sending %s: %w", t, ErrReconnectQueueFull)
	}
	c.outbox = append(c.outbox, b)
	return nil
}

func (c *Client) readLoop(conn *websocket.Conn) {
	for {
		_, b, err := conn.Read(c.ctx)
		if err != nil {
			c.connLost(conn, err)
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		t, msg, err := decode(b)
		if err != nil {
			// A newer server may send types this client does not know.
			c.log.Debug("ignoring message", "type", t, "err", err)
			continue
		}
		if err := c.handle(t, msg); err != nil {
			c.shutdown(err)
			return
		}
	}
}

// handle applies one server message. An error is fatal to the session.
func (c *Client) handle(t protocol.Type, msg any) error {
	switch m := msg.(type) {
	case *protocol.ParticipantJoined:
		c.mu.Lock()
		c.participants[m.Participant.ID] = m.Participant
		c.mu.Unlock()
		c.e2eeJoined(m.Participant)
		c.emit(ParticipantJoined{Participant: m.Participant})
		c.reportUnverified(m.Participant.ID)
	case *protocol.ParticipantLeft:
		c.mu.Lock()
		delete(c.participants, m.ParticipantID)
		c.mu.Unlock()
		c.e2eeLeft(m.ParticipantID)
		c.emit(ParticipantLeft{ParticipantID: m.ParticipantID, Reason: m.Reason})
	case *protocol.ParticipantUpdated:
		c.mu.Lock()
		if m.Participant.ID == c.self.ID {
			c.self = m.Participant
		} else {
			c.participants[m.Participant.ID] = m.Participant
		}
		c.mu.Unlock()
		c.emit(ParticipantUpdated{Participant: m.Participant})
	case *protocol.TrackPublished:
		c.updateParticipant(m.ParticipantID, func(p *Participant) {
			p.Tracks = append(removeTrack(p.Tracks, m.Track.ID), m.Track)
		})
		c.emit(TrackPublished{ParticipantID: m.ParticipantID, Track: m.Track})
	case *protocol.TrackUnpublished:
		c.updateParticipant(m.ParticipantID, func(p *Participant) {
			p.Tracks = removeTrack(p.Tracks, m.TrackID)
		})
		c.emit(TrackUnpublished{ParticipantID: m.ParticipantID, TrackID: m.TrackID})
	case *protocol.SessionDescription:
		return c.onDescription(t, m)
	case *protocol.ICECandidate:
		p := c.peerFor(m.PC)
		if p == nil {
			return fmt.Errorf("client: candidate for unknown pc %q", m.PC)
		}
		ci := webrtc.ICECandidateInit{Candidate: m.Candidate, SDPMid: m.SDPMid,
			SDPMLineIndex: m.SDPMLineIndex, UsernameFragment: m.UsernameFragment}
		if err := p.remote.add(ci, p.pc.AddICECandidate); err != nil {
			c.log.Warn("remote ICE candidate", "pc", m.PC, "err", err)
		}
	case *protocol.Mute:
		// From the server, muted is whether the host holds the track
		// muted; lifting that leaves the track muted until this client
		// unmutes it.
		c.mu.Lock()
		for i := range c.self.Tracks {
			if c.self.Tracks[i].ID == m.TrackID {
				c.self.Tracks[i].MutedByHost = m.Muted
				if m.Muted {
					c.self.Tracks[i].Muted = true
				}
			}
		}
		c.mu.Unlock()
		if m.Muted {
			c.emit(MuteRequested{TrackID: m.TrackID})
		} else {
			c.emit(UnmuteAllowed{TrackID: m.TrackID})
		}
	case *protocol.Data:
		c.emit(c.dataEvent(m))
	case *protocol.E2EE:
		c.e2eeReceive(m)
	case *protocol.Leave:
		c.mu.Lock()
		c.leaveReason = m.Reason
		c.mu.Unlock()
	case *protocol.Error:
		if m.Code == protocol.CodeBitrateLimited {
			// Not a refusal and not what ends a session: the
			// application has the grace period to lower its encoders.
			c.log.Warn("publishing above the room's bitrate cap", "max_bitrate", m.MaxBitrate)
			c.emit(BitrateLimited{MaxBitrate: m.MaxBitrate, Message: m.Message})
			return nil
		}
		se := serverError(m)
		c.mu.Lock()
		c.lastError = se
		c.mu.Unlock()
		c.log.Warn("server error", "code", m.Code, "message", m.Message)
		// The protocol does not tie an error to the message that caused it;
		// an SDP or permission error while an offer is out is taken to be
		// about that offer.
		if (m.Code == protocol.CodeBadSDP || m.Code == protocol.CodePermissionDenied) && c.neg.pending() {
			c.neg.done(se)
		}
		c.emit(ErrorReceived{Err: se})
	case *protocol.RoleChanged:
		c.mu.Lock()
		if m.Participant.ID == c.self.ID {
			c.self = m.Participant
			if !m.Participant.Permissions.Admit {
				// A role that may not admit sees no lobby; one that now
				// may is sent the guests waiting as lobby_guest.
				c.lobby = nil
			}
		} else if _, ok := c.participants[m.Participant.ID]; ok {
			c.participants[m.Participant.ID] = m.Participant
		}
		c.mu.Unlock()
		c.emit(RoleChanged{Participant: m.Participant, By: m.By})
	case *protocol.LockChanged:
		c.emit(LockChanged{Locked: m.Locked, By: m.By})
	case *protocol.LobbyChanged:
		c.emit(LobbyChanged{On: m.On, By: m.By})
	case *protocol.LobbyGuest:
		c.mu.Lock()
		c.lobby = append(slices.DeleteFunc(c.lobby, func(g protocol.LobbyGuestInfo) bool { return g.ID == m.Guest.ID }), m.Guest)
		c.mu.Unlock()
		c.emit(LobbyGuestWaiting{Guest: m.Guest})
	case *protocol.LobbyGuestLeft:
		c.mu.Lock()
		c.lobby = slices.DeleteFunc(c.lobby, func(g protocol.LobbyGuestInfo) bool { return g.ID == m.ID })
		c.mu.Unlock()
		c.emit(LobbyGuestLeft{ID: m.ID, Reason: m.Reason})
	case *protocol.MeetingEnding:
		c.emit(MeetingEnding{EndsAt: time.Unix(m.EndsAt, 0), Remaining: time.Duration(m.SecondsLeft) * time.Second})
	case *protocol.Pong:
		if b := c.barrier.Load(); b != 0 && m.T == b {
			c.resendStaleOffer()
		}
	}
	return nil
}

func (c *Client) onDescription(t protocol.Type, m *protocol.SessionDescription) error {
	switch {
	case t == protocol.TypeOffer && m.PC == protocol.Subscriber:
		err := c.answerSubscriber(m.SDP)
		if errors.Is(err, webrtc.ErrConnectionClosed) {
			// The server closed our media (pion closes a PeerConnection on
			// DTLS close_notify) because it is ending the session; its
			// leave, or the end of the connection, follows. Not our error.
			c.log.Debug("subscriber offer after the PeerConnection closed", "err", err)
			return nil
		}
		return err
	case t == protocol.TypeAnswer && m.PC == protocol.Publisher:
		if c.pub.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
			// No offer is out: a duplicate of an answer already applied.
			c.log.Debug("ignoring a publisher answer with no offer outstanding")
			return nil
		}
		err := c.pub.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
		if err == nil {
			if ferr := c.pub.remote.open(c.pub.pc.AddICECandidate); ferr != nil {
				c.log.Warn("buffered ICE candidate", "pc", protocol.Publisher, "err", ferr)
			}
		} else {
			err = fmt.Errorf("client: applying publisher answer: %w", err)
		}
		c.neg.done(err)
		return nil
	default:
		return fmt.Errorf("client: unexpected %s for the %s PeerConnection", t, m.PC)
	}
}

// answerSubscriber answers a server offer. It runs on the read loop, so
// offers are answered strictly in the order they arrive.
func (c *Client) answerSubscriber(sdp string) error {
	pc := c.sub.pc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return fmt.Errorf("client: applying subscriber offer: %w", err)
	}
	if err := c.sub.remote.open(pc.AddICECandidate); err != nil {
		c.log.Warn("buffered ICE candidate", "pc", protocol.Subscriber, "err", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("client: creating subscriber answer: %w", err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("client: setting subscriber answer: %w", err)
	}
	if err := c.send(c.ctx, protocol.TypeAnswer, protocol.SessionDescription{PC: protocol.Subscriber, SDP: answer.SDP}); err != nil {
		return err
	}
	return c.sub.local.open(c.sendCandidate(protocol.Subscriber))
}

func (c *Client) sendPublisherOffer() error {
	pc := c.pub.pc
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("client: creating publisher offer: %w", err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("client: setting publisher offer: %w", err)
	}
	if err := c.send(c.ctx, protocol.TypeOffer, protocol.SessionDescription{PC: protocol.Publisher, SDP: offer.SDP}); err != nil {
		return err
	}
	return c.pub.local.open(c.sendCandidate(protocol.Publisher))
}

func (c *Client) onTrack(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	pid, tid := tr.StreamID(), tr.ID()
	info := TrackInfo{ID: tid, Kind: protocol.TrackKind(tr.Kind().String()), MimeType: tr.Codec().MimeType}
	c.mu.Lock()
	if p, ok := c.participants[pid]; ok {
		for _, t := range p.Tracks {
			if t.ID == tid {
				info = t
			}
		}
	}
	c.mu.Unlock()
	c.emit(TrackSubscribed{ParticipantID: pid, Track: info, Remote: tr, Receiver: recv})
}

func (c *Client) peerFor(name protocol.PeerConnection) *peer {
	switch name {
	case protocol.Publisher:
		return c.pub
	case protocol.Subscriber:
		return c.sub
	}
	return nil
}

func (c *Client) updateParticipant(id string, f func(*Participant)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == c.self.ID {
		f(&c.self)
		return
	}
	if p, ok := c.participants[id]; ok {
		f(&p)
		c.participants[id] = p
	}
}

func removeTrack(ts []TrackInfo, id string) []TrackInfo {
	out := ts[:0:0]
	for _, t := range ts {
		if t.ID != id {
			out = append(out, t)
		}
	}
	return out
}

func (c *Client) emit(ev Event) {
	if !c.events.push(ev) {
		c.log.Debug("event dropped: consumer too slow", "event", fmt.Sprintf("%T", ev))
	}
}

func (c *Client) pinger() {
	t := time.NewTicker(PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case now := <-t.C:
			conn := c.live.Load()
			if conn == nil {
				continue // reconnecting
			}
			if now.Sub(time.Unix(0, c.lastRecv.Load())) > DeadAfter {
				c.connLost(conn, ErrTimeout)
				continue
			}
			if err := c.send(c.ctx, protocol.TypePing, protocol.Ping{T: now.UnixMilli()}); err != nil {
				// A broken connection is reported by the read loop.
				c.log.Debug("sending ping", "err", err)
			}
		}
	}
}

// shutdown tears the client down once; cause is what ended the session.
func (c *Client) shutdown(cause error) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		reason, serverErr, user, lost := c.leaveReason, c.lastError, c.userClosed, c.lost
		c.mu.Unlock()
		ev := Disconnected{Reason: reason}
		switch {
		case user:
			ev.Reason = protocol.ReasonLeft
		case reason != "":
			// The server said goodbye.
		case lost:
			ev.Reason, ev.Err = protocol.ReasonConnectionLost, cause
		case serverErr != nil:
			ev.Err = serverErr
		default:
			ev.Err = cause
		}
		if ev.Err == nil && (lost || reason == "" && !user) {
			ev.Err = ErrClosed
		}
		close(c.done)
		c.cancel()
		if conn := c.live.Load(); conn != nil {
			_ = conn.CloseNow()
		}
		c.neg.close(ErrClosed)
		c.closePeers()
		c.events.close(ev)
	})
}

func (c *Client) closePeers() {
	for _, p := range []*peer{c.pub, c.sub} {
		if p != nil {
			if err := p.pc.Close(); err != nil {
				c.log.Debug("closing PeerConnection", "pc", p.name, "err", err)
			}
		}
	}
}

// Self returns this client's participant as the server last described it.
func (c *Client) Self() Participant {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.self
	p.Tracks = append([]TrackInfo(nil), p.Tracks...)
	return p
}

// Participants returns the other participants in the room, in join order.
func (c *Client) Participants() []Participant {
	c.mu.Lock()
	out := make([]Participant, 0, len(c.participants))
	for _, p := range c.participants {
		p.Tracks = append([]TrackInfo(nil), p.Tracks...)
		out = append(out, p)
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].JoinedAt != out[j].JoinedAt {
			return out[i].JoinedAt < out[j].JoinedAt
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Room returns the name of the room joined.
func (c *Client) Room() string { return c.room }

// Events returns the channel of server events. It has a bounded buffer (see
// WithEventBuffer): a consumer that falls behind loses events, counted by
// DroppedEvents, but never stalls signaling. Disconnected is always delivered
// last, then the channel is closed.
func (c *Client) Events() <-chan Event { return c.events.ch }

// DroppedEvents is the number of events dropped because Events was full.
func (c *Client) DroppedEvents() uint64 { return c.events.droppedCount() }

// Done is closed when the client has disconnected.
func (c *Client) Done() <-chan struct{} { return c.done }

// Leave tells the server this participant is leaving, closes the WebSocket
// gracefully and releases everything. While the client is reconnecting
// there is no connection to say goodbye on: Leave then just closes, and the
// server removes the participant when its resume window ends.
func (c *Client) Leave(ctx context.Context) error {
	c.mu.Lock()
	c.userClosed = true
	c.mu.Unlock()
	var err error
	c.wmu.Lock()
	conn := c.conn
	if conn != nil {
		var b []byte
		if b, err = encode(protocol.TypeLeave, protocol.Leave{}); err == nil {
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err = conn.Write(wctx, websocket.MessageText, b)
			cancel()
		}
	}
	c.wmu.Unlock()
	if conn != nil && err == nil {
		// Close waits (boundedly) for the server's close frame.
		// Its error only says the handshake was cut short.
		if cerr := conn.Close(websocket.StatusNormalClosure, "leave"); cerr != nil {
			c.log.Debug("closing WebSocket", "err", cerr)
		}
	}
	select {
	case <-c.done:
		err = nil // already disconnected
	default:
	}
	c.shutdown(nil)
	if err != nil {
		return fmt.Errorf("client: sending leave: %w", err)
	}
	return nil
}

// Close ends the session at once, without telling the server; it sees the
// connection drop.
func (c *Client) Close() error {
	c.mu.Lock()
	c.userClosed = true
	c.mu.Unlock()
	c.shutdown(nil)
	return nil
}
