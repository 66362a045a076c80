package signal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// join reads and acts on the first message of a new connection. It
// reports whether this session is now in a room; a resume hands the
// connection to the session it resumes and reports false.
func (s *session) join(ctx context.Context, conn *websocket.Conn) bool {
	// The deadline is a timer, not a read context: coder/websocket closes
	// the connection when a read's context expires, and the client must
	// still be told why.
	timer := time.AfterFunc(s.h.cfg.JoinTimeout, func() {
		s.sendError(protocol.CodeJoinTimeout, "no join message within the time allowed")
		s.Close(protocol.CodeJoinTimeout)
	})
	b, err := s.readMessage(ctx, conn)
	if !timer.Stop() || err != nil {
		return false
	}
	if !s.h.verifying(s) {
		return false
	}
	t, payload, err := protocol.Decode(b)
	if err != nil {
		s.sendError(protocol.ErrorCode(err), err.Error())
		s.Close(protocol.ReasonError)
		return false
	}
	if t != protocol.TypeJoin {
		s.sendError(protocol.CodeNotJoined, "the first message must be join")
		s.Close(protocol.ReasonError)
		return false
	}
	j := payload.(*protocol.Join)
	claims, err := s.h.cfg.Verifier.Verify(ctx, j.Token)
	if err != nil {
		code := s.h.cfg.TokenErrorCode(err)
		// The message is for people: the code travels in its own field.
		msg := strings.TrimPrefix(err.Error(), code+": ")
		if code == "" {
			// Not the token's fault: the store failed.
			s.log().Error("token verification", "err", err)
			code, msg = protocol.CodeInternal, "the token could not be checked; try again"
		}
		if code != protocol.CodeInternal {
			s.h.cfg.OnTokenRefused(s.remote, code)
		}
		s.sendError(code, msg)
		s.Close(protocol.ReasonError)
		s.log().Info("join refused", "code", code)
		return false
	}
	if !s.h.authenticated(s, j.Resume == nil) {
		return false
	}
	if j.Resume != nil {
		// Room decides whether this identity may still be in the room;
		// the session checks that the connection is the client's own.
		d := s.h.cfg.Rooms.Decide(room.Request{Claims: claims, Action: room.ActionResume})
		if d.Outcome == room.Admitted && s.resumeOther(claims, j.Resume, conn) {
			s.handedOff = true
		} else {
			s.sendError(protocol.CodeResumeFailed, "no session to resume; join afresh")
			s.Close(protocol.ReasonError)
		}
		return false
	}

	s.roomName, s.identity, s.owner = room.RoomName(claims.Room), room.Identity(claims.Subject), room.KeyID(claims.Issuer)
	s.resumeSecret = newSecret()
	jreq := room.JoinRequest{Claims: claims, Listener: listener{s}, Password: j.Password, Addr: addrKey(s.remote),
		OnAdmit: s.admitted}
	if k := j.E2EE; k != nil {
		jreq.E2EE = &room.E2EEKeys{IdentityKey: k.IdentityKey, KEMKey: k.KEMKey, Signature: k.Signature}
	}
	p, d, err := s.h.cfg.Rooms.Join(jreq)
	if err != nil {
		s.sendRoomError(err)
		s.Close(protocol.ReasonError)
		s.log().Info("join refused", "room", claims.Room, "identity", claims.Subject, "code", room.Code(err))
		return false
	}
	if d.Outcome == room.WaitInLobby {
		// The connection stays, reading pings and a leave, until a host
		// admits (admitted) or denies the guest.
		s.mu.Lock()
		s.lobby = d.Lobby
		s.mu.Unlock()
		s.log().Info("waiting in the lobby", "room", claims.Room, "identity", claims.Subject)
		return true
	}
	return s.attach(p, d.Role)
}

// admitted is a lobby guest's admission: called under the room's lock, it
// only records the participant and sets its media up elsewhere.
func (s *session) admitted(m room.Member) {
	s.mu.Lock()
	ended := s.ended
	if !ended {
		s.participant = m
	}
	s.mu.Unlock()
	if ended {
		go m.Leave(room.ReasonConnectionLost)
		return
	}
	go func() {
		defer close(s.ready)
		if !s.attach(m, m.Info().Role) {
			s.Close(protocol.ReasonError)
		}
	}()
}

// attach sets up an admitted participant's media and makes it live.
func (s *session) attach(p room.Member, role room.Role) bool {
	s.logp.Store(s.log().With("room", s.roomName, "participant", p.ID(), "role", role))
	peer, err := s.h.cfg.Engine.NewPeer(string(p.ID()), peerHandler{s, p})
	if err != nil {
		p.Leave(room.ReasonError)
		s.sendError(protocol.CodeInternal, "media setup failed")
		s.Close(protocol.ReasonError)
		s.log().Error("peer setup", "err", err)
		return false
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		p.Leave(room.ReasonError)
		peer.Close()
		return false
	}
	s.participant, s.peer = p, peer
	s.participantID = p.ID()
	s.mu.Unlock()
	s.h.mu.Lock()
	s.h.live[p.ID()] = s
	s.h.mu.Unlock()
	p.AttachMedia(peer)
	if p.Permissions().Has(room.Subscribe) {
		// After AttachMedia, whose subscriptions (if any) make the first
		// offer: the connection is set up now either way.
		peer.Connect()
	}
	s.log().Info("joined")
	return true
}

// resumeOther gives conn to the live session r names, if the token and the
// secret prove it is the same client: same identity, room and API key, and
// the session's resume secret (compared in constant time). The old
// connection, if the server still thinks it is up, is dropped.
func (s *session) resumeOther(claims *token.Claims, r *protocol.Resume, conn *websocket.Conn) bool {
	s.h.mu.Lock()
	target := s.h.live[room.ParticipantID(r.ParticipantID)]
	s.h.mu.Unlock()
	if target == nil || target == s ||
		target.identity != room.Identity(claims.Subject) || target.roomName != room.RoomName(claims.Room) ||
		target.owner != room.KeyID(claims.Issuer) ||
		subtle.ConstantTimeCompare([]byte(target.resumeSecret), []byte(r.Secret)) != 1 {
		s.log().Info("resume refused", "participant", r.ParticipantID)
		return false
	}
	select {
	case <-target.closing:
		return false
	default:
	}
	// Room decides again on the participant as it is now, and records
	// the token, whose jti then disconnects it if revoked.
	target.mu.Lock()
	p := target.participant
	target.mu.Unlock()
	if p == nil || p.Resume(claims, addrKey(s.remote)) != nil {
		s.log().Info("resume refused by the room", "participant", r.ParticipantID)
		return false
	}
	select {
	case target.resume <- conn:
	default:
		return false // another resume is under way
	}
	target.mu.Lock()
	old := target.conn
	target.mu.Unlock()
	if old != conn {
		_ = old.CloseNow()
	}
	return true
}

// replayForResume starts a resumed connection: a joined{resumed} snapshot
// of the room, then the queued messages the snapshot does not replace
// (SDP, candidates, mutes, data, errors), then a subscriber offer the
// client may never have received.
func (s *session) replayForResume() {
	var kept [][]byte
	offerQueued := false
	for drained := false; !drained; {
		select {
		case b := <-s.out:
			switch peekType(b) {
			case protocol.TypeParticipantJoined, protocol.TypeParticipantLeft, protocol.TypeParticipantUpdated,
				protocol.TypeTrackPublished, protocol.TypeTrackUnpublished, protocol.TypePong,
				protocol.TypeLobbyGuest, protocol.TypeLobbyGuestLeft:
				// The snapshot below supersedes these.
			case protocol.TypeOffer:
				offerQueued = true
				kept = append(kept, b)
			default:
				kept = append(kept, b)
			}
		default:
			drained = true
		}
	}
	s.mu.Lock()
	p, peer := s.participant, s.peer
	s.mu.Unlock()
	if p == nil {
		return
	}
	j := protocol.Joined{
		Room: string(s.roomName), Participant: p.Info().Wire(), Participants: room.WireParticipants(p.Others()),
		ResumeSecret: s.resumeSecret, Resumed: true, E2EE: p.Info().E2EE != nil,
	}
	locked, endsAt := p.Meeting()
	j.Locked, j.LobbyOn = locked, p.LobbyOn()
	if !endsAt.IsZero() {
		j.EndsAt = endsAt.Unix()
	}
	for _, g := range p.WaitingGuests() {
		j.Lobby = append(j.Lobby, g.Wire())
	}
	s.send(protocol.TypeJoined, j)
	for _, b := range kept {
		select {
		case s.out <- b:
		default:
		}
	}
	if sdp, ok := peer.PendingOffer(); ok && !offerQueued {
		s.send(protocol.TypeOffer, protocol.SessionDescription{PC: protocol.Subscriber, SDP: sdp})
	}
}

// peekType reads an encoded message's type.
func peekType(b []byte) protocol.Type {
	var e struct {
		Type protocol.Type `json:"type"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Type
}

// addrKey is the address a remote "ip:port" is throttled under.
func addrKey(remote string) string {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return remote
	}
	return guard.AddrKey(ap.Addr())
}

// newSecret returns 32 random bytes, base64url: a resume secret.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
