package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	u, v := mustUser(t, s, 1, t0), mustUser(t, s, 2, t0)
	session := func(n int, user User, seen time.Time) Session {
		return Session{
			ID: fmt.Sprintf("SE_%026d", n), IDHash: sum(fmt.Sprint("session", n)), UserID: user.ID,
			CreatedAt: t0, LastSeenAt: seen, ExpiresAt: t0.Add(12 * time.Hour), IP: "192.0.2.1", UserAgent: "Firefox",
		}
	}
	a, b, c := session(1, u, t0.Add(time.Minute)), session(2, u, t0.Add(2*time.Minute)), session(3, v, t0)
	for _, se := range []Session{a, b, c} {
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	sameID, sameHash := session(4, u, t0), session(5, u, t0)
	sameID.ID, sameHash.IDHash = a.ID, a.IDHash
	for name, se := range map[string]Session{"same id": sameID, "same id hash": sameHash} {
		if err := s.CreateSession(ctx, se); !errors.Is(err, ErrExists) {
			t.Errorf("%s: %v, want ErrExists", name, err)
		}
	}
	if err := s.CreateSession(ctx, session(6, User{ID: "US_NOBODY"}, t0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	for name, mutate := range map[string]func(*Session){
		"short id hash":   func(se *Session) { se.IDHash = se.IDHash[:16] },
		"no id hash":      func(se *Session) { se.IDHash = nil },
		"bad id":          func(se *Session) { se.ID = "US_1" },
		"no expiry":       func(se *Session) { se.ExpiresAt = time.Time{} },
		"long user agent": func(se *Session) { se.UserAgent = strings.Repeat("x", MaxUserAgentBytes+1) },
		"long IP":         func(se *Session) { se.IP = strings.Repeat("1", MaxIPBytes+1) },
	} {
		se := session(7, u, t0)
		mutate(&se)
		if err := s.CreateSession(ctx, se); err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want a plain error", name, err)
		}
	}
	// A zero LastSeenAt is the creation time.
	fresh := session(8, v, time.Time{})
	if err := s.CreateSession(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionByHash(ctx, fresh.IDHash); err != nil || !got.LastSeenAt.Equal(t0) {
		t.Fatalf("zero LastSeenAt stored as %v, %v", got.LastSeenAt, err)
	}

	got, err := s.SessionByHash(ctx, a.IDHash)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("SessionByHash = %+v, %v; want %+v", got, err, a)
	}
	if _, err := s.SessionByHash(ctx, sum("no such session")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing session: %v", err)
	}

	list, err := s.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
		t.Fatalf("ListSessions = %+v, %v; want b, a (most recently seen first)", list, err)
	}

	// A touch moves LastSeenAt forward and sets the IP; an older touch
	// arriving late changes neither; an empty IP keeps the IP.
	if err := s.TouchSession(ctx, a.IDHash, t0.Add(time.Hour), "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, a.IDHash, t0.Add(30*time.Minute), "203.0.113.9"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SessionByHash(ctx, a.IDHash); !got.LastSeenAt.Equal(t0.Add(time.Hour)) || got.IP != "198.51.100.7" {
		t.Fatalf("after touches: seen %v from %s", got.LastSeenAt, got.IP)
	}
	if err := s.TouchSession(ctx, a.IDHash, t0.Add(2*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SessionByHash(ctx, a.IDHash); !got.LastSeenAt.Equal(t0.Add(2*time.Hour)) || got.IP != "198.51.100.7" {
		t.Fatalf("after a touch without IP: seen %v from %s", got.LastSeenAt, got.IP)
	}
	if list, _ := s.ListSessions(ctx, u.ID); len(list) != 2 || list[0].ID != a.ID {
		t.Fatalf("after touch, ListSessions = %+v; want a first", list)
	}
	if err := s.TouchSession(ctx, sum("no such session"), t0, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("touch missing: %v", err)
	}
	if err := s.TouchSession(ctx, a.IDHash, time.Time{}, ""); err == nil {
		t.Fatal("touch at the zero time accepted")
	}

	// A user can delete only their own sessions.
	if err := s.DeleteSession(ctx, v.ID, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete another user's session: %v", err)
	}
	if err := s.DeleteSession(ctx, u.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, u.ID, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.SessionByHash(ctx, a.IDHash); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted session still found: %v", err)
	}
	if err := s.DeleteSessionByHash(ctx, c.IDHash); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSessionByHash(ctx, c.IDHash); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete by hash: %v", err)
	}

	// Sign out everywhere else, then everywhere.
	for i := 10; i < 14; i++ {
		if err := s.CreateSession(ctx, session(i, u, t0)); err != nil {
			t.Fatal(err)
		}
	}
	keep := session(10, u, t0).IDHash
	if n, err := s.DeleteUserSessions(ctx, u.ID, keep); err != nil || n != 4 { // b, 11, 12, 13
		t.Fatalf("DeleteUserSessions(keep) = %d, %v; want 4", n, err)
	}
	if list, _ := s.ListSessions(ctx, u.ID); len(list) != 1 || !bytes.Equal(list[0].IDHash, keep) {
		t.Fatalf("after DeleteUserSessions(keep): %+v", list)
	}
	if n, err := s.DeleteUserSessions(ctx, u.ID, nil); err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions(nil) = %d, %v; want 1", n, err)
	}
	if list, _ := s.ListSessions(ctx, v.ID); len(list) != 1 {
		t.Fatalf("another user's sessions went too: %+v", list)
	}
}

func TestRecoveryCodes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	u, v := mustUser(t, s, 1, t0), mustUser(t, s, 2, t0)
	codes := func(prefix string, n int) [][]byte {
		var hs [][]byte
		for i := range n {
			hs = append(hs, sum(fmt.Sprint(prefix, i)))
		}
		return hs
	}
	first := codes("first", 10)
	if err := s.SetRecoveryCodes(ctx, u.ID, first); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRecoveryCodes(ctx, v.ID, codes("v", 3)); err != nil {
		t.Fatal(err)
	}
	count := func(id string) int {
		t.Helper()
		n, err := s.CountRecoveryCodes(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(u.ID); n != 10 {
		t.Fatalf("count = %d, want 10", n)
	}
	if err := s.UseRecoveryCode(ctx, u.ID, first[3]); err != nil {
		t.Fatal(err)
	}
	if err := s.UseRecoveryCode(ctx, u.ID, first[3]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("code used twice: %v", err)
	}
	if err := s.UseRecoveryCode(ctx, v.ID, first[4]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's code: %v", err)
	}
	if n := count(u.ID); n != 9 {
		t.Fatalf("count after one use = %d, want 9", n)
	}

	// New codes replace the old ones.
	second := codes("second", 2)
	if err := s.SetRecoveryCodes(ctx, u.ID, second); err != nil {
		t.Fatal(err)
	}
	if err := s.UseRecoveryCode(ctx, u.ID, first[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("replaced code still works: %v", err)
	}
	if n := count(u.ID); n != 2 {
		t.Fatalf("count after replace = %d, want 2", n)
	}
	if n := count(v.ID); n != 3 {
		t.Fatalf("another user's codes changed: %d", n)
	}

	if err := s.SetRecoveryCodes(ctx, "US_NOBODY", codes("x", 1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	for name, hs := range map[string][][]byte{
		"duplicate": {sum("a"), sum("b"), sum("a")},
		"short":     {sum("a")[:31]},
		"too many":  codes("many", MaxRecoveryCodes+1),
	} {
		if err := s.SetRecoveryCodes(ctx, u.ID, hs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := count(u.ID); n != 2 {
		t.Fatalf("a refused set changed the codes: %d", n)
	}
	if err := s.SetRecoveryCodes(ctx, u.ID, nil); err != nil || count(u.ID) != 0 {
		t.Fatalf("clearing codes: %v, count %d", err, count(u.ID))
	}
}

func TestPasskeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	u, v := mustUser(t, s, 1, t0), mustUser(t, s, 2, t0)
	passkey := func(n int, user User, created time.Time) Passkey {
		return Passkey{
			ID: fmt.Sprintf("PK_%026d", n), UserID: user.ID, CredentialID: sum(fmt.Sprint("cred", n)),
			Credential: []byte(fmt.Sprintf(`{"n":%d}`, n)), Name: fmt.Sprint("Key ", n), CreatedAt: created,
		}
	}
	a, b, c := passkey(1, u, t0.Add(time.Second)), passkey(2, u, t0), passkey(3, v, t0)
	for _, p := range []Passkey{a, b, c} {
		if err := s.CreatePasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	sameID, sameCred := passkey(4, u, t0), passkey(5, v, t0)
	sameID.ID, sameCred.CredentialID = a.ID, a.CredentialID
	for name, p := range map[string]Passkey{"same id": sameID, "same credential id": sameCred} {
		if err := s.CreatePasskey(ctx, p); !errors.Is(err, ErrExists) {
			t.Errorf("%s: %v, want ErrExists", name, err)
		}
	}
	if err := s.CreatePasskey(ctx, passkey(6, User{ID: "US_NOBODY"}, t0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	for name, mutate := range map[string]func(*Passkey){
		"no credential id":   func(p *Passkey) { p.CredentialID = nil },
		"long credential id": func(p *Passkey) { p.CredentialID = make([]byte, MaxCredentialIDBytes+1) },
		"no credential":      func(p *Passkey) { p.Credential = nil },
		"huge credential":    func(p *Passkey) { p.Credential = make([]byte, MaxCredentialBytes+1) },
		"bad id":             func(p *Passkey) { p.ID = "SE_1" },
	} {
		p := passkey(7, u, t0)
		mutate(&p)
		if err := s.CreatePasskey(ctx, p); err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want a plain error", name, err)
		}
	}

	list, err := s.ListPasskeys(ctx, u.ID)
	if err != nil || len(list) != 2 || !reflect.DeepEqual(list[0], b) || !reflect.DeepEqual(list[1], a) {
		t.Fatalf("ListPasskeys = %+v, %v; want b, a (oldest first)", list, err)
	}
	if got, err := s.PasskeyByCredentialID(ctx, c.CredentialID); err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("PasskeyByCredentialID = %+v, %v", got, err)
	}
	if _, err := s.PasskeyByCredentialID(ctx, []byte("nope")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing credential: %v", err)
	}

	upd := a
	upd.Credential = []byte(`{"signCount":42}`)
	upd.Name = "Laptop"
	upd.LastUsedAt = t0.Add(time.Hour)
	upd.CredentialID = []byte("ignored")
	if err := s.UpdatePasskey(ctx, upd); err != nil {
		t.Fatal(err)
	}
	got, _ := s.PasskeyByCredentialID(ctx, a.CredentialID)
	if string(got.Credential) != `{"signCount":42}` || got.Name != "Laptop" || !got.LastUsedAt.Equal(t0.Add(time.Hour)) || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("after UpdatePasskey: %+v", got)
	}
	theirs := upd
	theirs.UserID = v.ID
	if err := s.UpdatePasskey(ctx, theirs); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update through another user: %v", err)
	}

	if err := s.DeletePasskey(ctx, v.ID, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete another user's passkey: %v", err)
	}
	if err := s.DeletePasskey(ctx, u.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePasskey(ctx, u.ID, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if n, err := s.DeleteUserPasskeys(ctx, u.ID); err != nil || n != 1 {
		t.Fatalf("DeleteUserPasskeys = %d, %v; want 1", n, err)
	}
	if list, _ := s.ListPasskeys(ctx, v.ID); len(list) != 1 {
		t.Fatalf("another user's passkeys went too: %+v", list)
	}
}

func TestPersonalTokens(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	u, v := mustUser(t, s, 1, t0), mustUser(t, s, 2, t0)
	token := func(n int, user User, created time.Time) PersonalToken {
		return PersonalToken{
			ID: fmt.Sprintf("PT_%026d", n), UserID: user.ID, Name: fmt.Sprint("script ", n),
			SecretHash: sum(fmt.Sprint("token", n)), Grants: []string{"rooms:create", "rooms.read"},
			CreatedAt: created, ExpiresAt: created.Add(30 * 24 * time.Hour),
		}
	}
	a, b, c := token(1, u, t0), token(2, u, t0.Add(time.Second)), token(3, v, t0)
	b.Grants = nil
	for _, tk := range []PersonalToken{a, b, c} {
		if err := s.CreatePersonalToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	sameID, sameHash := token(4, u, t0), token(5, u, t0)
	sameID.ID, sameHash.SecretHash = a.ID, a.SecretHash
	for name, tk := range map[string]PersonalToken{"same id": sameID, "same secret hash": sameHash} {
		if err := s.CreatePersonalToken(ctx, tk); !errors.Is(err, ErrExists) {
			t.Errorf("%s: %v, want ErrExists", name, err)
		}
	}
	if err := s.CreatePersonalToken(ctx, token(6, User{ID: "US_NOBODY"}, t0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	tooMany := make([]string, MaxGrants+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("g", i)
	}
	for name, grants := range map[string][]string{
		"comma":      {"rooms:create,admin"},
		"empty":      {""},
		"space":      {"rooms create"},
		"quote":      {`rooms"`},
		"non-ASCII":  {"rööms"},
		"too long":   {strings.Repeat("g", MaxGrantBytes+1)},
		"duplicated": {"rooms:create", "rooms:create"},
		"too many":   tooMany,
	} {
		tk := token(7, u, t0)
		tk.Grants = grants
		if err := s.CreatePersonalToken(ctx, tk); err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) {
			t.Errorf("grants %s: %v, want a plain error", name, err)
		}
	}
	noExpiry := token(8, u, t0)
	noExpiry.ExpiresAt = time.Time{}
	if err := s.CreatePersonalToken(ctx, noExpiry); err == nil {
		t.Error("a token without expiry was stored")
	}

	for _, want := range []PersonalToken{a, b} {
		if got, err := s.PersonalToken(ctx, want.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("PersonalToken = %+v, %v; want %+v", got, err, want)
		}
	}
	if _, err := s.PersonalToken(ctx, "PT_NONE"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing token: %v", err)
	}
	list, err := s.ListPersonalTokens(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
		t.Fatalf("ListPersonalTokens = %+v, %v; want b, a (newest first)", list, err)
	}

	if err := s.TouchPersonalToken(ctx, a.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchPersonalToken(ctx, a.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PersonalToken(ctx, a.ID); !got.LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("LastUsedAt = %v, want the later touch", got.LastUsedAt)
	}
	if err := s.TouchPersonalToken(ctx, "PT_NONE", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("touch missing: %v", err)
	}

	rev := t0.Add(2 * time.Hour)
	if err := s.RevokePersonalToken(ctx, v.ID, a.ID, rev); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke another user's token: %v", err)
	}
	if got, _ := s.PersonalToken(ctx, a.ID); !got.RevokedAt.IsZero() {
		t.Fatal("a refused revocation revoked the token")
	}
	if err := s.RevokePersonalToken(ctx, u.ID, a.ID, rev); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokePersonalToken(ctx, u.ID, a.ID, rev.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PersonalToken(ctx, a.ID); !got.RevokedAt.Equal(rev) {
		t.Fatalf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, rev)
	}

	// Revoking all: only the active ones count (b; not a, revoked, nor an
	// expired one), and another user's stay.
	expired := token(9, u, t0)
	expired.ExpiresAt = t0.Add(time.Hour)
	if err := s.CreatePersonalToken(ctx, expired); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RevokeUserPersonalTokens(ctx, u.ID, rev); err != nil || n != 1 {
		t.Fatalf("RevokeUserPersonalTokens = %d, %v; want 1", n, err)
	}
	if got, _ := s.PersonalToken(ctx, b.ID); !got.RevokedAt.Equal(rev) {
		t.Fatalf("b not revoked: %+v", got)
	}
	if got, _ := s.PersonalToken(ctx, a.ID); !got.RevokedAt.Equal(rev) {
		t.Fatalf("a's revocation time changed: %+v", got)
	}
	if got, _ := s.PersonalToken(ctx, c.ID); !got.RevokedAt.IsZero() {
		t.Fatalf("another user's token was revoked: %+v", got)
	}
}
