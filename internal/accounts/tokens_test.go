package accounts

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

func (he *hostEnv) createToken(t *testing.T, b *browser, body string) CreateTokenResponse {
	t.Helper()
	r := b.do(http.MethodPost, "/v1/auth/tokens", body)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/auth/tokens %s: %d %s", body, r.status, r.body)
	}
	var ct CreateTokenResponse
	r.decode(t, &ct)
	return ct
}

func (he *hostEnv) listTokens(t *testing.T, b *browser) []PersonalTokenView {
	t.Helper()
	r := b.do(http.MethodGet, "/v1/auth/tokens", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/auth/tokens: %d %s", r.status, r.body)
	}
	var l TokenList
	r.decode(t, &l)
	return l.Tokens
}

// script is a client with a personal token and no cookies.
func (he *hostEnv) script(secret string) func(method, path string, body any) resp {
	b := he.browser("")
	return func(method, path string, body any) resp {
		return b.do(method, path, body, "Authorization", "Bearer "+secret, "Sec-Fetch-Site", "", "Content-Type", "")
	}
}

// TestPersonalTokens: made, listed (never with its secret), used on
// /v1/meetings as the account, revoked and expired; events for both.
func TestPersonalTokens(t *testing.T) {
	he := newHostEnv(t, hostOptions{accounts: func(a *config.Accounts) {
		a.SessionIdle, a.SessionMax = 60*24*time.Hour, 90*24*time.Hour // the clock moves by weeks
	}})
	alice, au := he.member("alice@example.org")
	mallory, _ := he.member("mallory@example.org")

	ct := he.createToken(t, alice, `{"name":"  ci deploy  ","grants":["roomCreate","roomList","roomAdmin","roomList"]}`)
	now := he.clock.Now()
	if !strings.HasPrefix(ct.Secret, "cvt_") || !strings.HasPrefix(ct.Token.ID, "PT_") || ct.Token.Name != "ci deploy" ||
		!slices.Equal(ct.Token.Grants, []string{"roomCreate", "roomList", "roomAdmin"}) ||
		!ct.Token.CreatedAt.Equal(now) || !ct.Token.ExpiresAt.Equal(now.Add(DefaultPersonalTokenLifetime)) || ct.Token.LastUsedAt != nil {
		t.Fatalf("created %+v", ct)
	}
	ev, ok := he.events.last(room.SecurityPersonalTokenCreated)
	if !ok || ev.Reason != ct.Token.ID || ev.Actor != au.ID || ev.Outcome != room.OutcomeSucceeded {
		t.Fatalf("event %+v %v", ev, ok)
	}
	r := alice.do(http.MethodGet, "/v1/auth/tokens", nil)
	if bytes.Contains(r.body, []byte(ct.Secret)) || bytes.Contains(r.body, []byte(strings.Split(ct.Secret, "_")[2])) {
		t.Fatal("the list shows the secret")
	}
	if l := he.listTokens(t, alice); len(l) != 1 || l[0].ID != ct.Token.ID {
		t.Fatalf("list %+v", l)
	}
	if l := he.listTokens(t, mallory); len(l) != 0 {
		t.Fatalf("another account's list %+v", l)
	}

	// The token acts for the account: its meetings are alice's.
	script := he.script(ct.Secret)
	he.clock.Add(time.Minute)
	r = script(http.MethodPost, "/v1/meetings", `{"name":"nightly"}`)
	var m MeetingResponse
	r.decode(t, &m)
	if r.status != http.StatusCreated || m.Join.Identity != au.ID {
		t.Fatalf("meeting by token: %d %s", r.status, r.body)
	}
	if got := he.rooms.List(room.KeyID(au.ID)); len(got) != 1 || got[0].Name != "nightly" {
		t.Fatalf("alice's rooms %+v", got)
	}
	if d, err := he.admitHost(m.Join.Token); err != nil || d.Role != room.RoleHost {
		t.Fatalf("host token made by a script: %+v %v", d, err)
	}
	if l := he.listTokens(t, alice); l[0].LastUsedAt == nil || !l[0].LastUsedAt.Equal(he.clock.Now()) {
		t.Fatalf("last use %+v", l[0])
	}
	// The session's meeting list and the token's agree.
	if r := script(http.MethodGet, "/v1/meetings", nil); r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"nightly"`)) {
		t.Fatalf("list by token: %d %s", r.status, r.body)
	}

	// Revocation: only by its owner; the token stops at once.
	wantStatus(t, mallory.do(http.MethodDelete, "/v1/auth/tokens/"+ct.Token.ID, nil), http.StatusNotFound, "not_found")
	if r := script(http.MethodGet, "/v1/meetings", nil); r.status != http.StatusOK {
		t.Fatalf("after another account's try: %d", r.status)
	}
	if r := alice.do(http.MethodDelete, "/v1/auth/tokens/"+ct.Token.ID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	ev, ok = he.events.last(room.SecurityPersonalTokenRevoked)
	if !ok || ev.Reason != ct.Token.ID || ev.Actor != au.ID {
		t.Fatalf("event %+v %v", ev, ok)
	}
	wantStatus(t, script(http.MethodGet, "/v1/meetings", nil), http.StatusUnauthorized, "token_revoked")
	wantStatus(t, script(http.MethodPost, "/v1/meetings", `{}`), http.StatusUnauthorized, "token_revoked")
	wantStatus(t, alice.do(http.MethodDelete, "/v1/auth/tokens/"+ct.Token.ID, nil), http.StatusNotFound, "not_found")
	if l := he.listTokens(t, alice); len(l) != 0 {
		t.Fatalf("revoked token listed %+v", l)
	}
	wantStatus(t, alice.do(http.MethodDelete, "/v1/auth/tokens/PT_NOSUCHTOKEN", nil), http.StatusNotFound, "not_found")
	wantStatus(t, alice.do(http.MethodDelete, "/v1/auth/tokens/SE_x", nil), http.StatusNotFound, "not_found")

	// Expiry: refused from its expires_at; listed for a week after.
	short := he.createToken(t, alice, `{"name":"short","grants":["roomList"],"expires_in":"1h"}`)
	if !short.Token.ExpiresAt.Equal(he.clock.Now().Add(time.Hour)) {
		t.Fatalf("expires_at %v", short.Token.ExpiresAt)
	}
	s2 := he.script(short.Secret)
	if r := s2(http.MethodGet, "/v1/meetings", nil); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d %s", r.status, r.body)
	}
	he.clock.Add(time.Hour)
	wantStatus(t, s2(http.MethodGet, "/v1/meetings", nil), http.StatusUnauthorized, "token_expired")
	he.clock.Add(ExpiredTokensListedFor - time.Second)
	if l := he.listTokens(t, alice); len(l) != 1 || l[0].ID != short.Token.ID {
		t.Fatalf("expired token not listed %+v", l)
	}
	he.clock.Add(time.Second)
	if l := he.listTokens(t, alice); len(l) != 0 {
		t.Fatalf("long-expired token listed %+v", l)
	}

	// A malformed or unknown personal token.
	wantStatus(t, he.script("cvt_x")(http.MethodGet, "/v1/meetings", nil), http.StatusUnauthorized, "token_malformed")
	wrong := []byte(short.Secret)
	i := len(wrong) - 10
	wrong[i] = map[bool]byte{true: 'b', false: 'a'}[wrong[i] == 'a']
	wantStatus(t, he.script(string(wrong))(http.MethodGet, "/v1/meetings", nil), http.StatusUnauthorized, "token_unknown")

	// A disabled account's tokens stop.
	live := he.createToken(t, alice, `{"name":"live","grants":["roomList"]}`)
	if _, err := he.st.UpdateUser(context.Background(), au.ID, func(u *store.User) error { u.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, he.script(live.Secret)(http.MethodGet, "/v1/meetings", nil), http.StatusUnauthorized, "token_revoked")
}

// TestPersonalTokenGrants: each route needs its grant.
func TestPersonalTokenGrants(t *testing.T) {
	he := newHostEnv(t, hostOptions{})
	alice, _ := he.member("alice@example.org")
	he.createMeeting(t, alice, `{"name":"standup"}`)
	tok := func(grant string) func(string, string, any) resp {
		return he.script(he.createToken(t, alice, `{"name":"`+grant+`","grants":["`+grant+`"]}`).Secret)
	}
	create, list, admin := tok("roomCreate"), tok("roomList"), tok("roomAdmin")
	for _, c := range []struct {
		name   string
		do     func(string, string, any) resp
		method string
		path   string
		body   any
		status int
	}{
		{"create with roomCreate", create, "POST", "/v1/meetings", `{}`, http.StatusCreated},
		{"create with roomList", list, "POST", "/v1/meetings", `{}`, http.StatusForbidden},
		{"create with roomAdmin", admin, "POST", "/v1/meetings", `{}`, http.StatusForbidden},
		{"list with roomList", list, "GET", "/v1/meetings", nil, http.StatusOK},
		{"list with roomCreate", create, "GET", "/v1/meetings", nil, http.StatusForbidden},
		{"list with roomAdmin", admin, "GET", "/v1/meetings", nil, http.StatusForbidden},
		{"join with roomCreate", create, "POST", "/v1/meetings/standup/join", `{}`, http.StatusForbidden},
		{"join with roomList", list, "POST", "/v1/meetings/standup/join", `{}`, http.StatusForbidden},
		{"join with roomAdmin", admin, "POST", "/v1/meetings/standup/join", `{}`, http.StatusOK},
		{"delete with roomCreate", create, "DELETE", "/v1/meetings/standup", nil, http.StatusForbidden},
		{"delete with roomList", list, "DELETE", "/v1/meetings/standup", nil, http.StatusForbidden},
		{"delete with roomAdmin", admin, "DELETE", "/v1/meetings/standup", nil, http.StatusNoContent},
	} {
		r := c.do(c.method, c.path, c.body)
		if r.status != c.status || (c.status == http.StatusForbidden && r.code() != "permission_denied") {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.status)
		}
	}
	// A personal token cannot manage tokens: those routes take the session.
	wantStatus(t, list("GET", "/v1/auth/tokens", nil), http.StatusUnauthorized, "unauthenticated")
	if r := admin("POST", "/v1/auth/tokens", `{"name":"x","grants":["roomList"]}`); r.status != http.StatusForbidden && r.status != http.StatusUnauthorized {
		t.Fatalf("a token making a token: %d %s", r.status, r.body)
	}
}

// TestPersonalTokenLimits: lifetimes within bounds, and the cap on
// active tokens, which holds under concurrent requests.
func TestPersonalTokenLimits(t *testing.T) {
	he := newHostEnv(t, hostOptions{accounts: func(a *config.Accounts) {
		a.TokenMaxLifetime = 90 * 24 * time.Hour
		a.SessionIdle, a.SessionMax = 60*24*time.Hour, 90*24*time.Hour // the clock moves by weeks
	}})
	alice, au := he.member("alice@example.org")
	wantStatus(t, alice.do(http.MethodPost, "/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"2161h"}`), http.StatusBadRequest, "invalid_argument")
	ok := he.createToken(t, alice, `{"name":"x","grants":["roomList"],"expires_in":"2160h"}`)
	if !ok.Token.ExpiresAt.Equal(he.clock.Now().Add(2160 * time.Hour)) {
		t.Fatalf("%v", ok.Token.ExpiresAt)
	}

	// Fill the cap to 5 below, then race 10 creations: at most 5 win.
	for i := 1; i < MaxActivePersonalTokens-5; i++ {
		he.createToken(t, alice, fmt.Sprintf(`{"name":"t%d","grants":["roomList"]}`, i))
	}
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Go(func() {
			he.clock.Add(time.Millisecond) // distinct creation times, and some ties broken by id
			r := alice.do(http.MethodPost, "/v1/auth/tokens", fmt.Sprintf(`{"name":"race%d","grants":["roomList"]}`, i))
			statuses[i] = r.status
			if r.status != http.StatusCreated && r.code() != "too_many_tokens" {
				t.Errorf("race %d: %d %s", i, r.status, r.body)
			}
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			won++
		}
	}
	if won > 5 || len(he.listTokens(t, alice)) != MaxActivePersonalTokens-5+won {
		t.Fatalf("%d of 10 racing creations won, want at most 5 (%v)", won, statuses)
	}
	// One at a time, the cap is exact.
	for i := won; i < 5; i++ {
		he.createToken(t, alice, fmt.Sprintf(`{"name":"after%d","grants":["roomList"]}`, i))
	}
	l := he.listTokens(t, alice)
	if len(l) != MaxActivePersonalTokens {
		t.Fatalf("%d tokens listed, want %d", len(l), MaxActivePersonalTokens)
	}
	r := alice.do(http.MethodPost, "/v1/auth/tokens", `{"name":"one more","grants":["roomList"]}`)
	wantStatus(t, r, http.StatusConflict, "too_many_tokens")
	ev, found := he.events.last(room.SecurityPersonalTokenCreated)
	if !found || ev.Outcome != room.OutcomeRefused || ev.Reason != "too_many_tokens" || ev.Actor != au.ID {
		t.Fatalf("refusal event %+v", ev)
	}
	// Revoking one makes room for one; an expired one does not count.
	if r := alice.do(http.MethodDelete, "/v1/auth/tokens/"+l[0].ID, nil); r.status != http.StatusNoContent {
		t.Fatal(r.status)
	}
	he.createToken(t, alice, `{"name":"replacement","grants":["roomList"]}`)
	wantStatus(t, alice.do(http.MethodPost, "/v1/auth/tokens", `{"name":"again","grants":["roomList"]}`), http.StatusConflict, "too_many_tokens")
	he.clock.Add(DefaultPersonalTokenLifetime)
	he.createToken(t, alice, `{"name":"after expiry","grants":["roomList"]}`)
	// Another account has its own cap.
	bob, _ := he.member("bob@example.org")
	he.createToken(t, bob, `{"name":"bob","grants":["roomList"]}`)
}

// Bad input on every endpoint of tokens and meetings: 400 (or 413) with
// a code, never a server error.
func TestTokensAndMeetingsBadInput(t *testing.T) {
	he := newHostEnv(t, hostOptions{})
	b, _ := he.member("vera@example.org")
	he.createMeeting(t, b, `{"name":"standup"}`)
	ct := he.createToken(t, b, `{"name":"all","grants":["roomCreate","roomList","roomAdmin"]}`)
	script := he.script(ct.Secret)
	huge := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	bodies := map[string]string{
		"oversize":     huge,
		"not json":     "name=a&grants=b",
		"array":        "[]",
		"null":         "null",
		"two values":   "{} {}",
		"unknown":      `{"name":"a","extra":1}`,
		"wrong type":   `{"name":1,"grants":"roomList","expires_in":720,"e2ee":true}`,
		"repeated":     `{"name":"a","name":"b"}`,
		"wrong case":   `{"Name":"a"}`,
		"truncated":    `{"name":"a`,
		"invalid utf8": "{\"name\":\"\xff\xfe\"}",
	}
	routes := []struct{ method, path string }{
		{"POST", "/v1/auth/tokens"}, {"POST", "/v1/meetings"},
		{"POST", "/v1/meetings/standup/join"}, {"DELETE", "/v1/meetings/standup"},
		{"DELETE", "/v1/auth/tokens/" + ct.Token.ID},
	}
	for _, rt := range routes {
		for name, body := range bodies {
			if name == "null" && rt.path != "/v1/auth/tokens" {
				continue // null is no body, as good as {} where every field is optional
			}
			for via, do := range map[string]func(string, string, any) resp{
				"session": func(m, p string, body any) resp { return b.do(m, p, body) },
				"token":   script,
			} {
				if via == "token" && strings.HasPrefix(rt.path, "/v1/auth/") {
					continue
				}
				r := do(rt.method, rt.path, body)
				if (r.status != http.StatusBadRequest && r.status != http.StatusRequestEntityTooLarge) || r.code() == "" {
					t.Errorf("%s %s %s by %s: %d %s", rt.method, rt.path, name, via, r.status, r.body)
				}
			}
		}
	}
	// Missing and out-of-range fields.
	for _, c := range []struct{ path, body string }{
		{"/v1/auth/tokens", `{}`},
		{"/v1/auth/tokens", `{"grants":["roomList"]}`},
		{"/v1/auth/tokens", `{"name":"","grants":["roomList"]}`},
		{"/v1/auth/tokens", `{"name":"   ","grants":["roomList"]}`},
		{"/v1/auth/tokens", `{"name":"` + strings.Repeat("a", 101) + `","grants":["roomList"]}`},
		{"/v1/auth/tokens", `{"name":"` + strings.Repeat("😀", 100) + `","grants":["roomList"]}`},
		{"/v1/auth/tokens", `{"name":"a\u0007b","grants":["roomList"]}`},
		{"/v1/auth/tokens", `{"name":"x"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":[]}`},
		{"/v1/auth/tokens", `{"name":"x","grants":null}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["publish"]}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomlist"]}`},
		{"/v1/auth/tokens", `{"name":"x","grants":[1]}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"soon"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":""}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"-1h"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"0s"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"59m"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"8761h"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"99999999999999h"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":"` + strings.Repeat("1", 40) + `h"}`},
		{"/v1/auth/tokens", `{"name":"x","grants":["roomList"],"expires_in":null}`},
		{"/v1/meetings", `{"name":".."}`},
		{"/v1/meetings", `{"name":"a b"}`},
		{"/v1/meetings", `{"name":"a/b"}`},
		{"/v1/meetings", `{"name":"` + strings.Repeat("a", 129) + `"}`},
		{"/v1/meetings", "{\"name\":\"\xff\"}"},
		{"/v1/meetings", `{"e2ee":"maybe"}`},
		{"/v1/meetings", `{"e2ee":"REQUIRED"}`},
	} {
		r := b.do(http.MethodPost, c.path, c.body)
		if c.body == `{"name":"x","grants":["roomList"],"expires_in":null}` {
			// null is no expires_in: the default.
			if r.status != http.StatusCreated {
				t.Errorf("expires_in null: %d %s", r.status, r.body)
			}
			continue
		}
		if r.status != http.StatusBadRequest || r.code() != "invalid_argument" {
			t.Errorf("POST %s %.60s: %d %s", c.path, c.body, r.status, r.body)
		}
	}
	// Names in paths that can be no room are not found.
	for _, p := range []string{"/v1/meetings/" + strings.Repeat("a", 129) + "/join", "/v1/meetings/%2E%2E/join", "/v1/meetings/a%20b/join"} {
		wantStatus(t, b.do(http.MethodPost, p, `{}`), http.StatusNotFound, "room_not_found")
	}
	// The session and the meeting survived all of it.
	if r := b.do(http.MethodGet, "/v1/meetings", nil); r.status != http.StatusOK || !bytes.Contains(r.body, []byte("standup")) {
		t.Fatalf("after: %d %s", r.status, r.body)
	}
}

// FuzzTokenAndMeetingBodies: whatever the body of POST /v1/auth/tokens or
// /v1/meetings, the answer is a success or a client error with a code,
// never a server error or a panic.
func FuzzTokenAndMeetingBodies(f *testing.F) {
	for _, s := range []string{
		`{"name":"ci","grants":["roomList"]}`, `{"name":"ci","grants":["roomCreate","roomAdmin"],"expires_in":"720h"}`,
		`{"name":"x","grants":["roomList"],"expires_in":"1e9h"}`, `{"name":"` + strings.Repeat("é", 120) + `","grants":["roomList"]}`,
		`{}`, `{"name":"standup"}`, `{"e2ee":"required"}`, `{"name":"..","e2ee":"off"}`, `[]`, `null`, "{\"name\":\"\xff\"}",
	} {
		f.Add(s)
	}
	he := newHostEnv(f, hostOptions{rooms: func(c *room.Config) { c.MaxRooms = 50 }})
	u := he.addUser("fuzz@example.org", pw, store.RoleMember)
	b := he.browser("")
	b.mustSignin(u.Email, pw)
	cookie := b.sessionCookie()
	mux := http.NewServeMux()
	he.svc.Register(mux)
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/auth/tokens", "/v1/meetings"} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
			req.RemoteAddr = "192.0.2.1:1"
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusConflict,
				http.StatusForbidden, http.StatusServiceUnavailable:
			default:
				t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
			}
			if w.Code != http.StatusCreated && !strings.Contains(w.Body.String(), `"code":"`) {
				t.Fatalf("%s %q: %d without a code: %s", path, body, w.Code, w.Body)
			}
		}
	})
}
