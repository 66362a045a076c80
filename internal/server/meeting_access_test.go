package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestMeetingPassword: through the whole server, a signed-in member
// creates a meeting with a password and a lobby. No answer carries the
// password or its hash; the store keeps only its argon2id hash, and no
// file of the data directory holds the password. The host gives none.
// An invite's redemption asks for it (none, a wrong one, the right one);
// the guest's join asks for it again, then waits in the lobby until the
// host admits it.
func TestMeetingPassword(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Rooms.AutoCreate = false })
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	const pw = "the meeting's own passphrase"
	alice := e.signedIn("alice@example.org")

	status, raw := alice.do("POST", "/v1/meetings", `{"e2ee":"off","password":"`+pw+`","lobby":"on"}`, nil)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/meetings: %d %s", status, raw)
	}
	var m struct {
		Room struct {
			Name     string `json:"name"`
			Password bool   `json:"password"`
			Lobby    bool   `json:"lobby"`
		} `json:"room"`
		Join struct {
			Token string `json:"token"`
		} `json:"join"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Room.Password || !m.Room.Lobby || bytes.Contains(raw, []byte(pw)) || bytes.Contains(raw, []byte("argon2")) {
		t.Fatalf("the meeting as created: %s", raw)
	}
	name := m.Room.Name
	if status, b := alice.do("GET", "/v1/meetings", "", nil); status != http.StatusOK || bytes.Contains(b, []byte(pw)) ||
		bytes.Contains(b, []byte("argon2")) || !bytes.Contains(b, []byte(`"password":true`)) {
		t.Fatalf("GET /v1/meetings: %d %s", status, b)
	}

	// The store row: an argon2id hash of the password, and nothing else.
	row, err := e.Srv.Store().Room(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(row.PasswordHash, "$argon2id$v=19$") || strings.Contains(row.PasswordHash, pw) || row.Lobby != "on" {
		t.Fatalf("stored room: password_hash %q, lobby %q", row.PasswordHash, row.Lobby)
	}
	h, err := auth.NewHasher(auth.DefaultArgon2Params(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(ctx, pw, row.PasswordHash); !ok || err != nil {
		t.Fatalf("the stored hash does not verify the password: %v %v", ok, err)
	}
	if ok, _, _ := h.Verify(ctx, pw+"!", row.PasswordHash); ok {
		t.Fatal("the stored hash verifies another password")
	}
	for path, b := range e.dataFiles() {
		if bytes.Contains(b, []byte(pw)) {
			t.Errorf("%s holds the room password", path)
		}
	}

	host, err := e.join(ctx, m.Join.Token)
	if err != nil {
		t.Fatalf("the host gives no password: %v", err)
	}

	inv := alice.invite(name, `{"max_uses":3}`)
	for _, c := range []struct{ password, code string }{
		{"", protocol.CodePasswordRequired},
		{"not the passphrase", protocol.CodePasswordWrong},
		{strings.Repeat("x", 4096), protocol.CodePasswordWrong}, // never a room password: refused unhashed
	} {
		if status, _, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Gus", "password": c.password}); status != http.StatusForbidden || code != c.code {
			t.Errorf("redeem with password %q: %d %s, want 403 %s", c.password, status, code, c.code)
		}
	}
	status, red, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Gus", "password": pw})
	if status != http.StatusOK {
		t.Fatalf("redeem with the password: %d %s", status, code)
	}
	// A refused redemption spends no use.
	var list struct {
		Invites []struct{ Uses int } `json:"invites"`
	}
	if status, b := alice.do("GET", "/v1/meetings/"+name+"/invites", "", &list); status != http.StatusOK || len(list.Invites) != 1 || list.Invites[0].Uses != 1 {
		t.Fatalf("invites after two refusals and a redemption: %d %s", status, b)
	}

	if code := e.connectCode(ctx, red.Join.Token); code != protocol.CodePasswordRequired {
		t.Fatalf("the guest's join without the password: %q", code)
	}
	guest, entry := e.joinAdmitted(ctx, t, host, red.Join.Token, client.WithPassword(pw))
	if !entry.Invite || guest.Self().Identity != red.Join.Identity {
		t.Fatalf("admitted %+v as %+v", entry, guest.Self())
	}
}
