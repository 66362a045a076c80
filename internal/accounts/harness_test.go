package accounts

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// testParams are argon2id parameters small enough for many sign-ins in
// a test, real all the same.
var testParams = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// events records security events.
type events struct {
	mu  sync.Mutex
	evs []room.SecurityEvent
}

func (e *events) Security(ev room.SecurityEvent) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) kinds() []room.SecurityKind {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ks []room.SecurityKind
	for _, ev := range e.evs {
		ks = append(ks, ev.Kind)
	}
	return ks
}

func (e *events) last(k room.SecurityKind) (room.SecurityEvent, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.evs) - 1; i >= 0; i-- {
		if e.evs[i].Kind == k {
			return e.evs[i], true
		}
	}
	return room.SecurityEvent{}, false
}

func (e *events) count(k room.SecurityKind) int {
	return len(slices.DeleteFunc(e.kinds(), func(x room.SecurityKind) bool { return x != k }))
}

// env is a service over a real SQLite store behind an HTTPS test server.
type env struct {
	t      testing.TB
	st     *store.SQLite
	svc    *Service
	hasher *auth.Hasher
	clock  *clock
	events *events
	srv    *httptest.Server
}

// testAddrHeader lets a test choose the client address (RemoteAddr).
const testAddrHeader = "X-Test-Remote-Addr"

func newEnv(t testing.TB, mod func(*config.Accounts)) *env {
	return newEnvParams(t, testParams, mod)
}

func newEnvParams(t testing.TB, params auth.Argon2Params, mod func(*config.Accounts)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := auth.NewHasher(params, 4)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	ev := &events{}
	acc := config.Default().Accounts
	acc.RequireSecondFactor = "none"
	if mod != nil {
		mod(&acc)
	}
	pol := guard.DefaultSigninPolicy
	pol.LockFor = acc.LockDuration
	svc, err := New(Config{
		Store: st, Hasher: h, Tracker: guard.NewSigninTracker(pol, clk.Now),
		Accounts: acc, Events: ev, Now: clk.Now,
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
	return &env{t: t, st: st, svc: svc, hasher: h, clock: clk, events: ev, srv: srv}
}

// addUser creates an active account.
func (e *env) addUser(email, password, role string) store.User {
	e.t.Helper()
	hash, err := e.hasher.Hash(context.Background(), password)
	if err != nil {
		e.t.Fatal(err)
	}
	u := store.User{
		ID: newPublicID("US_"), Email: email, DisplayName: "Test " + email, Role: role,
		Status: store.StatusActive, PasswordHash: hash, PasswordChangedAt: e.clock.Now(),
		CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	}
	if err := e.st.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) user(id string) store.User {
	e.t.Helper()
	u, err := e.st.User(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// browser is a client with its own cookie jar and address.
type browser struct {
	e    *env
	c    *http.Client
	addr string
}

func (e *env) browser(addr string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.srv.Client()
	c2 := *c
	c2.Jar = jar
	return &browser{e: e, c: &c2, addr: addr}
}

// resp is an answer, read.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) code() string {
	var b struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Code
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// do sends a request as a same-origin page would (JSON body, and
// Content-Type JSON on every state-changing method); hdr adds headers.
func (b *browser) do(method, path string, body any, hdr ...string) resp {
	b.e.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			b.e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, rd)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	if b.addr != "" {
		req.Header.Set(testAddrHeader, b.addr)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// sessionCookie returns the session cookie the browser holds ("" if none).
func (b *browser) sessionCookie() string {
	u := b.e.srv.URL + "/"
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for _, c := range b.c.Jar.Cookies(req.URL) {
		if c.Name == CookieName {
			return c.Value
		}
	}
	return ""
}

// withCookie sends the request with this session id instead of the jar's.
func (b *browser) setSessionCookie(id string) {
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+"/", nil)
	b.c.Jar.SetCookies(req.URL, []*http.Cookie{{Name: CookieName, Value: id, Path: "/", Secure: true}})
}

func (b *browser) signin(email, password string) resp {
	b.e.t.Helper()
	return b.do(http.MethodPost, "/v1/auth/signin", map[string]string{"email": email, "password": password})
}

func (b *browser) mustSignin(email, password string) SigninResponse {
	b.e.t.Helper()
	r := b.signin(email, password)
	if r.status != http.StatusOK {
		b.e.t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	var sr SigninResponse
	r.decode(b.e.t, &sr)
	return sr
}

func wantStatus(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got %d %q (%s), want %d %q", r.status, r.code(), r.body, status, code)
	}
}
