package accounts

import (
	"context"
	"encoding/base32"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// UserView is the signed-in account as /v1/auth shows it to its owner.
type UserView struct {
	ID                   string  `json:"id"`
	Email                string  `json:"email"`
	Name                 string  `json:"name"`
	Role                 string  `json:"role"`
	SecondFactors        factors `json:"second_factors"`
	SecondFactorRequired bool    `json:"second_factor_required"`
	// TOTPPending: a TOTP secret was enrolled and awaits its first code.
	TOTPPending bool `json:"totp_pending"`
}

func (s *Service) userView(u store.User, f factors) UserView {
	return UserView{
		ID: u.ID, Email: u.Email, Name: u.DisplayName, Role: u.Role,
		SecondFactors:        f,
		SecondFactorRequired: s.secondFactorRequired(u),
		TOTPPending:          u.TOTPSecret != nil && !u.TOTPEnabled,
	}
}

// MeResponse is the answer of GET and PATCH /v1/auth/me.
type MeResponse struct {
	User          UserView    `json:"user"`
	RecoveryCodes int         `json:"recovery_codes"` // unused ones left
	Notice        *LockNotice `json:"notice,omitempty"`
	// PasskeysAvailable: the server can register and verify passkeys
	// (false without public_url outside dev mode).
	PasskeysAvailable bool `json:"passkeys_available"`
}

func (s *Service) writeMe(w http.ResponseWriter, r *http.Request, cur *Current) {
	n, err := s.cfg.Store.CountRecoveryCodes(r.Context(), cur.User.ID)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, MeResponse{User: s.userView(cur.User, cur.Factors), RecoveryCodes: n, Notice: s.lockNotice(cur.User),
		PasskeysAvailable: s.cfg.Passkeys != nil})
}

func (s *Service) getMe(w http.ResponseWriter, r *http.Request, cur *Current) { s.writeMe(w, r, cur) }

// PatchMeRequest is the body of PATCH /v1/auth/me.
type PatchMeRequest struct {
	Name *string `json:"name"`
}

func (s *Service) patchMe(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PatchMeRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Name == nil {
		invalidArgument(w, "name is required")
		return
	}
	name, msg := checkDisplayName(*req.Name)
	if msg != "" {
		invalidArgument(w, msg)
		return
	}
	u, err := s.cfg.Store.UpdateUser(r.Context(), cur.User.ID, func(x *store.User) error {
		x.DisplayName = name
		return nil
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	cur.User = u
	s.writeMe(w, r, cur)
}

// checkDisplayName trims a display name and checks it: 1 to
// MaxDisplayNameLen code points of valid UTF-8, no control characters.
func checkDisplayName(name string) (string, string) {
	if !utf8.ValidString(name) {
		return "", "name is not valid UTF-8"
	}
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", "name is empty"
	case n > MaxDisplayNameLen:
		return "", "name is longer than 100 characters"
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", "name contains a control character"
		}
	}
	return name, ""
}

func (s *Service) signout(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	if err := s.cfg.Store.DeleteSessionByHash(r.Context(), cur.IDHash); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, err)
		return
	}
	clearCookie(w)
	s.event(cur.client, room.SecurityEvent{Kind: room.SecuritySignedOut, Actor: cur.User.ID, Subject: cur.User.ID})
	w.WriteHeader(http.StatusNoContent)
}

// checkPassword verifies the account's current password for a change of
// its settings, under the sign-in throttle: a wrong one counts as a failed
// sign-in. On failure it writes the answer.
func (s *Service) checkPassword(w http.ResponseWriter, r *http.Request, cur *Current, password string) bool {
	switch {
	case password == "":
		invalidArgument(w, "password is required")
		return false
	case len(password) > auth.MaxPasswordBytes:
		invalidArgument(w, "password is longer than any password can be")
		return false
	}
	c, u := cur.client, cur.User
	ev := room.SecurityEvent{Actor: u.ID, Subject: u.ID, Email: u.Email}
	if wait := s.cfg.Tracker.AddrWait(c.key); wait > 0 {
		ev.Reason = "address"
		s.refusedThrottled(w, c, ev, wait)
		return false
	}
	if wait, locked := s.policy.Wait(failState(u), s.now()); wait > 0 {
		ev.Reason = "account"
		if locked {
			ev.Reason = "locked"
		}
		s.refusedThrottled(w, c, ev, wait)
		return false
	}
	ctx, cancel := context.WithTimeout(r.Context(), HashWait)
	defer cancel()
	ok, _, err := s.cfg.Hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil {
		s.fail(w, err)
		return false
	}
	if ok {
		return true
	}
	s.cfg.Tracker.AddrFailed(c.key)
	lockedNow := false
	if _, err := s.cfg.Store.UpdateUser(r.Context(), u.ID, func(x *store.User) error {
		lockedNow = s.applyFailure(x, s.now())
		return nil
	}); err != nil {
		s.fail(w, err)
		return false
	}
	ev.Kind, ev.Outcome, ev.Reason = room.SecuritySigninFailed, room.OutcomeRefused, "password"
	s.event(c, ev)
	if lockedNow {
		s.event(c, room.SecurityEvent{Kind: room.SecurityAccountLocked, Subject: u.ID, Email: u.Email, Reason: "password"})
	}
	httpapi.WriteError(w, http.StatusUnauthorized, CodeInvalidCredentials, "the password is wrong")
	return false
}

// PasswordRequest is the body of POST /v1/auth/password.
type PasswordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (s *Service) changePassword(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PasswordRequest
	if !decode(w, r, &req) {
		return
	}
	if req.New == "" {
		invalidArgument(w, "new is required")
		return
	}
	if err := auth.CheckPassword(req.New, cur.User.Email); err != nil {
		if !writePasswordError(w, err) {
			s.fail(w, err)
		}
		return
	}
	if !s.checkPassword(w, r, cur, req.Current) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), HashWait)
	defer cancel()
	hash, err := s.cfg.Hasher.Hash(ctx, req.New)
	if err != nil {
		s.fail(w, err)
		return
	}
	now := s.now()
	u, err := s.cfg.Store.UpdateUser(r.Context(), cur.User.ID, func(x *store.User) error {
		x.PasswordHash, x.PasswordChangedAt = hash, now
		return nil
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	cur.User = u
	// Every session ends, this one too; this browser gets a new one.
	if _, err := s.cfg.Store.DeleteUserSessions(r.Context(), u.ID, nil); err != nil {
		s.fail(w, err)
		return
	}
	if err := s.rotate(r.Context(), w, r, cur); err != nil {
		s.fail(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityPasswordChanged, Actor: u.ID, Subject: u.ID, Email: u.Email})
	w.WriteHeader(http.StatusNoContent)
}

// PasswordConfirm is the body of the routes that need the password again.
type PasswordConfirm struct {
	Password string `json:"password"`
}

// TOTPEnrollResponse is the answer of POST /v1/auth/totp/enroll.
type TOTPEnrollResponse struct {
	Secret string `json:"secret"` // base32, for typing in
	URI    string `json:"uri"`    // otpauth://totp/...
	QRSVG  string `json:"qr_svg"` // the URI as a QR code, an SVG document
}

func (s *Service) totpEnroll(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PasswordConfirm
	if !decode(w, r, &req) {
		return
	}
	if cur.User.TOTPEnabled {
		invalidArgument(w, "TOTP is already enabled: remove it first to enrol another")
		return
	}
	if !s.checkPassword(w, r, cur, req.Password) {
		return
	}
	secret := auth.NewTOTPSecret()
	uri := auth.TOTPKeyURI(TOTPIssuer, cur.User.Email, secret)
	svg, err := qrSVG(uri)
	if err != nil {
		s.fail(w, err)
		return
	}
	if _, err := s.cfg.Store.UpdateUser(r.Context(), cur.User.ID, func(x *store.User) error {
		if x.TOTPEnabled {
			return errTOTPEnabled
		}
		x.TOTPSecret, x.TOTPLastStep = secret, 0
		return nil
	}); err != nil {
		if errors.Is(err, errTOTPEnabled) {
			invalidArgument(w, "TOTP is already enabled: remove it first to enrol another")
			return
		}
		s.fail(w, err)
		return
	}
	writeJSON(w, TOTPEnrollResponse{
		Secret: base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret),
		URI:    uri,
		QRSVG:  svg,
	})
}

var (
	errTOTPEnabled    = errors.New("accounts: TOTP already enabled")
	errNoTOTPPending  = errors.New("accounts: no TOTP enrolment pending")
	errTOTPCodeWrong  = errors.New("accounts: TOTP code wrong")
	errNoTOTP         = errors.New("accounts: no TOTP")
	errLastFactorKept = errors.New("accounts: the last second factor is required")
)

// CodeRequest is the body of POST /v1/auth/totp/confirm.
type CodeRequest struct {
	Code string `json:"code"`
}

// RecoveryCodesResponse carries new recovery codes, shown once.
type RecoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

func (s *Service) totpConfirm(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req CodeRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Code == "" || len(req.Code) > maxCodeLen {
		invalidArgument(w, "code is required: the 6 digits the authenticator app shows")
		return
	}
	now := s.now()
	u, err := s.cfg.Store.UpdateUser(r.Context(), cur.User.ID, func(x *store.User) error {
		if x.TOTPEnabled || x.TOTPSecret == nil {
			return errNoTOTPPending
		}
		step, ok := auth.VerifyTOTP(x.TOTPSecret, req.Code, now, x.TOTPLastStep)
		if !ok {
			return errTOTPCodeWrong
		}
		x.TOTPEnabled, x.TOTPLastStep = true, step
		return nil
	})
	switch {
	case errors.Is(err, errNoTOTPPending):
		invalidArgument(w, "no TOTP enrolment is pending: enrol first")
		return
	case errors.Is(err, errTOTPCodeWrong):
		invalidArgument(w, "the code does not match: check the authenticator app's clock and try the next code")
		return
	case err != nil:
		s.fail(w, err)
		return
	}
	cur.User = u
	cur.Factors.TOTP = true
	s.event(cur.client, room.SecurityEvent{Kind: room.SecuritySecondFactorEnabled, Reason: "totp", Actor: u.ID, Subject: u.ID, Email: u.Email})
	codes, ok := s.replaceRecoveryCodes(w, r, cur)
	if !ok {
		return
	}
	if err := s.rotate(r.Context(), w, r, cur); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, RecoveryCodesResponse{RecoveryCodes: codes})
}

// replaceRecoveryCodes makes RecoveryCodeCount new codes for the account,
// replacing its old ones.
func (s *Service) replaceRecoveryCodes(w http.ResponseWriter, r *http.Request, cur *Current) ([]string, bool) {
	codes, hashes := auth.NewRecoveryCodes(RecoveryCodeCount)
	if err := s.cfg.Store.SetRecoveryCodes(r.Context(), cur.User.ID, hashes); err != nil {
		s.fail(w, err)
		return nil, false
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityRecoveryCodesCreated, Actor: cur.User.ID, Subject: cur.User.ID, Email: cur.User.Email})
	return codes, true
}

func (s *Service) totpDelete(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PasswordConfirm
	if !decode(w, r, &req) {
		return
	}
	if cur.User.TOTPSecret == nil {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "this account has no TOTP")
		return
	}
	if !s.checkPassword(w, r, cur, req.Password) {
		return
	}
	required := s.secondFactorRequired(cur.User)
	passkeys := cur.Factors.Passkeys
	u, err := s.cfg.Store.UpdateUser(r.Context(), cur.User.ID, func(x *store.User) error {
		if x.TOTPSecret == nil {
			return errNoTOTP
		}
		if x.TOTPEnabled && required && passkeys == 0 {
			return errLastFactorKept
		}
		x.TOTPSecret, x.TOTPEnabled, x.TOTPLastStep = nil, false, 0
		return nil
	})
	switch {
	case errors.Is(err, errNoTOTP):
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "this account has no TOTP")
		return
	case errors.Is(err, errLastFactorKept):
		httpapi.WriteError(w, http.StatusForbidden, CodeSecondFactorRequired,
			"this account must keep a second factor: add a passkey before removing TOTP")
		return
	case err != nil:
		s.fail(w, err)
		return
	}
	wasEnabled := cur.User.TOTPEnabled
	cur.User, cur.Factors.TOTP = u, false
	if !cur.Factors.any() {
		// No second factor left: recovery codes would be a way around none.
		if err := s.cfg.Store.SetRecoveryCodes(r.Context(), u.ID, nil); err != nil {
			s.fail(w, err)
			return
		}
	}
	if wasEnabled {
		s.event(cur.client, room.SecurityEvent{Kind: room.SecuritySecondFactorDisabled, Reason: "totp", Actor: u.ID, Subject: u.ID, Email: u.Email})
	}
	if err := s.rotate(r.Context(), w, r, cur); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) newRecoveryCodes(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PasswordConfirm
	if !decode(w, r, &req) {
		return
	}
	if !cur.Factors.any() {
		invalidArgument(w, "recovery codes need a second factor: enrol TOTP or a passkey first")
		return
	}
	if !s.checkPassword(w, r, cur, req.Password) {
		return
	}
	codes, ok := s.replaceRecoveryCodes(w, r, cur)
	if !ok {
		return
	}
	writeJSON(w, RecoveryCodesResponse{RecoveryCodes: codes})
}

// SessionView is one of the account's sessions.
type SessionView struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// SessionList is the answer of GET /v1/auth/sessions.
type SessionList struct {
	Sessions []SessionView `json:"sessions"`
}

func (s *Service) listSessions(w http.ResponseWriter, r *http.Request, cur *Current) {
	ss, err := s.cfg.Store.ListSessions(r.Context(), cur.User.ID)
	if err != nil {
		s.fail(w, err)
		return
	}
	now := s.now()
	out := SessionList{Sessions: []SessionView{}}
	for _, se := range ss {
		if !now.Before(se.ExpiresAt) || now.Sub(se.LastSeenAt) >= s.cfg.Accounts.SessionIdle {
			continue // expired: removed when next presented
		}
		out.Sessions = append(out.Sessions, SessionView{
			ID: se.ID, Device: deviceName(se.UserAgent), UserAgent: se.UserAgent, IP: se.IP,
			CreatedAt: se.CreatedAt.UTC(), LastSeenAt: se.LastSeenAt.UTC(), ExpiresAt: se.ExpiresAt.UTC(),
			Current: se.ID == cur.Session.ID,
		})
	}
	writeJSON(w, out)
}

func (s *Service) deleteSession(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	id := r.PathValue("id")
	if len(id) > store.MaxIDBytes || !strings.HasPrefix(id, "SE_") {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such session")
		return
	}
	err := s.cfg.Store.DeleteSession(r.Context(), cur.User.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such session")
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if id == cur.Session.ID {
		clearCookie(w)
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecuritySessionRevoked, Reason: "one", Actor: cur.User.ID, Subject: cur.User.ID})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) deleteAllSessions(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	if _, err := s.cfg.Store.DeleteUserSessions(r.Context(), cur.User.ID, nil); err != nil {
		s.fail(w, err)
		return
	}
	clearCookie(w)
	s.event(cur.client, room.SecurityEvent{Kind: room.SecuritySessionRevoked, Reason: "all", Actor: cur.User.ID, Subject: cur.User.ID})
	w.WriteHeader(http.StatusNoContent)
}
