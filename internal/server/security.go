package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/webhooks"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
	"github.com/conclave-video/conclave/webhook"
)

// Security events leave the server four ways (docs/webhooks.md): a
// structured log line each (logSecurity), Prometheus counters
// (countEvent), the audit log (audit.go) and the webhooks (here). Admins
// read them back with GET /v1/security/events, from the audit log.

// logSecurity writes one log line for a security event: warn for
// warning and high, info below. No email, user agent or secret: a
// password typed into an email field must not reach the log.
func (s *Server) logSecurity(e room.Event) {
	ev := e.Security
	sev := ev.Severity()
	level := slog.LevelInfo
	if sev >= room.SeverityWarning {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("kind", string(ev.Kind)), slog.String("severity", sev.String())}
	for _, kv := range [][2]string{{"outcome", ev.Outcome}, {"reason", ev.Reason}, {"actor", ev.Actor},
		{"subject", ev.Subject}, {"ip", ev.IP}, {"room", string(e.Room)}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	if ev.Suppressed > 0 {
		attrs = append(attrs, slog.Int("suppressed", ev.Suppressed))
	}
	if ev.OldVersion != 0 || ev.NewVersion != 0 {
		attrs = append(attrs, slog.Int64("old_version", ev.OldVersion), slog.Int64("new_version", ev.NewVersion))
	}
	s.secLog.LogAttrs(context.Background(), level, "security event", attrs...)
}

// newWebhooks starts the webhook dispatcher when webhooks are
// configured, each receiver's secret read from its file or variable.
func (s *Server) newWebhooks() error {
	if len(s.cfg.Webhooks) == 0 {
		return nil
	}
	var rs []webhooks.Receiver
	for i, h := range s.cfg.Webhooks {
		secret, err := webhookSecret(h, os.LookupEnv)
		if err != nil {
			return fmt.Errorf("webhooks[%d]: %w", i, err)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		if h.CAFile != "" {
			pem, err := os.ReadFile(h.CAFile)
			if err != nil {
				return fmt.Errorf("webhooks[%d].ca_file: %w", i, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("webhooks[%d].ca_file: no PEM certificate in %s", i, h.CAFile)
			}
			tr.TLSClientConfig.RootCAs = pool
		}
		r := webhooks.Receiver{Name: h.Name, URL: h.URL, Secret: secret, Client: webhooks.NewClient(tr), RetryMin: h.RetryMin}
		for _, k := range h.Kinds {
			r.Kinds = append(r.Kinds, room.SecurityKind(k))
		}
		if h.MinSeverity != "" {
			r.MinSeverity, _ = room.ParseSeverity(h.MinSeverity) // validated
		}
		rs = append(rs, r)
	}
	d, err := webhooks.New(webhooks.Config{Receivers: rs, OnResult: s.metrics.WebhookResult, Logger: s.log.With("component", "webhooks")})
	if err != nil {
		return err
	}
	s.webhooks = d
	s.rooms.Subscribe(d)
	return nil
}

// webhookSecret reads h's secret: the file's content (which only its
// owner may read) or the variable's value, surrounding white space
// trimmed, at least webhook.MinSecretBytes. Errors never hold it.
func webhookSecret(h config.Webhook, lookup func(string) (string, bool)) ([]byte, error) {
	var secret string
	if h.SecretFile != "" {
		fi, err := os.Stat(h.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("secret_file: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("secret_file: %s may be read by others (mode %04o): chmod 600 it", h.SecretFile, fi.Mode().Perm())
		}
		b, err := os.ReadFile(h.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("secret_file: %w", err)
		}
		secret = string(b)
	} else {
		v, ok := lookup(h.SecretEnv)
		if !ok {
			return nil, fmt.Errorf("secret_env: %s is not set", h.SecretEnv)
		}
		secret = v
	}
	secret = strings.TrimSpace(secret)
	if len(secret) < webhook.MinSecretBytes {
		return nil, fmt.Errorf("the secret must be at least %d bytes (e.g. openssl rand -hex 32)", webhook.MinSecretBytes)
	}
	return []byte(secret), nil
}

// registerAdmin adds the admin routes (an admin's session, as
// /v1/users): webhook deliveries, security events, live rooms.
func (s *Server) registerAdmin(mux *http.ServeMux, accts *accounts.Service) {
	mux.Handle("GET /v1/webhooks/deliveries", accts.Admin(s.webhookDeliveries))
	mux.Handle("GET /v1/security/events", accts.Admin(s.securityEvents))
	mux.Handle("GET /v1/admin/rooms", accts.Admin(s.adminRooms))
	mux.Handle("POST /v1/admin/rooms/{room}/end", accts.Admin(s.adminEndRoom))
	mux.Handle("DELETE /v1/admin/rooms/{room}/participants/{identity}", accts.Admin(s.adminRemove))
}

// WebhookDeliveries is the answer of GET /v1/webhooks/deliveries.
type WebhookDeliveries struct {
	Webhooks []webhooks.Stats `json:"webhooks"`
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, _ *http.Request, _ accounts.AdminCaller) {
	out := WebhookDeliveries{Webhooks: []webhooks.Stats{}}
	if s.webhooks != nil {
		out.Webhooks = s.webhooks.Status()
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// Security events' page: by default the last day's, DefaultEventsLimit
// to a page (at most audit.MaxRecentLimit).
const (
	DefaultEventsSince = 24 * time.Hour
	DefaultEventsLimit = 100
)

// SecurityEventView is one security event as GET /v1/security/events
// gives it: an audit record whose action is a security event kind.
type SecurityEventView struct {
	Seq      int64             `json:"seq"`
	Time     time.Time         `json:"time"`
	Kind     string            `json:"kind"`
	Severity string            `json:"severity"`
	Actor    string            `json:"actor,omitempty"`
	Subject  string            `json:"subject,omitempty"`
	IP       string            `json:"ip,omitempty"`
	Room     string            `json:"room,omitempty"`
	Details  map[string]string `json:"details,omitempty"`
}

// SecurityEvents is its answer: newest first; NextBefore, if not 0, is
// the before= of the next (older) page.
type SecurityEvents struct {
	Events     []SecurityEventView `json:"events"`
	NextBefore int64               `json:"next_before,omitempty"`
}

func (s *Server) securityEvents(w http.ResponseWriter, r *http.Request, _ accounts.AdminCaller) {
	q := r.URL.Query()
	now := time.Now()
	query := audit.RecentQuery{Since: now.Add(-DefaultEventsSince), Limit: DefaultEventsLimit,
		Keep: func(rec audit.Record) bool { return room.SecurityKind(rec.Action).Known() }}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			httpapi.WriteError(w, http.StatusBadRequest, protocol.CodeInvalidArgument, "since: want an RFC 3339 time")
			return
		}
		query.Since = t
	}
	var ok bool
	if query.Before, ok = queryInt(w, q, "before", 0, math.MaxInt64); !ok {
		return
	}
	limit, ok := queryInt(w, q, "limit", DefaultEventsLimit, audit.MaxRecentLimit)
	if !ok {
		return
	}
	query.Limit = int(limit)
	recs, next, err := audit.Recent(r.Context(), s.store, query)
	if err != nil {
		s.log.Error("security events: audit log not read", "err", err)
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the audit log cannot be read now")
		return
	}
	out := SecurityEvents{Events: make([]SecurityEventView, 0, len(recs)), NextBefore: next}
	for _, rec := range recs {
		out.Events = append(out.Events, SecurityEventView{
			Seq: rec.Seq, Time: rec.Time, Kind: rec.Action, Severity: room.SecurityKind(rec.Action).Severity().String(),
			Actor: rec.Actor, Subject: rec.Target, IP: rec.IP, Room: rec.Room, Details: rec.Details,
		})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// queryInt reads the query parameter key: def when absent, else a whole
// number from 1 to most; on a bad one it writes the answer.
func queryInt(w http.ResponseWriter, q url.Values, key string, def, most int64) (int64, bool) {
	v := q.Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > most {
		httpapi.WriteError(w, http.StatusBadRequest, protocol.CodeInvalidArgument, fmt.Sprintf("%s: want a whole number from 1 to %d", key, most))
		return 0, false
	}
	return n, true
}

// AdminRoom is a live room as GET /v1/admin/rooms gives it: its
// settings and its participants with their addresses.
type AdminRoom struct {
	room.Info
	Participants []AdminParticipant `json:"participants"`
}

// AdminParticipant is one participant of an AdminRoom.
type AdminParticipant struct {
	ID       string    `json:"id"`
	Identity string    `json:"identity"`
	Name     string    `json:"name,omitempty"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
	Addr     string    `json:"addr,omitempty"`
	Member   bool      `json:"member"`
	Tracks   int       `json:"tracks"`
	// Bitrate is what it publishes, all tracks together, bits per
	// second, as the media monitor last sampled it (0: nothing yet).
	Bitrate float64 `json:"bitrate"`
	// Loss and RTT are the worst of what it receives, over the
	// subscriptions its last RTCP receiver reports described: the
	// highest fraction lost (0 to 1) and the longest round trip
	// (seconds). Absent until a report gives them (a participant that
	// receives nothing has none).
	Loss *float64 `json:"loss,omitempty"`
	RTT  *float64 `json:"rtt,omitempty"`
}

// worstReception is the highest loss and the longest round trip among
// subs, each nil when no subscription reported one.
func worstReception(subs []room.SubscriptionMedia) (loss, rtt *float64) {
	for _, s := range subs {
		if !s.Reported {
			continue
		}
		if loss == nil || s.Loss > *loss {
			loss = &s.Loss
		}
		if s.HasRTT && (rtt == nil || s.RTT > *rtt) {
			rtt = &s.RTT
		}
	}
	return loss, rtt
}

// AdminRooms is the answer of GET /v1/admin/rooms.
type AdminRooms struct {
	Rooms []AdminRoom `json:"rooms"`
}

func (s *Server) adminRooms(w http.ResponseWriter, _ *http.Request, _ accounts.AdminCaller) {
	out := AdminRooms{Rooms: []AdminRoom{}}
	for _, info := range s.rooms.List("") {
		ps, err := s.rooms.MediaStats(info.Name, info.Owner)
		if err != nil {
			continue // closed meanwhile
		}
		slices.SortFunc(ps, func(a, b room.ParticipantMedia) int {
			return cmp.Or(cmp.Compare(a.Participant.JoinedAt, b.Participant.JoinedAt), cmp.Compare(a.Participant.ID, b.Participant.ID))
		})
		ar := AdminRoom{Info: info, Participants: make([]AdminParticipant, 0, len(ps))}
		for _, pm := range ps {
			p := pm.Participant
			loss, rtt := worstReception(pm.Media.Subscriptions)
			ar.Participants = append(ar.Participants, AdminParticipant{
				ID: string(p.ID), Identity: string(p.Identity), Name: p.Name, Role: string(p.Role),
				JoinedAt: time.Unix(p.JoinedAt, 0).UTC(), Addr: p.Addr, Member: p.Member, Tracks: len(p.Tracks),
				Bitrate: pm.Media.Bitrate, Loss: loss, RTT: rtt,
			})
		}
		out.Rooms = append(out.Rooms, ar)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// asOwner is the claims an admin's action on a room acts with: its
// owner's key, no identity, so room decides as for its owner through
// the REST API (restActorLocked). The admin is named by the
// admin_room_action event that follows (adminActed).
func (s *Server) asOwner(w http.ResponseWriter, name room.RoomName) (*token.Claims, bool) {
	info, err := s.rooms.Get(name)
	if err != nil {
		httpapi.WriteCode(w, room.RESTCode(err), room.Message(err))
		return nil, false
	}
	c := &token.Claims{Room: string(name), Grants: token.Grants{RoomAdmin: true}}
	c.Issuer = string(info.Owner)
	return c, true
}

func (s *Server) adminEndRoom(w http.ResponseWriter, r *http.Request, a accounts.AdminCaller) {
	name := room.RoomName(r.PathValue("room"))
	c, ok := s.asOwner(w, name)
	if !ok {
		return
	}
	err := s.rooms.End(name, c, room.ReasonMeetingEnded)
	s.adminActed(w, a, "end", string(name), err)
}

func (s *Server) adminRemove(w http.ResponseWriter, r *http.Request, a accounts.AdminCaller) {
	name, identity := room.RoomName(r.PathValue("room")), room.Identity(r.PathValue("identity"))
	c, ok := s.asOwner(w, name)
	if !ok {
		return
	}
	err := s.rooms.Remove(name, c, identity, nil)
	s.adminActed(w, a, "remove", string(identity), err)
}

// adminActed publishes the admin_room_action event of an admin's action
// (Reason the action, and for a refusal its code) and answers: 204, or
// the room's refusal.
func (s *Server) adminActed(w http.ResponseWriter, a accounts.AdminCaller, action, subject string, err error) {
	ev := room.SecurityEvent{Kind: room.SecurityAdminRoomAction, Outcome: room.OutcomeSucceeded, Reason: action,
		Actor: a.ID, IP: a.IP, UserAgent: a.UserAgent, Subject: subject}
	if err != nil {
		ev.Outcome, ev.Reason = room.OutcomeRefused, action+": "+room.RESTCode(err)
	}
	s.rooms.Security(ev)
	if err != nil {
		s.adminRoomError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminRoomError(w http.ResponseWriter, err error) {
	code := room.RESTCode(err)
	if code == protocol.CodeInternal || errors.Is(err, room.ErrUnavailable) {
		s.log.Error("admin: room action failed", "err", err)
	}
	if code == protocol.CodeInternal {
		httpapi.WriteError(w, http.StatusInternalServerError, code, "internal error")
		return
	}
	httpapi.WriteCode(w, code, room.Message(err))
}
