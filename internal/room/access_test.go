package room_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/token"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var joinGrants = token.Grants{Publish: true, Subscribe: true}

func tryJoin(m *room.Manager, roomName, identity string) error {
	_, _, err := m.Join(room.JoinRequest{Claims: claims(roomName, identity, joinGrants), Listener: &recorder{}})
	return err
}

func securityKinds(rec *recorder) []room.SecurityKind {
	var out []room.SecurityKind
	for _, e := range rec.of(room.EventSecurity) {
		out = append(out, e.Security.Kind)
	}
	return out
}

func TestRemoveRevokesAndBans(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	acc := newMemAccess(c.Now)
	m := newManager(t, room.Config{AutoCreate: true, Access: acc, Now: c.Now})
	all := &recorder{}
	m.Subscribe(all)

	_, bobRec := join(t, m, "r", "bob", joinGrants)
	if err := m.Remove("r", adminOf(owner), "bob", nil); err != nil {
		t.Fatal(err)
	}
	if len(bobRec.of(room.EventRemoved)) != 1 {
		t.Error("bob was not told he was removed")
	}
	if at, ok := acc.revokedAt(owner, "r", "bob"); !ok || !at.Equal(c.Now()) {
		t.Errorf("bob's tokens for r not revoked at the removal: %v %v", at, ok)
	}
	// Without a ban a fresh token (the verifier refuses the old ones)
	// is admitted.
	if err := tryJoin(m, "r", "bob"); err != nil {
		t.Errorf("bob with a fresh token after a removal without ban: %v", err)
	}

	if err := m.Remove("r", adminOf(owner), "bob", &room.BanRequest{Until: c.Now().Add(time.Hour), Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	if err := tryJoin(m, "r", "bob"); !errors.Is(err, room.ErrBanned) || room.Code(err) != "banned" {
		t.Errorf("banned bob joined: %v", err)
	}
	// A banned identity cannot resume either.
	if d := m.Decide(room.Request{Claims: claims("r", "bob", joinGrants), Action: room.ActionResume}); d.Code() != "banned" {
		t.Errorf("banned resume: %v", d.Err)
	}
	c.Add(59 * time.Minute)
	if err := tryJoin(m, "r", "bob"); !errors.Is(err, room.ErrBanned) {
		t.Errorf("bob joined before the ban's end: %v", err)
	}
	c.Add(time.Minute)
	if err := tryJoin(m, "r", "bob"); err != nil {
		t.Errorf("bob refused after the ban's end: %v", err)
	}

	// A ban for the room's life; an absent identity can be banned.
	if err := m.Remove("r", adminOf(owner), "eve", &room.BanRequest{}); err != nil {
		t.Fatal(err)
	}
	c.Add(1000 * time.Hour)
	if err := tryJoin(m, "r", "eve"); !errors.Is(err, room.ErrBanned) {
		t.Errorf("eve joined during the room's life: %v", err)
	}
	if bans, err := m.Bans(owner, "r"); err != nil || len(bans) != 1 || bans[0].Identity != "eve" {
		t.Errorf("bans = %+v, %v", bans, err)
	}
	if err := m.Unban(owner, "r", "eve", "host"); err != nil {
		t.Fatal(err)
	}
	if err := tryJoin(m, "r", "eve"); err != nil {
		t.Errorf("eve refused after unban: %v", err)
	}
	if err := m.Unban(owner, "r", "eve", "host"); !errors.Is(err, room.ErrBanNotFound) {
		t.Errorf("second unban: %v", err)
	}
	// Without a ban, removing someone absent is an error.
	if err := m.Remove("r", adminOf(owner), "nobody", nil); !errors.Is(err, room.ErrUnknownParticipant) {
		t.Errorf("remove absent: %v", err)
	}

	got := securityKinds(all)
	for _, k := range []room.SecurityKind{room.SecurityTokensRevoked, room.SecurityParticipantRemoved, room.SecurityIdentityBanned, room.SecurityIdentityUnbanned} {
		found := false
		for _, g := range got {
			found = found || g == k
		}
		if !found {
			t.Errorf("no %s security event in %v", k, got)
		}
	}
}

func TestTimedBanOutlivesItsRoom(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	acc := newMemAccess(c.Now)
	m := newManager(t, room.Config{AutoCreate: true, Access: acc, Now: c.Now})
	join(t, m, "r", "alice", joinGrants)
	if err := m.Remove("r", adminOf(owner), "mal", &room.BanRequest{Until: c.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("r", adminOf(owner), "life", &room.BanRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete("r", owner, room.ReasonRoomDeleted); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Second)
	// The join that would create r again is refused for mal; the
	// room-life ban ended with the room.
	if err := tryJoin(m, "r", "mal"); !errors.Is(err, room.ErrBanned) {
		t.Errorf("mal re-created the room: %v", err)
	}
	if err := tryJoin(m, "r", "life"); err != nil {
		t.Errorf("a room-life ban outlived its room: %v", err)
	}
	// Another key's room of the same name is not this ban's.
	_, _, err := m.Join(room.JoinRequest{Claims: claimsBy("OtherKey", "r2", "mal", joinGrants), Listener: &recorder{}})
	if err != nil {
		t.Errorf("mal refused in another key's room: %v", err)
	}
}

func TestRemoveRecordsBeforeDisconnecting(t *testing.T) {
	acc := newMemAccess(time.Now)
	m := newManager(t, room.Config{AutoCreate: true, Access: acc})
	_, rec := join(t, m, "r", "bob", joinGrants)
	acc.mu.Lock()
	acc.fail = errors.New("disk full")
	acc.mu.Unlock()
	if err := m.Remove("r", adminOf(owner), "bob", nil); !errors.Is(err, room.ErrUnavailable) {
		t.Fatalf("remove with the store down: %v, want unavailable", err)
	}
	if len(rec.of(room.EventRemoved)) != 0 {
		t.Error("bob was removed though his revocation was not recorded")
	}
	if err := m.RevokeIdentity(owner, "", "bob", "admin"); !errors.Is(err, room.ErrUnavailable) {
		t.Errorf("revoke with the store down: %v", err)
	}
	acc.mu.Lock()
	acc.fail = nil
	acc.mu.Unlock()
	// Revoking an identity everywhere disconnects it from the owner's rooms.
	if err := m.RevokeIdentity(owner, "", "bob", "admin"); err != nil {
		t.Fatal(err)
	}
	if len(rec.of(room.EventRemoved)) != 1 {
		t.Error("bob stayed after every token of his was revoked")
	}
}

func TestRevokeTokenDisconnectsItsHolder(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	rec := &recorder{}
	c := claims("r", "bob", joinGrants)
	c.ID = "jti-1"
	if _, _, err := m.Join(room.JoinRequest{Claims: c, Listener: rec}); err != nil {
		t.Fatal(err)
	}
	_, other := join(t, m, "r", "ann", joinGrants)
	if err := m.RevokeToken(owner, "", "jti-1", "admin"); err != nil {
		t.Fatal(err)
	}
	if len(rec.of(room.EventRemoved)) != 1 || len(other.of(room.EventRemoved)) != 0 {
		t.Error("revoking bob's token did not remove bob alone")
	}
}

func TestDecideManageAccess(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	for _, tc := range []struct {
		name string
		c    *token.Claims
		room room.RoomName
		want string
	}{
		{"admin of every room, one room", claims("", "admin", token.Grants{RoomAdmin: true}), "r", ""},
		{"admin of every room, every room", claims("", "admin", token.Grants{RoomAdmin: true}), "", ""},
		{"room-bound admin, its room", claims("r", "admin", token.Grants{RoomAdmin: true}), "r", ""},
		{"room-bound admin, every room", claims("r", "admin", token.Grants{RoomAdmin: true}), "", "permission_denied"},
		{"room-bound admin, another room", claims("r", "admin", token.Grants{RoomAdmin: true}), "r2", "permission_denied"},
		{"no roomAdmin", claims("", "admin", token.Grants{RoomList: true, RoomCreate: true}), "r", "permission_denied"},
	} {
		d := m.Decide(room.Request{Claims: tc.c, Action: room.ActionManageAccess, Room: tc.room})
		if d.Code() != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, d.Code(), tc.want)
		}
	}
}

// TestRevokedTokenRefusedUnderTheRoomLock: room asks the revocation list
// again at a join and a resume, under its lock, so that a token the
// verifier passed just before its revocation was stored (and after the
// revocation disconnected whom it named) is refused all the same. A
// resume records its token's jti: revoking that jti disconnects the
// participant, as revoking the join's does.
func TestRevokedTokenRefusedUnderTheRoomLock(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	acc := newMemAccess(c.Now)
	m := newManager(t, room.Config{AutoCreate: true, Access: acc, Now: c.Now})
	all := subscribe(t, m)
	issued := func(roomName, identity, jti string) *token.Claims {
		cl := claims(roomName, identity, joinGrants)
		cl.ID, cl.IssuedAt = jti, jwt.NewNumericDate(c.Now())
		return cl
	}
	bob, bobRec := join(t, m, "r", "bob", joinGrants)

	// A resume with another token of bob's, then that token revoked.
	resumed := issued("r", "bob", "jti-resume")
	if err := bob.Resume(resumed, "198.51.100.2"); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := m.RevokeToken(owner, "", "jti-resume", "admin"); err != nil {
		t.Fatal(err)
	}
	if len(bobRec.of(room.EventRemoved)) != 1 {
		t.Fatal("revoking the jti bob resumed with left him in the room")
	}

	// Revoked in the list but nobody disconnected yet (the verifier
	// passed the token just before): the join and the resume are refused.
	carol, _ := join(t, m, "r", "carol", joinGrants)
	stale := issued("r", "carol", "jti-c")
	acc.mu.Lock()
	acc.identities[[3]string{string(owner), "r", "carol"}] = c.Now()
	acc.mu.Unlock()
	if err := carol.Resume(stale, "198.51.100.3"); !errors.Is(err, room.ErrTokenRevoked) || room.Code(err) != "token_revoked" {
		t.Errorf("resume with a token revoked since it was verified: %v", err)
	}
	var resumeAddr []string
	for _, e := range all.of(room.EventDecision) {
		if e.Decision.Action == room.ActionResume && e.Decision.Outcome == room.Refused {
			resumeAddr = append(resumeAddr, e.Decision.Addr)
		}
	}
	if len(resumeAddr) != 1 || resumeAddr[0] != "198.51.100.3" {
		t.Errorf("the refused resume's decisions have the addresses %q, want the client's", resumeAddr)
	}
	late := issued("r", "dave", "jti-d")
	acc.mu.Lock()
	acc.tokens[[2]string{string(owner), "jti-d"}] = ""
	acc.mu.Unlock()
	if _, _, err := m.Join(room.JoinRequest{Claims: late, Listener: &recorder{}}); !errors.Is(err, room.ErrTokenRevoked) {
		t.Errorf("join with a token revoked since it was verified: %v", err)
	}
	late.Room = "new-room"
	if _, _, err := m.Join(room.JoinRequest{Claims: late, Listener: &recorder{}}); !errors.Is(err, room.ErrTokenRevoked) {
		t.Errorf("join creating a room with a revoked token: %v", err)
	}
}
