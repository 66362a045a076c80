package audit

import (
	"strconv"

	"github.com/conclave-video/conclave/internal/room"
)

// Actions of the records made from room events that are not security
// events (a security event's action is its kind: "signin_failed", ...).
const (
	ActionDecision        = "decision"
	ActionRoomCreated     = "room_created"
	ActionRoomClosed      = "room_closed"
	ActionParticipantLeft = "participant_left"
)

// maxUserAgent bounds the user agent a record keeps.
const maxUserAgent = 256

// FromEvent is the record the log keeps of a room event, if it keeps one
// (ok): every security event, every access decision except an admitted
// read (list or read rooms), a room created or closed, a participant
// gone. Media, data, E2EE relays and presence updates are not kept.
// SecurityEvent holds no secret, and nothing else of an event that could
// (a payload) is taken.
func FromEvent(e room.Event) (Entry, bool) {
	en := Entry{Time: e.Time, Room: string(e.Room)}
	switch e.Kind {
	case room.EventSecurity:
		s := e.Security
		if s == nil {
			return Entry{}, false
		}
		en.Action, en.Actor, en.Target, en.IP = string(s.Kind), s.Actor, s.Subject, s.IP
		en.Details = details(
			"outcome", s.Outcome, "reason", s.Reason, "email", s.Email, "user_agent", Clip(s.UserAgent, maxUserAgent))
		if s.Suppressed > 0 {
			// A throttled refusal's summary: how many like it the
			// interval counted without recording each.
			en.Details["suppressed"] = strconv.Itoa(s.Suppressed)
		}
		if s.OldVersion != 0 || s.NewVersion != 0 {
			en.Details["old_version"] = strconv.FormatInt(s.OldVersion, 10)
			en.Details["new_version"] = strconv.FormatInt(s.NewVersion, 10)
		}
	case room.EventDecision:
		d := e.Decision
		if d == nil || d.Outcome == room.Admitted && (d.Action == room.ActionListRooms || d.Action == room.ActionReadRoom) {
			return Entry{}, false
		}
		en.Action, en.Actor, en.IP = ActionDecision, string(d.Identity), d.Addr
		if d.Room != "" {
			en.Room = string(d.Room)
		}
		en.Details = details("action", d.Action.String(), "outcome", d.Outcome.String(), "code", d.Code(),
			"role", string(d.Role), "key", string(d.Key))
	case room.EventRoomCreated:
		en.Action = ActionRoomCreated
	case room.EventRoomClosed:
		en.Action = ActionRoomClosed
		en.Details = details("reason", string(e.Reason))
	case room.EventLeft:
		en.Action, en.Actor = ActionParticipantLeft, string(e.Participant.Identity)
		en.Details = details("participant", string(e.Participant.ID), "reason", string(e.Reason))
	default:
		return Entry{}, false
	}
	for _, f := range []*string{&en.Actor, &en.Action, &en.Target, &en.IP, &en.Room} {
		*f = Clip(*f, MaxFieldBytes)
	}
	return en, true
}

// details builds a details map of the non-empty values of key, value
// pairs, each cut to fit.
func details(kv ...string) map[string]string {
	d := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			d[kv[i]] = Clip(kv[i+1], MaxDetailValueBytes)
		}
	}
	return d
}
