package accounts

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// InviteLimits are the traffic defence's limits of one meeting invite's
// redemptions, from whatever addresses (docs/security.md, "Brute force
// and floods").
type InviteLimits interface {
	// InviteTry takes a try of invite id from the client address ip, or
	// refuses it: the code (rate_limited, too_many_attempts) and how long
	// to wait. The refusal's security event is the limit's.
	InviteTry(id, ip string) (code string, wait time.Duration)
	// InviteFailed counts a failed guess against invite id (a wrong room
	// password or email domain).
	InviteFailed(id string)
}

// redeemInvite: POST /v1/invites/redeem, no session. Anyone with the link
// gets a guest join token for its room, once per use. The order keeps
// cheap refusals first and the one write last: the address's throttle,
// the body, the signature (no store read for a forged token), the stored
// invite's state, the email domain, the room, the room password (its
// seam), then the use, counted atomically, after the guest token is
// signed, so that a counted use always has its token. Every refusal is a
// meeting_invite_redeemed security event with outcome refused and the
// code as its reason; those that could be guessing (a link this server
// did not sign, a wrong email domain, a wrong password) count as failures
// of the address, whose tries are then delayed like sign-ins'. Once the
// link's signature verifies, the invite's own limits apply (InviteLimits):
// a wrong email domain or password counts against the invite too.
func (s *Service) redeemInvite(w http.ResponseWriter, r *http.Request) {
	c := clientOf(r)
	if wait := s.cfg.Tracker.AddrWait(c.key); wait > 0 {
		s.event(c, room.SecurityEvent{Kind: room.SecurityMeetingInviteRedeemed, Outcome: room.OutcomeRefused,
			Reason: protocol.CodeTooManyAttempts})
		retryAfter(w, wait)
		return
	}
	var req RedeemInviteRequest
	if !decode(w, r, &req) {
		return
	}
	refuse := func(id, code, msg string, guess bool) {
		if guess {
			s.cfg.Tracker.AddrFailed(c.key)
			if id != "" && s.cfg.InviteLimits != nil {
				s.cfg.InviteLimits.InviteFailed(id)
			}
		}
		s.event(c, room.SecurityEvent{Kind: room.SecurityMeetingInviteRedeemed, Outcome: room.OutcomeRefused,
			Reason: code, Subject: id, Email: canonicalEmail(truncateUTF8(req.Email, MaxGuestEmailBytes))})
		httpapi.WriteCode(w, code, msg)
	}
	mem, isMember, err := s.memberOf(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	name := guestName(req.Name)
	if isMember {
		if n := hostName(mem); n != "" {
			name = n
		}
	}
	if name == "" {
		invalidArgument(w, "name: 1-128 bytes of text, no control characters")
		return
	}
	pub, _ := s.cfg.ServerKey.Private.Public().(ed25519.PublicKey)
	p, err := parseInvite(req.Invite, pub)
	if err != nil {
		refuse("", protocol.CodeInviteLinkInvalid, "this is not a valid invite link", true)
		return
	}
	if s.cfg.InviteLimits != nil {
		if code, wait := s.cfg.InviteLimits.InviteTry(p.ID, c.ip); code != "" {
			inviteLimited(w, code, wait)
			return
		}
	}
	now := s.now()
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	in, err := s.cfg.Invites.MeetingInvite(ctx, p.ID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && in.Room != p.Room):
		// Signed here but gone: purged after its expiry, or a database
		// that is not the one it was made in.
		refuse(p.ID, protocol.CodeInviteLinkInvalid, "this invite is not known here", false)
		return
	case err != nil:
		s.storeRefusal(w, err)
		return
	}
	if code, msg := inviteState(in, now); code != "" {
		refuse(in.ID, code, msg, false)
		return
	}
	if isMember {
		// A member's address is its account's, not one it states.
		req.Email = mem.Email
	}
	if in.EmailDomain != "" {
		// Stated, not verified: see docs/access.md, "Invites".
		if d := emailDomain(req.Email); d == "" || d != in.EmailDomain {
			refuse(in.ID, protocol.CodeInviteEmailDomain, "this invite is for guests with an email address at a particular domain: give yours", true)
			return
		}
	}
	info, err := s.cfg.Rooms.Get(room.RoomName(in.Room))
	if err != nil || string(info.Owner) != in.Owner {
		refuse(in.ID, protocol.CodeRoomNotFound, "the meeting of this invite is not running", false)
		return
	}
	if s.cfg.RoomPasswords != nil {
		if err := s.cfg.RoomPasswords.CheckRoomPassword(ctx, info.Name, info.Owner, req.Password, c.key); err != nil {
			code := room.RESTCode(err)
			if code == protocol.CodeInternal {
				s.fail(w, err)
				return
			}
			if wait := room.RetryAfter(err); wait > 0 {
				httpapi.SetRetryAfter(w, wait)
			}
			// Only a wrong password is a guess; the room's own throttle
			// counted it too.
			refuse(in.ID, code, room.Message(err), code == protocol.CodePasswordWrong)
			return
		}
	}
	var memberID string
	if isMember {
		memberID = mem.ID
	}
	join, err := s.guestToken(in, name, memberID, now)
	if err != nil {
		s.fail(w, err)
		return
	}
	used, err := s.cfg.Invites.UseMeetingInvite(ctx, in.ID, now)
	if err != nil {
		if code, msg := useRefusal(err); code != "" {
			refuse(in.ID, code, msg, false)
			return
		}
		s.storeRefusal(w, err)
		return
	}
	s.event(c, room.SecurityEvent{Kind: room.SecurityMeetingInviteRedeemed, Actor: join.Identity, Subject: in.ID,
		Reason: in.Room + " " + in.Role, Email: canonicalEmail(truncateUTF8(req.Email, MaxGuestEmailBytes))})
	s.log.Info("invite redeemed", "room", in.Room, "invite", in.ID, "uses", used.Uses, "guest", join.Identity)
	writeJSON(w, RedeemInviteResponse{Room: in.Room, Role: in.Role, Invite: in.ID, Join: join, Member: isMember})
}

// inviteLimited answers a try the invite's limits refused: 429 with
// Retry-After.
func inviteLimited(w http.ResponseWriter, code string, wait time.Duration) {
	secs := httpapi.SetRetryAfter(w, wait)
	msg := "this invite is being tried too often: try again in " + strconv.FormatInt(secs, 10) + " s"
	if code == protocol.CodeTooManyAttempts {
		msg = "too many failed attempts with this invite: try again in " + strconv.FormatInt(secs, 10) + " s"
	}
	httpapi.WriteError(w, http.StatusTooManyRequests, code, msg)
}

// inviteState is the refusal of an invite that cannot be used at now, or
// "" when it can (the use itself is decided by the store).
func inviteState(in store.MeetingInvite, now time.Time) (code, msg string) {
	switch {
	case in.Revoked():
		return protocol.CodeInviteRevoked, "this invite was revoked"
	case !now.Before(in.ExpiresAt):
		return protocol.CodeInviteExpired, "this invite has expired"
	case in.Uses >= in.MaxUses:
		return protocol.CodeInviteUsedUp, "this invite has been used as many times as it may be"
	}
	return "", ""
}

// useRefusal is the refusal of a use the store did not count.
func useRefusal(err error) (code, msg string) {
	switch {
	case errors.Is(err, store.ErrInviteRevoked):
		return protocol.CodeInviteRevoked, "this invite was revoked"
	case errors.Is(err, store.ErrInviteExpired):
		return protocol.CodeInviteExpired, "this invite has expired"
	case errors.Is(err, store.ErrInviteUsedUp):
		return protocol.CodeInviteUsedUp, "this invite has been used as many times as it may be"
	case errors.Is(err, store.ErrNotFound):
		return protocol.CodeInviteLinkInvalid, "this invite is not known here"
	}
	return "", ""
}

// storeRefusal answers a store failure.
func (s *Service) storeRefusal(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrUnavailable) {
		s.log.Error("accounts: invites: store unavailable", "err", err)
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the invite could not be used now; try again later")
		return
	}
	s.fail(w, err)
}

// guestToken signs a guest's join token: the invite's room and role, a
// fresh random identity, the owner claim (the room's owner, whose token
// the verifier makes it) and the invite claim (its id, for the lobby, and
// so that revoking the invite refuses it). It expires when the invite
// does, if that is sooner than its lifetime: an invite's expiry bounds
// every way in it gives.
//
// A signed-in member's token (member, its user id) has the member's user
// id as its identity, the same at every redemption, so that a ban of the
// member in the room holds whatever link it comes by, and the member
// claim, which the policy's members_skip_lobby reads.
func (s *Service) guestToken(in store.MeetingInvite, name, member string, now time.Time) (JoinInfo, error) {
	ttl := s.guestTokenLifetime()
	if left := in.ExpiresAt.Sub(now.Truncate(time.Second)); left < ttl {
		// Invites expire on a whole second and now is before it, so
		// left is at least a second.
		ttl = left
	}
	identity := GuestIdentityPrefix + string(room.NewName())
	if member != "" {
		identity = member
	}
	raw, err := s.cfg.ServerKey.MintAt(token.Options{
		Identity: identity, Name: name, Room: in.Room, TTL: ttl, Grants: guestGrants(in.Role),
		Owner: in.Owner, Invite: in.ID, Member: member,
	}, now)
	if err != nil {
		return JoinInfo{}, err
	}
	return JoinInfo{Token: raw, Identity: identity, Name: name, ExpiresAt: now.Truncate(time.Second).Add(ttl).UTC()}, nil
}

// memberOf is the signed-in member a redemption comes from: the session
// cookie's account, if the session is live (not expired, not idle), the
// account active, its email domain one the policy allows, and its second
// factor enrolled if the policy requires one. Without
// one, or with a cookie that names no such session, the redemption is a
// guest's (anyone with the link may redeem it as a guest): nothing is
// refused, changed or cleared here, the session routes do that.
func (s *Service) memberOf(r *http.Request) (store.User, bool, error) {
	hash, ok := cookieHash(r)
	if !ok {
		return store.User{}, false, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	se, err := s.cfg.Store.SessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	now := s.now()
	if !now.Before(se.ExpiresAt) || now.Sub(se.LastSeenAt) >= s.cfg.Accounts.SessionIdle {
		return store.User{}, false, nil
	}
	u, err := s.cfg.Store.User(ctx, se.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	if u.Status != store.StatusActive || !s.pol().AllowsEmail(u.Email) {
		return store.User{}, false, nil
	}
	if s.secondFactorRequired(u) {
		// As the signed-in routes' gate: an account the policy requires
		// a second factor of is a member once it has one.
		f, err := s.factorsOf(ctx, u)
		if err != nil {
			return store.User{}, false, err
		}
		if !f.any() {
			return store.User{}, false, nil
		}
	}
	return u, true, nil
}
