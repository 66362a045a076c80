package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

const meetingPassword = "a meeting host's long passphrase"

// member is a signed-in browser of the server's app.
type member struct {
	e    *env
	user store.User
	hc   *http.Client
}

// signedIn creates an account in the server's store and signs it in
// through /v1/auth/signin, as the app does.
func (e *env) signedIn(email string) *member {
	e.t.Helper()
	m := e.newMember(email)
	if status, body := m.do("POST", "/v1/auth/signin", `{"email":"`+email+`","password":"`+meetingPassword+`"}`, nil); status != http.StatusOK {
		e.t.Fatalf("sign-in: %d %s", status, body)
	}
	return m
}

// do sends a same-origin JSON request with the session cookie, and
// decodes a 2xx answer into v.
func (m *member) do(method, path, body string, v any) (int, []byte) {
	m.e.t.Helper()
	req, err := http.NewRequest(method, m.e.Srv.URL()+path, bytes.NewBufferString(body))
	if err != nil {
		m.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", m.e.Srv.URL())
	res, err := m.hc.Do(req)
	if err != nil {
		m.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, v); err != nil {
			m.e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode, b
}

func (m *member) createMeeting(body string) accounts.MeetingResponse {
	m.e.t.Helper()
	var mr accounts.MeetingResponse
	if status, b := m.do("POST", "/v1/meetings", body, &mr); status != http.StatusCreated {
		m.e.t.Fatalf("POST /v1/meetings: %d %s", status, b)
	}
	return mr
}

// join connects with a join token.
func (e *env) join(ctx context.Context, tok string) (*client.Client, error) {
	c, err := client.Connect(ctx, e.Srv.URL(), tok, client.WithTLSConfig(e.TLS),
		client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(256))
	if err == nil {
		e.t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

// TestMeetingHostJoins: through the whole server, a signed-in member
// creates a meeting, and the host token the server signed really joins
// that room as its host; a second tab of the same host is refused while
// the first is in; another account's token, an API key's token, and a
// token with the owner claim signed by an ordinary API key are all
// refused; the meeting is stored, and ending it disconnects the host.
func TestMeetingHostJoins(t *testing.T) {
	// Without auto-creation, so that a room that ended stays ended.
	e := newEnv(t, func(c *config.Config) { c.Rooms.AutoCreate = false })
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	alice := e.signedIn("alice@example.org")
	mallory := e.signedIn("mallory@example.org")

	m := alice.createMeeting(`{"e2ee":"off"}`)
	name := string(m.Room.Name)
	host, err := e.join(ctx, m.Join.Token)
	if err != nil {
		t.Fatalf("host join: %v", err)
	}
	self := host.Self()
	if self.Identity != alice.user.ID || self.Role != protocol.RoleHost || self.Name != alice.user.DisplayName ||
		!self.Permissions.Publish || !self.Permissions.Subscribe || !self.Permissions.PublishData {
		t.Fatalf("host joined as %+v", self)
	}

	// Stored, owned by the account: a restart would find it.
	rooms, err := e.Srv.Store().ListRooms(ctx, alice.user.ID)
	if err != nil || len(rooms) != 1 || rooms[0].Name != name || rooms[0].Owner != alice.user.ID {
		t.Fatalf("stored rooms %+v %v", rooms, err)
	}

	// A second tab: a fresh host token for the same room, refused while
	// the first is in.
	var jr accounts.JoinResponse
	if status, b := alice.do("POST", "/v1/meetings/"+name+"/join", `{}`, &jr); status != http.StatusOK {
		t.Fatalf("join: %d %s", status, b)
	}
	if _, err := e.join(ctx, jr.Join.Token); serverCode(err) != protocol.CodeIdentityInUse {
		t.Fatalf("second tab: %v", err)
	}

	refused := []struct {
		name string
		tok  string
		code string
	}{}
	// Another account's host token for its own meeting, and one the
	// server's key signed for that account naming alice's room.
	mm := mallory.createMeeting(`{"e2ee":"off"}`)
	malloryOnAlice, err := e.Srv.ServerKey().Mint(token.Options{Identity: mallory.user.ID, Room: name, TTL: time.Minute,
		Owner: mallory.user.ID, Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	refused = append(refused, struct{ name, tok, code string }{"another account's server-issued token", malloryOnAlice, protocol.CodePermissionDenied})
	// An API key's token for the room.
	refused = append(refused, struct{ name, tok, code string }{"an API key's token", e.JoinToken(name, "intruder"), protocol.CodePermissionDenied})
	// The owner claim signed by an ordinary API key.
	forged, err := e.Key.Mint(token.Options{Identity: "intruder", Room: name, TTL: time.Minute, Owner: alice.user.ID,
		Grants: token.Grants{Publish: true, Subscribe: true, RoomAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	refused = append(refused, struct{ name, tok, code string }{"the owner claim from an API key", forged, protocol.CodeTokenOwner})
	// A server-key token without an owner.
	bare, err := e.Srv.ServerKey().Mint(token.Options{Identity: "intruder", Room: name, TTL: time.Minute, Grants: token.Grants{Subscribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	refused = append(refused, struct{ name, tok, code string }{"the server key without an owner", bare, protocol.CodeTokenOwner})
	for _, r := range refused {
		if _, err := e.join(ctx, r.tok); serverCode(err) != r.code {
			t.Errorf("%s: %v, want %s", r.name, err, r.code)
		}
	}
	// Mallory's own token joins her own meeting, as its host.
	mh, err := e.join(ctx, mm.Join.Token)
	if err != nil || mh.Self().Role != protocol.RoleHost {
		t.Fatalf("mallory in her meeting: %v", err)
	}
	if got := host.Participants(); len(got) != 0 {
		t.Fatalf("someone got into alice's meeting: %+v", got)
	}

	// A personal token of alice's acts on her meeting as the REST API's
	// rooms too, and an API key's token does not.
	var ct accounts.CreateTokenResponse
	if status, b := alice.do("POST", "/v1/auth/tokens", `{"name":"ops","grants":["roomAdmin","roomList"]}`, &ct); status != http.StatusCreated {
		t.Fatalf("token: %d %s", status, b)
	}
	r := e.do("GET", "/v1/rooms/"+name+"/participants", "", "Authorization", "Bearer "+ct.Secret)
	if r.status != http.StatusOK || !bytes.Contains([]byte(r.body), []byte(alice.user.ID)) {
		t.Fatalf("participants by personal token: %d %s", r.status, r.body)
	}

	// Ending the meeting disconnects its host and forgets it.
	if status, b := alice.do("DELETE", "/v1/meetings/"+name, "", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, b)
	}
	testkit.Receive(t, host.Done(), "the host to be disconnected")
	if rooms, err := e.Srv.Store().ListRooms(ctx, alice.user.ID); err != nil || len(rooms) != 0 {
		t.Fatalf("stored rooms after the end %+v %v", rooms, err)
	}
	if _, err := e.join(ctx, jr.Join.Token); serverCode(err) != protocol.CodeRoomNotFound {
		t.Fatalf("host token after the end: %v", err)
	}
}
