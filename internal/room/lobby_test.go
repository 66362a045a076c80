package room_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// admitted records the participants a lobby admits.
type admitted struct{ ch chan room.Member }

func newAdmitted() *admitted { return &admitted{ch: make(chan room.Member, 1)} }

func (a *admitted) on(m room.Member) { a.ch <- m }

// wait joins c to a room with a lobby, and checks that it waits.
func wait(t *testing.T, m *room.Manager, c *token.Claims) (room.LobbyID, *recorder, *admitted) {
	t.Helper()
	rec, adm := &recorder{}, newAdmitted()
	mem, d, err := m.Join(room.JoinRequest{Claims: c, Listener: rec, OnAdmit: adm.on})
	if err != nil || mem != nil || d.Outcome != room.WaitInLobby || d.Lobby == "" {
		t.Fatalf("%s: member %v, decision %+v, err %v; want it to wait", c.Subject, mem, d, err)
	}
	return d.Lobby, rec, adm
}

// TestLobbyInviteFlag: the host sees whether a guest came with an
// invite, from the guest token's invite claim (which the verifier takes
// only from tokens the server signs when it redeems its invite links).
func TestLobbyInviteFlag(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner, Lobby: room.LobbyOn}); err != nil {
		t.Fatal(err)
	}
	_, hostEvents := join(t, m, "r", "host", hostGrants)

	invited := claims("r", "guest_1", allGrants)
	invited.Invite = "MI_AAAAAAAAAAAAAAAAAAAAAAAAAA"
	wait(t, m, invited)
	wait(t, m, claims("r", "walkin", allGrants))

	want := map[room.Identity]bool{"guest_1": true, "walkin": false}
	seen := hostEvents.of(room.EventLobbyGuest)
	if len(seen) != 2 {
		t.Fatalf("the host saw %d guests arrive, want 2", len(seen))
	}
	for _, e := range seen {
		if e.Guest.Invite != want[e.Guest.Identity] || e.Guest.Wire().Invite != want[e.Guest.Identity] {
			t.Errorf("host's lobby_guest %+v: invite %v, want %v", e.Guest, e.Guest.Invite, want[e.Guest.Identity])
		}
	}
	list, err := m.Lobby("r", owner)
	if err != nil || len(list) != 2 {
		t.Fatalf("Lobby: %+v %v", list, err)
	}
	for _, g := range list {
		if g.Invite != want[g.Identity] {
			t.Errorf("Lobby lists %+v, want invite %v", g, want[g.Identity])
		}
	}
}

// fakePasswords stands in for argon2id: the "hash" is the password with
// a prefix, so that a test runs fast and can tell what was hashed.
type fakePasswords struct{}

func (fakePasswords) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

func (fakePasswords) Verify(_ context.Context, pw, encoded string) (bool, bool, error) {
	return encoded == "fake$"+pw, false, nil
}

// TestCheckRoomPassword: an invite's redemption checks the room password
// with the joins' throttles: none given, a wrong one (a room_password_failed
// event, counted against the address and the room), then, past the free
// tries, too_many_attempts with how long to wait, and no check at all;
// another address is still checked; a room without a password asks none.
func TestCheckRoomPassword(t *testing.T) {
	clk := newFakeClock()
	cfg := clk.config()
	cfg.Passwords = fakePasswords{}
	m := newManager(t, cfg)
	all := subscribe(t, m)
	const pw = "correct horse battery"
	info, err := m.Create(room.Spec{Name: "r", Owner: owner, Password: pw})
	if err != nil || !info.Password || info.PasswordHash != "fake$"+pw {
		t.Fatalf("create: %+v %v", info, err)
	}
	if _, err := m.Create(room.Spec{Name: "open", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(name room.RoomName, password, addr string) error {
		return m.CheckRoomPassword(ctx, name, owner, password, addr)
	}
	if err := check("open", "", "192.0.2.1"); err != nil {
		t.Fatalf("a room without a password: %v", err)
	}
	if err := check("r", "", "192.0.2.1"); !errors.Is(err, room.ErrPasswordRequired) {
		t.Fatalf("no password: %v", err)
	}
	if err := check("r", pw, "192.0.2.1"); err != nil {
		t.Fatalf("the password: %v", err)
	}
	if err := m.CheckRoomPassword(ctx, "r", otherOwner, pw, "192.0.2.1"); !errors.Is(err, room.ErrNotOwner) {
		t.Fatalf("another owner's room: %v", err)
	}
	// Five free failures, then the sixth makes the address wait.
	for i := range 6 {
		if err := check("r", fmt.Sprintf("wrong guess %d", i), "192.0.2.66"); !errors.Is(err, room.ErrPasswordWrong) {
			t.Fatalf("wrong try %d: %v", i, err)
		}
	}
	err = check("r", pw, "192.0.2.66")
	if room.Code(err) != protocol.CodeTooManyAttempts || room.RetryAfter(err) <= 0 {
		t.Fatalf("a try past the free ones, with the right password: %v (retry after %v)", err, room.RetryAfter(err))
	}
	if err := check("r", pw, "192.0.2.7"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	clk.Advance(room.RetryAfter(err))
	if err := check("r", pw, "192.0.2.66"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}

	var failed, throttled int
	for _, e := range all.of(room.EventSecurity) {
		switch e.Security.Kind {
		case room.SecurityRoomPasswordFailed:
			failed++
			if e.Security.IP != "192.0.2.66" || e.Room != "r" {
				t.Errorf("room_password_failed %+v", e.Security)
			}
		case room.SecurityRoomPasswordThrottled:
			throttled++
		}
	}
	if failed != 6 || throttled != 1 {
		t.Fatalf("security events: %d room_password_failed, %d room_password_throttled; want 6 and 1", failed, throttled)
	}
}

// TestLobbyAdmissionRefusals: an admission decides the join again. A full
// room keeps the guest waiting and refuses the admitter room_full; a ban
// or a revocation of a waiting guest's token refuses the guest at once,
// so that no admission can let in a token the server now refuses.
func TestLobbyAdmissionRefusals(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner, Lobby: room.LobbyOn, MaxParticipants: 2}); err != nil {
		t.Fatal(err)
	}
	host, hostEvents := join(t, m, "r", "host", hostGrants)

	first, _, firstIn := wait(t, m, claims("r", "first", allGrants))
	second, secondEvents, _ := wait(t, m, claims("r", "second", allGrants))
	c := claims("r", "by-jti", allGrants)
	c.ID = "JTI-1"
	_, jtiEvents, _ := wait(t, m, c)
	_, idEvents, _ := wait(t, m, claims("r", "by-identity", allGrants))
	if err := host.AdmitGuest(first, false); err != nil {
		t.Fatalf("admit into the last place: %v", err)
	}
	if got := <-firstIn.ch; got.Info().Identity != "first" {
		t.Fatalf("admitted %+v", got.Info())
	}
	if err := host.AdmitGuest(second, false); !errors.Is(err, room.ErrRoomFull) {
		t.Fatalf("admit into a full room: %v", err)
	}
	if list, _ := m.Lobby("r", owner); len(list) != 3 || list[0].ID != second || len(secondEvents.of(room.EventLobbyDenied)) != 0 {
		t.Fatalf("after a full room, the lobby is %+v", list)
	}

	denied := func(rec *recorder, code string) {
		t.Helper()
		ds := rec.of(room.EventLobbyDenied)
		if len(ds) != 1 || room.Code(ds[0].Err) != code {
			t.Fatalf("the guest's refusals: %+v, want one %s", ds, code)
		}
	}
	// A revocation by jti.
	if err := m.RevokeToken(owner, "r", "JTI-1", "test"); err != nil {
		t.Fatal(err)
	}
	denied(jtiEvents, protocol.CodeTokenRevoked)
	// A revocation of the identity.
	if err := m.RevokeIdentity(owner, "r", "by-identity", "test"); err != nil {
		t.Fatal(err)
	}
	denied(idEvents, protocol.CodeTokenRevoked)
	// A ban.
	if err := m.Remove("r", adminOf(owner), "second", &room.BanRequest{}); err != nil {
		t.Fatal(err)
	}
	denied(secondEvents, protocol.CodeBanned)
	if list, _ := m.Lobby("r", owner); len(list) != 0 {
		t.Fatalf("the lobby after the refusals: %+v", list)
	}
	left := map[string]string{}
	for _, e := range hostEvents.of(room.EventLobbyGuestLeft) {
		left[string(e.Guest.Identity)] = e.LobbyReason
	}
	want := map[string]string{"first": "admitted", "by-jti": "token_revoked", "by-identity": "token_revoked", "second": "banned"}
	for id, reason := range want {
		if left[id] != reason {
			t.Errorf("the host saw %s leave the lobby with %q, want %q", id, left[id], reason)
		}
	}
}

// countingPasswords is fakePasswords counting its checks.
type countingPasswords struct {
	fakePasswords
	checks atomic.Int64
}

func (c *countingPasswords) Verify(ctx context.Context, pw, encoded string) (bool, bool, error) {
	c.checks.Add(1)
	return c.fakePasswords.Verify(ctx, pw, encoded)
}

// TestRightPasswordHashedOnce: the right room password given at a
// redemption and again at the join is hashed once (argon2id is slow);
// wrong ones are hashed every time; once the remembered one is
// 10 minutes old, or the room has another password, it is hashed again.
func TestRightPasswordHashedOnce(t *testing.T) {
	clk := newFakeClock()
	cfg := clk.config()
	pws := &countingPasswords{}
	cfg.Passwords = pws
	m := newManager(t, cfg)
	const pw = "correct horse battery"
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner, Password: pw, EmptyTimeout: time.Hour}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(password string) error { return m.CheckRoomPassword(ctx, "r", owner, password, "192.0.2.1") }
	for range 3 {
		if err := check(pw); err != nil {
			t.Fatal(err)
		}
	}
	if n := pws.checks.Load(); n != 1 {
		t.Fatalf("the right password hashed %d times in three checks, want once", n)
	}
	for range 2 {
		if err := check("wrong one"); !errors.Is(err, room.ErrPasswordWrong) {
			t.Fatalf("a wrong password: %v", err)
		}
	}
	if n := pws.checks.Load(); n != 3 {
		t.Fatalf("%d hashes after two wrong tries, want 3", n)
	}
	clk.Advance(10 * time.Minute)
	if err := check(pw); err != nil || pws.checks.Load() != 4 {
		t.Fatalf("after 10 minutes: %v, %d hashes (want the password hashed again)", err, pws.checks.Load())
	}
	if _, err := m.SetPassword("r", claims("r", "admin", token.Grants{RoomAdmin: true}), "another horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := check(pw); !errors.Is(err, room.ErrPasswordWrong) || pws.checks.Load() != 5 {
		t.Fatalf("the old password after a change: %v, %d hashes (want it hashed and refused)", err, pws.checks.Load())
	}
}
