package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// Bad input to the lobby and the room password, on both surfaces: a clear
// refusal with a stable code, never a server error, and the session or
// the room carries on.

// badPasswords are what no room password may be (docs/access.md).
var badPasswords = map[string]string{
	"seven characters":   `"1234567"`,
	"129 bytes":          `"` + strings.Repeat("p", protocol.MaxRoomPasswordBytes+1) + `"`,
	"a control":          `"abcdefgh\u0007"`,
	"a newline":          `"abcdefgh\n"`,
	"a line separator":   `"abcdefgh\u2028"`,
	"a C1 control":       `"abcdefgh\u0085"`,
	"a number":           `12345678`,
	"an object":          `{"p":"abcdefgh"}`,
	"eight with one tab": `"abcdefg\t"`,
}

// TestLobbySignalBadInput: every new signaling message, and the join's
// password, malformed: bad_message (a join's closes the connection, any
// other leaves the session open); well-formed but refused: its code.
func TestLobbySignalBadInput(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "bad", "lobby": "on"}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}

	// The join's password, before any session.
	for name, pw := range badPasswords {
		t.Run("join password "+name, func(t *testing.T) {
			r := e.dialRaw(ctx, t)
			tok := mintToken(t, e.Key, "bad", "g-"+strings.ReplaceAll(name, " ", "-"), joinAll)
			r.mustSend(fmt.Sprintf(`{"v":1,"type":"join","data":{"token":%q,"password":%s}}`, tok, pw))
			r.expectError(protocol.CodeBadMessage)
			r.expectClosed()
		})
	}

	// The host's messages.
	host := e.dialRaw(ctx, t)
	host.join(mintToken(t, e.Key, "bad", "host", hostGrants))
	long := strings.Repeat("L", protocol.MaxIDBytes+1)
	frames := map[string]string{}
	for _, typ := range []string{"admit_guest", "deny_guest"} {
		for name, data := range map[string]string{
			"no data":        ``,
			"empty":          `,"data":{}`,
			"id and all":     `,"data":{"id":"LB_1","all":true}`,
			"empty id":       `,"data":{"id":""}`,
			"long id":        `,"data":{"id":"` + long + `"}`,
			"numeric id":     `,"data":{"id":5}`,
			"all as text":    `,"data":{"all":"yes"}`,
			"all false":      `,"data":{"all":false}`,
			"unknown field":  `,"data":{"id":"LB_1","guest":"x"}`,
			"id in the case": `,"data":{"ID":"LB_1"}`,
			"an array":       `,"data":["LB_1"]`,
		} {
			frames[typ+" "+name] = `{"v":1,"type":"` + typ + `"` + data + `}`
		}
	}
	for name, pw := range badPasswords {
		frames["set_password "+name] = `{"v":1,"type":"set_password","data":{"password":` + pw + `}}`
	}
	frames["set_password unknown field"] = `{"v":1,"type":"set_password","data":{"password":"abcdefgh","old":"x"}}`
	frames["set_password no data"] = `{"v":1,"type":"set_password"}`
	for name, data := range map[string]string{
		"no data":       ``,
		"empty":         `,"data":{}`,
		"on null":       `,"data":{"on":null}`,
		"on as text":    `,"data":{"on":"true"}`,
		"on as number":  `,"data":{"on":1}`,
		"on in a case":  `,"data":{"On":true}`,
		"unknown field": `,"data":{"on":true,"lobby":"on"}`,
		"an array":      `,"data":[true]`,
	} {
		frames["set_lobby "+name] = `{"v":1,"type":"set_lobby"` + data + `}`
	}
	for name, f := range frames {
		t.Run(name, func(t *testing.T) {
			host.mustSend(f)
			host.expectError(protocol.CodeBadMessage)
			host.expectOpen()
		})
	}
	for _, f := range []string{
		`{"v":1,"type":"admit_guest","data":{"id":"LB_NOBODY"}}`,
		`{"v":1,"type":"deny_guest","data":{"id":"LB_NOBODY"}}`,
	} {
		host.mustSend(f)
		host.expectError(protocol.CodeGuestNotFound)
		host.expectOpen()
	}

	// A participant may neither admit nor set the password.
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "open"}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	p := e.dialRaw(ctx, t)
	p.join(mintToken(t, e.Key, "open", "pat", joinAll))
	for _, f := range []string{
		`{"v":1,"type":"admit_guest","data":{"all":true}}`,
		`{"v":1,"type":"deny_guest","data":{"id":"LB_1"}}`,
		`{"v":1,"type":"set_password","data":{"password":"abcdefgh"}}`,
		`{"v":1,"type":"set_password","data":{"password":""}}`,
		`{"v":1,"type":"set_lobby","data":{"on":false}}`,
	} {
		p.mustSend(f)
		p.expectError(protocol.CodeRoleDenied)
		p.expectOpen()
	}

	// A guest that waits may only ping and leave.
	g := e.dialRaw(ctx, t)
	g.mustSend(joinFrame(mintToken(t, e.Key, "bad", "waiter", joinAll)))
	for _, f := range []string{
		`{"v":1,"type":"admit_guest","data":{"all":true}}`,
		`{"v":1,"type":"set_password","data":{"password":""}}`,
		`{"v":1,"type":"set_lobby","data":{"on":false}}`,
		`{"v":1,"type":"data","data":{"payload":"aGk="}}`,
	} {
		g.mustSend(f)
		g.expectError(protocol.CodeNotJoined)
		g.expectOpen()
	}
	if info, err := e.Srv.Rooms().Get("bad"); err != nil || info.Password || !info.Lobby || info.LobbyWaiting != 1 {
		t.Fatalf("the room after the bad input: %+v %v", info, err)
	}
}

// TestLobbyRESTBadInput: every new REST endpoint and option, malformed:
// 400 invalid_argument (413 for an oversized body); well-formed but
// refused: its code. Never a 500.
func TestLobbyRESTBadInput(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Rooms.AutoCreate = false })
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "rest", "lobby": "on"}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	member := e.signedIn("member@example.org")
	meeting := member.createMeeting(`{}`)
	inv := member.invite(string(meeting.Room.Name), `{"max_uses":5}`)

	type call struct{ method, path, body string }
	var bad []call
	for _, pw := range badPasswords {
		bad = append(bad,
			call{"POST", "/v1/rooms", `{"name":"r2","password":` + pw + `}`},
			call{"POST", "/v1/rooms/rest/password", `{"password":` + pw + `}`},
			call{"POST", "/v1/meetings", `{"password":` + pw + `}`},
		)
	}
	// "" and null are as absent: the default, like e2ee's.
	for _, lobby := range []string{`"maybe"`, `"ON"`, `true`, `1`} {
		bad = append(bad,
			call{"POST", "/v1/rooms", `{"name":"r3","lobby":` + lobby + `}`},
			call{"POST", "/v1/meetings", `{"lobby":` + lobby + `}`},
		)
	}
	for _, body := range []string{``, `{}`, `{"password":null}`, `[]`, `{"password":"abcdefgh","x":1}`, `{"password":"abcdefgh"}{}`, `{"Password":"abcdefgh"}`} {
		bad = append(bad, call{"POST", "/v1/rooms/rest/password", body})
	}
	for _, body := range []string{``, `{}`, `{"on":null}`, `{"on":"true"}`, `{"on":1}`, `{"On":true}`, `{"on":true,"x":1}`, `[]`, `{"on":true}{}`, `true`} {
		bad = append(bad, call{"POST", "/v1/rooms/rest/lobby/settings", body})
	}
	for _, path := range []string{"/v1/rooms/rest/lobby/admit", "/v1/rooms/rest/lobby/deny"} {
		for _, body := range []string{``, `{}`, `{"id":"LB_1","all":true}`, `{"id":""}`, `{"all":false}`, `{"id":5}`,
			`{"all":"yes"}`, `{"id":"` + strings.Repeat("L", protocol.MaxIDBytes+1) + `"}`, `{"id":"LB_1","x":1}`, `[]`, `{"id":"LB_1"}{}`} {
			bad = append(bad, call{"POST", path, body})
		}
	}
	for _, body := range []string{`{"invite":"` + inv.Token + `","name":"G","password":5}`, `{"invite":"` + inv.Token + `","name":"G","password":["x"]}`} {
		bad = append(bad, call{"POST", "/v1/invites/redeem", body})
	}

	do := func(c call) (int, string) {
		t.Helper()
		switch {
		case c.path == "/v1/meetings":
			status, b := member.do(c.method, c.path, c.body, nil)
			return status, string(b)
		case c.path == "/v1/invites/redeem":
			r := e.do(c.method, c.path, c.body, "Content-Type", "application/json", "Origin", e.Srv.URL())
			return r.status, r.body
		}
		r := e.do(c.method, c.path, c.body, "Authorization", "Bearer "+admin, "Content-Type", "application/json")
		return r.status, r.body
	}
	for _, c := range bad {
		status, body := do(c)
		if status != http.StatusBadRequest || errorCode(body) != protocol.CodeInvalidArgument {
			t.Errorf("%s %s %.80s: %d %s, want 400 invalid_argument", c.method, c.path, c.body, status, body)
		}
	}

	// Well-formed, refused with their own codes.
	for _, c := range []struct {
		call
		status int
		code   string
	}{
		{call{"POST", "/v1/rooms/rest/lobby/admit", `{"id":"LB_NOBODY"}`}, http.StatusNotFound, protocol.CodeGuestNotFound},
		{call{"POST", "/v1/rooms/rest/lobby/deny", `{"id":"LB_NOBODY"}`}, http.StatusNotFound, protocol.CodeGuestNotFound},
		{call{"POST", "/v1/rooms/nowhere/lobby/admit", `{"all":true}`}, http.StatusNotFound, protocol.CodeRoomNotFound},
		{call{"POST", "/v1/rooms/nowhere/password", `{"password":"abcdefgh"}`}, http.StatusNotFound, protocol.CodeRoomNotFound},
		{call{"POST", "/v1/rooms/nowhere/lobby/settings", `{"on":true}`}, http.StatusNotFound, protocol.CodeRoomNotFound},
		{call{"POST", "/v1/rooms/" + string(meeting.Room.Name) + "/lobby/settings", `{"on":false}`}, http.StatusForbidden, protocol.CodePermissionDenied},
		{call{"GET", "/v1/rooms/nowhere/lobby", ``}, http.StatusNotFound, protocol.CodeRoomNotFound},
		// A room of the member's account, named with the API key's token.
		{call{"GET", "/v1/rooms/" + string(meeting.Room.Name) + "/lobby", ``}, http.StatusForbidden, protocol.CodePermissionDenied},
		{call{"POST", "/v1/meetings", `{"lobby":"off"}`}, http.StatusForbidden, protocol.CodePolicyViolation},
		// A password for a room that has none is ignored at redemption,
		// however long: the join is what asks for one.
		{call{"POST", "/v1/invites/redeem", `{"invite":"` + inv.Token + `","name":"G","password":"` + strings.Repeat("x", 4096) + `"}`}, http.StatusOK, ""},
	} {
		status, body := do(c.call)
		if status != c.status || errorCode(body) != c.code {
			t.Errorf("%s %s %.80s: %d %s, want %d %s", c.method, c.path, c.body, status, body, c.status, c.code)
		}
	}

	// The room is as it was, and nothing was a server error.
	if info, err := e.Srv.Rooms().Get("rest"); err != nil || info.Password || !info.Lobby {
		t.Fatalf("the room after the bad input: %+v %v", info, err)
	}
	if status, body := e.api("GET", "/v1/rooms/rest/lobby", admin, nil); status != http.StatusOK || !strings.Contains(body, `"guests":[]`) {
		t.Fatalf("GET lobby: %d %s", status, body)
	}
}
