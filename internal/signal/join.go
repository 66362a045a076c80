package signal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/coder/websocket"

	"github.com/conclave-video/conclave/internal/room"
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
		s.sendError(CodeJoinTimeout, "no join message within the time allowed")
		s.Close(CodeJoinTimeout)
	})
	b, err := s.readMessage(ctx, conn)
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
	if !s.h.authenticated(s, j.Resume == nil) {
		return false
	}
	if j.Resume != nil {
		if s.resumeOther(claims, j.Resume, conn) {
			s.handedOff = true
		} else {
			s.sendError(CodeResumeFailed, "no session to resume; join afresh")
			s.Close(ReasonError)
		}
		return false
	}

	s.roomName, s.identity, s.owner = claims.Room, claims.Subject, claims.Issuer
	s.resumeSecret = newSecret()
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
	s.participantID = p.ID()
	s.mu.Unlock()
	s.h.mu.Lock()
	s.h.live[p.ID()] = s
	s.h.mu.Unlock()
	p.AttachMedia(peer)
	s.log.Info("joined")
	return true
}

// resumeOther gives conn to the live session r names, if the token and the
// secret prove it is the same client: same identity, room and API key, and
// the session's resume secret (compared in constant time). The old
// connection, if the server still thinks it is up, is dropped.
func (s *session) resumeOther(claims *token.Claims, r *Resume, conn *websocket.Conn) bool {
	s.h.mu.Lock()
	target := s.h.live[r.ParticipantID]
	s.h.mu.Unlock()
	if target == nil || target == s ||
		target.identity != claims.Subject || target.roomName != claims.Room || target.owner != claims.Issuer ||
		subtle.ConstantTimeCompare([]byte(target.resumeSecret), []byte(r.Secret)) != 1 {
		s.log.Info("resume refused", "participant", r.ParticipantID)
		return false
	}
	select {
	case <-target.closing:
		return false
	default:
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
			case TypeParticipantJoined, TypeParticipantLeft, TypeParticipantUpdated,
				TypeTrackPublished, TypeTrackUnpublished, TypePong:
				// The snapshot below supersedes these.
			case TypeOffer:
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
	s.send(TypeJoined, Joined{
		Room: s.roomName, Participant: p.Info(), Participants: p.Others(),
		ResumeSecret: s.resumeSecret, Resumed: true,
	})
	for _, b := range kept {
		select {
		case s.out <- b:
		default:
		}
	}
	if sdp, ok := peer.PendingOffer(); ok && !offerQueued {
		s.send(TypeOffer, SessionDescription{PC: Subscriber, SDP: sdp})
	}
}

// peekType reads an encoded message's type.
func peekType(b []byte) Type {
	var e struct {
		Type Type `json:"type"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Type
}

// newSecret returns 32 random bytes, base64url: a resume secret.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
