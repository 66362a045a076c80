package client

import (
	"context"
	"time"

	"github.com/conclave-video/conclave/protocol"
)

// Roles a participant can hold (docs/access.md).
const (
	RoleHost        = protocol.RoleHost
	RoleModerator   = protocol.RoleModerator
	RoleParticipant = protocol.RoleParticipant
	RoleViewer      = protocol.RoleViewer
)

// Moderation. Each action is decided by the server on this client's role
// at the moment it arrives: a refusal comes back as ErrorReceived
// (role_denied: the role does not allow it; role_rank: the target's role
// is not below this client's; permission_denied: the token does not grant
// it; unknown_participant), and success as the room's own event
// (RoleChanged, LockChanged, ParticipantLeft{removed}, MuteRequested at the
// publisher, Disconnected{meeting_ended}).

// MuteParticipant mutes (or lifts the mute on) another participant's
// track, as a host: its publisher cannot unmute it until the mute is
// lifted.
func (c *Client) MuteParticipant(ctx context.Context, participantID, trackID string, muted bool) error {
	return c.send(ctx, protocol.TypeMuteTrack, protocol.MuteTrack{ParticipantID: participantID, TrackID: trackID, Muted: muted})
}

// RemoveParticipant takes another participant out of the room; every
// token its identity holds for the room is revoked.
func (c *Client) RemoveParticipant(ctx context.Context, participantID string) error {
	return c.send(ctx, protocol.TypeRemoveParticipant, protocol.RemoveParticipant{ParticipantID: participantID})
}

// BanParticipant removes another participant and bans its identity from
// the room for d (0: the room's life; whole seconds, at most
// protocol.MaxBanSeconds), as a host (the ban permission).
func (c *Client) BanParticipant(ctx context.Context, participantID string, d time.Duration, reason string) error {
	return c.send(ctx, protocol.TypeRemoveParticipant, protocol.RemoveParticipant{
		ParticipantID: participantID,
		Ban:           &protocol.BanOption{Duration: int64(d / time.Second), Reason: reason},
	})
}

// SetRole gives another participant a role (RoleHost ... RoleViewer), at
// most this client's own.
func (c *Client) SetRole(ctx context.Context, participantID, role string) error {
	return c.send(ctx, protocol.TypeSetRole, protocol.SetRole{ParticipantID: participantID, Role: role})
}

// LockMeeting locks the meeting (nobody new is admitted, whatever their
// token) or unlocks it.
func (c *Client) LockMeeting(ctx context.Context, locked bool) error {
	return c.send(ctx, protocol.TypeLockMeeting, protocol.LockMeeting{Locked: locked})
}

// EndMeeting ends the meeting for everyone.
func (c *Client) EndMeeting(ctx context.Context) error {
	return c.send(ctx, protocol.TypeEndMeeting, protocol.EndMeeting{})
}
