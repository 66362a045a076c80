package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPolicyVersions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	if _, err := s.LatestPolicyVersion(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no version stored: %v, want ErrNotFound", err)
	}
	at := time.Unix(1700000000, 0).UTC()
	v1, err := s.AddPolicyVersion(ctx, 0, PolicyVersion{YAML: "chat: false\n", Author: "operator", CreatedAt: at})
	if err != nil || v1.Version != 1 || !v1.CreatedAt.Equal(at) {
		t.Fatalf("first version: %+v, %v", v1, err)
	}
	// Based on a version that is no longer the newest: refused.
	if _, err := s.AddPolicyVersion(ctx, 0, PolicyVersion{YAML: "chat: true\n", Author: "US_X"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("a lost update: %v, want ErrConflict", err)
	}
	if _, err := s.AddPolicyVersion(ctx, 5, PolicyVersion{YAML: "chat: true\n", Author: "US_X"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("based on a future version: %v, want ErrConflict", err)
	}
	v2, err := s.AddPolicyVersion(ctx, 1, PolicyVersion{YAML: "chat: true\n", Author: "US_X"})
	if err != nil || v2.Version != 2 {
		t.Fatalf("second version: %+v, %v", v2, err)
	}
	latest, err := s.LatestPolicyVersion(ctx)
	if err != nil || latest.Version != 2 || latest.YAML != "chat: true\n" || latest.Author != "US_X" {
		t.Fatalf("latest: %+v, %v", latest, err)
	}
	all, err := s.PolicyVersions(ctx, 10)
	if err != nil || len(all) != 2 || all[0].Version != 2 || all[1].Version != 1 || all[1].YAML != "chat: false\n" || !all[1].CreatedAt.Equal(at) {
		t.Fatalf("versions: %+v, %v", all, err)
	}
	// Versions are kept as they were: the database refuses a change.
	if _, err := s.db.ExecContext(ctx, `UPDATE policy_versions SET yaml = 'chat: true' WHERE version = 1`); err == nil {
		t.Fatal("a stored version was changed")
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM policy_versions`); err == nil {
		t.Fatal("stored versions were deleted")
	}
	for name, v := range map[string]PolicyVersion{
		"no author":   {YAML: "chat: true\n"},
		"too large":   {YAML: strings.Repeat("#", MaxPolicyBytes+1), Author: "operator"},
		"not utf-8":   {YAML: "chat: \xff", Author: "operator"},
		"long author": {YAML: "chat: true\n", Author: strings.Repeat("a", MaxPolicyAuthorBytes+1)},
	} {
		if _, err := s.AddPolicyVersion(ctx, 2, v); err == nil || errors.Is(err, ErrConflict) {
			t.Errorf("%s: %v, want refused", name, err)
		}
	}
}

// Two writers based on the same version: exactly one wins, the other is
// told of the conflict.
func TestPolicyVersionRace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	a, b := openTest(t, path), openTest(t, path)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*SQLite{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.AddPolicyVersion(ctx, 0, PolicyVersion{YAML: "chat: true\n", Author: "operator"})
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrConflict):
			conflict++
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 || conflict != 1 {
		t.Fatalf("%d stored, %d conflicts; want 1 and 1", ok, conflict)
	}
}
