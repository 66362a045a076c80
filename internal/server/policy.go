package server

import (
	"errors"
	"time"

	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// policyChanged publishes a version the watcher put in force (applied on
// the command line or by another node), or refused, as policy_changed.
func (s *Server) policyChanged(c policy.Change) {
	ev := room.SecurityEvent{Kind: room.SecurityPolicyChanged, NewVersion: c.Version, Outcome: room.OutcomeSucceeded}
	if c.Old != nil {
		ev.OldVersion = c.Old.Version
	}
	if c.Refused != nil {
		ev.Outcome, ev.Reason = room.OutcomeRefused, "invalid"
	} else {
		ev.Actor = c.New.Author
	}
	s.rooms.Security(ev)
}

// tokenLifetime is the policy's max_token_lifetime, read at each token.
func (s *Server) tokenLifetime() time.Duration { return s.policy.Current().MaxTokenLifetime }

// Policy returns the policy in force (for tests and the command line).
func (s *Server) Policy() *policy.Policy { return s.policy.Current() }

// accountCheck applies the policy in force to the account a personal API
// token or a server-issued token acts for, at each verification: an email
// domain the policy no longer allows refuses the token, and an account
// the policy does not let create rooms loses the roomCreate grant (so a
// personal token cannot do what POST /v1/meetings refuses).
func (s *Server) accountCheck(u store.User, g *token.Grants) error {
	p := s.policy.Current()
	if !p.AllowsEmail(u.Email) {
		return errors.New("the policy does not allow its email domain")
	}
	if !p.MayCreateRooms(string(u.Role)) {
		g.RoomCreate = false
	}
	return nil
}
