package room

import (
	"fmt"
	"time"
)

// Media monitoring. Each participant's media layer reports what it
// measured (rtc samples it every 2 s, off the forwarding path) through
// ReportMedia; the room keeps the last report for the REST API's stats
// and decides on the bitrate cap. Media never passes through here: only
// figures do.
//
// The cap (docs/sfu.md, "Bitrate cap"): a participant whose published
// tracks together go above the room's MaxPublishBitrate is told to lower
// (MediaVerdict.Limit; its session sends bitrate_limited and its media
// layer a REMB) and a security event bitrate_limited is recorded; if a
// report still finds it above the cap Config.BitrateGrace after the first
// report that did, it is disconnected (ReasonBitrateExceeded) with a
// security event bitrate_exceeded. A report at or under the cap ends the
// episode: the next excess starts a new grace period.

// Security event kinds of media monitoring: Subject is the publisher's
// identity, Actor "server", Reason the measured bitrate and the cap
// ("9100000>8000000", bits per second).
const (
	SecurityBitrateLimited  SecurityKind = "bitrate_limited"
	SecurityBitrateExceeded SecurityKind = "bitrate_exceeded"
	// SecuritySignalFlood: a signaling connection was cut off for
	// flooding (signal's per-connection message budget); Subject the
	// identity, IP its address, Reason "rate_limited".
	SecuritySignalFlood SecurityKind = "signal_flood"
)

// DefaultBitrateGrace is how long a publisher may stay above the cap after
// being told to lower, when Config.BitrateGrace is not set.
const DefaultBitrateGrace = 10 * time.Second

// MediaReport is one participant's media over the last sample.
type MediaReport struct {
	At time.Time `json:"at"`
	// Bitrate is the sum of Tracks' bitrates, bits per second.
	Bitrate       float64             `json:"bitrate"`
	Tracks        []TrackMedia        `json:"tracks"`
	Subscriptions []SubscriptionMedia `json:"subscriptions"`
}

// TrackMedia is one published track: what its publisher sent, in bits
// and packets per second (RTP after SRTP).
type TrackMedia struct {
	ID         TrackID   `json:"id"`
	Kind       TrackKind `json:"kind"`
	Bitrate    float64   `json:"bitrate"`
	PacketRate float64   `json:"packet_rate"`
}

// SubscriptionMedia is one subscribed track as its subscriber last
// reported it (RTCP receiver reports): Loss is the fraction lost (0 to
// 1), RTT the round-trip time in seconds; Reported is false before the
// first report, HasRTT while the reports name no sender report yet.
type SubscriptionMedia struct {
	TrackID  TrackID `json:"track_id"`
	Reported bool    `json:"reported"`
	Loss     float64 `json:"loss"`
	RTT      float64 `json:"rtt"`
	HasRTT   bool    `json:"has_rtt"`
}

// MediaVerdict is what the room decided on a report.
type MediaVerdict struct {
	// Limit: the participant publishes above Cap and must lower; First
	// is set on the report that began the episode.
	Limit, First bool
	// Exceeded: it stayed above Cap for the grace period and has been
	// disconnected.
	Exceeded bool
	Cap      int64
}

// ParticipantMedia is one participant and its last media report, for the
// REST API's room stats.
type ParticipantMedia struct {
	Participant ParticipantInfo `json:"participant"`
	Media       MediaReport     `json:"media"`
}

// ReportMedia records the participant's media report and decides on the
// bitrate cap.
func (p *Participant) ReportMedia(rep MediaReport) MediaVerdict {
	r := p.room
	grace := r.manager.cfg.BitrateGrace
	if grace <= 0 {
		grace = DefaultBitrateGrace
	}
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return MediaVerdict{}
	}
	p.mediaReport = rep
	v := MediaVerdict{Cap: r.spec.MaxPublishBitrate}
	if v.Cap <= 0 || rep.Bitrate <= float64(v.Cap) {
		p.overSince = time.Time{}
		r.mu.Unlock()
		return v
	}
	reason := fmt.Sprintf("%.0f>%d", rep.Bitrate, v.Cap)
	v.Limit = true
	if p.overSince.IsZero() {
		p.overSince = rep.At
		v.First = true
		r.security(SecurityEvent{Kind: SecurityBitrateLimited, Outcome: OutcomeRefused, Reason: reason,
			Actor: "server", Subject: string(p.info.Identity)})
		r.mu.Unlock()
		return v
	}
	if rep.At.Sub(p.overSince) < grace {
		r.mu.Unlock()
		return v
	}
	v.Exceeded = true
	r.security(SecurityEvent{Kind: SecurityBitrateExceeded, Outcome: OutcomeRefused, Reason: reason,
		Actor: "server", Subject: string(p.info.Identity)})
	r.emit(Event{Kind: EventRemoved, Participant: p.infoLocked(), Reason: ReasonBitrateExceeded}, p)
	r.mu.Unlock()
	p.Leave(ReasonBitrateExceeded)
	return v
}

// MediaStats returns each participant of the room and its last media
// report, for the room's owner.
func (m *Manager) MediaStats(name RoomName, owner KeyID) ([]ParticipantMedia, error) {
	r, err := m.ownedRoom(name, owner)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ParticipantMedia, 0, len(r.participants))
	for _, p := range r.participants {
		out = append(out, ParticipantMedia{Participant: p.infoLocked(), Media: p.mediaReport})
	}
	return out, nil
}

// SignalFlooded records that the participant's signaling connection was
// cut off for flooding, from ip, as a security event of its room. The
// cut-off itself is signaling's (a per-connection message budget); the
// session's close takes the participant out.
func (p *Participant) SignalFlooded(ip string) {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	r.security(SecurityEvent{Kind: SecuritySignalFlood, Outcome: OutcomeRefused, Reason: "rate_limited",
		Actor: "server", Subject: string(p.info.Identity), IP: ip})
}
