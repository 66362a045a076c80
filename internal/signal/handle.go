package signal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/rtc"
	"github.com/conclave-video/conclave/protocol"
)

// errTooLarge reports a message over the hard limit; errBadFrame a frame
// that is not valid UTF-8 text.
var (
	errTooLarge = errors.New("signal: message too large")
	errBadFrame = errors.New("signal: not a valid text frame")
)

// hardLimit is the largest message read at all. Messages above
// MaxMessageBytes but within it get a message_too_large error and the
// session goes on; larger ones end the session.
const hardLimit = 2 * protocol.MaxMessageBytes

// Reasons a session ends on a frame the protocol does not allow (RFC 6455
// §7.4.1); each closes with its own status.
const (
	reasonBinaryFrame = "binary_frame"
	reasonInvalidUTF8 = "invalid_utf8"
)

// readMessage reads one message, refusing anything over hardLimit without
// buffering it, and anything that is not a text frame of valid UTF-8:
// Conclave messages are JSON text, and a message that two parsers could
// read differently (one replacing bad bytes, one refusing them) is never
// acted on.
func (s *session) readMessage(ctx context.Context, conn *websocket.Conn) ([]byte, error) {
	if s.busy.Swap(false) {
		s.markHeard() // listening again: silence counts from now
	}
	typ, r, err := conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		s.sendError(protocol.CodeBadMessage, "binary frames are not accepted: messages are JSON text; disconnecting")
		s.Close(reasonBinaryFrame)
		return nil, errBadFrame
	}
	b, err := io.ReadAll(io.LimitReader(r, hardLimit+1))
	if err != nil {
		return nil, err
	}
	if len(b) > hardLimit {
		s.sendError(protocol.CodeTooLarge, fmt.Sprintf("message over %d bytes; disconnecting", hardLimit))
		s.Close(protocol.CodeTooLarge)
		return nil, errTooLarge
	}
	if !utf8.Valid(b) {
		s.sendError(protocol.CodeBadMessage, "the text frame is not valid UTF-8; disconnecting")
		s.Close(reasonInvalidUTF8)
		return nil, errBadFrame
	}
	s.busy.Store(true) // until the next readMessage: handling it
	return b, nil
}

// closeStatus is the WebSocket close status for a session's end reason.
func closeStatus(reason string) websocket.StatusCode {
	switch reason {
	case protocol.ReasonLeft, protocol.ReasonRemoved, protocol.ReasonRoomDeleted:
		return websocket.StatusNormalClosure
	case protocol.ReasonServerShutdown, protocol.ReasonConnectionLost:
		return websocket.StatusGoingAway
	case protocol.CodeTooLarge:
		return websocket.StatusMessageTooBig
	case reasonBinaryFrame:
		return websocket.StatusUnsupportedData
	case reasonInvalidUTF8:
		return websocket.StatusInvalidFramePayloadData
	}
	return websocket.StatusPolicyViolation
}

func (s *session) handle(p room.Member, peer *rtc.Peer, t protocol.Type, payload any) {
	switch m := payload.(type) {
	case *protocol.Join:
		s.sendError(protocol.CodeAlreadyJoined, "this connection has already joined")
	case *protocol.RestartICE:
		peer.RestartICE()
	case *protocol.Ping:
		s.send(protocol.TypePong, protocol.Pong(*m))
	case *protocol.AddTrack:
		if err := p.AnnounceTrack(m.CID, room.TrackKind(m.Kind), room.TrackSource(m.Source), m.Name, m.E2EE); err != nil {
			s.sendRoomError(err)
		}
	case *protocol.SessionDescription:
		if t == protocol.TypeOffer {
			// An offer that sends media needs a role (and token) that may
			// publish: room decides. One that only receives or stops
			// (a demoted client taking its tracks down) needs nothing.
			if offerSends(m.SDP) {
				if err := p.MayOffer(); err != nil {
					s.sendRoomError(err)
					return
				}
			}
			answer, err := peer.HandleOffer(m.SDP)
			if err != nil {
				s.sendError(protocol.CodeBadSDP, "the offer could not be applied")
				return
			}
			s.send(protocol.TypeAnswer, protocol.SessionDescription{PC: protocol.Publisher, SDP: answer})
			return
		}
		if err := peer.HandleAnswer(m.SDP); err != nil {
			s.sendError(protocol.CodeBadSDP, "the answer could not be applied")
		}
	case *protocol.ICECandidate:
		pc := rtc.Publisher
		if m.PC == protocol.Subscriber {
			pc = rtc.Subscriber
		}
		init := webrtc.ICECandidateInit{
			Candidate: m.Candidate, SDPMid: m.SDPMid, SDPMLineIndex: m.SDPMLineIndex, UsernameFragment: m.UsernameFragment,
		}
		if err := peer.AddCandidate(pc, init); err != nil {
			s.sendError(protocol.CodeBadCandidate, "the candidate could not be added")
		}
	case *protocol.Mute:
		if err := p.SetMuted(room.TrackID(m.TrackID), m.Muted); err != nil {
			s.sendRoomError(err)
		}
	case *protocol.UnmuteRequest:
		if err := p.RequestUnmute(room.TrackID(m.TrackID)); err != nil {
			s.sendRoomError(err)
		}
	case *protocol.Data:
		to := make([]room.ParticipantID, len(m.To))
		for i, id := range m.To {
			to[i] = room.ParticipantID(id)
		}
		if err := p.SendData(to, m.Topic, m.Payload); err != nil {
			s.sendRoomError(err)
		}
	case *protocol.E2EE:
		if err := p.SendE2EE(room.ParticipantID(m.To), m.Payload); err != nil {
			s.sendRoomError(err)
		}
	case *protocol.E2EEIdentityChanged:
		if err := p.ReportIdentityChanged(room.Identity(m.Identity), m.IdentityKey); err != nil {
			s.sendRoomError(err)
		}
	case *protocol.MuteTrack:
		s.moderated(p.MuteOther(room.ParticipantID(m.ParticipantID), room.TrackID(m.TrackID), m.Muted))
	case *protocol.RemoveParticipant:
		var ban *room.BanRequest
		if m.Ban != nil {
			ban = &room.BanRequest{Reason: m.Ban.Reason}
			if m.Ban.Duration > 0 {
				ban.Until = time.Now().Add(time.Duration(m.Ban.Duration) * time.Second)
			}
		}
		s.moderated(p.RemoveOther(room.ParticipantID(m.ParticipantID), ban))
	case *protocol.SetRole:
		s.moderated(p.SetRole(room.ParticipantID(m.ParticipantID), room.Role(m.Role)))
	case *protocol.LockMeeting:
		s.moderated(p.SetLocked(m.Locked))
	case *protocol.EndMeeting:
		s.moderated(p.EndMeeting())
	case *protocol.AdmitGuest:
		s.moderated(p.AdmitGuest(room.LobbyID(m.ID), m.All))
	case *protocol.DenyGuest:
		s.moderated(p.DenyGuest(room.LobbyID(m.ID), m.All))
	case *protocol.SetPassword:
		s.moderated(p.SetPassword(m.Password))
	case *protocol.SetLobby:
		s.moderated(p.SetLobby(*m.On))
	default:
		s.sendError(protocol.CodeUnknownType, "message type not accepted here")
	}
}

// moderated reports a moderation action's refusal; success is announced
// by the room's events.
func (s *session) moderated(err error) {
	if err != nil {
		s.sendRoomError(err)
	}
}

// offerSends reports whether the offer would send media to the server, as
// pion decides it when it applies the offer (it is pion that then receives
// the media, so the gate must read the SDP exactly as pion does, or a
// viewer could publish through the difference): an audio or video section
// (pion's NewRTPCodecType), whatever its port (pion applies a bundle-only
// section at port 0, and does not skip port 0 at all), whose direction is
// sendrecv or sendonly. The direction is pion's getPeerDirection's: the
// first direction attribute of the section, else the first of the
// session, else sendrecv, the names compared exactly
// (NewRTPTransceiverDirection). An offer that does not parse is treated as
// sending, so that it is decided (and then refused by rtc as bad_sdp).
func offerSends(raw string) bool {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		return true
	}
	for _, md := range d.MediaDescriptions {
		if webrtc.NewRTPCodecType(md.MediaName.Media) == 0 {
			continue
		}
		switch offerDirection(md, &d) {
		case webrtc.RTPTransceiverDirectionSendrecv, webrtc.RTPTransceiverDirectionSendonly:
			return true
		}
	}
	return false
}

// offerDirection is the direction of a media section of an offer as pion
// reads it.
func offerDirection(md *sdp.MediaDescription, d *sdp.SessionDescription) webrtc.RTPTransceiverDirection {
	for _, attrs := range [][]sdp.Attribute{md.Attributes, d.Attributes} {
		for _, a := range attrs {
			if dir := webrtc.NewRTPTransceiverDirection(a.Key); dir != webrtc.RTPTransceiverDirectionUnknown {
				return dir
			}
		}
	}
	return webrtc.RTPTransceiverDirectionSendrecv
}

// sendRoomError reports a refusal from room with its stable code, and
// the wait it asks for (retry_after) when it has one.
func (s *session) sendRoomError(err error) {
	s.sendErr(protocol.Error{Code: room.Code(err), Message: room.Message(err),
		RetryAfter: protocol.RetryAfterSeconds(room.RetryAfter(err))})
}

// listener turns the participant's room events into messages to its
// client. It runs under the room's lock: it only queues.
type listener struct{ s *session }

func (l listener) OnEvent(e room.Event) {
	s := l.s
	switch e.Kind {
	case room.EventJoined:
		if e.Others != nil { // this participant's own confirmation
			j := protocol.Joined{
				Room: string(e.Room), Participant: e.Participant.Wire(), Participants: room.WireParticipants(e.Others),
				ResumeSecret: s.resumeSecret, E2EE: e.E2EE, Locked: e.Locked, LobbyOn: e.LobbyOn,
			}
			for _, g := range e.Lobby {
				j.Lobby = append(j.Lobby, g.Wire())
			}
			if !e.EndsAt.IsZero() {
				j.EndsAt = e.EndsAt.Unix()
			}
			s.send(protocol.TypeJoined, j)
			return
		}
		s.send(protocol.TypeParticipantJoined, protocol.ParticipantJoined{Participant: e.Participant.Wire()})
	case room.EventLeft:
		s.send(protocol.TypeParticipantLeft, protocol.ParticipantLeft{ParticipantID: string(e.Participant.ID), Reason: string(e.Reason)})
	case room.EventUpdated:
		s.send(protocol.TypeParticipantUpdated, protocol.ParticipantUpdated{Participant: e.Participant.Wire()})
	case room.EventTrackPublished:
		s.send(protocol.TypeTrackPublished, protocol.TrackPublished{ParticipantID: string(e.Participant.ID), Track: e.Track.Wire()})
	case room.EventTrackUnpublished:
		s.send(protocol.TypeTrackUnpublished, protocol.TrackUnpublished{ParticipantID: string(e.Participant.ID), TrackID: string(e.Track.ID)})
	case room.EventData:
		s.send(protocol.TypeData, protocol.Data{From: string(e.Participant.ID), Topic: e.Topic, Payload: e.Payload})
	case room.EventE2EE:
		s.send(protocol.TypeE2EE, protocol.E2EE{From: string(e.Participant.ID), Payload: e.Payload})
	case room.EventTrackMuted:
		// Only a host's change reaches the publisher: muted is whether the
		// host now holds the track muted (false: the lock is lifted and
		// the publisher may unmute).
		if e.ByHost {
			s.send(protocol.TypeMute, protocol.Mute{TrackID: string(e.Track.ID), Muted: e.Track.MutedByHost})
		}
	case room.EventRemoved:
		s.Close(string(e.Reason))
	case room.EventRoleChanged:
		s.send(protocol.TypeRoleChanged, protocol.RoleChanged{Participant: e.Participant.Wire(), By: string(e.Actor)})
	case room.EventMeetingLocked, room.EventMeetingUnlocked:
		s.send(protocol.TypeLockChanged, protocol.LockChanged{Locked: e.Kind == room.EventMeetingLocked, By: string(e.Actor)})
	case room.EventLobbyChanged:
		s.send(protocol.TypeLobbyChanged, protocol.LobbyChanged{On: e.LobbyOn, By: string(e.Actor)})
	case room.EventLobbyStatus:
		st := protocol.LobbyWaitingForHost
		if e.LobbyHostPresent {
			st = protocol.LobbyWaiting
		}
		s.send(protocol.TypeLobby, protocol.LobbyStatus{Status: st, Position: e.LobbyPosition})
	case room.EventLobbyGuest:
		s.send(protocol.TypeLobbyGuest, protocol.LobbyGuest{Guest: e.Guest.Wire()})
	case room.EventLobbyGuestLeft:
		s.send(protocol.TypeLobbyGuestLeft, protocol.LobbyGuestLeft{ID: string(e.Guest.ID), Reason: e.LobbyReason})
	case room.EventLobbyDenied:
		s.sendRoomError(e.Err)
		s.Close(room.Code(e.Err))
	case room.EventMeetingEnding:
		s.send(protocol.TypeMeetingEnding, protocol.MeetingEnding{EndsAt: e.EndsAt.Unix(), SecondsLeft: int64(e.Remaining / time.Second)})
	case room.EventTrackStopped:
		// Only to its publisher: why its track was taken down, after
		// everyone's track_unpublished.
		s.sendRoomError(e.Err)
	}
}

// peerHandler delivers media-layer events.
type peerHandler struct {
	s *session
	p room.Member
}

func (h peerHandler) Candidate(pc rtc.PC, c webrtc.ICECandidateInit) {
	k := protocol.Publisher
	if pc == rtc.Subscriber {
		k = protocol.Subscriber
	}
	h.s.send(protocol.TypeCandidate, protocol.ICECandidate{
		PC: k, Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment,
	})
}
func (h peerHandler) Offer(sdp string) {
	h.s.send(protocol.TypeOffer, protocol.SessionDescription{PC: protocol.Subscriber, SDP: sdp})
}
func (h peerHandler) TrackPublished(t *rtc.PublishedTrack) {
	kind := room.KindAudio
	if t.Kind == webrtc.RTPCodecTypeVideo {
		kind = room.KindVideo
	}
	if _, err := h.p.Publish(room.TrackID(t.ID), t.CID, kind, t.MimeType, t.Receiver); err != nil {
		t.Receiver.Close()
		h.s.sendRoomError(err)
	}
}
func (h peerHandler) TrackEnded(t *rtc.PublishedTrack) { h.p.Unpublish(room.TrackID(t.ID)) }
func (h peerHandler) ConnectionLost(rtc.PC)            { h.s.Close(protocol.ReasonConnectionLost) }
