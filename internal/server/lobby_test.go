package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/auth"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

var hostGrants = token.Grants{Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true}

// guestResult is a guest's Connect, run while it waits in the lobby.
type guestResult struct {
	c   *client.Client
	err error
}

func (e *env) guest(ctx context.Context, tok string, opts ...client.Option) (<-chan protocol.LobbyStatus, <-chan guestResult) {
	status := make(chan protocol.LobbyStatus, 16)
	done := make(chan guestResult, 1)
	opts = append(opts, client.WithTLSConfig(e.TLS), client.WithLobby(func(s protocol.LobbyStatus) { status <- s }))
	go func() {
		c, err := client.Connect(ctx, e.Srv.URL(), tok, opts...)
		done <- guestResult{c, err}
	}()
	return status, done
}

// waitGuest returns the next guest the host sees arrive.
func waitGuest(ctx context.Context, t *testing.T, host *client.Client) protocol.LobbyGuestInfo {
	t.Helper()
	for {
		select {
		case ev := <-host.Events():
			if g, ok := ev.(client.LobbyGuestWaiting); ok {
				return g.Guest
			}
		case <-ctx.Done():
			t.Fatal("no guest arrived in the lobby")
		}
	}
}

// joinAdmitted joins with tok as a guest who waits in the lobby until
// host admits it, and returns the guest's client and its lobby entry as
// the host saw it.
func (e *env) joinAdmitted(ctx context.Context, t *testing.T, host *client.Client, tok string, opts ...client.Option) (*client.Client, protocol.LobbyGuestInfo) {
	t.Helper()
	_, done := e.guest(ctx, tok, append(opts, client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(256))...)
	g := waitGuest(ctx, t, host)
	if err := host.AdmitGuest(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("admitted guest %s: %v", g.Identity, r.err)
	}
	t.Cleanup(func() { _ = r.c.Close() })
	return r.c, g
}

// TestLobbyAndPassword: through a real server with Go clients, a guest
// arriving before any host waits ("waiting_for_host") and is not admitted
// when the host arrives; the host sees it and admits it; another is
// denied; admit-all lets two in; a lock refuses waiting guests; the room
// password is asked of guests only, wrong ones are throttled, and the
// room never shows it.
func TestLobbyAndPassword(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	const pw = "correct horse battery"
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "lob", "lobby": "on", "password": pw}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, body := e.api("GET", "/v1/rooms/lob", admin, nil); status != http.StatusOK || strings.Contains(body, pw) ||
		strings.Contains(body, "argon2") || !strings.Contains(body, `"password":true`) || !strings.Contains(body, `"lobby":true`) {
		t.Fatalf("room: %d %s", status, body)
	}

	// Password: missing, wrong, then right (and the guest waits).
	if code := e.connectCode(ctx, mintToken(t, e.Key, "lob", "g0", joinAll)); code != protocol.CodePasswordRequired {
		t.Fatalf("no password: %q", code)
	}
	_, early := e.guest(ctx, mintToken(t, e.Key, "lob", "early", joinAll), client.WithPassword("wrong password!"))
	if r := <-early; serverCode(r.err) != protocol.CodePasswordWrong {
		t.Fatalf("wrong password: %v", r.err)
	}
	st, early := e.guest(ctx, mintToken(t, e.Key, "lob", "early", joinAll), client.WithPassword(pw))
	if s := <-st; s.Status != protocol.LobbyWaitingForHost || s.Position != 1 {
		t.Fatalf("early guest: %+v", s)
	}

	// The host needs no password and skips the lobby; the early guest
	// is not admitted by its arrival.
	hostTok := mintToken(t, e.Key, "lob", "host", hostGrants)
	host, err := client.Connect(ctx, e.Srv.URL(), hostTok, client.WithTLSConfig(e.TLS))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	waiting := host.Lobby()
	if len(waiting) != 1 || waiting[0].Identity != "early" || waiting[0].Invite {
		t.Fatalf("host's lobby at join: %+v", waiting)
	}
	if s := <-st; s.Status != protocol.LobbyWaiting {
		t.Fatalf("after the host arrived: %+v", s)
	}
	select {
	case r := <-early:
		t.Fatalf("the early guest got in without being admitted: %v", r.err)
	default:
	}
	if err := host.AdmitGuest(ctx, waiting[0].ID); err != nil {
		t.Fatal(err)
	}
	r := <-early
	if r.err != nil {
		t.Fatalf("admitted guest: %v", r.err)
	}
	r.c.Close()

	// Deny.
	_, denied := e.guest(ctx, mintToken(t, e.Key, "lob", "bad", joinAll), client.WithPassword(pw))
	g := waitGuest(ctx, t, host)
	if err := host.DenyGuest(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if r := <-denied; serverCode(r.err) != protocol.CodeLobbyDenied {
		t.Fatalf("denied guest: %v", r.err)
	}

	// Admit all, over REST.
	_, a1 := e.guest(ctx, mintToken(t, e.Key, "lob", "a1", joinAll), client.WithPassword(pw))
	waitGuest(ctx, t, host)
	_, a2 := e.guest(ctx, mintToken(t, e.Key, "lob", "a2", joinAll), client.WithPassword(pw))
	waitGuest(ctx, t, host)
	if status, body := e.api("POST", "/v1/rooms/lob/lobby/admit", admin, map[string]any{"all": true}); status != http.StatusNoContent {
		t.Fatalf("admit all: %d %s", status, body)
	}
	for _, ch := range []<-chan guestResult{a1, a2} {
		r := <-ch
		if r.err != nil {
			t.Fatalf("admit all: %v", r.err)
		}
		r.c.Close()
	}

	// A lock refuses those waiting.
	_, locked := e.guest(ctx, mintToken(t, e.Key, "lob", "late", joinAll), client.WithPassword(pw))
	waitGuest(ctx, t, host)
	if err := host.LockMeeting(ctx, true); err != nil {
		t.Fatal(err)
	}
	if r := <-locked; serverCode(r.err) != protocol.CodeMeetingLocked {
		t.Fatalf("waiting guest at lock: %v", r.err)
	}

	if err := host.LockMeeting(ctx, false); err != nil {
		t.Fatal(err)
	}

	// The store keeps an argon2id hash of the password, and of the one a
	// host sets over signaling, never the password.
	storedHash := func() string {
		t.Helper()
		row, err := e.Srv.Store().Room(ctx, "lob")
		if err != nil {
			t.Fatal(err)
		}
		return row.PasswordHash
	}
	hasher, err := auth.NewHasher(auth.DefaultArgon2Params(), 1)
	if err != nil {
		t.Fatal(err)
	}
	first := storedHash()
	if ok, _, err := hasher.Verify(ctx, pw, first); !ok || err != nil || !strings.HasPrefix(first, "$argon2id$") || strings.Contains(first, pw) {
		t.Fatalf("stored hash %q of the password given at creation: %v %v", first, ok, err)
	}
	const pw2 = "another passphrase, set in the meeting"
	if err := host.SetPassword(ctx, pw2); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the new password's hash in the store", func() bool { return storedHash() != first })
	second := storedHash()
	if ok, _, err := hasher.Verify(ctx, pw2, second); !ok || err != nil || !strings.HasPrefix(second, "$argon2id$") || strings.Contains(second, pw2) {
		t.Fatalf("stored hash %q of the password set in the meeting: %v %v", second, ok, err)
	}
	if ok, _, _ := hasher.Verify(ctx, pw, second); ok {
		t.Fatal("the old password still verifies")
	}
	for path, b := range e.dataFiles() {
		if strings.Contains(string(b), pw) || strings.Contains(string(b), pw2) {
			t.Errorf("%s holds a room password", path)
		}
	}
	if code := e.connectCode(ctx, mintToken(t, e.Key, "lob", "oldpw", joinAll)); code != protocol.CodePasswordRequired {
		t.Fatalf("no password after the change: %q", code)
	}

	// Throttle: the free wrong tries from this address, then too_many_attempts.
	var last string
	for i := 0; i < 8 && last != protocol.CodeTooManyAttempts; i++ {
		_, ch := e.guest(ctx, mintToken(t, e.Key, "lob", "guesser", joinAll), client.WithPassword("guess number "+string(rune('a'+i))))
		last = serverCode((<-ch).err)
	}
	if last != protocol.CodeTooManyAttempts {
		t.Fatalf("guessing: last %q, want too_many_attempts", last)
	}
}

// TestLobbyAcrossResume: a host whose signaling connection is cut while
// guests come and go finds, once resumed, the lobby as it is (the resumed
// joined carries it), with an event for each difference.
func TestLobbyAcrossResume(t *testing.T) {
	e := newEnv(t)
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "held", "lobby": "on"}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	proxy := newCutProxy(t, u.Host)
	host, err := client.Connect(ctx, "https://"+proxy.addr(), mintToken(t, e.Key, "held", "host", hostGrants),
		client.WithTLSConfig(e.TLS), client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(256))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	hrec := record(host)

	leaverCtx, leave := context.WithCancel(ctx)
	e.guest(leaverCtx, mintToken(t, e.Key, "held", "leaver", joinAll))
	leaver := wait(t, hrec, "the first guest", func(ev client.LobbyGuestWaiting) bool { return ev.Guest.Identity == "leaver" }).Guest

	// Cut, and keep the host out while one guest leaves and another comes.
	proxy.refusing.Store(true)
	proxy.cut()
	wait(t, hrec, "Reconnecting", func(client.Reconnecting) bool { return true })
	leave()
	e.guest(ctx, mintToken(t, e.Key, "held", "newcomer", joinAll))
	testkit.Eventually(t, "the lobby to hold the newcomer alone", func() bool {
		gs, err := e.Srv.Rooms().Lobby("held", roompkg.KeyID(e.Key.ID))
		return err == nil && len(gs) == 1 && gs[0].Identity == "newcomer"
	})
	proxy.refusing.Store(false)
	wait(t, hrec, "Reconnected", func(client.Reconnected) bool { return true })

	if gs := host.Lobby(); len(gs) != 1 || gs[0].Identity != "newcomer" {
		t.Fatalf("the host's lobby after the resume: %+v", gs)
	}
	wait(t, hrec, "the newcomer", func(ev client.LobbyGuestWaiting) bool { return ev.Guest.Identity == "newcomer" })
	wait(t, hrec, "the leaver gone", func(ev client.LobbyGuestLeft) bool { return ev.ID == leaver.ID })
}

// TestLobbyRESTAdmitFullRoom: over REST, an admission into a full room is
// 409 room_full (never a server error) and the guest keeps waiting.
func TestLobbyRESTAdmitFullRoom(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, map[string]any{"name": "small", "lobby": "on", "max_participants": 2}); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	host, err := client.Connect(ctx, e.Srv.URL(), mintToken(t, e.Key, "small", "host", hostGrants), client.WithTLSConfig(e.TLS))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	_, firstDone := e.guest(ctx, mintToken(t, e.Key, "small", "first", joinAll))
	first := waitGuest(ctx, t, host)
	_, secondDone := e.guest(ctx, mintToken(t, e.Key, "small", "second", joinAll))
	second := waitGuest(ctx, t, host)

	if status, body := e.api("POST", "/v1/rooms/small/lobby/admit", admin, map[string]any{"id": first.ID}); status != http.StatusNoContent {
		t.Fatalf("admit into the last place: %d %s", status, body)
	}
	if r := <-firstDone; r.err != nil {
		t.Fatalf("the first guest: %v", r.err)
	} else {
		defer r.c.Close()
	}
	status, body := e.api("POST", "/v1/rooms/small/lobby/admit", admin, map[string]any{"id": second.ID})
	if status != http.StatusConflict || errorCode(body) != protocol.CodeRoomFull {
		t.Fatalf("admit into a full room: %d %s", status, body)
	}
	if status, body := e.api("GET", "/v1/rooms/small/lobby", admin, nil); status != http.StatusOK || !strings.Contains(body, second.ID) {
		t.Fatalf("the lobby after a full room: %d %s", status, body)
	}
	select {
	case r := <-secondDone:
		t.Fatalf("the second guest's wait ended: %v", r.err)
	default:
	}
}
