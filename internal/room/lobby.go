package room

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// The room password and the lobby (docs/access.md, "Lobby and password").
// A guest is a join whose role would be below moderator. It gives the
// room's password, if the room has one, then waits in the lobby, if the
// room has one, until someone with the admit permission admits or denies
// it. Both are part of decide; this file keeps the state they need.

// LobbyMode says whether a room's guests wait in a lobby.
type LobbyMode string

// Lobby modes. A Spec's "" takes the default (defaultLobby).
const (
	LobbyOn  LobbyMode = "on"
	LobbyOff LobbyMode = "off"
)

// Valid reports whether m is a mode ("" is not).
func (m LobbyMode) Valid() bool { return m == LobbyOn || m == LobbyOff }

// LobbyID names one guest's wait.
type LobbyID string

// LobbyGuest is a guest waiting, as those who may admit it see it.
type LobbyGuest struct {
	ID       LobbyID   `json:"id"`
	Identity Identity  `json:"identity"`
	Name     string    `json:"name,omitempty"`
	Invite   bool      `json:"invite"`
	Member   bool      `json:"member"`
	Since    time.Time `json:"since"`
}

// Wire is the guest as the protocol carries it.
func (g LobbyGuest) Wire() protocol.LobbyGuestInfo {
	return protocol.LobbyGuestInfo{ID: string(g.ID), Identity: string(g.Identity), Name: g.Name, Invite: g.Invite, Member: g.Member, Since: g.Since.Unix()}
}

// Limits of the lobby and of password attempts.
const (
	// MaxLobbyPerRoom and MaxLobbyTotal bound the guests waiting (each
	// holds a connection), in one room and on the node: beyond them a
	// guest is refused lobby_full.
	MaxLobbyPerRoom = 50
	MaxLobbyTotal   = 1000
	// MaxLobbyWait is how long a guest may wait before it is refused
	// lobby_timeout.
	MaxLobbyWait = 30 * time.Minute
	// passwordTimeout bounds one password check, waiting for a hashing
	// slot included.
	passwordTimeout = 10 * time.Second
)

// Wrong room passwords are throttled per address, per identity and per
// room: five free tries from an address, or by an identity (the token's
// issuer and subject, from whatever addresses), then 1 s doubling to
// 5 min; twenty for a room from anywhere, then 1 s doubling to 1 min
// (short, so that a guesser cannot keep a room's own guests out for
// long). All are forgotten after 15 minutes without a failure; a right
// password resets its address and its identity.
const (
	pwAddrFree, pwRoomFree = 5, 20
	pwBase                 = time.Second
	pwAddrMax, pwRoomMax   = 5 * time.Minute, time.Minute
	pwForget               = 15 * time.Minute
)

// passwordAddrThrottle (addresses and identities) and
// passwordRoomThrottle are the throttle policies of wrong room passwords
// (functions: no package variables).
func passwordAddrThrottle() guard.ThrottlePolicy {
	return guard.ThrottlePolicy{Free: pwAddrFree, Base: pwBase, Max: pwAddrMax, Forget: pwForget}
}

func passwordRoomThrottle() guard.ThrottlePolicy {
	return guard.ThrottlePolicy{Free: pwRoomFree, Base: pwBase, Max: pwRoomMax, Forget: pwForget}
}

// Passwords hashes room passwords and checks them: implemented by
// *auth.Hasher (argon2id, with a bound on concurrent hashes).
type Passwords interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error)
}

// throttledError refuses a password try made too soon: too_many_attempts,
// and how long to wait (RetryAfter).
type throttledError struct {
	err  *Error
	wait time.Duration
}

func (e *throttledError) Error() string { return e.err.Error() }
func (e *throttledError) Unwrap() error { return e.err }

// errThrottled refuses a password try made too soon.
func errThrottled(wait time.Duration) error {
	return &throttledError{&Error{protocol.CodeTooManyAttempts, "",
		fmt.Sprintf("too many wrong passwords; try again in %d s", protocol.RetryAfterSeconds(wait))}, wait}
}

// RetryAfter is how long a too_many_attempts refusal asks to wait before
// the next try; 0 for any other error.
func RetryAfter(err error) time.Duration {
	if e, ok := errors.AsType[*throttledError](err); ok {
		return e.wait
	}
	return 0
}

// errRoomClosedFor is what a guest waiting in a room that closes is told.
func errRoomClosedFor(reason LeaveReason) error {
	return &Error{protocol.CodeRoomNotFound, "", "the meeting ended (" + string(reason) + ")"}
}

// guest reports whether a join with role r is a guest's.
func (r Role) guest() bool { return r.rank() < RoleModerator.rank() }

// openToGuests reports whether owner's rooms are open to guests, the
// rooms the policy's guest rules bind: an account's (its meetings, which
// people without an account reach through invites). An API key's rooms
// are its application's, whose backend authenticates everyone it mints a
// token for; they may still have a lobby and a password.
func openToGuests(owner KeyID) bool { return owner.Account() }

// defaultLobby is the lobby of owner's room created without a mode: on
// when the room is open to guests and the policy's lobby_for_guests is.
func (m *Manager) defaultLobby(owner KeyID) LobbyMode {
	if p := m.policy(); p != nil && p.LobbyForGuests && openToGuests(owner) {
		return LobbyOn
	}
	return LobbyOff
}

func (m *Manager) hashPassword(pw string) (string, error) {
	if !protocol.ValidRoomPassword(pw) {
		return "", ErrBadPassword
	}
	if m.cfg.Passwords == nil {
		return "", ErrNoPasswords
	}
	ctx, cancel := context.WithTimeout(context.Background(), passwordTimeout)
	defer cancel()
	h, err := m.cfg.Passwords.Hash(ctx, pw)
	if err != nil {
		return "", wrapUnavailable(err)
	}
	return h, nil
}

// checkPassword checks a join's password before the decision, outside
// every lock, and puts the result in dreq. A join that gives none, or
// needs none, costs nothing; a wrong one counts against its address and
// the room, and a try while either must wait is not checked at all.
func (m *Manager) checkPassword(req JoinRequest, dreq *Request) error {
	c := req.Claims
	if c == nil || req.Password == "" {
		return nil
	}
	m.mu.Lock()
	r := m.rooms[RoomName(c.Room)]
	m.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	hash, owner, role := r.spec.PasswordHash, r.spec.Owner, r.roles[Identity(c.Subject)]
	r.mu.Unlock()
	if role == "" {
		role = roleFor(c.Grants)
	}
	if hash == "" || !role.guest() || owner != KeyID(c.Issuer) {
		return nil // decide refuses another owner's token first
	}
	dreq.PasswordGiven = true
	ctx, cancel := context.WithTimeout(context.Background(), passwordTimeout)
	defer cancel()
	ok, wait, err := m.tryPassword(ctx, r, hash, req.Password, c.Subject, req.Addr)
	switch {
	case err != nil:
		return err
	case wait > 0:
		dreq.PasswordWait = wait
	case ok:
		dreq.PasswordMatched = hash
	}
	return nil
}

// CheckRoomPassword checks password for owner's room name before a
// guest's token is issued (an invite's redemption, accounts.RoomPasswords):
// nil when the room has no password or password is it; otherwise
// ErrPasswordRequired, ErrPasswordWrong or a too_many_attempts refusal
// (RetryAfter), with the same throttles and security events as a join's.
// A guest's join asks for the password again: a token issued before the
// password changed must not get around the new one.
func (m *Manager) CheckRoomPassword(ctx context.Context, name RoomName, owner KeyID, password, addr string) error {
	r, err := m.ownedRoom(name, owner)
	if err != nil {
		return err
	}
	r.mu.Lock()
	hash := r.spec.PasswordHash
	r.mu.Unlock()
	switch {
	case hash == "":
		return nil
	case password == "":
		return ErrPasswordRequired
	case !protocol.ValidRoomPassword(password):
		// Never the room's: no hash spent on it, but a wrong try.
		password = ""
	}
	ctx, cancel := context.WithTimeout(ctx, passwordTimeout)
	defer cancel()
	ok, wait, err := m.tryPassword(ctx, r, hash, password, "", addr)
	switch {
	case err != nil:
		return err
	case wait > 0:
		return errThrottled(wait)
	case !ok:
		return ErrPasswordWrong
	}
	return nil
}

// tryPassword checks password ("": wrong without hashing) against hash,
// the password of r, unless addr, the identity subject (of r's owner; ""
// for none known) or the room must wait after wrong ones: then it returns
// how long, and checks nothing. A wrong one counts against all three; a
// right one resets addr and subject. Each refusal is a security event
// with subject and addr.
func (m *Manager) tryPassword(ctx context.Context, r *Room, hash, password, subject, addr string) (ok bool, wait time.Duration, err error) {
	roomKey := string(r.spec.Owner) + "/" + string(r.spec.Name)
	identKey := ""
	if subject != "" {
		// The room's owner issued the token (checkPassword): its
		// identities are the ones a ban keys on.
		identKey = string(r.spec.Owner) + "\x00" + subject
	}
	ev := SecurityEvent{Outcome: OutcomeRefused, Subject: subject, IP: addr}
	w := max(m.pwAddr.Wait(addr), m.pwRoom.Wait(roomKey))
	if identKey != "" {
		w = max(w, m.pwIdent.Wait(identKey))
	}
	if w > 0 {
		ev.Kind = SecurityRoomPasswordThrottled
		m.securityIn(r.spec.Name, ev)
		return false, w, nil
	}
	if password != "" {
		mac := m.pwVerified.mac(roomKey, hash, password)
		if ok = m.pwVerified.seen(mac, m.cfg.Now()); !ok {
			if m.cfg.Passwords == nil {
				return false, 0, ErrNoPasswords
			}
			ok, _, err = m.cfg.Passwords.Verify(ctx, password, hash)
			if err != nil {
				return false, 0, wrapUnavailable(err)
			}
			if ok {
				m.pwVerified.add(mac, m.cfg.Now())
			}
		}
	}
	if ok {
		m.pwAddr.Reset(addr)
		if identKey != "" {
			m.pwIdent.Reset(identKey)
		}
		return true, 0, nil
	}
	m.pwAddr.Failed(addr)
	m.pwRoom.Failed(roomKey)
	if identKey != "" {
		m.pwIdent.Failed(identKey)
	}
	ev.Kind = SecurityRoomPasswordFailed
	m.securityIn(r.spec.Name, ev)
	return false, 0, nil
}

// waiter is one guest in a room's lobby.
type waiter struct {
	guest LobbyGuest
	req   JoinRequest
	timer Timer
	// What the guest was last told.
	told     bool
	lastPos  int
	lastHost bool
}

// waiting is the guest with identity in the lobby, if any. Called with
// r.mu held.
func (r *Room) waiting(id Identity) *waiter {
	for _, w := range r.lobby {
		if w.guest.Identity == id {
			return w
		}
	}
	return nil
}

func (r *Room) waiterByID(id LobbyID) *waiter {
	for _, w := range r.lobby {
		if w.guest.ID == id {
			return w
		}
	}
	return nil
}

// lobbyLocked lists the guests waiting, in order of arrival.
func (r *Room) lobbyLocked() []LobbyGuest {
	out := make([]LobbyGuest, len(r.lobby))
	for i, w := range r.lobby {
		out[i] = w.guest
	}
	return out
}

// admitters are the participants who may admit.
func (r *Room) admitters() []*Participant {
	var out []*Participant
	for _, p := range r.participants {
		if p.info.Permissions.Has(Admit) {
			out = append(out, p)
		}
	}
	return out
}

// enqueueLocked puts the guest d decided on in the lobby, and tells it and
// those who may admit. Called with r.mu held.
func (r *Room) enqueueLocked(d Decision, req JoinRequest) LobbyID {
	m := r.manager
	// Invite comes from the token's invite claim, which the verifier
	// accepts only in the guest tokens the server signs when it redeems
	// one of its invite links (docs/access.md, "Invites").
	w := &waiter{req: req, guest: LobbyGuest{
		ID: LobbyID(newID("LB_")), Identity: d.Identity, Name: req.Claims.Name, Invite: req.Claims.Invite != "", Member: req.Claims.Member != "", Since: m.now(),
	}}
	r.lobby = append(r.lobby, w)
	m.lobbyTotal.Add(1)
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	w.timer = m.cfg.AfterFunc(MaxLobbyWait, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if slices.Contains(r.lobby, w) {
			r.denyLocked(w, Actor{}, ErrLobbyTimeout, protocol.LobbyTimeout)
		}
	})
	g := w.guest
	r.emit(Event{Kind: EventLobbyGuest, Guest: &g}, r.admitters()...)
	r.lobbyStatusLocked()
	return w.guest.ID
}

// lobbyStatusLocked tells every guest whose place, or whose hope of a
// host, changed.
func (r *Room) lobbyStatusLocked() {
	host := len(r.admitters()) > 0
	for i, w := range r.lobby {
		if w.told && w.lastPos == i+1 && w.lastHost == host {
			continue
		}
		w.told, w.lastPos, w.lastHost = true, i+1, host
		g := w.guest
		w.req.Listener.OnEvent(Event{Kind: EventLobbyStatus, Time: r.manager.now(), Room: r.spec.Name, Guest: &g,
			LobbyPosition: i + 1, LobbyHostPresent: host})
	}
}

// dropLocked takes w out of the lobby and tells those who may admit why.
func (r *Room) dropLocked(w *waiter, reason string) {
	i := slices.Index(r.lobby, w)
	if i < 0 {
		return
	}
	r.lobby = slices.Delete(r.lobby, i, i+1)
	r.manager.lobbyTotal.Add(-1)
	if w.timer != nil {
		w.timer.Stop()
	}
	g := w.guest
	r.emit(Event{Kind: EventLobbyGuestLeft, Guest: &g, LobbyReason: reason}, r.admitters()...)
	r.lobbyStatusLocked()
	if len(r.lobby) == 0 && len(r.participants) == 0 && !r.closed {
		r.armEmptyTimer()
	}
}

// denyLocked refuses w with err: it is told, its session ends, and it is
// a lobby_denied security event (Reason: why) by a.
func (r *Room) denyLocked(w *waiter, a Actor, err error, reason string) {
	r.dropLocked(w, reason)
	w.req.Listener.OnEvent(Event{Kind: EventLobbyDenied, Time: r.manager.now(), Room: r.spec.Name, Err: err})
	r.security(SecurityEvent{Kind: SecurityLobbyDenied, Outcome: OutcomeSucceeded, Reason: reason, Actor: a.name(),
		Subject: string(w.guest.Identity)})
}

// denyWaiting refuses, as a, the guests whose token match selects: a ban
// or a revocation reaches those who wait as it reaches those in the room
// (an admission would otherwise let in a token the server now refuses).
func (r *Room) denyWaiting(a Actor, match func(*token.Claims) bool, err error, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range slices.Clone(r.lobby) {
		if match(w.req.Claims) {
			r.denyLocked(w, a, err, reason)
		}
	}
}

// denyAllLocked refuses every guest waiting.
func (r *Room) denyAllLocked(a Actor, err error, reason string) {
	for _, w := range slices.Clone(r.lobby) {
		r.denyLocked(w, a, err, reason)
	}
}

// admitLocked admits w, deciding its join again as it is now (a ban, the
// lock, the room's capacity): a room that is full keeps it waiting and
// refuses the admission (ErrRoomFull); any other refusal is the guest's,
// who is told, and the admitter sees it as lobby_guest_left with the
// refusal's code: the admission itself returns nil.
func (r *Room) admitLocked(w *waiter, a Actor) error {
	m := r.manager
	i := slices.Index(r.lobby, w)
	r.lobby = slices.Delete(r.lobby, i, i+1)
	st := m.baseState()
	r.stateLocked(&st, w.req.Claims)
	d := decide(Request{Claims: w.req.Claims, Action: ActionJoin, E2EE: w.req.E2EE, FromLobby: true, Addr: w.req.Addr}, st)
	r.emit(Event{Kind: EventDecision, Decision: &d})
	if d.Outcome != Admitted {
		r.lobby = slices.Insert(r.lobby, i, w)
		if d.Err == ErrRoomFull {
			return d.Err
		}
		r.denyLocked(w, a, d.Err, d.Code())
		return nil
	}
	r.lobby = slices.Insert(r.lobby, i, w)
	r.dropLocked(w, protocol.LobbyAdmitted)
	r.admitted[w.guest.Identity] = true
	p := r.addLocked(d, st, w.req)
	r.security(SecurityEvent{Kind: SecurityLobbyAdmitted, Outcome: OutcomeSucceeded, Actor: a.name(), Subject: string(w.guest.Identity)})
	w.req.OnAdmit(p)
	return nil
}

// lobbyAction admits or denies one guest (id) or all, as a, once the role
// decision allows it. Called with r.mu held.
func (r *Room) lobbyActionLocked(a Actor, admit bool, id LobbyID, all bool) error {
	action := ActionDenyGuest
	if admit {
		action = ActionAdmitGuest
	}
	var subject Identity
	var one *waiter
	if !all {
		if one = r.waiterByID(id); one != nil {
			subject = one.guest.Identity
		}
	}
	if err := r.decideLocked(Request{Action: action, Actor: a, Subject: subject}); err != nil {
		return err
	}
	targets := slices.Clone(r.lobby)
	if !all {
		if one == nil {
			return ErrGuestNotFound
		}
		targets = []*waiter{one}
	}
	for _, w := range targets {
		if !slices.Contains(r.lobby, w) {
			continue
		}
		if !admit {
			r.denyLocked(w, a, ErrLobbyDenied, protocol.LobbyDenied)
			continue
		}
		if err := r.admitLocked(w, a); err != nil && (!all || err == ErrRoomFull) {
			return err
		}
	}
	return nil
}

// AdmitGuest admits the guest id, or every guest with all.
func (p *Participant) AdmitGuest(id LobbyID, all bool) error { return p.lobbyAction(true, id, all) }

// DenyGuest refuses the guest id, or every guest with all.
func (p *Participant) DenyGuest(id LobbyID, all bool) error { return p.lobbyAction(false, id, all) }

func (p *Participant) lobbyAction(admit bool, id LobbyID, all bool) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left {
		return ErrRoomClosed
	}
	return r.lobbyActionLocked(p.actorLocked(), admit, id, all)
}

// AdmitGuest admits (or, with admit false, denies) the guest id, or every
// guest with all, in owner's room, as the REST token by acts.
func (m *Manager) AdmitGuest(name RoomName, by *token.Claims, admit bool, id LobbyID, all bool) error {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lobbyActionLocked(r.restActorLocked(by), admit, id, all)
}

// Lobby lists the guests waiting in owner's room name.
func (m *Manager) Lobby(name RoomName, owner KeyID) ([]LobbyGuest, error) {
	r, err := m.ownedRoom(name, owner)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lobbyLocked(), nil
}

// WaitingGuests is the lobby as p may see it: the guests waiting if p
// may admit them, else nil.
func (p *Participant) WaitingGuests() []LobbyGuest {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left || !p.info.Permissions.Has(Admit) {
		return nil
	}
	return r.lobbyLocked()
}

// LeaveLobby takes the guest id out of room name's lobby: its session
// ended. A guest already admitted or refused is not there.
func (m *Manager) LeaveLobby(name RoomName, id LobbyID) {
	r, err := m.room(name)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if w := r.waiterByID(id); w != nil {
		r.dropLocked(w, protocol.LobbyLeft)
	}
}

// SetPassword sets (or with "" clears) the room's password, as p.
func (p *Participant) SetPassword(pw string) error {
	r := p.room
	r.mu.Lock()
	left, a := p.left, p.actorLocked()
	r.mu.Unlock()
	if left {
		return ErrRoomClosed
	}
	return r.setPassword(func() Actor { return p.actorLocked() }, a, pw)
}

// SetPassword sets (or with "" clears) owner's room's password, as the
// REST token by acts.
func (m *Manager) SetPassword(name RoomName, by *token.Claims, pw string) (Info, error) {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return Info{}, err
	}
	if err := r.setPassword(func() Actor { return r.restActorLocked(by) }, Actor{}, pw); err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

// setPassword decides (ActionSetPassword: the lock permission), hashes
// outside the room's lock, checks the policy, stores the room, and only
// then puts the new hash in force. r.moderation keeps two changes from
// crossing.
func (r *Room) setPassword(actor func() Actor, _ Actor, pw string) error {
	m := r.manager
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	a := actor()
	err := r.decideLocked(Request{Action: ActionSetPassword, Actor: a})
	spec := r.spec
	r.mu.Unlock()
	if err != nil {
		return err
	}
	spec.PasswordHash = ""
	if pw != "" {
		if spec.PasswordHash, err = m.hashPassword(pw); err != nil {
			return err
		}
	}
	if err := m.policyAllowsRoom(spec); err != nil {
		return err
	}
	if m.cfg.Store != nil {
		info := r.Info()
		info.PasswordHash, info.Password = spec.PasswordHash, spec.PasswordHash != ""
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := m.cfg.Store.SaveRoom(ctx, info)
		cancel()
		if err != nil {
			m.cfg.Logger.Error("room password not stored", "room", r.spec.Name, "err", err)
			return wrapUnavailable(err)
		}
	}
	r.mu.Lock()
	r.spec.PasswordHash = spec.PasswordHash
	reason := "set"
	if pw == "" {
		reason = "cleared"
	}
	r.security(SecurityEvent{Kind: SecurityRoomPasswordSet, Outcome: OutcomeSucceeded, Reason: reason, Actor: a.name()})
	r.mu.Unlock()
	return nil
}

// LobbyOn reports whether the room's lobby is on.
func (p *Participant) LobbyOn() bool {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spec.Lobby == LobbyOn
}

// SetLobby turns the room's lobby on or off, as p.
func (p *Participant) SetLobby(on bool) error {
	return p.room.setLobby(func() (Actor, error) {
		if p.left {
			return Actor{}, ErrRoomClosed
		}
		return p.actorLocked(), nil
	}, on)
}

// SetLobby turns owner's room's lobby on or off, as the REST token by
// acts.
func (m *Manager) SetLobby(name RoomName, by *token.Claims, on bool) (Info, error) {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return Info{}, err
	}
	if err := r.setLobby(func() (Actor, error) { return r.restActorLocked(by), nil }, on); err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

// setLobby is the one lobby change, whoever asks: the decision
// (ActionSetLobby: the lock permission; the policy first: a room open to
// guests under lobby_for_guests cannot turn it off), then the store, and
// only then the room: a change the store cannot take is not made
// (ErrUnavailable). Turning it to what it is changes nothing and tells
// nobody. Turning it off admits nobody: the guests waiting stay until
// admitted or denied (docs/access.md). r.moderation keeps two changes
// from crossing.
func (r *Room) setLobby(whom func() (Actor, error), on bool) error {
	m := r.manager
	r.moderation.Lock()
	defer r.moderation.Unlock()
	mode := LobbyOff
	if on {
		mode = LobbyOn
	}
	r.mu.Lock()
	a, err := whom()
	if err == nil {
		var pol error
		if p := m.policy(); !on && p != nil && p.LobbyForGuests && openToGuests(r.spec.Owner) {
			pol = ErrPolicyLobby
		}
		err = r.decideLocked(Request{Action: ActionSetLobby, Actor: a, Policy: pol})
	}
	same := r.spec.Lobby == mode
	r.mu.Unlock()
	if err != nil || same {
		return err
	}
	if m.cfg.Store != nil {
		info := r.Info()
		info.Lobby = on
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := m.cfg.Store.SaveRoom(ctx, info)
		cancel()
		if err != nil {
			m.cfg.Logger.Error("room lobby not stored", "room", r.spec.Name, "err", err)
			return wrapUnavailable(err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.spec.Lobby = mode
	r.emit(Event{Kind: EventLobbyChanged, Actor: a.ID, LobbyOn: on}, r.everyone(nil)...)
	r.security(SecurityEvent{Kind: SecurityLobbyChanged, Outcome: OutcomeSucceeded, Reason: string(mode), Actor: a.name()})
	return nil
}
