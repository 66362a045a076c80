package signal

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/rtc"
)

// errTooLarge reports a message over the hard limit.
var errTooLarge = errors.New("signal: message too large")

// hardLimit is the largest message read at all. Messages above
// MaxMessageBytes but within it get a message_too_large error and the
// session goes on; larger ones end the session.
const hardLimit = 2 * MaxMessageBytes

// readMessage reads one message, refusing anything over hardLimit without
// buffering it.
func (s *session) readMessage(ctx context.Context, conn *websocket.Conn) ([]byte, error) {
	_, r, err := conn.Reader(ctx)
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

func (s *session) handle(p *room.Participant, peer *rtc.Peer, t Type, payload any) {
	switch m := payload.(type) {
	case *Join:
		s.sendError(CodeAlreadyJoined, "this connection has already joined")
	case *RestartICE:
		peer.RestartICE()
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
			answer, err := peer.HandleOffer(m.SDP)
			if err != nil {
				s.sendError(CodeBadSDP, "the offer could not be applied")
				return
			}
			s.send(TypeAnswer, SessionDescription{PC: Publisher, SDP: answer})
			return
		}
		if err := peer.HandleAnswer(m.SDP); err != nil {
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
		if err := peer.AddCandidate(pc, init); err != nil {
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
	k.s.send(TypeJoined, Joined{Room: k.s.roomName, Participant: self, Participants: others, ResumeSecret: k.s.resumeSecret})
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
