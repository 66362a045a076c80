package auth

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/store"
)

// TestPersonalTokenVerify: claims for the account with the token's
// grants; LastUsedAt written at most once a minute; a verifier without
// Personal (signaling's) refuses every personal token.
func TestPersonalTokenVerify(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	u := store.User{ID: NewUserID(), Email: "alice@example.org", Role: store.RoleMember, Status: store.StatusActive,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	raw, rec, err := NewPersonalToken(u.ID, "ci", []string{GrantRoomList, GrantRoomAdmin, GrantRoomList}, t0, 30*24*time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "cvt_") || !strings.HasPrefix(rec.ID, "PT_") || len(rec.Grants) != 2 {
		t.Fatalf("token %.8s…, record %s %v", raw, rec.ID, rec.Grants)
	}
	if err := st.CreatePersonalToken(ctx, rec); err != nil {
		t.Fatal(err)
	}

	now := t0.Add(time.Hour)
	v := &Verifier{Keys: st, Personal: st, Now: func() time.Time { return now }}
	c, err := v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != u.ID || c.Subject != u.ID || c.ID != rec.ID || c.Room != "" ||
		!c.Grants.RoomList || !c.Grants.RoomAdmin || c.Grants.RoomCreate || c.Grants.Publish || c.Grants.Join() {
		t.Fatalf("claims %+v", c)
	}
	lastUsed := func() time.Time {
		got, err := st.PersonalToken(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.LastUsedAt
	}
	if !lastUsed().Equal(now) {
		t.Fatalf("LastUsedAt %v, want %v", lastUsed(), now)
	}
	first := now
	now = now.Add(PersonalTokenTouchInterval - time.Second)
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if !lastUsed().Equal(first) {
		t.Fatal("touched again within the interval")
	}
	now = first.Add(PersonalTokenTouchInterval)
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if !lastUsed().Equal(now) {
		t.Fatal("not touched after the interval")
	}

	// Expiry is exact.
	now = rec.ExpiresAt.Add(-time.Nanosecond)
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	now = rec.ExpiresAt
	if _, err := v.Verify(ctx, raw); Code(err) != CodeExpired {
		t.Fatalf("at expiry: %v", err)
	}

	if _, err := (&Verifier{Keys: st}).Verify(ctx, raw); Code(err) != CodeMalformed {
		t.Fatalf("a verifier without Personal: %v", err)
	}
}

func TestNewPersonalTokenRefuses(t *testing.T) {
	now := time.Now()
	for name, f := range map[string]func() error{
		"no grant": func() error { _, _, err := NewPersonalToken("US_X", "n", nil, now, time.Hour, 0); return err },
		"a join grant": func() error {
			_, _, err := NewPersonalToken("US_X", "n", []string{"publish"}, now, time.Hour, 0)
			return err
		},
		"zero lifetime": func() error {
			_, _, err := NewPersonalToken("US_X", "n", []string{GrantRoomList}, now, 0, 0)
			return err
		},
		"beyond 365 days": func() error {
			_, _, err := NewPersonalToken("US_X", "n", []string{GrantRoomList}, now, 366*24*time.Hour, 0)
			return err
		},
		"beyond the config": func() error {
			_, _, err := NewPersonalToken("US_X", "n", []string{GrantRoomList}, now, 2*time.Hour, time.Hour)
			return err
		},
		"control in name": func() error {
			_, _, err := NewPersonalToken("US_X", "a\nb", []string{GrantRoomList}, now, time.Hour, 0)
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCanonicalEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Alice@Example.ORG ":              "alice@example.org",
		"a+tag@b":                          "a+tag@b",
		"no-at":                            "",
		"@b":                               "",
		"a@":                               "",
		"a@b@c":                            "",
		"a b@c":                            "",
		"a\x00@c":                          "",
		strings.Repeat("a", 250) + "@b.cd": "",
	} {
		got, err := CanonicalEmail(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("CanonicalEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
