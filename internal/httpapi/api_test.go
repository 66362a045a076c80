package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// env is a real API server: SQLite store, auth.Verifier, room.Manager, the
// routes on a ServeMux behind SecurityHeaders, served over TLS.
type env struct {
	srv    *httptest.Server
	client *http.Client
	store  *store.SQLite
	rooms  *room.Manager

	keyA, keyB, keyC token.Key // active keys
	revoked          token.Key // stored, then revoked
	unknown          token.Key // never stored
}

type envConfig struct {
	frameAncestors []string
	maxRooms       int
}

func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	e := &env{store: st}
	newKey := func(name string, stored bool) token.Key {
		rec, priv, err := auth.NewAPIKey(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if stored {
			if err := st.CreateAPIKey(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
		return token.Key{ID: rec.ID, Private: priv}
	}
	e.keyA, e.keyB, e.keyC = newKey("a", true), newKey("b", true), newKey("c", true)
	e.revoked, e.unknown = newKey("revoked", true), newKey("unknown", false)
	if err := st.RevokeAPIKey(ctx, e.revoked.ID, time.Now()); err != nil {
		t.Fatal(err)
	}

	e.rooms = room.NewManager(room.Config{
		AutoCreate:             true,
		DefaultMaxParticipants: 50,
		DefaultEmptyTimeout:    5 * time.Minute,
		MaxRooms:               cfg.maxRooms,
		Access:                 &stubAccess{},
	})
	t.Cleanup(func() { e.rooms.CloseAll("test_end") })
	api := httpapi.New(httpapi.Config{
		Verifier:       &auth.Verifier{Keys: st, Personal: st},
		TokenErrorCode: auth.Code,
		Rooms:          e.rooms,
	})
	mux := http.NewServeMux()
	api.Register(mux)
	e.srv = httptest.NewTLSServer(httpapi.SecurityHeaders(cfg.frameAncestors, mux))
	t.Cleanup(e.srv.Close)
	e.client = e.srv.Client()
	return e
}

var allGrants = token.Grants{RoomAdmin: true, RoomCreate: true, RoomList: true}

// mint signs a server-API token with k.
func mint(t *testing.T, k token.Key, g token.Grants, roomClaim string) string {
	t.Helper()
	raw, err := k.Mint(token.Options{Identity: "app-server", Room: roomClaim, TTL: 10 * time.Minute, Grants: g})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// signRaw signs arbitrary header and claims with priv, for tokens Mint
// refuses to make (expired, wrong kid).
func signRaw(t *testing.T, priv ed25519.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(header) + "." + enc(claims)
	return signing + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signing)))
}

func expiredToken(t *testing.T, k token.Key) string {
	now := time.Now()
	return signRaw(t, k.Private, map[string]any{"alg": "EdDSA", "kid": k.ID, "typ": "JWT"}, map[string]any{
		"iss": k.ID, "sub": "app-server", "aud": []string{"conclave"},
		"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix(),
		"grants": allGrants,
	})
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with tok as bearer token ("" for none). For every
// error response it checks that the body does not echo the token.
func (e *env) do(t *testing.T, method, path, tok, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.send(t, req, tok)
}

func (e *env) send(t *testing.T, req *http.Request, tok string) response {
	t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: b}
	if r.status >= 400 && tok != "" {
		if bytes.Contains(b, []byte(tok)) {
			t.Errorf("%s %s: error body contains the token: %s", req.Method, req.URL.Path, b)
		}
		if parts := strings.Split(tok, "."); len(parts) == 3 && len(parts[2]) > 8 && bytes.Contains(b, []byte(parts[2])) {
			t.Errorf("%s %s: error body contains the token's signature", req.Method, req.URL.Path)
		}
	}
	return r
}

// wantError checks status and that the body is exactly
// {"error":{"code":…,"message":…}} with code and a non-empty message.
// It returns the message.
func wantError(t *testing.T, r response, status int, code string) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var outer map[string]json.RawMessage
	if err := strictDecode(r.body, &outer); err != nil || len(outer) != 1 || outer["error"] == nil {
		t.Fatalf("error body %s is not {\"error\":{…}} (%v)", r.body, err)
	}
	var inner map[string]string
	if err := strictDecode(outer["error"], &inner); err != nil || len(inner) != 2 {
		t.Fatalf("error object %s is not {code, message} (%v)", outer["error"], err)
	}
	msg, hasMsg := inner["message"]
	if inner["code"] != code || !hasMsg || msg == "" {
		t.Fatalf("error = %s, want code %q and a message", outer["error"], code)
	}
	return msg
}

// strictDecode decodes exactly one JSON value with no unknown fields.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func decodeOK[T any](t *testing.T, r response, status int) T {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var v T
	if err := strictDecode(r.body, &v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return v
}

// The wire shapes, decoded strictly: a field the API adds (the owner key,
// say) fails the test.
type roomJSON struct {
	Name            string    `json:"name"`
	MaxParticipants int       `json:"max_participants"`
	EmptyTimeout    int64     `json:"empty_timeout"`
	CreatedAt       time.Time `json:"created_at"`
	NumParticipants int       `json:"num_participants"`
	E2EE            string    `json:"e2ee"`
	Locked          bool      `json:"locked"`
	MaxDuration     int64     `json:"max_duration"`
	InviteOnly      bool      `json:"invite_only"`
	EndsAt          time.Time `json:"ends_at"`
	Password        bool      `json:"password"`
	Lobby           bool      `json:"lobby"`
	LobbyWaiting    int       `json:"lobby_waiting"`
	// MaxPublishBitrate: bits per second (docs/sfu.md, "Bitrate cap").
	MaxPublishBitrate int64 `json:"max_publish_bitrate"`
}

type roomListJSON struct {
	Rooms []roomJSON `json:"rooms"`
}

type trackJSON struct {
	ID       string `json:"id"`
	CID      string `json:"cid"`
	Kind     string `json:"kind"`
	Source   string `json:"source"`
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Muted    bool   `json:"muted"`

	MutedByHost bool `json:"muted_by_host"`
}

type participantJSON struct {
	ID          string `json:"id"`
	Identity    string `json:"identity"`
	Name        string `json:"name"`
	JoinedAt    int64  `json:"joined_at"`
	Role        string `json:"role"`
	Permissions struct {
		Publish       bool `json:"publish"`
		Subscribe     bool `json:"subscribe"`
		PublishData   bool `json:"publish_data"`
		PublishAudio  bool `json:"publish_audio"`
		PublishVideo  bool `json:"publish_video"`
		PublishScreen bool `json:"publish_screen"`
		Admit         bool `json:"admit"`
		MuteOthers    bool `json:"mute_others"`
		Remove        bool `json:"remove"`
		Ban           bool `json:"ban"`
		Lock          bool `json:"lock"`
		EndMeeting    bool `json:"end_meeting"`
		ChangeRoles   bool `json:"change_roles"`
		ShareInvite   bool `json:"share_invite"`
	} `json:"permissions"`
	Tracks []trackJSON `json:"tracks"`
}

type participantListJSON struct {
	Participants []participantJSON `json:"participants"`
}

// fakeSink records what the room tells a participant's session.
type fakeSink struct {
	mu    sync.Mutex
	calls []string
}

func (s *fakeSink) add(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf(format, args...))
}

// OnEvent records the events a session would turn into messages, in the
// words of the old per-method interface.
func (s *fakeSink) OnEvent(e room.Event) {
	switch e.Kind {
	case room.EventJoined:
		if e.Others != nil {
			s.add("Joined")
		} else {
			s.add("ParticipantJoined(%s)", e.Participant.ID)
		}
	case room.EventLeft:
		s.add("ParticipantLeft(%s,%s)", e.Participant.ID, e.Reason)
	case room.EventUpdated:
		s.add("ParticipantUpdated(%s)", e.Participant.ID)
	case room.EventTrackPublished:
		s.add("TrackPublished(%s,%s)", e.Participant.ID, e.Track.ID)
	case room.EventTrackUnpublished:
		s.add("TrackUnpublished(%s,%s)", e.Participant.ID, e.Track.ID)
	case room.EventData:
		s.add("Data")
	case room.EventTrackMuted:
		s.add("MuteRequested(%s,%t)", e.Track.ID, e.Track.MutedByHost)
	case room.EventRemoved:
		s.add("Close(%s)", e.Reason)
	}
}

func (s *fakeSink) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *fakeSink) has(call string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.calls, call)
}

func (s *fakeSink) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// fixture: rooms alpha and beta owned by key A, gamma by key B; alice
// (publishing TR_CAM) and bob in alpha.
type fixture struct {
	alice, bob         room.Member
	aliceSink, bobSink *fakeSink
	recv               *sfu.Receiver
}

func (e *env) fixture(t *testing.T) *fixture {
	t.Helper()
	for _, s := range []room.Spec{
		{Name: "alpha", Owner: room.KeyID(e.keyA.ID)},
		{Name: "beta", Owner: room.KeyID(e.keyA.ID)},
		{Name: "gamma", Owner: room.KeyID(e.keyB.ID)},
	} {
		if _, err := e.rooms.Create(s); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{aliceSink: &fakeSink{}, bobSink: &fakeSink{}}
	var err error
	f.alice, _, err = e.rooms.Join(room.JoinRequest{Claims: joinClaims(e.keyA.ID, "alpha", "alice", "Alice",
		token.Grants{Publish: true, Subscribe: true, PublishData: true}), Listener: f.aliceSink})
	if err != nil {
		t.Fatal(err)
	}
	f.bob, _, err = e.rooms.Join(room.JoinRequest{Claims: joinClaims(e.keyA.ID, "alpha", "bob", "",
		token.Grants{Subscribe: true}), Listener: f.bobSink})
	if err != nil {
		t.Fatal(err)
	}
	f.recv = sfu.NewReceiver(sfu.ReceiverConfig{TrackID: "TR_CAM", Kind: webrtc.RTPCodecTypeVideo})
	if _, err := f.alice.Publish("TR_CAM", "cam-1", room.KindVideo, "video/VP8", f.recv); err != nil {
		t.Fatal(err)
	}
	return f
}

// joinClaims are the verified claims of a join token.
func joinClaims(key, roomName, identity, name string, g token.Grants) *token.Claims {
	c := &token.Claims{Room: roomName, Name: name, Grants: g}
	c.Issuer, c.Subject = key, identity
	return c
}

// assertUntouched checks that a refused request changed nothing.
func (e *env) assertUntouched(t *testing.T, f *fixture) {
	t.Helper()
	info, err := e.rooms.Get("alpha")
	if err != nil || info.Owner != room.KeyID(e.keyA.ID) || info.NumParticipants != 2 {
		t.Errorf("alpha after a refused request: %+v, %v", info, err)
	}
	if got := len(e.rooms.List("")); got != 3 {
		t.Errorf("%d rooms after a refused request, want 3", got)
	}
	if f.recv.Muted() {
		t.Error("track muted by a refused request")
	}
	if f.aliceSink.count("Close") != 0 || f.aliceSink.count("MuteRequested") != 0 {
		t.Errorf("alice was told %v by a refused request", f.aliceSink.snapshot())
	}
}

type endpoint struct {
	name   string
	method string
	path   func(roomName string) string
	body   func(roomName string) string
	// lacking holds every grant except the one(s) the endpoint needs.
	lacking token.Grants
}

func endpoints() []endpoint {
	none := func(string) string { return "" }
	return []endpoint{
		{"create", "POST", func(string) string { return "/v1/rooms" },
			func(r string) string { return `{"name":"` + r + `"}` },
			token.Grants{RoomAdmin: true, RoomList: true, Publish: true, Subscribe: true, PublishData: true}},
		{"list", "GET", func(string) string { return "/v1/rooms" }, none,
			token.Grants{RoomAdmin: true, RoomCreate: true, Publish: true, Subscribe: true, PublishData: true}},
		{"get", "GET", func(r string) string { return "/v1/rooms/" + r }, none,
			token.Grants{RoomCreate: true, Publish: true, Subscribe: true, PublishData: true}},
		{"delete", "DELETE", func(r string) string { return "/v1/rooms/" + r }, none,
			token.Grants{RoomCreate: true, RoomList: true, Publish: true, Subscribe: true, PublishData: true}},
		{"participants", "GET", func(r string) string { return "/v1/rooms/" + r + "/participants" }, none,
			token.Grants{RoomCreate: true, RoomList: true, Publish: true, Subscribe: true, PublishData: true}},
		{"stats", "GET", func(r string) string { return "/v1/rooms/" + r + "/stats" }, none,
			token.Grants{RoomCreate: true, RoomList: true, Publish: true, Subscribe: true, PublishData: true}},
		{"remove", "DELETE", func(r string) string { return "/v1/rooms/" + r + "/participants/alice" }, none,
			token.Grants{RoomCreate: true, RoomList: true, Publish: true, Subscribe: true, PublishData: true}},
		{"mute", "POST", func(r string) string { return "/v1/rooms/" + r + "/participants/alice/tracks/TR_CAM/mute" },
			func(string) string { return `{"muted":true}` },
			token.Grants{RoomCreate: true, RoomList: true, Publish: true, Subscribe: true, PublishData: true}},
	}
}

// TestEndpointAuthorization runs every refusal rule of docs/api.md against
// every endpoint and checks that the refused request changed nothing.
func TestEndpointAuthorization(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := e.fixture(t)

	// Invalid tokens, each with the code the verifier gives it.
	forgedKid := signRaw(t, e.keyB.Private, map[string]any{"alg": "EdDSA", "kid": e.keyA.ID, "typ": "JWT"}, map[string]any{
		"iss": e.keyA.ID, "sub": "app-server", "aud": []string{"conclave"},
		"iat": time.Now().Unix(), "nbf": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(), "grants": allGrants,
	})
	badTokens := []struct {
		name, tok, code string
	}{
		{"garbage", "garbage-that-is-not-a-jwt", auth.CodeMalformed},
		{"three garbage parts", "aaaa.bbbb.cccc", auth.CodeMalformed},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+e.keyA.ID+`"}`)) + ".e30.", auth.CodeAlgorithm},
		{"expired", expiredToken(t, e.keyA), auth.CodeExpired},
		{"revoked key", mint(t, e.revoked, allGrants, ""), auth.CodeRevokedKey},
		{"unknown key", mint(t, e.unknown, allGrants, ""), auth.CodeUnknownKey},
		{"signed by another key", forgedKid, auth.CodeSignature},
	}

	for _, ep := range endpoints() {
		// Create is aimed at a new room in the rules that refuse before any
		// room is looked at; everything else at alpha.
		target := "alpha"
		if ep.name == "create" {
			target = "delta"
		}
		path, body := ep.path(target), ep.body(target)

		t.Run(ep.name+"/no token", func(t *testing.T) {
			r := e.do(t, ep.method, path, "", body)
			wantError(t, r, http.StatusUnauthorized, httpapi.CodeUnauthenticated)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
			e.assertUntouched(t, f)
		})
		t.Run(ep.name+"/not a bearer token", func(t *testing.T) {
			for _, h := range []string{"Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer ", mint(t, e.keyA, allGrants, "")} {
				req, _ := http.NewRequest(ep.method, e.srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", h)
				wantError(t, e.send(t, req, h), http.StatusUnauthorized, httpapi.CodeUnauthenticated)
			}
			// A token in the query string is not a credential.
			r := e.do(t, ep.method, path+"?access_token="+mint(t, e.keyA, allGrants, ""), "", body)
			wantError(t, r, http.StatusUnauthorized, httpapi.CodeUnauthenticated)
			e.assertUntouched(t, f)
		})
		for _, bt := range badTokens {
			t.Run(ep.name+"/"+bt.name, func(t *testing.T) {
				r := e.do(t, ep.method, path, bt.tok, body)
				wantError(t, r, http.StatusUnauthorized, bt.code)
				e.assertUntouched(t, f)
			})
		}
		t.Run(ep.name+"/missing grant", func(t *testing.T) {
			r := e.do(t, ep.method, path, mint(t, e.keyA, ep.lacking, ""), body)
			wantError(t, r, http.StatusForbidden, httpapi.CodePermissionDenied)
			e.assertUntouched(t, f)
		})
		t.Run(ep.name+"/another key's room", func(t *testing.T) {
			tok := mint(t, e.keyB, allGrants, "")
			r := e.do(t, ep.method, ep.path("alpha"), tok, ep.body("alpha"))
			if ep.name == "list" {
				// The other key's rooms are simply not listed.
				got := decodeOK[roomListJSON](t, r, http.StatusOK)
				if len(got.Rooms) != 1 || got.Rooms[0].Name != "gamma" {
					t.Fatalf("key B lists %+v, want only gamma", got.Rooms)
				}
				return
			}
			// Creating a name another key owns is refused as that key's
			// room (403), not reported as a plain conflict.
			wantError(t, r, http.StatusForbidden, httpapi.CodePermissionDenied)
			e.assertUntouched(t, f)
		})
		if ep.name != "list" {
			t.Run(ep.name+"/token for another room", func(t *testing.T) {
				tok := mint(t, e.keyA, allGrants, "beta")
				r := e.do(t, ep.method, ep.path("alpha"), tok, ep.body("alpha"))
				// A valid token used outside its room is an authorization
				// refusal (403), not a bad token (token_room is 401, for
				// an invalid room claim).
				if msg := wantError(t, r, http.StatusForbidden, httpapi.CodePermissionDenied); !strings.Contains(msg, "another room") {
					t.Errorf("message %q does not say the token is for another room", msg)
				}
				e.assertUntouched(t, f)
			})
		}
	}
}

// TestTokenVerificationFailureIsNotTheClientsFault: when the verifier fails
// for an internal reason (the store is unavailable), the client must get
// 500 internal, not a 401 blaming its token, and no internal detail.
//
// A verification error without a token code (the store failed) is a
// server error: 500 internal, with no store details in the message.
func TestTokenVerificationFailureIsNotTheClientsFault(t *testing.T) {
	e := newEnv(t, envConfig{})
	tok := mint(t, e.keyA, allGrants, "")
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.do(t, "GET", "/v1/rooms", tok, "")
	msg := wantError(t, r, http.StatusInternalServerError, httpapi.CodeInternal)
	if strings.Contains(msg, "sql") || strings.Contains(msg, "store") {
		t.Errorf("message leaks internals: %q", msg)
	}
}

func TestCreateRoomValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	tok := mint(t, e.keyA, allGrants, "")
	long := strings.Repeat("n", 128)
	for _, tt := range []struct {
		name, body  string
		status      int
		code        string
		msgContains string
	}{
		{"space in name", `{"name":"my room"}`, 400, "invalid_argument", "name"},
		{"slash in name", `{"name":"a/b"}`, 400, "invalid_argument", "name"},
		{"non-ASCII name", `{"name":"café"}`, 400, "invalid_argument", "name"},
		{"name of 129", `{"name":"` + long + `x"}`, 400, "invalid_argument", "name"},
		{"negative max_participants", `{"name":"r1","max_participants":-1}`, 400, "invalid_argument", "max_participants"},
		{"max_participants over 1000", `{"name":"r1","max_participants":1001}`, 400, "invalid_argument", "max_participants"},
		{"max_participants over int", `{"name":"r1","max_participants":1e30}`, 400, "invalid_argument", "max_participants"},
		{"negative empty_timeout", `{"name":"r1","empty_timeout":-1}`, 400, "invalid_argument", "empty_timeout"},
		{"negative max_publish_bitrate", `{"name":"r1","max_publish_bitrate":-1}`, 400, "invalid_argument", "max_publish_bitrate"},
		{"max_publish_bitrate over 1 Gbit/s", `{"name":"r1","max_publish_bitrate":1000000001}`, 400, "invalid_argument", "max_publish_bitrate"},
		{"unknown e2ee mode", `{"name":"r1","e2ee":"maybe"}`, 400, "invalid_argument", "e2ee"},
		{"e2ee as a boolean", `{"name":"r1","e2ee":true}`, 400, "invalid_argument", "e2ee"},
		{"e2ee room over 200", `{"name":"r1","e2ee":"required","max_participants":201}`, 400, "invalid_argument", "max_participants"},
		{"empty_timeout over a day", `{"name":"r1","empty_timeout":86401}`, 400, "invalid_argument", "empty_timeout"},
		// Seconds that would overflow a time.Duration are refused, not wrapped.
		{"empty_timeout that overflows", `{"name":"r1","empty_timeout":18446744074}`, 400, "invalid_argument", "empty_timeout"},
		{"unknown field", `{"name":"r1","owner":"` + e.keyB.ID + `"}`, 400, "invalid_argument", "owner"},
		{"wrong type", `{"name":42}`, 400, "invalid_argument", "name"},
		{"string number", `{"name":"r1","max_participants":"10"}`, 400, "invalid_argument", "max_participants"},
		{"trailing value", `{"name":"r1"}{"name":"r2"}`, 400, "invalid_argument", "trailing"},
		{"trailing garbage", `{"name":"r1"} x`, 400, "invalid_argument", "trailing"},
		// encoding/json alone would create room b from both of these.
		{"key in another case", `{"name":"a","Name":"b"}`, 400, "invalid_argument", "Name"},
		{"only a key in another case", `{"Name":"b"}`, 400, "invalid_argument", "Name"},
		{"repeated key", `{"name":"a","name":"b"}`, 400, "invalid_argument", "repeated"},
		{"name .", `{"name":"."}`, 400, "invalid_argument", "name"},
		{"name ..", `{"name":".."}`, 400, "invalid_argument", "name"},
		{"empty body", ``, 400, "invalid_argument", "JSON"},
		{"not an object", `["r1"]`, 400, "invalid_argument", "JSON"},
		{"body over 64 KiB", `{"name":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`, 413, "body_too_large", ""},
		// The limit also holds while looking for trailing data.
		{"valid JSON padded over 64 KiB", `{"name":"r1"}` + strings.Repeat(" ", httpapi.MaxBodyBytes), 413, "body_too_large", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() { // also after a failed wantError, to keep cases independent
				if rooms := e.rooms.List(""); len(rooms) != 0 {
					t.Errorf("a refused create made %+v", rooms)
					for _, r := range rooms {
						_ = e.rooms.Delete(r.Name, r.Owner, "cleanup")
					}
				}
			}()
			r := e.do(t, "POST", "/v1/rooms", tok, tt.body)
			msg := wantError(t, r, tt.status, tt.code)
			if !strings.Contains(msg, tt.msgContains) {
				t.Errorf("message %q does not name %q", msg, tt.msgContains)
			}
		})
	}

	// The bounds themselves are accepted.
	for _, body := range []string{
		`{"name":"` + long + `"}`,
		`{"name":"A-z_0.9","max_participants":1000,"empty_timeout":86400}`,
		`{"name":"zero","max_participants":0,"empty_timeout":0}`,
	} {
		r := e.do(t, "POST", "/v1/rooms", tok, body)
		if r.status != http.StatusCreated {
			t.Errorf("%.40s…: status %d %s", body, r.status, r.body)
		}
	}
}

func TestRoomLifecycle(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := e.fixture(t)
	tok := mint(t, e.keyA, allGrants, "")

	before := time.Now().Add(-time.Second)
	got := decodeOK[roomJSON](t, e.do(t, "POST", "/v1/rooms", tok, `{"name":"standup","max_participants":20,"empty_timeout":600}`), http.StatusCreated)
	if got.Name != "standup" || got.MaxParticipants != 20 || got.EmptyTimeout != 600 || got.NumParticipants != 0 || got.E2EE != "off" ||
		got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("created %+v", got)
	}
	sealed := decodeOK[roomJSON](t, e.do(t, "POST", "/v1/rooms", tok, `{"name":"sealed","e2ee":"required","max_participants":200}`), http.StatusCreated)
	if sealed.E2EE != "required" || sealed.MaxParticipants != 200 {
		t.Fatalf("created %+v, want a room that requires E2EE", sealed)
	}
	if info, err := e.rooms.Get("sealed"); err != nil || info.E2EE != room.E2EERequired {
		t.Fatalf("the room does not require E2EE: %+v %v", info, err)
	}
	if info, err := e.rooms.Get("standup"); err != nil || info.Owner != room.KeyID(e.keyA.ID) {
		t.Fatalf("the room is not owned by the token's key: %+v %v", info, err)
	}
	// Zeros mean the server defaults.
	got = decodeOK[roomJSON](t, e.do(t, "POST", "/v1/rooms", tok, `{"name":"defaults"}`), http.StatusCreated)
	if got.MaxParticipants != 50 || got.EmptyTimeout != 300 {
		t.Fatalf("defaults: %+v", got)
	}

	// A duplicate is refused and does not change the room.
	wantError(t, e.do(t, "POST", "/v1/rooms", tok, `{"name":"standup","max_participants":3}`), http.StatusConflict, httpapi.CodeRoomExists)
	got = decodeOK[roomJSON](t, e.do(t, "GET", "/v1/rooms/standup", tok, ""), http.StatusOK)
	if got.MaxParticipants != 20 || got.EmptyTimeout != 600 {
		t.Fatalf("duplicate create changed the room: %+v", got)
	}

	// List: the key's rooms only, sorted by name.
	list := decodeOK[roomListJSON](t, e.do(t, "GET", "/v1/rooms", mint(t, e.keyA, token.Grants{RoomList: true}, ""), ""), http.StatusOK)
	var names []string
	for _, r := range list.Rooms {
		names = append(names, r.Name)
		if r.Name == "alpha" && r.NumParticipants != 2 {
			t.Errorf("alpha num_participants = %d", r.NumParticipants)
		}
	}
	if !slices.Equal(names, []string{"alpha", "beta", "defaults", "sealed", "standup"}) {
		t.Fatalf("list = %v", names)
	}
	r := e.do(t, "GET", "/v1/rooms", mint(t, e.keyC, allGrants, ""), "")
	if list := decodeOK[roomListJSON](t, r, http.StatusOK); list.Rooms == nil || len(list.Rooms) != 0 {
		t.Fatalf("a key without rooms gets %s, want {\"rooms\":[]}", r.body)
	}

	// Get with either roomList or roomAdmin.
	for _, g := range []token.Grants{{RoomList: true}, {RoomAdmin: true}} {
		got := decodeOK[roomJSON](t, e.do(t, "GET", "/v1/rooms/alpha", mint(t, e.keyA, g, ""), ""), http.StatusOK)
		if got.Name != "alpha" || got.NumParticipants != 2 || got.MaxParticipants != 50 {
			t.Fatalf("get with %v: %+v", g, got)
		}
	}
	// A room-bound token works on its own room.
	decodeOK[roomJSON](t, e.do(t, "GET", "/v1/rooms/alpha", mint(t, e.keyA, allGrants, "alpha"), ""), http.StatusOK)

	// Unknown room on every room endpoint.
	for _, ep := range endpoints()[2:] {
		wantError(t, e.do(t, ep.method, ep.path("nope"), tok, ep.body("nope")), http.StatusNotFound, httpapi.CodeRoomNotFound)
	}

	// Delete: 204, everyone disconnected with room_deleted, then 404.
	r = e.do(t, "DELETE", "/v1/rooms/alpha", tok, "")
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if !f.aliceSink.has("Close(room_deleted)") || !f.bobSink.has("Close(room_deleted)") {
		t.Fatalf("participants not disconnected: %v %v", f.aliceSink.snapshot(), f.bobSink.snapshot())
	}
	wantError(t, e.do(t, "GET", "/v1/rooms/alpha", tok, ""), http.StatusNotFound, httpapi.CodeRoomNotFound)
	wantError(t, e.do(t, "DELETE", "/v1/rooms/alpha", tok, ""), http.StatusNotFound, httpapi.CodeRoomNotFound)
}

func TestTooManyRooms(t *testing.T) {
	e := newEnv(t, envConfig{maxRooms: 3})
	e.fixture(t) // three rooms
	r := e.do(t, "POST", "/v1/rooms", mint(t, e.keyA, allGrants, ""), `{"name":"delta"}`)
	wantError(t, r, http.StatusServiceUnavailable, httpapi.CodeTooManyRooms)
}

func TestParticipants(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := e.fixture(t)
	tok := mint(t, e.keyA, token.Grants{RoomAdmin: true}, "")

	r := e.do(t, "GET", "/v1/rooms/alpha/participants", tok, "")
	list := decodeOK[participantListJSON](t, r, http.StatusOK)
	if len(list.Participants) != 2 {
		t.Fatalf("participants = %s", r.body)
	}
	byIdentity := map[string]participantJSON{}
	for _, p := range list.Participants {
		byIdentity[p.Identity] = p
	}
	a, b := byIdentity["alice"], byIdentity["bob"]
	if a.ID != string(f.alice.ID()) || a.Name != "Alice" || a.JoinedAt == 0 ||
		!a.Permissions.Publish || !a.Permissions.Subscribe || !a.Permissions.PublishData {
		t.Fatalf("alice = %+v", a)
	}
	wantTrack := trackJSON{ID: "TR_CAM", CID: "cam-1", Kind: "video", Source: "camera", MimeType: "video/VP8"}
	if len(a.Tracks) != 1 || a.Tracks[0] != wantTrack {
		t.Fatalf("alice's tracks = %+v, want [%+v]", a.Tracks, wantTrack)
	}
	if b.ID != string(f.bob.ID()) || b.Permissions.Publish || !b.Permissions.Subscribe || b.Tracks == nil || len(b.Tracks) != 0 {
		t.Fatalf("bob = %+v (tracks must be [] not null)", b)
	}
}

func TestRemoveParticipant(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := e.fixture(t)
	tok := mint(t, e.keyA, token.Grants{RoomAdmin: true}, "")

	r := e.do(t, "DELETE", "/v1/rooms/alpha/participants/alice", tok, "")
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("remove: %d %s", r.status, r.body)
	}
	if !f.aliceSink.has("Close(removed)") {
		t.Fatalf("alice's session was not closed: %v", f.aliceSink.snapshot())
	}
	if !f.bobSink.has("ParticipantLeft(" + string(f.alice.ID()) + ",removed)") {
		t.Fatalf("bob was not told: %v", f.bobSink.snapshot())
	}
	ps, _ := e.rooms.Participants("alpha", room.KeyID(e.keyA.ID))
	if len(ps) != 1 || ps[0].Identity != "bob" {
		t.Fatalf("participants after remove = %+v", ps)
	}
	wantError(t, e.do(t, "DELETE", "/v1/rooms/alpha/participants/alice", tok, ""), http.StatusNotFound, httpapi.CodeParticipantNotFound)
}

func TestMuteTrack(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := e.fixture(t)
	tok := mint(t, e.keyA, token.Grants{RoomAdmin: true}, "")
	const path = "/v1/rooms/alpha/participants/alice/tracks/TR_CAM/mute"

	got := decodeOK[trackJSON](t, e.do(t, "POST", path, tok, `{"muted":true}`), http.StatusOK)
	if want := (trackJSON{ID: "TR_CAM", CID: "cam-1", Kind: "video", Source: "camera", MimeType: "video/VP8", Muted: true, MutedByHost: true}); got != want {
		t.Fatalf("mute answered %+v, want %+v", got, want)
	}
	if !f.recv.Muted() {
		t.Fatal("the receiver still forwards the track")
	}
	if !f.aliceSink.has("MuteRequested(TR_CAM,true)") || !f.bobSink.has("ParticipantUpdated("+string(f.alice.ID())+")") {
		t.Fatalf("not told: alice %v bob %v", f.aliceSink.snapshot(), f.bobSink.snapshot())
	}

	// The host's mute is a lock: the publisher cannot lift it.
	if err := f.alice.SetMuted("TR_CAM", false); !errors.Is(err, room.ErrMutedByHost) {
		t.Fatalf("the publisher unmuted a host-muted track: %v", err)
	}
	if !f.recv.Muted() {
		t.Fatal("the publisher's unmute reached the receiver")
	}

	// Lifting it leaves the track muted: only its publisher turns it on.
	got = decodeOK[trackJSON](t, e.do(t, "POST", path, tok, `{"muted":false}`), http.StatusOK)
	if !got.Muted || got.MutedByHost || !f.recv.Muted() {
		t.Fatalf("lifting the host's mute: answered %+v, receiver muted %t; want muted, not by the host", got, f.recv.Muted())
	}
	if !f.aliceSink.has("MuteRequested(TR_CAM,false)") {
		t.Fatalf("the publisher was not told the lock is lifted: %v", f.aliceSink.snapshot())
	}
	if err := f.alice.SetMuted("TR_CAM", false); err != nil || f.recv.Muted() {
		t.Fatalf("the publisher could not unmute after the lock was lifted: %v, receiver muted %t", err, f.recv.Muted())
	}

	for _, tt := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"unknown identity", "/v1/rooms/alpha/participants/nobody/tracks/TR_CAM/mute", `{"muted":true}`, 404, httpapi.CodeParticipantNotFound},
		{"unknown track", "/v1/rooms/alpha/participants/alice/tracks/TR_NONE/mute", `{"muted":true}`, 404, httpapi.CodeTrackNotFound},
		{"another participant's track", "/v1/rooms/alpha/participants/bob/tracks/TR_CAM/mute", `{"muted":true}`, 404, httpapi.CodeTrackNotFound},
		{"muted missing", path, `{}`, 400, httpapi.CodeInvalidArgument},
		{"muted null", path, `{"muted":null}`, 400, httpapi.CodeInvalidArgument},
		{"muted a string", path, `{"muted":"true"}`, 400, httpapi.CodeInvalidArgument},
		{"unknown field", path, `{"muted":true,"force":true}`, 400, httpapi.CodeInvalidArgument},
		{"trailing data", path, `{"muted":true}{"muted":true}`, 400, httpapi.CodeInvalidArgument},
		{"key in another case", path, `{"Muted":true}`, 400, httpapi.CodeInvalidArgument},
		{"repeated key", path, `{"muted":false,"muted":true}`, 400, httpapi.CodeInvalidArgument},
		{"empty body", path, ``, 400, httpapi.CodeInvalidArgument},
		{"body over 64 KiB", path, `{"muted":true,"x":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`, 413, httpapi.CodeBodyTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := f.aliceSink.count("MuteRequested")
			msg := wantError(t, e.do(t, "POST", tt.path, tok, tt.body), tt.status, tt.code)
			if tt.name == "muted missing" && !strings.Contains(msg, "muted") {
				t.Errorf("message %q does not name muted", msg)
			}
			if f.recv.Muted() || f.aliceSink.count("MuteRequested") != n {
				t.Fatal("a refused mute had an effect")
			}
		})
	}
}
