package httpapi

import (
	"net/http"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// maxPublishBitrate bounds a room's max_publish_bitrate as the REST API
// takes it (the rooms bound it again by rooms.max_publish_bitrate).
const maxPublishBitrate = 1_000_000_000

// RoomStats is the body of GET /v1/rooms/{room}/stats: each participant's
// media figures from its last sample (docs/api.md, "Room stats").
type RoomStats struct {
	Room              string             `json:"room"`
	MaxPublishBitrate int64              `json:"max_publish_bitrate"`
	Participants      []ParticipantStats `json:"participants"`
}

// ParticipantStats is one participant's figures. SampledAt is absent
// before its first sample (about 2 s after it joined).
type ParticipantStats struct {
	Participant   protocol.ParticipantInfo `json:"participant"`
	SampledAt     *time.Time               `json:"sampled_at,omitempty"`
	Bitrate       float64                  `json:"bitrate"`
	Tracks        []room.TrackMedia        `json:"tracks"`
	Subscriptions []room.SubscriptionMedia `json:"subscriptions"`
}

func (a *API) roomStats(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	owner := room.KeyID(c.Issuer)
	// The owner's check first: Get checks none.
	ps, err := a.cfg.Rooms.MediaStats(name, owner)
	if err != nil {
		a.roomError(w, err)
		return
	}
	info, err := a.cfg.Rooms.Get(name)
	if err != nil {
		a.roomError(w, err)
		return
	}
	out := RoomStats{Room: string(name), MaxPublishBitrate: info.MaxPublishBitrate, Participants: make([]ParticipantStats, 0, len(ps))}
	for _, p := range ps {
		st := ParticipantStats{Participant: p.Participant.Wire(), Bitrate: p.Media.Bitrate,
			Tracks: p.Media.Tracks, Subscriptions: p.Media.Subscriptions}
		if !p.Media.At.IsZero() {
			at := p.Media.At.UTC()
			st.SampledAt = &at
		}
		if st.Tracks == nil {
			st.Tracks = []room.TrackMedia{}
		}
		if st.Subscriptions == nil {
			st.Subscriptions = []room.SubscriptionMedia{}
		}
		out.Participants = append(out.Participants, st)
	}
	WriteJSON(w, http.StatusOK, out)
}
