package accounts

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

const pw = "correct horse battery staple"

func TestSigninPasswordOnly(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("alice@example.org", pw, store.RoleMember)
	b := e.browser("")
	r := b.signin("  Alice@Example.ORG ", pw)
	if r.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	var sr SigninResponse
	r.decode(t, &sr)
	if sr.Status != "signed_in" || sr.User == nil || sr.User.ID != u.ID || sr.Ticket != "" || sr.Notice != nil {
		t.Fatalf("answer %+v", sr)
	}
	sc := r.header.Values("Set-Cookie")
	if len(sc) != 1 {
		t.Fatalf("Set-Cookie %q", sc)
	}
	for _, attr := range []string{CookieName + "=", "Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=604800"} {
		if !strings.Contains(sc[0], attr) {
			t.Errorf("cookie %q lacks %s", sc[0], attr)
		}
	}
	if strings.Contains(sc[0], "Domain") {
		t.Errorf("cookie %q has a Domain", sc[0])
	}
	me := b.do(http.MethodGet, "/v1/auth/me", nil)
	var mr MeResponse
	me.decode(t, &mr)
	if me.status != http.StatusOK || mr.User.Email != "alice@example.org" {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
	ev, ok := e.events.last(room.SecuritySigninSucceeded)
	if !ok || ev.Subject != u.ID || ev.Reason != "password" || ev.IP != "127.0.0.1" {
		t.Fatalf("event %+v", ev)
	}
	// The session is stored only as the hash of the cookie's id.
	ss, _ := e.st.ListSessions(context.Background(), u.ID)
	if len(ss) != 1 || strings.Contains(string(ss[0].IDHash), b.sessionCookie()) {
		t.Fatalf("sessions %+v", ss)
	}
}

func TestSigninDisabled(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("bob@example.org", pw, store.RoleMember)
	if _, err := e.st.UpdateUser(context.Background(), u.ID, func(x *store.User) error { x.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	b := e.browser("")
	wantStatus(t, b.signin("bob@example.org", "wrong password here"), http.StatusUnauthorized, CodeInvalidCredentials)
	r := b.signin("bob@example.org", pw)
	wantStatus(t, r, http.StatusForbidden, CodeAccountDisabled)
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatal("a disabled account got a cookie")
	}
	if ev, _ := e.events.last(room.SecuritySigninFailed); ev.Reason != "disabled" {
		t.Fatalf("event %+v", ev)
	}
}

// An unknown email and a wrong password get the same answer.
func TestSigninEnumerationByAnswer(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("carol@example.org", pw, store.RoleMember)
	b := e.browser("")
	known := b.signin("carol@example.org", "not the password!")
	unknown := b.signin("nobody@example.org", "not the password!")
	wantStatus(t, known, http.StatusUnauthorized, CodeInvalidCredentials)
	if known.status != unknown.status || string(known.body) != string(unknown.body) {
		t.Fatalf("answers differ: %d %s / %d %s", known.status, known.body, unknown.status, unknown.body)
	}
	strip := func(h http.Header) http.Header {
		h = h.Clone()
		h.Del("Date")
		return h
	}
	if fmt.Sprint(strip(known.header)) != fmt.Sprint(strip(unknown.header)) {
		t.Fatalf("headers differ:\n%v\n%v", known.header, unknown.header)
	}
	reasons := []string{}
	for _, k := range []room.SecurityKind{room.SecuritySigninFailed} {
		e.events.mu.Lock()
		for _, ev := range e.events.evs {
			if ev.Kind == k {
				reasons = append(reasons, ev.Reason)
			}
		}
		e.events.mu.Unlock()
	}
	if !slices.Equal(reasons, []string{"password", "unknown_email"}) {
		t.Fatalf("reasons %v", reasons)
	}
}

// An unknown email and a wrong password take about the same time: the
// medians of 31 sign-ins each differ by less than 20%. The parameters are
// the real ones' shape at a quarter of the memory, so that hashing, not
// the test's overhead, is what is timed. On a busy machine one set of
// samples can be skewed by a burst of other work, so a set that differs
// is measured again, up to three times: a real difference (an unknown
// email answered without hashing is several times faster) fails all three.
func TestSigninEnumerationByTiming(t *testing.T) {
	params := auth.Argon2Params{Memory: 16 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	e := newEnvParams(t, params, nil)
	e.addUser("dave@example.org", pw, store.RoleMember)
	const n = 31
	addr := 0
	measure := func(email string) time.Duration {
		// A fresh address each time, and the clock moved on, so that no
		// throttle answers early.
		addr++
		b := e.browser(fmt.Sprintf("10.1.%d.%d:1000", addr/200, addr%200+1))
		e.clock.Add(time.Hour)
		start := time.Now()
		r := b.signin(email, "not the password!")
		d := time.Since(start)
		wantStatus(t, r, http.StatusUnauthorized, CodeInvalidCredentials)
		return d
	}
	median := func(ds []time.Duration) time.Duration {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	var diffs []string
	for attempt := range 3 {
		var known, unknown []time.Duration
		for i := range n {
			// Interleaved, so that a change in the machine's load hits both.
			known = append(known, measure("dave@example.org"))
			unknown = append(unknown, measure(fmt.Sprintf("nobody%d.%d@example.org", attempt, i)))
		}
		mk, mu := median(known), median(unknown)
		diff := float64(mk-mu) / float64(min(mk, mu))
		t.Logf("median wrong password %v, unknown email %v (%+.1f%%)", mk, mu, 100*diff)
		if diff <= 0.2 && diff >= -0.2 {
			return
		}
		diffs = append(diffs, fmt.Sprintf("%+.1f%% (%v against %v)", 100*diff, mk, mu))
	}
	t.Fatalf("medians of a wrong password and an unknown email differ by more than 20%% in every set: %v", diffs)
}

func TestSigninRehash(t *testing.T) {
	e := newEnv(t, nil)
	old, err := auth.NewHasher(auth.Argon2Params{Memory: 2048, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	u := e.addUser("erin@example.org", pw, store.RoleMember)
	oldHash, _ := old.Hash(context.Background(), pw)
	e.st.UpdateUser(context.Background(), u.ID, func(x *store.User) error { x.PasswordHash = oldHash; return nil })
	e.browser("").mustSignin("erin@example.org", pw)
	got := e.user(u.ID).PasswordHash
	if got == oldHash || !strings.Contains(got, "m=1024,") {
		t.Fatalf("not re-hashed with the current parameters: %s", got)
	}
	e.browser("").mustSignin("erin@example.org", pw)
}

// 50 wrong passwords for one account from one address, then from 10
// addresses: throttled, then locked; another account signs in from
// another address throughout.
func TestSigninThrottleAndLock(t *testing.T) {
	for _, addrs := range []int{1, 10} {
		t.Run(fmt.Sprintf("%d addresses", addrs), func(t *testing.T) {
			e := newEnv(t, nil)
			victim := e.addUser("victim@example.org", pw, store.RoleMember)
			e.addUser("other@example.org", pw, store.RoleMember)
			other := e.browser("192.0.2.200:443")
			var statuses []int
			for i := range 50 {
				b := e.browser(fmt.Sprintf("198.51.100.%d:5000", i%addrs+1))
				r := b.signin("victim@example.org", fmt.Sprintf("guess number %d!", i))
				statuses = append(statuses, r.status)
				switch r.status {
				case http.StatusUnauthorized:
					wantStatus(t, r, http.StatusUnauthorized, CodeInvalidCredentials)
				case http.StatusTooManyRequests:
					wantStatus(t, r, http.StatusTooManyRequests, CodeTooManyAttempts)
					if r.header.Get("Retry-After") == "" {
						t.Fatal("429 without Retry-After")
					}
					// The throttle is waited out, as a patient guesser would.
					e.clock.Add(6 * time.Minute)
				default:
					t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
				}
				if i%10 == 0 {
					other.mustSignin("other@example.org", pw)
				}
			}
			if !slices.Contains(statuses, http.StatusTooManyRequests) {
				t.Fatalf("never throttled: %v", statuses)
			}
			v := e.user(victim.ID)
			if v.FailedSignins < 10 || !v.LockNotice {
				t.Fatalf("not locked: %+v", v)
			}
			// Past the lock, every further failure locks again; locked,
			// even the right password is not checked.
			e.clock.Add(16 * time.Minute)
			b := e.browser("203.0.113.9:1")
			wantStatus(t, b.signin("victim@example.org", "one more guess!"), http.StatusUnauthorized, CodeInvalidCredentials)
			wantStatus(t, b.signin("victim@example.org", pw), http.StatusTooManyRequests, CodeTooManyAttempts)
			if e.events.count(room.SecurityAccountLocked) == 0 || e.events.count(room.SecuritySigninThrottled) == 0 {
				t.Fatalf("events %v", e.events.kinds())
			}
			other.mustSignin("other@example.org", pw)
		})
	}
}

// An address that fails more than 20 times is slowed down whatever
// account it tries; others are not.
func TestSigninAddressThrottle(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("target@example.org", pw, store.RoleMember)
	b := e.browser("198.51.100.7:1")
	for i := range 21 {
		wantStatus(t, b.signin(fmt.Sprintf("user%d@example.org", i), "wrong wrong wrong"), http.StatusUnauthorized, CodeInvalidCredentials)
	}
	r := b.signin("target@example.org", pw)
	wantStatus(t, r, http.StatusTooManyRequests, CodeTooManyAttempts)
	if ev, _ := e.events.last(room.SecuritySigninThrottled); ev.Reason != "address" {
		t.Fatalf("event %+v", ev)
	}
	// The same /64 is the same address.
	v6a, v6b := e.browser("[2001:db8:1:2::1]:1"), e.browser("[2001:db8:1:2::ffff]:1")
	for i := range 21 {
		v6a.signin(fmt.Sprintf("x%d@example.org", i), "wrong wrong wrong")
	}
	wantStatus(t, v6b.signin("target@example.org", pw), http.StatusTooManyRequests, CodeTooManyAttempts)
	e.browser("198.51.100.8:1").mustSignin("target@example.org", pw)
}

func TestLockNoticeShownOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("frank@example.org", pw, store.RoleMember)
	for i := range 10 {
		e.clock.Add(10 * time.Minute)
		wantStatus(t, e.browser(fmt.Sprintf("10.0.0.%d:1", i+1)).signin("frank@example.org", "wrong wrong wrong"), http.StatusUnauthorized, CodeInvalidCredentials)
	}
	e.clock.Add(16 * time.Minute)
	sr := e.browser("").mustSignin("frank@example.org", pw)
	if sr.Notice == nil || sr.Notice.Failures != 10 || sr.Notice.LockedAt.IsZero() {
		t.Fatalf("no notice: %+v", sr)
	}
	sr = e.browser("").mustSignin("frank@example.org", pw)
	if sr.Notice != nil {
		t.Fatalf("notice shown twice: %+v", sr.Notice)
	}
}

func TestUnknownEmailLocksAlike(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 10 {
		e.clock.Add(10 * time.Minute)
		wantStatus(t, e.browser(fmt.Sprintf("10.0.1.%d:1", i+1)).signin("ghost@example.org", "wrong wrong wrong"), http.StatusUnauthorized, CodeInvalidCredentials)
	}
	wantStatus(t, e.browser("10.0.2.1:1").signin("ghost@example.org", "wrong wrong wrong"), http.StatusTooManyRequests, CodeTooManyAttempts)
}

func TestSecondFactorPolicy(t *testing.T) {
	e := newEnv(t, func(a *config.Accounts) { a.RequireSecondFactor = "admins" })
	e.addUser("admin@example.org", pw, store.RoleAdmin)
	e.addUser("member@example.org", pw, store.RoleMember)
	a := e.browser("")
	a.mustSignin("admin@example.org", pw)
	wantStatus(t, a.do(http.MethodPost, "/v1/auth/password", PasswordRequest{Current: pw, New: "another long password 42"}),
		http.StatusForbidden, CodeSecondFactorRequired)
	var me MeResponse
	r := a.do(http.MethodGet, "/v1/auth/me", nil)
	r.decode(t, &me)
	if r.status != http.StatusOK || !me.User.SecondFactorRequired {
		t.Fatalf("me: %d %s", r.status, r.body)
	}
	if r := a.do(http.MethodGet, "/v1/auth/sessions", nil); r.status != http.StatusOK {
		t.Fatalf("sessions: %d %s", r.status, r.body)
	}
	m := e.browser("")
	m.mustSignin("member@example.org", pw)
	if r := m.do(http.MethodPost, "/v1/auth/password", PasswordRequest{Current: pw, New: "another long password 42"}); r.status != http.StatusNoContent {
		t.Fatalf("member password change: %d %s", r.status, r.body)
	}
	// Once enrolled, the admin may do the rest.
	secret := enrolTOTP(t, a)
	_ = secret
	if r := a.do(http.MethodPost, "/v1/auth/recovery-codes", PasswordConfirm{Password: pw}); r.status != http.StatusOK {
		t.Fatalf("recovery codes after enrolment: %d %s", r.status, r.body)
	}
	// The last second factor cannot be removed while the policy needs one.
	wantStatus(t, a.do(http.MethodDelete, "/v1/auth/totp", PasswordConfirm{Password: pw}), http.StatusForbidden, CodeSecondFactorRequired)
}
