package accounts

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// hostEnv is env with meetings: rooms, the server's key and a verifier,
// as the server wires them, and a verifier as signaling has it.
type hostEnv struct {
	*env
	rooms     *room.Manager
	serverKey token.Key
	appKey    token.Key // an ordinary API key
	signal    *auth.Verifier

	mu         sync.Mutex
	roomEvents []room.Event
}

type hostOptions struct {
	accounts      func(*config.Accounts)
	joinMaxLife   time.Duration
	rooms         func(*room.Config)
	defaultE2EE   room.E2EEMode
	noServerKeyID bool
}

func newHostEnv(t testing.TB, o hostOptions) *hostEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := auth.NewHasher(testParams, 4)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	ev := &events{}
	acc := config.Default().Accounts
	acc.RequireSecondFactor = "none"
	if o.accounts != nil {
		o.accounts(&acc)
	}
	newKey := func(name string) token.Key {
		rec, priv, err := auth.NewAPIKey(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateAPIKey(ctx, rec); err != nil {
			t.Fatal(err)
		}
		return token.Key{ID: rec.ID, Private: priv}
	}
	he := &hostEnv{serverKey: newKey("conclave server"), appKey: newKey("app")}
	rc := room.Config{DefaultE2EE: o.defaultE2EE, Now: clk.Now}
	if o.rooms != nil {
		o.rooms(&rc)
	}
	he.rooms = room.NewManager(rc)
	he.rooms.Subscribe(room.ListenerFunc(func(e room.Event) {
		if e.Kind == room.EventRoomCreated || e.Kind == room.EventRoomClosed {
			he.mu.Lock()
			he.roomEvents = append(he.roomEvents, e)
			he.mu.Unlock()
		}
	}))
	maxLife := 24 * time.Hour
	if o.joinMaxLife > 0 {
		maxLife = o.joinMaxLife
	}
	serverKeyID := he.serverKey.ID
	if o.noServerKeyID {
		serverKeyID = ""
	}
	api := &auth.Verifier{Keys: st, Personal: st, Users: st, ServerKeyID: serverKeyID, MaxLifetime: maxLife, Now: clk.Now}
	he.signal = &auth.Verifier{Keys: st, Users: st, ServerKeyID: serverKeyID, MaxLifetime: maxLife, Now: clk.Now}
	pol := guard.DefaultSigninPolicy
	pol.LockFor = acc.LockDuration
	svc, err := New(Config{
		Store: st, Hasher: h, Tracker: guard.NewSigninTracker(pol, clk.Now),
		Accounts: acc, Events: ev, Now: clk.Now,
		Rooms: he.rooms, ServerKey: he.serverKey, Verifier: api, JoinTokenMaxLifetime: maxLife,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	svc.Register(mux)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get(testAddrHeader); a != "" {
			r.RemoteAddr = a
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	he.env = &env{t: t, st: st, svc: svc, hasher: h, clock: clk, events: ev, srv: srv}
	return he
}

// member signs a new member in and returns its browser and account.
func (he *hostEnv) member(email string) (*browser, store.User) {
	he.t.Helper()
	u := he.addUser(email, pw, store.RoleMember)
	b := he.browser("")
	b.mustSignin(email, pw)
	return b, u
}

// roomEventsOf returns the kinds of the room-level events seen for name.
func (he *hostEnv) roomEventsOf(name string) []room.EventKind {
	he.mu.Lock()
	defer he.mu.Unlock()
	var ks []room.EventKind
	for _, e := range he.roomEvents {
		if e.Room == room.RoomName(name) {
			ks = append(ks, e.Kind)
		}
	}
	return ks
}

// admitHost asks the rooms, as signaling does, whether a join with the
// token is admitted, and as what.
func (he *hostEnv) admitHost(raw string) (room.Decision, error) {
	c, err := he.signal.Verify(context.Background(), raw)
	if err != nil {
		return room.Decision{}, err
	}
	return he.rooms.Decide(room.Request{Claims: c, Action: room.ActionJoin}), nil
}

func (he *hostEnv) createMeeting(t *testing.T, b *browser, body string) MeetingResponse {
	t.Helper()
	r := b.do(http.MethodPost, "/v1/meetings", body)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/meetings %s: %d %s", body, r.status, r.body)
	}
	var m MeetingResponse
	r.decode(t, &m)
	return m
}

var generatedName = regexp.MustCompile(`^[a-z2-7]{26}$`)

// TestMeetingsBySession: a signed-in member creates meetings (named or
// not), lists, rejoins and ends them; its host token is the account's,
// signed by the server's key, and admits its holder as host of that room
// only; another account reaches none of it.
func TestMeetingsBySession(t *testing.T) {
	he := newHostEnv(t, hostOptions{defaultE2EE: room.E2EERequired})
	alice, au := he.member("alice@example.org")
	mallory, mu := he.member("mallory@example.org")

	m := he.createMeeting(t, alice, `{"e2ee":"off"}`)
	name := string(m.Room.Name)
	if !generatedName.MatchString(name) {
		t.Fatalf("generated name %q", name)
	}
	if m.Room.E2EE != room.E2EEOff || m.Join.Identity != au.ID || m.Join.Name != au.DisplayName {
		t.Fatalf("meeting %+v", m)
	}
	wantExp := he.clock.Now().Add(HostTokenLifetime)
	if !m.Join.ExpiresAt.Equal(wantExp) {
		t.Fatalf("expires_at %v, want %v", m.Join.ExpiresAt, wantExp)
	}
	if ks := he.roomEventsOf(name); !slices.Equal(ks, []room.EventKind{room.EventRoomCreated}) {
		t.Fatalf("room events %v", ks)
	}

	// The host token: the server's key, the owner claim, host grants for
	// this room, verified as the account's.
	c, err := he.signal.Verify(context.Background(), m.Join.Token)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != au.ID || c.Owner != au.ID || c.Subject != au.ID || c.Room != name || c.Grants != hostGrants ||
		!c.ExpiresAt.Time.Equal(wantExp) {
		t.Fatalf("host token claims %+v", c)
	}
	d, err := he.admitHost(m.Join.Token)
	if err != nil || d.Outcome != room.Admitted || d.Role != room.RoleHost {
		t.Fatalf("host join: %+v %v", d, err)
	}

	// The server default applies without e2ee; two names never repeat.
	m2 := he.createMeeting(t, alice, `{}`)
	if m2.Room.E2EE != room.E2EERequired || m2.Room.Name == m.Room.Name || !generatedName.MatchString(string(m2.Room.Name)) {
		t.Fatalf("second meeting %+v", m2.Room)
	}
	m3 := he.createMeeting(t, alice, `{"name":"weekly-sync"}`)
	if m3.Room.Name != "weekly-sync" {
		t.Fatalf("named meeting %+v", m3.Room)
	}
	wantStatus(t, alice.do(http.MethodPost, "/v1/meetings", `{"name":"weekly-sync"}`), http.StatusConflict, "room_exists")
	// A name another owner holds is refused without being taken over.
	if _, err := he.rooms.Create(room.Spec{Name: "app-room", Owner: room.KeyID(he.appKey.ID)}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, alice.do(http.MethodPost, "/v1/meetings", `{"name":"app-room"}`), http.StatusForbidden, "permission_denied")

	var list MeetingList
	r := alice.do(http.MethodGet, "/v1/meetings", nil)
	r.decode(t, &list)
	var names []string
	for _, i := range list.Meetings {
		names = append(names, string(i.Name))
	}
	want := []string{name, string(m2.Room.Name), "weekly-sync"}
	slices.Sort(want)
	if r.status != http.StatusOK || !slices.Equal(names, want) {
		t.Fatalf("list %d %v, want %v", r.status, names, want)
	}
	r = mallory.do(http.MethodGet, "/v1/meetings", nil)
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"meetings":[]}` {
		t.Fatalf("another account's list: %d %s", r.status, r.body)
	}

	// Another account can neither rejoin nor end it, and its own host
	// token for a room of its own does not open this one.
	wantStatus(t, mallory.do(http.MethodPost, "/v1/meetings/"+name+"/join", `{}`), http.StatusForbidden, "permission_denied")
	wantStatus(t, mallory.do(http.MethodDelete, "/v1/meetings/"+name, nil), http.StatusForbidden, "permission_denied")
	mm := he.createMeeting(t, mallory, `{}`)
	if d, err := he.admitHost(mm.Join.Token); err != nil || d.Room != mm.Room.Name || d.Key != room.KeyID(mu.ID) {
		t.Fatalf("mallory's own host token: %+v %v", d, err)
	}
	// A token for alice's room that an ordinary API key signs, with or
	// without alice's id as owner, is refused.
	forged, err := he.appKey.MintAt(token.Options{Identity: au.ID, Room: name, TTL: time.Minute, Grants: hostGrants, Owner: au.ID}, he.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := he.admitHost(forged); auth.Code(err) != auth.CodeOwner {
		t.Fatalf("owner claim from an app key: %v", err)
	}
	appTok, err := he.appKey.MintAt(token.Options{Identity: au.ID, Room: name, TTL: time.Minute, Grants: hostGrants}, he.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if d, err := he.admitHost(appTok); err != nil || d.Outcome != room.Refused || d.Code() != "permission_denied" {
		t.Fatalf("app key's token on the account's room: %+v %v", d, err)
	}

	// Rejoin: a fresh host token for the same room.
	he.clock.Add(time.Minute)
	r = alice.do(http.MethodPost, "/v1/meetings/"+name+"/join", `{}`)
	var jr JoinResponse
	r.decode(t, &jr)
	if r.status != http.StatusOK || jr.Join.Token == m.Join.Token || jr.Join.Identity != au.ID ||
		!jr.Join.ExpiresAt.Equal(he.clock.Now().Add(HostTokenLifetime)) {
		t.Fatalf("join: %d %s", r.status, r.body)
	}
	if d, err := he.admitHost(jr.Join.Token); err != nil || d.Outcome != room.Admitted || d.Role != room.RoleHost {
		t.Fatalf("rejoin: %+v %v", d, err)
	}
	// An empty body is as good as {}.
	if r := alice.do(http.MethodPost, "/v1/meetings/"+name+"/join", nil); r.status != http.StatusOK {
		t.Fatalf("join with no body: %d %s", r.status, r.body)
	}

	// End it.
	if r := alice.do(http.MethodDelete, "/v1/meetings/"+name, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if ks := he.roomEventsOf(name); !slices.Equal(ks, []room.EventKind{room.EventRoomCreated, room.EventRoomClosed}) {
		t.Fatalf("room events %v", ks)
	}
	wantStatus(t, alice.do(http.MethodPost, "/v1/meetings/"+name+"/join", `{}`), http.StatusNotFound, "room_not_found")
	wantStatus(t, alice.do(http.MethodDelete, "/v1/meetings/"+name, nil), http.StatusNotFound, "room_not_found")
	if d, err := he.admitHost(m.Join.Token); err != nil || d.Outcome == room.Admitted {
		t.Fatalf("host token after the end: %+v %v", d, err)
	}

	// Disabling the account refuses its host tokens at once.
	if _, err := he.st.UpdateUser(context.Background(), au.ID, func(u *store.User) error { u.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := he.admitHost(m3.Join.Token); auth.Code(err) != auth.CodeTokenRevoked {
		t.Fatalf("disabled account's host token: %v", err)
	}
}

// TestMeetingsHostTokenLifetime: the host token lives no longer than
// tokens.max_lifetime nor accounts.token_max_lifetime.
func TestMeetingsHostTokenLifetime(t *testing.T) {
	for _, tc := range []struct {
		name     string
		o        hostOptions
		lifetime time.Duration
	}{
		{"tokens.max_lifetime", hostOptions{joinMaxLife: time.Hour}, time.Hour},
		{"accounts.token_max_lifetime", hostOptions{accounts: func(a *config.Accounts) { a.TokenMaxLifetime = 2 * time.Hour }}, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			he := newHostEnv(t, tc.o)
			b, _ := he.member("alice@example.org")
			m := he.createMeeting(t, b, `{}`)
			if !m.Join.ExpiresAt.Equal(he.clock.Now().Add(tc.lifetime)) {
				t.Fatalf("expires_at %v", m.Join.ExpiresAt)
			}
			if _, err := he.signal.Verify(context.Background(), m.Join.Token); err != nil {
				t.Fatal(err)
			}
			he.clock.Add(tc.lifetime + auth.DefaultLeeway)
			if _, err := he.signal.Verify(context.Background(), m.Join.Token); auth.Code(err) != auth.CodeExpired {
				t.Fatalf("after its lifetime: %v", err)
			}
		})
	}
}

// TestMeetingsHostName: the display name goes into the token as far as a
// token can carry it (128 bytes, whole characters).
func TestMeetingsHostName(t *testing.T) {
	he := newHostEnv(t, hostOptions{})
	b, u := he.member("alice@example.org")
	long := strings.Repeat("é", 90) // 180 bytes
	if _, err := he.st.UpdateUser(context.Background(), u.ID, func(x *store.User) error { x.DisplayName = long + "\u2028x"; return nil }); err != nil {
		t.Fatal(err)
	}
	m := he.createMeeting(t, b, `{}`)
	if m.Join.Name != strings.Repeat("é", 64) {
		t.Fatalf("name %q (%d bytes)", m.Join.Name, len(m.Join.Name))
	}
	c, err := he.signal.Verify(context.Background(), m.Join.Token)
	if err != nil || c.Name != m.Join.Name {
		t.Fatalf("%+v %v", c, err)
	}
}

// TestMeetingsSessionRules: the session path has the cross-origin
// protection and the second factor policy; a bearer that is not a
// personal token never acts, whatever cookie comes with it.
func TestMeetingsSessionRules(t *testing.T) {
	he := newHostEnv(t, hostOptions{})
	alice, au := he.member("alice@example.org")
	wantStatus(t, alice.do(http.MethodPost, "/v1/meetings", `{}`, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "cross_origin")
	wantStatus(t, alice.do(http.MethodPost, "/v1/meetings", `{}`, "Content-Type", "text/plain"), http.StatusForbidden, "cross_origin")
	wantStatus(t, he.browser("").do(http.MethodPost, "/v1/meetings", `{}`), http.StatusUnauthorized, "unauthenticated")
	wantStatus(t, he.browser("").do(http.MethodGet, "/v1/meetings", nil), http.StatusUnauthorized, "unauthenticated")

	m := he.createMeeting(t, alice, `{}`)
	appTok, err := he.appKey.MintAt(token.Options{Identity: "script", TTL: time.Minute, Grants: token.Grants{RoomCreate: true, RoomList: true, RoomAdmin: true}}, he.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, bearer := range []string{
		"Bearer " + appTok,       // an API key's token
		"Bearer " + m.Join.Token, // a host join token
		"Basic YTpi", "Bearer", "Bearer  ",
	} {
		wantStatus(t, alice.do(http.MethodGet, "/v1/meetings", nil, "Authorization", bearer), http.StatusUnauthorized, "unauthenticated")
		wantStatus(t, alice.do(http.MethodPost, "/v1/meetings/"+string(m.Room.Name)+"/join", `{}`, "Authorization", bearer), http.StatusUnauthorized, "unauthenticated")
	}

	// The policy: an account it covers must enrol a second factor first.
	he2 := newHostEnv(t, hostOptions{accounts: func(a *config.Accounts) { a.RequireSecondFactor = "everyone" }})
	bob, _ := he2.member("bob@example.org")
	wantStatus(t, bob.do(http.MethodPost, "/v1/meetings", `{}`), http.StatusForbidden, "second_factor_required")
	wantStatus(t, bob.do(http.MethodGet, "/v1/meetings", nil), http.StatusForbidden, "second_factor_required")
	wantStatus(t, bob.do(http.MethodPost, "/v1/auth/tokens", `{"name":"ci","grants":["roomList"]}`), http.StatusForbidden, "second_factor_required")
	if n := len(he2.rooms.List("")); n != 0 {
		t.Fatalf("%d rooms", n)
	}
	if n := len(he.rooms.List(room.KeyID(au.ID))); n != 1 {
		t.Fatalf("alice has %d rooms, want 1", n)
	}
}

// TestMeetingsServerKeyRequired: a verifier that does not know the
// server's key refuses the host tokens (token_owner): deny by default.
func TestMeetingsServerKeyRequired(t *testing.T) {
	he := newHostEnv(t, hostOptions{noServerKeyID: true})
	b, _ := he.member("alice@example.org")
	m := he.createMeeting(t, b, `{}`)
	if _, err := he.admitHost(m.Join.Token); auth.Code(err) != auth.CodeOwner {
		t.Fatalf("%v", err)
	}
}

// TestMeetingsStoreRefusal: a room the store cannot take is not created,
// and the answer is 503 unavailable, not a server error.
func TestMeetingsStoreRefusal(t *testing.T) {
	he := newHostEnv(t, hostOptions{rooms: func(c *room.Config) { c.Store = failingRoomStore{} }})
	b, _ := he.member("alice@example.org")
	r := b.do(http.MethodPost, "/v1/meetings", `{}`)
	wantStatus(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" || len(he.rooms.List("")) != 0 {
		t.Fatalf("%v %d", r.header, len(he.rooms.List("")))
	}
}

type failingRoomStore struct{}

func (failingRoomStore) SaveRoom(context.Context, room.Info) error {
	return context.DeadlineExceeded
}
func (failingRoomStore) DeleteRoom(context.Context, room.RoomName) error {
	return context.DeadlineExceeded
}
func (failingRoomStore) SaveRoomState(context.Context, room.RoomName, time.Time, bool, time.Duration) error {
	return context.DeadlineExceeded
}

// TestMeetingsConfig: the meetings' wiring is all or nothing.
func TestMeetingsConfig(t *testing.T) {
	he := newHostEnv(t, hostOptions{})
	base := he.svc.cfg
	for name, mod := range map[string]func(*Config){
		"no verifier":   func(c *Config) { c.Verifier = nil },
		"no server key": func(c *Config) { c.ServerKey = token.Key{} },
		"no rooms":      func(c *Config) { c.Rooms = nil },
	} {
		c := base
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Without any of them, /v1/meetings is not served at all.
	e := newEnv(t, nil)
	e.addUser("alice@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("alice@example.org", pw)
	if r := b.do(http.MethodPost, "/v1/meetings", `{}`); r.status != http.StatusNotFound {
		t.Fatalf("%d %s", r.status, r.body)
	}
}
