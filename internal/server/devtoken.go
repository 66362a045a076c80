package server

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/signal"
	"github.com/conclave-video/conclave/token"
)

// Development token endpoint. With --dev the meeting app needs a join token
// and there is no app server to mint one, so the server mints it itself
// with the dev API key. The routes exist only when cfg.Dev is set (the
// server then listens on loopback unless dev_listen_any says otherwise);
// they are unauthenticated, so tokens go to loopback peers only, are
// rate-limited and short-lived.
const (
	devTokenTTL      = time.Hour
	devMaxNameRunes  = 64
	devMaxBodyBytes  = 4 << 10
	devTokenRate     = 5 // tokens per second, per server
	devTokenBurst    = 20
	devIdentityBytes = 8
)

// SetDevKey gives a dev server the API key POST /dev/token signs with
// (serve --dev creates it: see printDevKey). Until it is set, or without
// dev mode, no token is minted.
func (s *Server) SetDevKey(k token.Key) {
	s.devKey.Store(&k)
}

func (s *Server) registerDev(mux *http.ServeMux) {
	if !s.cfg.Dev {
		return
	}
	s.devLimit = guard.NewLimiter(devTokenRate, devTokenBurst, nil)
	mux.HandleFunc("GET /dev/config", s.devConfig)
	mux.HandleFunc("POST /dev/token", s.devToken)
}

func (s *Server) devConfig(w http.ResponseWriter, _ *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, map[string]bool{"dev": true})
}

type devTokenRequest struct {
	Room string `json:"room"`
	Name string `json:"name"`
}

type devTokenResponse struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

func (s *Server) devToken(w http.ResponseWriter, r *http.Request) {
	// Tokens for the machine the dev server runs on only, whatever address
	// it listens on (dev_listen_any). RemoteAddr is the TCP peer: no header
	// a client or proxy sets is consulted.
	if !loopbackPeer(r.RemoteAddr) {
		httpapi.WriteError(w, http.StatusForbidden, "permission_denied", "dev tokens are given to clients on the server's own machine only")
		return
	}
	if !s.devLimit.Allow() {
		w.Header().Set("Retry-After", "1")
		httpapi.WriteError(w, http.StatusTooManyRequests, "rate_limited", "too many token requests; try again in a second")
		return
	}
	// A cross-site page must not mint tokens through the user's browser:
	// JSON only (a cross-origin JSON POST needs a CORS preflight, which
	// this server never grants) and, when the browser says where the
	// request comes from, this origin only.
	if !hasMediaType(r.Header.Get("Content-Type"), "application/json") {
		httpapi.WriteError(w, http.StatusUnsupportedMediaType, "invalid_argument", "Content-Type must be application/json")
		return
	}
	if !signal.OriginAllowed(r, nil) {
		httpapi.WriteError(w, http.StatusForbidden, "permission_denied", "cross-origin token requests are refused")
		return
	}
	var req devTokenRequest
	if !httpapi.DecodeJSON(w, r, &req, devMaxBodyBytes) {
		return
	}
	if err := token.ValidateRoom(req.Room); err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, "invalid_argument", "room: "+err.Error())
		return
	}
	if utf8.RuneCountInString(req.Name) > devMaxNameRunes {
		httpapi.WriteError(w, http.StatusBadRequest, "invalid_argument", "name is longer than "+strconv.Itoa(devMaxNameRunes)+" characters")
		return
	}
	if err := token.ValidateName(req.Name); err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, "invalid_argument", "name: "+err.Error())
		return
	}
	key := s.devKey.Load()
	if key == nil {
		httpapi.WriteError(w, http.StatusServiceUnavailable, "unavailable", "the dev API key is not set up yet")
		return
	}
	id := make([]byte, devIdentityBytes)
	_, _ = rand.Read(id) // crypto/rand.Read never fails
	tok, err := key.Mint(token.Options{
		Identity: "dev-" + hex.EncodeToString(id),
		Name:     req.Name,
		Room:     req.Room,
		TTL:      devTokenTTL,
		Grants:   token.Grants{Publish: true, Subscribe: true, PublishData: true},
	})
	if err != nil {
		s.log.Error("dev token", "err", err)
		httpapi.WriteError(w, http.StatusInternalServerError, "internal", "could not mint a token")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, devTokenResponse{Token: tok, URL: s.URL()})
}

// loopbackPeer reports whether a connection's remote address (ip:port) is
// a loopback address, IPv4-mapped IPv6 included.
func loopbackPeer(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// hasMediaType reports whether a Content-Type header names want, ignoring
// parameters such as charset.
func hasMediaType(header, want string) bool {
	mt, _, err := mime.ParseMediaType(header)
	return err == nil && mt == want
}
