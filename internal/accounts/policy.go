package accounts

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// The organisation's security policy, /v1/policy (docs/policy.md, "API"):
// an admin's session with the second factor policy satisfied reads it and
// puts a new version in force. A change is stored as the next version
// only if the version it was based on is still the newest, and is in
// force on this node at once (on others within policy.PollInterval).
// Every change, applied or refused, is a policy_changed security event.

// PolicyResponse is the answer of GET and PUT /v1/policy.
type PolicyResponse struct {
	// Version is the version in force; 0 while none is stored.
	Version int64 `json:"version"`
	// Source is "stored" or "defaults" (seeded from the configuration).
	Source string `json:"source"`
	// Author and AppliedAt are the stored version's; absent for defaults.
	Author    string     `json:"author,omitempty"`
	AppliedAt *time.Time `json:"applied_at,omitempty"`
	// Effective is the policy in force in full, every key written out.
	Effective string `json:"effective"`
	// YAML is the document as applied; "" for the defaults.
	YAML string `json:"yaml"`
}

// PutPolicyRequest is the body of PUT /v1/policy.
type PutPolicyRequest struct {
	// YAML is the new policy document.
	YAML string `json:"yaml"`
	// Version is the version the change is based on (the one GET gave):
	// 0 when none is stored. Required, so a change never overwrites one
	// its author has not seen.
	Version *int64 `json:"version"`
}

// defaultPolicy is the policy a Service made without one has: the
// defaults seeded from its configuration.
func defaultPolicy(cfg Config) *policy.Holder {
	c := config.Default()
	c.Accounts.Signup, c.Accounts.RequireSecondFactor = cfg.Accounts.Signup, cfg.Accounts.RequireSecondFactor
	if cfg.JoinTokenMaxLifetime > 0 {
		c.Tokens.MaxLifetime = cfg.JoinTokenMaxLifetime
	}
	return policy.NewHolder(policy.Defaults(c))
}

// pol is the policy in force.
func (s *Service) pol() *policy.Policy { return s.cfg.Policy.Current() }

func policyResponse(p *policy.Policy) PolicyResponse {
	out := PolicyResponse{Version: p.Version, Source: string(p.Source), Author: p.Author,
		Effective: string(policy.Marshal(p.Rules)), YAML: p.Text}
	if !p.AppliedAt.IsZero() {
		at := p.AppliedAt.UTC()
		out.AppliedAt = &at
	}
	return out
}

// domainRefused answers an email whose domain the policy does not allow,
// with the event ev (its kind set by the caller).
func (s *Service) domainRefused(w http.ResponseWriter, c client, ev room.SecurityEvent) {
	ev.Outcome, ev.Reason = room.OutcomeRefused, "email_domain"
	s.event(c, ev)
	httpapi.WriteError(w, http.StatusForbidden, protocol.CodeEmailDomain,
		"the organisation's policy does not allow accounts with this email's domain")
}

func (s *Service) registerPolicy(mux *http.ServeMux) {
	if s.cfg.Policies == nil {
		return
	}
	mux.Handle("GET /v1/policy", s.admin(s.getPolicy))
	mux.Handle("PUT /v1/policy", s.admin(s.putPolicy))
}

func (s *Service) getPolicy(w http.ResponseWriter, r *http.Request, cur *Current) {
	p := s.pol()
	w.Header().Set("ETag", `"`+strconv.FormatInt(p.Version, 10)+`"`)
	writeJSON(w, policyResponse(p))
}

func (s *Service) putPolicy(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PutPolicyRequest
	if !decode(w, r, &req) {
		return
	}
	old := s.pol()
	ev := room.SecurityEvent{Kind: room.SecurityPolicyChanged, Actor: cur.User.ID, OldVersion: old.Version}
	refuse := func(reason string, status int, code, msg string) {
		ev.Outcome, ev.Reason = room.OutcomeRefused, reason
		s.event(cur.client, ev)
		httpapi.WriteError(w, status, code, msg)
	}
	if req.Version == nil || *req.Version < 0 {
		invalidArgument(w, "version is required: the version the change is based on (0 when none is stored)")
		return
	}
	rules, err := policy.Parse([]byte(req.YAML))
	if err != nil {
		var pe *policy.Error
		if !errors.As(err, &pe) {
			s.fail(w, err)
			return
		}
		refuse("invalid", http.StatusBadRequest, protocol.CodePolicyInvalid, pe.Error())
		return
	}
	next := &policy.Policy{Rules: rules}
	if !next.AllowsEmail(cur.User.Email) {
		// The admin applying it could no longer sign in: refused, so that
		// a typo does not lock the organisation's admins out.
		refuse("lockout", http.StatusBadRequest, protocol.CodePolicyInvalid,
			"allowed_email_domains leaves out your own account's domain: you could no longer sign in")
		return
	}
	v, err := s.cfg.Policies.AddPolicyVersion(r.Context(), *req.Version,
		store.PolicyVersion{YAML: req.YAML, Author: cur.User.ID, CreatedAt: s.now()})
	if errors.Is(err, store.ErrConflict) {
		ev.NewVersion = *req.Version + 1
		refuse("conflict", http.StatusConflict, protocol.CodePolicyConflict,
			"the policy changed since version "+strconv.FormatInt(*req.Version, 10)+": read it again and reapply your change")
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	next.Version, next.Source, next.Author, next.AppliedAt, next.Text = v.Version, policy.SourceStored, v.Author, v.CreatedAt, v.YAML
	if prev, ok := s.cfg.Policy.Install(next); ok {
		ev.OldVersion = prev.Version
	}
	ev.NewVersion = v.Version
	s.event(cur.client, ev)
	s.log.Info("policy: version in force", "version", v.Version, "author", v.Author)
	w.Header().Set("ETag", `"`+strconv.FormatInt(v.Version, 10)+`"`)
	writeJSON(w, policyResponse(s.pol()))
}
