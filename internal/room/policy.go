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
		// Without a policy (tests, tools), nobody skips a lobby.
		st.membersSkip = p.MembersSkipLobby
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

// ApplyPolicy applies the policy in force to the rooms already running,
// as the server calls it after every change (hot apply): every
// participant's permissions become its role's, narrowed by its token and
// by what the policy takes away, so that what the policy no longer allows
// ends at once, and what it allows again comes back. A screen share the
// policy no longer allows is stopped and unpublished: everyone gets
// EventTrackUnpublished, its publisher EventTrackStopped with
// ErrPolicyScreenShare. A meeting whose end the policy's (or the
// server's) bound now puts earlier ends earlier, warned as any meeting
// is; a looser bound never lengthens one. Each effect is a security
// event.
func (m *Manager) ApplyPolicy() {
	p := m.policy()
	if p == nil {
		return
	}
	deny, bound := policyDeny(p), m.maxDuration()
	m.mu.Lock()
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.applyPolicy(deny, bound)
	}
}

// applyPolicy is ApplyPolicy for one room. A shortened maximum duration
// is stored with the room; if the store fails it is logged, and the
// meeting ends early all the same (a restart bounds it by the policy
// again).
func (r *Room) applyPolicy(deny Permissions, bound time.Duration) {
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	var stops []func()
	for _, p := range r.participants {
		perms := p.info.Role.Permissions() & p.grants &^ deny
		if perms == p.info.Permissions {
			continue
		}
		p.info.Permissions = perms
		if stop := r.stopDisallowedLocked(p, true); stop != nil {
			stops = append(stops, stop)
		}
		r.emit(Event{Kind: EventUpdated, Participant: p.infoLocked()}, r.everyone(nil)...)
	}
	shortened := bound > 0 && (r.spec.MaxDuration == 0 || r.spec.MaxDuration > bound) && r.shortenLocked(bound)
	locked := r.locked
	r.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	if shortened {
		_ = r.saveState(locked, bound)
	}
}

// stopDisallowedLocked unpublishes p's tracks, and drops its
// announcements, that its permissions no longer allow (after a role
// change, or with byPolicy a policy change, which its publisher is told
// of with the reason, and which is a security event), telling everyone.
// The returned function (nil: nothing stopped) stops their forwarding and
// must run after r.mu is released. Called with r.mu held.
func (r *Room) stopDisallowedLocked(p *Participant, byPolicy bool) func() {
	for cid, pend := range p.pending {
		if !p.info.Permissions.Has(pend.Source.permission()) {
			delete(p.pending, cid)
		}
	}
	var stopped []*publication
	for _, pub := range p.sortedTracksLocked() {
		if !p.info.Permissions.Has(pub.info.Source.permission()) {
			delete(p.tracks, pub.info.ID)
			stopped = append(stopped, pub)
		}
	}
	if len(stopped) == 0 {
		return nil
	}
	var medias []Media
	for _, o := range r.participants {
		if o != p && o.media != nil {
			medias = append(medias, o.media)
		}
	}
	for _, pub := range stopped {
		info := p.infoLocked()
		r.emit(Event{Kind: EventTrackUnpublished, Participant: info, Track: pub.info}, r.everyone(nil)...)
		if !byPolicy {
			continue
		}
		why := r.manager.policyAllowsSource(pub.info.Source)
		if why == nil {
			why = ErrPermissionDenied
		}
		r.emit(Event{Kind: EventTrackStopped, Participant: info, Track: pub.info, Err: why}, p)
		r.security(SecurityEvent{Kind: SecurityPolicyTrackStopped, Outcome: OutcomeSucceeded, Actor: "server",
			Subject: string(p.info.Identity), Reason: string(pub.info.Source) + " " + string(pub.info.ID)})
	}
	return func() {
		for _, pub := range stopped {
			closeReceiver(pub.recv)
			for _, m := range medias {
				m.Unsubscribe(string(pub.info.ID))
			}
		}
	}
}
