package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/conclave-video/conclave/internal/testkit/softauthn"
)

func TestPasskeyChallengeSingleUse(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	f.register(t, alice, k, "key")

	// A replayed response, with its challenge id.
	opts, id, err := f.p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	resp := k.MustGet(t, opts)
	if _, _, err := f.p.FinishLogin(ctx, id, resp); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.p.FinishLogin(ctx, id, resp); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("replayed: %v, want ErrChallengeUnknown", err)
	}

	// A failed attempt uses the challenge up too.
	opts, id, err = f.p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.p.FinishLogin(ctx, id, []byte(`{}`)); !errors.Is(err, ErrPasskeyFailed) {
		t.Fatalf("garbage: %v", err)
	}
	if _, _, err := f.p.FinishLogin(ctx, id, k.MustGet(t, opts)); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("after a failed attempt: %v, want ErrChallengeUnknown", err)
	}

	// So does a bad name at registration.
	k2 := softauthn.New(t, softauthn.ES256)
	opts, id, err = f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	resp = k2.MustCreate(t, opts)
	if _, err := f.p.FinishRegistration(ctx, id, alice, "   ", resp); !errors.Is(err, ErrPasskeyName) {
		t.Fatalf("blank name: %v, want ErrPasskeyName", err)
	}
	if _, err := f.p.FinishRegistration(ctx, id, alice, "key 2", resp); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("after a refused name: %v, want ErrChallengeUnknown", err)
	}

	// Unknown ids, of any shape.
	for _, bad := range []string{"", "x", id + "A", strings.Repeat("A", 43), strings.Repeat("é", 1000)} {
		if _, _, err := f.p.FinishLogin(ctx, bad, resp); !errors.Is(err, ErrChallengeUnknown) {
			t.Errorf("challenge id %.10q: %v, want ErrChallengeUnknown", bad, err)
		}
	}
}

func TestPasskeyChallengeExpires(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	f.register(t, alice, k, "key")

	opts, id, err := f.p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	f.clock.advance(PasskeyChallengeTTL - time.Nanosecond)
	if _, _, err := f.p.FinishLogin(ctx, id, k.MustGet(t, opts)); err != nil {
		t.Fatalf("just before the challenge expires: %v", err)
	}

	for _, c := range []struct {
		name  string
		begin func() ([]byte, string)
		// finish runs the ceremony's Finish with resp.
		finish func(id string, opts []byte) error
	}{
		{"sign-in", func() ([]byte, string) {
			opts, id, err := f.p.BeginLogin()
			if err != nil {
				t.Fatal(err)
			}
			return opts, id
		}, func(id string, opts []byte) error {
			_, _, err := f.p.FinishLogin(ctx, id, k.MustGet(t, opts))
			return err
		}},
		{"second factor", func() ([]byte, string) {
			opts, id, err := f.p.BeginSecondFactor(ctx, alice)
			if err != nil {
				t.Fatal(err)
			}
			return opts, id
		}, func(id string, opts []byte) error {
			_, err := f.p.FinishSecondFactor(ctx, id, alice, k.MustGet(t, opts))
			return err
		}},
		{"registration", func() ([]byte, string) {
			opts, id, err := f.p.BeginRegistration(ctx, alice)
			if err != nil {
				t.Fatal(err)
			}
			return opts, id
		}, func(id string, opts []byte) error {
			_, err := f.p.FinishRegistration(ctx, id, alice, "new", softauthn.New(t, softauthn.ES256).MustCreate(t, opts))
			return err
		}},
	} {
		opts, id := c.begin()
		f.clock.advance(PasskeyChallengeTTL)
		if err := c.finish(id, opts); !errors.Is(err, ErrChallengeUnknown) {
			t.Errorf("%s %v after it began: %v, want ErrChallengeUnknown", c.name, PasskeyChallengeTTL, err)
		}
	}
}

func TestPasskeyChallengeBoundToCeremony(t *testing.T) {
	f := newPasskeyFixture(t)
	ctx := context.Background()
	k := softauthn.New(t, softauthn.ES256)
	f.register(t, alice, k, "key")

	// A registration's challenge does not sign anybody in.
	opts, id, err := f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.p.FinishLogin(ctx, id, k.MustGet(t, opts)); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("registration challenge at sign-in: %v, want ErrChallengeUnknown", err)
	}
	// A second factor's challenge is not a sign-in with a passkey alone
	// (that would skip the password).
	opts, id, err = f.p.BeginSecondFactor(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.p.FinishLogin(ctx, id, k.MustGet(t, opts)); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("second factor challenge at sign-in: %v, want ErrChallengeUnknown", err)
	}
	// A sign-in's challenge is not a second factor.
	opts, id, err = f.p.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.FinishSecondFactor(ctx, id, alice, k.MustGet(t, opts)); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("sign-in challenge as second factor: %v, want ErrChallengeUnknown", err)
	}
	// A registration begun for alice is not finished for bob.
	opts, id, err = f.p.BeginRegistration(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.FinishRegistration(ctx, id, bob, "stolen", softauthn.New(t, softauthn.ES256).MustCreate(t, opts)); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("alice's registration finished as bob: %v, want ErrChallengeUnknown", err)
	}
}

func TestPasskeyChallengePools(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c := newChallenges()
	s := webauthn.SessionData{Challenge: "c"}

	// Registrations and second factors of one account: the oldest goes.
	var ids []string
	for range MaxPasskeyChallengesPerUser + 1 {
		ids = append(ids, c.add(now, ceremonyRegister, alice.ID, s))
	}
	if _, err := c.take(now, ids[0], ceremonyRegister, alice.ID); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("alice's oldest ceremony beyond %d: %v, want dropped", MaxPasskeyChallengesPerUser, err)
	}
	if _, err := c.take(now, ids[1], ceremonyRegister, alice.ID); err != nil {
		t.Errorf("alice's second ceremony: %v", err)
	}
	bobID := c.add(now, ceremonySecondFactor, bob.ID, s)

	// A flood of anonymous sign-ins pushes out only the oldest sign-ins.
	first := c.add(now, ceremonySignIn, "", s)
	for range MaxPasskeySignInChallenges {
		c.add(now, ceremonySignIn, "", s)
	}
	if n, want := c.len(), MaxPasskeySignInChallenges+3+1; n != want { // alice's 3 and bob's 1
		t.Errorf("%d outstanding, want %d", n, want)
	}
	if _, err := c.take(now, first, ceremonySignIn, ""); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("the oldest sign-in after a flood: %v, want dropped", err)
	}
	if _, err := c.take(now, bobID, ceremonySecondFactor, bob.ID); err != nil {
		t.Errorf("bob's second factor after a flood of sign-ins: %v", err)
	}
	for _, id := range ids[2:] {
		if _, err := c.take(now, id, ceremonyRegister, alice.ID); err != nil {
			t.Errorf("alice's registration after a flood of sign-ins: %v", err)
		}
	}

	// Many accounts fill the account pool; its oldest goes.
	oldest := c.add(now, ceremonyRegister, "US_0", s)
	for i := range MaxPasskeyAccountChallenges {
		c.add(now, ceremonySecondFactor, fmt.Sprintf("US_%d", i+1), s)
	}
	if _, err := c.take(now, oldest, ceremonyRegister, "US_0"); !errors.Is(err, ErrChallengeUnknown) {
		t.Errorf("the oldest account ceremony beyond %d: %v, want dropped", MaxPasskeyAccountChallenges, err)
	}
	if n := c.len(); n > MaxPasskeyChallenges {
		t.Errorf("%d outstanding, more than %d", n, MaxPasskeyChallenges)
	}

	// Expired ones are dropped as time passes.
	c.add(now.Add(PasskeyChallengeTTL), ceremonySignIn, "", s)
	if n := c.len(); n != 1 {
		t.Errorf("%d outstanding after the others expired, want 1", n)
	}
	if len(c.perUser) != 0 {
		t.Errorf("per-account counts kept for %d accounts without ceremonies", len(c.perUser))
	}
}

func TestKeyedMutex(t *testing.T) {
	var k keyedMutex
	// Goroutines add to a counter under the same key, reading and writing
	// it in two steps: without mutual exclusion updates are lost (and the
	// race detector reports them).
	const workers, rounds = 8, 200
	var shared int
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				unlock := k.lock("a")
				v := shared
				runtime.Gosched()
				shared = v + 1
				unlock()
			}
		})
	}
	// Another key is never held up by "a".
	for range rounds {
		k.lock("b")()
	}
	wg.Wait()
	if shared != workers*rounds {
		t.Errorf("counter %d, want %d: the key's lock did not exclude", shared, workers*rounds)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) != 0 {
		t.Errorf("%d keys kept after every lock was released", len(k.m))
	}
}
