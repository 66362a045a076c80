package accounts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// Passkeys over HTTP (docs/accounts.md, "Passkeys"): registering, listing,
// renaming and removing the signed-in account's passkeys, signing in with
// a passkey alone, and a passkey as the second step after a password.
// The ceremonies themselves (challenges, verification, the limit per
// account, the signature counter) are auth.Passkeys'.

// maxCeremonyLen bounds a ceremony id as a client sends it; real ones are
// 43 characters.
const maxCeremonyLen = 64

// PasskeyView is one of the account's passkeys.
type PasskeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func passkeyView(p store.Passkey) PasskeyView {
	v := PasskeyView{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt.UTC()}
	if !p.LastUsedAt.IsZero() {
		t := p.LastUsedAt.UTC()
		v.LastUsedAt = &t
	}
	return v
}

// PasskeyList is the answer of GET /v1/auth/passkeys.
type PasskeyList struct {
	Passkeys []PasskeyView `json:"passkeys"`
}

// PasskeyResponse answers a registration or a rename.
type PasskeyResponse struct {
	Passkey PasskeyView `json:"passkey"`
	// RecoveryCodes are new recovery codes, shown once: only when this
	// registration made them.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
}

// PasskeyOptionsResponse starts a ceremony: Options is the publicKey
// member of the options (PublicKeyCredentialCreationOptionsJSON or
// PublicKeyCredentialRequestOptionsJSON), Ceremony the id to finish it
// with.
type PasskeyOptionsResponse struct {
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

// PasskeyRegisterRequest is the body of POST /v1/auth/passkeys/finish;
// Credential is the browser's PublicKeyCredential.toJSON().
type PasskeyRegisterRequest struct {
	Ceremony   string          `json:"ceremony"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// PasskeyRenameRequest is the body of PATCH /v1/auth/passkeys/{id}.
type PasskeyRenameRequest struct {
	Name *string `json:"name"`
}

// PasskeySigninRequest is the body of POST /v1/auth/passkey/finish.
type PasskeySigninRequest struct {
	Ceremony   string          `json:"ceremony"`
	Credential json.RawMessage `json:"credential"`
}

// TicketRequest is the body of POST /v1/auth/signin/passkey/options.
type TicketRequest struct {
	Ticket string `json:"ticket"`
}

// PasskeySecondStepRequest is the body of POST
// /v1/auth/signin/passkey/finish.
type PasskeySecondStepRequest struct {
	Ticket     string          `json:"ticket"`
	Ceremony   string          `json:"ceremony"`
	Credential json.RawMessage `json:"credential"`
}

// passkeysOn answers 501 passkeys_unavailable when the server has no
// relying party (no public_url outside dev mode).
func (s *Service) passkeysOn(w http.ResponseWriter) bool {
	if s.cfg.Passkeys == nil {
		httpapi.WriteError(w, http.StatusNotImplemented, protocol.CodePasskeysUnavailable,
			"passkeys are not available on this server: its operator has not set public_url")
		return false
	}
	return true
}

func passkeyUser(u store.User) auth.PasskeyUser {
	return auth.PasskeyUser{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName}
}

// checkCeremony checks the ceremony and credential fields of a finish.
func checkCeremony(w http.ResponseWriter, ceremony string, credential json.RawMessage) bool {
	switch {
	case ceremony == "":
		invalidArgument(w, "ceremony is required: the id the options call answered with")
		return false
	case len(ceremony) > maxCeremonyLen:
		invalidArgument(w, "ceremony is not a ceremony id")
		return false
	case !bytes.HasPrefix(bytes.TrimLeft(credential, " \t\r\n"), []byte("{")):
		invalidArgument(w, "credential is required: the object PublicKeyCredential.toJSON() returns")
		return false
	}
	return true
}

// publicKeyMember returns the publicKey member of the options a ceremony
// began with: what the browser's parse…OptionsFromJSON takes.
func publicKeyMember(options []byte) (json.RawMessage, error) {
	var o struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("accounts: passkey options: %w", err)
	}
	if len(o.PublicKey) == 0 {
		return nil, errors.New("accounts: passkey options without publicKey")
	}
	return o.PublicKey, nil
}

func (s *Service) writeOptions(w http.ResponseWriter, options []byte, ceremony string) {
	pk, err := publicKeyMember(options)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, PasskeyOptionsResponse{Ceremony: ceremony, Options: pk})
}

// passkeyError answers an error of auth.Passkeys. A refusal's reason is
// logged (it holds no secret), never sent: the client is told what to do.
func (s *Service) passkeyError(w http.ResponseWriter, err error) {
	refused := func(status int, code, msg string) {
		s.log.Info("accounts: passkey refused", "err", err)
		httpapi.WriteError(w, status, code, msg)
	}
	switch {
	case errors.Is(err, auth.ErrChallengeUnknown):
		refused(http.StatusBadRequest, protocol.CodePasskeyFailed, "the passkey ceremony is unknown, already used or expired: start again")
	case errors.Is(err, auth.ErrPasskeyExists):
		refused(http.StatusBadRequest, protocol.CodePasskeyFailed, "this passkey is already registered")
	case errors.Is(err, auth.ErrPasskeyFailed):
		refused(http.StatusBadRequest, protocol.CodePasskeyFailed, "the passkey's answer does not verify: try again, or use another passkey")
	case errors.Is(err, auth.ErrNoPasskeys):
		refused(http.StatusBadRequest, protocol.CodePasskeyFailed, "this account has no passkey: use another second factor")
	case errors.Is(err, auth.ErrTooManyPasskeys):
		refused(http.StatusBadRequest, protocol.CodeInvalidArgument,
			fmt.Sprintf("an account may register at most %d passkeys: remove one first", auth.MaxPasskeysPerUser))
	case errors.Is(err, auth.ErrPasskeyName):
		refused(http.StatusBadRequest, protocol.CodeInvalidArgument, passkeyNameRule)
	case errors.Is(err, auth.ErrPasskeyNotFound):
		refused(http.StatusNotFound, protocol.CodeNotFound, "no such passkey")
	default:
		s.fail(w, err)
	}
}

var passkeyNameRule = fmt.Sprintf("name is 1 to %d characters without control characters", auth.MaxPasskeyNameLen)

// --- Registration and management (signed in) ---

func (s *Service) passkeyRegisterOptions(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !s.passkeysOn(w) {
		return
	}
	var req PasswordConfirm
	if !decode(w, r, &req) {
		return
	}
	// The limit first: no password is asked for a ceremony that cannot end.
	if cur.Factors.Passkeys >= auth.MaxPasskeysPerUser {
		s.passkeyError(w, auth.ErrTooManyPasskeys)
		return
	}
	// The password, so that a stolen session cookie cannot plant a
	// passkey (a way back in that outlives the session).
	if !s.checkPassword(w, r, cur, req.Password) {
		return
	}
	options, ceremony, err := s.cfg.Passkeys.BeginRegistration(r.Context(), passkeyUser(cur.User))
	if err != nil {
		s.passkeyError(w, err)
		return
	}
	s.writeOptions(w, options, ceremony)
}

func (s *Service) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !s.passkeysOn(w) {
		return
	}
	var req PasskeyRegisterRequest
	if !decode(w, r, &req) {
		return
	}
	// The name before the ceremony is spent: the user can fix it and send
	// the same credential again.
	name, err := auth.PasskeyName(req.Name)
	if err != nil {
		invalidArgument(w, passkeyNameRule)
		return
	}
	if !checkCeremony(w, req.Ceremony, req.Credential) {
		return
	}
	ctx := r.Context()
	pk, err := s.cfg.Passkeys.FinishRegistration(ctx, req.Ceremony, passkeyUser(cur.User), name, req.Credential)
	if err != nil {
		s.passkeyError(w, err)
		return
	}
	u := cur.User
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityPasskeyAdded, Actor: u.ID, Subject: u.ID, Email: u.Email})
	cur.Factors.Passkeys++
	out := PasskeyResponse{Passkey: passkeyView(pk)}
	if !u.TOTPEnabled {
		n, err := s.cfg.Store.CountRecoveryCodes(ctx, u.ID)
		if err != nil {
			s.fail(w, err)
			return
		}
		if n == 0 {
			codes, ok := s.replaceRecoveryCodes(w, r, cur)
			if !ok {
				return
			}
			out.RecoveryCodes = codes
		}
	}
	if err := s.rotate(ctx, w, r, cur); err != nil {
		s.fail(w, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, out)
}

func (s *Service) listPasskeys(w http.ResponseWriter, r *http.Request, cur *Current) {
	pks, err := s.cfg.Store.ListPasskeys(r.Context(), cur.User.ID)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := PasskeyList{Passkeys: make([]PasskeyView, 0, len(pks))}
	for _, p := range pks {
		out.Passkeys = append(out.Passkeys, passkeyView(p))
	}
	writeJSON(w, out)
}

// passkeyID returns the {id} of the path if it can be a passkey's; on
// failure it answers 404.
func passkeyID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if len(id) > store.MaxIDBytes || !strings.HasPrefix(id, auth.PasskeyIDPrefix) {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such passkey")
		return "", false
	}
	return id, true
}

func (s *Service) renamePasskey(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !s.passkeysOn(w) {
		return
	}
	var req PasskeyRenameRequest
	if !decode(w, r, &req) {
		return
	}
	id, ok := passkeyID(w, r)
	if !ok {
		return
	}
	if req.Name == nil {
		invalidArgument(w, "name is required")
		return
	}
	pk, err := s.cfg.Passkeys.RenamePasskey(r.Context(), cur.User.ID, id, *req.Name)
	if err != nil {
		s.passkeyError(w, err)
		return
	}
	u := cur.User
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityPasskeyRenamed, Actor: u.ID, Subject: u.ID, Email: u.Email})
	writeJSON(w, PasskeyResponse{Passkey: passkeyView(pk)})
}

func (s *Service) removePasskey(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !s.passkeysOn(w) {
		return
	}
	var req PasswordConfirm
	if !decode(w, r, &req) {
		return
	}
	id, ok := passkeyID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	u := cur.User
	// An unknown passkey before the password, as DELETE /v1/auth/totp
	// does: the account's own passkeys are no secret to it.
	pks, err := s.cfg.Store.ListPasskeys(ctx, u.ID)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !hasPasskey(pks, id) {
		s.passkeyError(w, auth.ErrPasskeyNotFound)
		return
	}
	if !s.checkPassword(w, r, cur, req.Password) {
		return
	}
	required := s.secondFactorRequired(u)
	_, err = s.cfg.Passkeys.RemovePasskey(ctx, u.ID, id, func(remaining []store.Passkey) error {
		if !required || len(remaining) > 0 {
			return nil
		}
		// Read again: a TOTP confirmed since the request began counts.
		fresh, err := s.cfg.Store.User(ctx, u.ID)
		if err != nil {
			return err
		}
		if fresh.TOTPEnabled {
			return nil
		}
		return errLastFactorKept
	})
	switch {
	case errors.Is(err, errLastFactorKept):
		httpapi.WriteError(w, http.StatusForbidden, CodeSecondFactorRequired,
			"this account must keep a second factor: enrol TOTP or add another passkey before removing this one")
		return
	case err != nil:
		s.passkeyError(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityPasskeyRemoved, Actor: u.ID, Subject: u.ID, Email: u.Email})
	fresh, err := s.cfg.Store.User(ctx, u.ID)
	if err != nil {
		s.fail(w, err)
		return
	}
	f, err := s.factorsOf(ctx, fresh)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !f.any() {
		// No second factor left: recovery codes would be a way around none.
		if err := s.cfg.Store.SetRecoveryCodes(ctx, u.ID, nil); err != nil {
			s.fail(w, err)
			return
		}
	}
	cur.User, cur.Factors = fresh, f
	if err := s.rotate(ctx, w, r, cur); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func hasPasskey(pks []store.Passkey, id string) bool {
	for _, p := range pks {
		if p.ID == id {
			return true
		}
	}
	return false
}

// --- Sign-in with a passkey alone (no session) ---

func (s *Service) passkeySigninOptions(w http.ResponseWriter, r *http.Request) {
	if !s.passkeysOn(w) {
		return
	}
	if !decodeEmpty(w, r) {
		return
	}
	c := clientOf(r)
	if wait := s.cfg.Tracker.AddrWait(c.key); wait > 0 {
		s.refusedThrottled(w, c, room.SecurityEvent{Reason: "address"}, wait)
		return
	}
	options, ceremony, err := s.cfg.Passkeys.BeginLogin()
	if err != nil {
		s.fail(w, err)
		return
	}
	s.writeOptions(w, options, ceremony)
}

// passkeySigninFinish signs in with a passkey alone. Only the address is
// throttled: the account's failure count and lock do not apply, because a
// passkey's user verification cannot be guessed from afar, and because
// it is how the owner gets in while someone guesses their password. The
// sign-in then resets the count, ends the lock and shows its notice.
func (s *Service) passkeySigninFinish(w http.ResponseWriter, r *http.Request) {
	if !s.passkeysOn(w) {
		return
	}
	var req PasskeySigninRequest
	if !decode(w, r, &req) {
		return
	}
	if !checkCeremony(w, req.Ceremony, req.Credential) {
		return
	}
	ctx := r.Context()
	c := clientOf(r)
	if wait := s.cfg.Tracker.AddrWait(c.key); wait > 0 {
		s.refusedThrottled(w, c, room.SecurityEvent{Reason: "address"}, wait)
		return
	}
	userID, _, err := s.cfg.Passkeys.FinishLogin(ctx, req.Ceremony, req.Credential)
	if err != nil {
		if errors.Is(err, auth.ErrPasskeyFailed) || errors.Is(err, auth.ErrChallengeUnknown) {
			// The account is not counted: the credential named may be
			// anyone's, and its owner is not the one failing.
			s.cfg.Tracker.AddrFailed(c.key)
			s.event(c, room.SecurityEvent{Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, Reason: string(MethodPasskey)})
		}
		s.passkeyError(w, err)
		return
	}
	u, err := s.cfg.Store.User(ctx, userID)
	if err != nil {
		s.fail(w, err)
		return
	}
	if u.Status != store.StatusActive {
		s.event(c, room.SecurityEvent{Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, Reason: "disabled", Subject: u.ID, Email: u.Email})
		httpapi.WriteError(w, http.StatusForbidden, CodeAccountDisabled, "the account is disabled")
		return
	}
	if !s.pol().AllowsEmail(u.Email) {
		s.domainRefused(w, c, room.SecurityEvent{Kind: room.SecuritySigninFailed, Subject: u.ID, Email: u.Email})
		return
	}
	s.finish(w, r, c, u.ID, MethodPasskey, func(*store.User) bool { return true })
}

// --- A passkey as the second step after a password (a ticket) ---

// ticketUser checks a sign-in ticket for a second step (TOTP, recovery
// code, passkey): the ticket, the address's and the account's throttle,
// the account's status. spend takes one of the ticket's attempts. On
// failure it writes the answer.
func (s *Service) ticketUser(w http.ResponseWriter, r *http.Request, c client, ticket string, spend bool) (store.User, bool) {
	if ticket == "" {
		invalidArgument(w, "ticket is required")
		return store.User{}, false
	}
	ticketInvalid := func() (store.User, bool) {
		httpapi.WriteError(w, http.StatusUnauthorized, CodeTicketInvalid, "the sign-in ticket is unknown, used up or expired: sign in again")
		return store.User{}, false
	}
	userID, ok := s.tickets.peek(ticket)
	if !ok {
		return ticketInvalid()
	}
	u, err := s.cfg.Store.User(r.Context(), userID)
	if errors.Is(err, store.ErrNotFound) {
		s.tickets.drop(ticket)
		return ticketInvalid()
	}
	if err != nil {
		s.fail(w, err)
		return store.User{}, false
	}
	ev := room.SecurityEvent{Subject: u.ID, Email: u.Email}
	if wait := s.cfg.Tracker.AddrWait(c.key); wait > 0 {
		ev.Reason = "address"
		s.refusedThrottled(w, c, ev, wait)
		return store.User{}, false
	}
	if wait, locked := s.policy.Wait(failState(u), s.now()); wait > 0 {
		ev.Reason = "account"
		if locked {
			ev.Reason = "locked"
		}
		s.refusedThrottled(w, c, ev, wait)
		return store.User{}, false
	}
	if spend {
		if _, ok := s.tickets.take(ticket); !ok {
			return ticketInvalid()
		}
	}
	if u.Status != store.StatusActive {
		s.tickets.drop(ticket)
		ev.Kind, ev.Outcome, ev.Reason = room.SecuritySigninFailed, room.OutcomeRefused, "disabled"
		s.event(c, ev)
		httpapi.WriteError(w, http.StatusForbidden, CodeAccountDisabled, "the account is disabled")
		return store.User{}, false
	}
	return u, true
}

func (s *Service) passkeyTicketOptions(w http.ResponseWriter, r *http.Request) {
	if !s.passkeysOn(w) {
		return
	}
	var req TicketRequest
	if !decode(w, r, &req) {
		return
	}
	c := clientOf(r)
	// No attempt is spent: options prove nothing and verify nothing.
	u, ok := s.ticketUser(w, r, c, req.Ticket, false)
	if !ok {
		return
	}
	options, ceremony, err := s.cfg.Passkeys.BeginSecondFactor(r.Context(), passkeyUser(u))
	if err != nil {
		s.passkeyError(w, err)
		return
	}
	s.writeOptions(w, options, ceremony)
}

func (s *Service) passkeyTicketFinish(w http.ResponseWriter, r *http.Request) {
	if !s.passkeysOn(w) {
		return
	}
	var req PasskeySecondStepRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Ticket == "" {
		invalidArgument(w, "ticket is required")
		return
	}
	if !checkCeremony(w, req.Ceremony, req.Credential) {
		return
	}
	c := clientOf(r)
	u, ok := s.ticketUser(w, r, c, req.Ticket, true)
	if !ok {
		return
	}
	_, err := s.cfg.Passkeys.FinishSecondFactor(r.Context(), req.Ceremony, passkeyUser(u), req.Credential)
	if err != nil {
		if errors.Is(err, auth.ErrPasskeyFailed) || errors.Is(err, auth.ErrChallengeUnknown) {
			// Counted as a wrong TOTP code is: this client has the
			// password, and the account's count is what stops it.
			if !s.secondFactorFailed(r.Context(), w, c, u) {
				return
			}
		}
		s.passkeyError(w, err)
		return
	}
	if s.finish(w, r, c, u.ID, MethodPasskey, func(*store.User) bool { return true }) {
		s.tickets.drop(req.Ticket)
	}
}

// secondFactorFailed counts a failed second step of u from c, for the
// account and the address, and publishes it. On a store failure it
// writes the answer and returns false.
func (s *Service) secondFactorFailed(ctx context.Context, w http.ResponseWriter, c client, u store.User) bool {
	lockedNow := false
	if _, err := s.cfg.Store.UpdateUser(ctx, u.ID, func(x *store.User) error {
		lockedNow = s.applyFailure(x, s.now())
		return nil
	}); err != nil {
		s.fail(w, err)
		return false
	}
	s.cfg.Tracker.AddrFailed(c.key)
	s.event(c, room.SecurityEvent{Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, Reason: string(MethodPasskey), Subject: u.ID, Email: u.Email})
	if lockedNow {
		s.event(c, room.SecurityEvent{Kind: room.SecurityAccountLocked, Subject: u.ID, Email: u.Email, Reason: string(MethodPasskey)})
	}
	return true
}
