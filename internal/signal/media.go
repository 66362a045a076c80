package signal

import (
	"fmt"
	"net"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/rtc"
	"github.com/conclave-video/conclave/protocol"
)

// MediaSampled passes the media layer's sample to the room, which records
// it and decides on the bitrate cap; signaling only carries the verdict
// out: a REMB and bitrate_limited while the publisher is over the cap (the
// error once per episode), and nothing more when the room disconnected it
// (its EventRemoved closes the session).
func (h peerHandler) MediaSampled(ms rtc.MediaSample) {
	rep := mediaReport(ms)
	h.s.h.cfg.OnMedia(rep)
	v := h.p.ReportMedia(rep)
	if !v.Limit || v.Exceeded {
		return
	}
	h.s.mu.Lock()
	peer := h.s.peer
	h.s.mu.Unlock()
	if peer != nil {
		peer.LimitBitrate(uint64(v.Cap))
	}
	if v.First {
		// The cap travels as a number too: a client sets its encoders
		// from it, never from the sentence.
		h.s.sendErr(protocol.Error{Code: protocol.CodeBitrateLimited, MaxBitrate: v.Cap, Message: fmt.Sprintf(
			"publishing %.0f bit/s, above this room's cap of %d bit/s: lower your bitrate or be disconnected", rep.Bitrate, v.Cap)})
	}
}

// mediaReport is the room's form of a media sample.
func mediaReport(ms rtc.MediaSample) room.MediaReport {
	rep := room.MediaReport{At: ms.At, Bitrate: ms.Bitrate,
		Tracks:        make([]room.TrackMedia, 0, len(ms.Tracks)),
		Subscriptions: make([]room.SubscriptionMedia, 0, len(ms.Subscriptions))}
	for _, t := range ms.Tracks {
		kind := room.KindAudio
		if t.Kind == webrtc.RTPCodecTypeVideo {
			kind = room.KindVideo
		}
		rep.Tracks = append(rep.Tracks, room.TrackMedia{ID: room.TrackID(t.ID), Kind: kind, Bitrate: t.Bitrate, PacketRate: t.PacketRate})
	}
	for _, s := range ms.Subscriptions {
		rep.Subscriptions = append(rep.Subscriptions, room.SubscriptionMedia{
			TrackID: room.TrackID(s.TrackID), Reported: s.Quality.Reported, Loss: s.Quality.Loss,
			RTT: s.Quality.RTT.Seconds(), HasRTT: s.Quality.HasRTT,
		})
	}
	return rep
}

// flooded records that s was cut off for flooding: a security event (and
// through it the audit log) and the OnFlood count.
func (s *session) flooded() {
	s.h.cfg.OnFlood()
	ip := s.remote
	if host, _, err := net.SplitHostPort(s.remote); err == nil {
		ip = host
	}
	s.mu.Lock()
	p := s.participant
	s.mu.Unlock()
	if p != nil {
		p.SignalFlooded(ip)
		return
	}
	// A guest still in the lobby has no participant: the event is the
	// server's.
	s.h.cfg.Rooms.Security(room.SecurityEvent{
		Kind: room.SecuritySignalFlood, Outcome: room.OutcomeRefused, Reason: protocol.CodeRateLimited,
		Actor: "server", Subject: string(s.identity), IP: ip,
	})
}
