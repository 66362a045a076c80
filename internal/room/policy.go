package room

import (
	"errors"
	"time"

	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/protocol"
)

// The organisation's security policy (docs/policy.md) in the rooms'
// decisions: a room that would not require end-to-end encryption where
// the policy does is neither created nor joined; the permissions the
// policy turns off (screen sharing; chat and data messages) are taken out
// of every admitted participant's set and refused again when used, so
// that a change applies to those already in a room too.

// PolicySource gives the policy in force: implemented by *policy.Holder.
type PolicySource interface {
	Current() *policy.Policy
}

// Refusals of the policy: code policy_violation on both surfaces.
var (
	ErrPolicyE2EE        = &Error{protocol.CodePolicyViolation, "", "the organisation's policy requires end-to-end encryption: a room without it is not allowed"}
	ErrPolicyScreenShare = &Error{protocol.CodePolicyViolation, "", "the organisation's policy does not allow screen sharing"}
	ErrPolicyChat        = &Error{protocol.CodePolicyViolation, "", "the organisation's policy does not allow chat"}
	ErrPolicyData        = &Error{protocol.CodePolicyViolation, "", "the organisation's policy does not allow data messages"}
	ErrPolicyDuration    = &Error{protocol.CodePolicyViolation, "", "the organisation's policy does not allow a meeting this long"}
)

// policy is the policy in force, nil when the manager has none (tests of
// the rooms alone; the server always gives one).
func (m *Manager) policy() *policy.Policy {
	if m.cfg.Policy == nil {
		return nil
	}
	return m.cfg.Policy.Current()
}

// baseState is the part of a decision's state that is not the room's:
// auto-creation and the policy.
func (m *Manager) baseState() roomState {
	st := roomState{autoCreate: m.cfg.AutoCreate}
	if p := m.policy(); p != nil {
		st.policyE2EE = p.RequireE2EE
		st.policyDeny = policyDeny(p)
	}
	return st
}

// policyDeny is every permission p takes away from everyone.
func policyDeny(p *policy.Policy) Permissions {
	var deny Permissions
	if !p.ScreenShare {
		deny = deny.With(PublishScreen)
	}
	if !p.Chat && !p.DataMessages {
		deny = deny.With(PublishData)
	}
	return deny
}

// policyAllowsSource reports whether the policy allows publishing from s.
func (m *Manager) policyAllowsSource(s TrackSource) error {
	if p := m.policy(); p != nil && !p.ScreenShare && s.permission() == PublishScreen {
		return ErrPolicyScreenShare
	}
	return nil
}

// policyAllowsData reports whether the policy allows a data message on
// topic.
func (m *Manager) policyAllowsData(topic string) error {
	p := m.policy()
	switch {
	case p == nil || p.AllowsData(topic):
		return nil
	case topic == policy.ChatTopic:
		return ErrPolicyChat
	}
	return ErrPolicyData
}

// policyAllowsRoom refuses a new room whose settings loosen the policy.
func (m *Manager) policyAllowsRoom(s Spec) error {
	p := m.policy()
	if p == nil {
		return nil
	}
	var v *policy.ViolationError
	rs := policy.RoomSettings{E2EEOff: s.E2EE == E2EEOff, MaxDuration: s.MaxDuration,
		OpenToGuests: openToGuests(s.Owner), LobbyOff: s.Lobby == LobbyOff, Password: s.PasswordHash != ""}
	if errors.As(p.RoomMayLoosen(rs), &v) {
		switch v.Rule {
		case "max_meeting_duration":
			return ErrPolicyDuration
		case "lobby_for_guests":
			return ErrPolicyLobby
		case "password_for_guest_rooms":
			return ErrPolicyPassword
		}
		return ErrPolicyE2EE
	}
	return nil
}

// maxDuration bounds every room's maximum duration: the server's
// (Config.MaxDuration) and the policy's max_meeting_duration, the
// shorter; 0 for no bound. A room that asks for none gets it.
func (m *Manager) maxDuration() time.Duration {
	c := m.cfg.MaxDuration
	if p := m.policy(); p != nil && p.MaxMeetingDuration > 0 && (c == 0 || p.MaxMeetingDuration < c) {
		c = p.MaxMeetingDuration
	}
	return c
}
