package server

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/store/storetest"
	"github.com/conclave-video/conclave/protocol"
)

// TestAccountWritesOnAFullDisk: with the data directory full, signing in
// (right password or wrong), changing the password and signing out are
// refused 503 unavailable with Retry-After, never 500, and change
// nothing: once space is freed, the old password and the session still
// work. (On a database capped in place of a full file system, a write
// that fits in a page already there may still succeed; such a write must
// then be a 2xx, never a 500.)
func TestAccountWritesOnAFullDisk(t *testing.T) {
	disk := storetest.NewFullDisk(t)
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", disk.Dir
	s, _ := runServer(t, cfg, nil, disk.Options)
	ctx := context.Background()

	const email, password = "pat@example.org", "correct horse battery staple 42"
	h, err := auth.NewHasher(auth.DefaultArgon2Params(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateUser(ctx, s.Store(), h, auth.NewUser{Email: email, DisplayName: "Pat", Role: store.RoleMember, Password: password}, time.Now()); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback, own cert
	post := func(path, body string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", s.URL())
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	signin := func(pw string) (int, string, http.Header) {
		return post("/v1/auth/signin", `{"email":"`+email+`","password":"`+pw+`"}`)
	}
	if status, body, _ := signin(password); status != http.StatusOK {
		t.Fatalf("sign-in before the disk fills: %d %s", status, body)
	}
	disk.Fill(s.Store())

	refused := func(what string, status int, body string, hdr http.Header, ok int) {
		t.Helper()
		switch {
		case status == http.StatusServiceUnavailable:
			if !strings.Contains(body, `"`+protocol.CodeUnavailable+`"`) || hdr.Get("Retry-After") == "" {
				t.Errorf("%s on a full disk: %d %s %v, want unavailable with Retry-After", what, status, body, hdr)
			}
		case status == ok && !disk.Mounted:
			// Fitted in the capped database's free space.
		default:
			t.Errorf("%s on a full disk: %d %s, want 503 unavailable", what, status, body)
		}
	}
	status, body, hdr := signin("wrong password, wrong")
	refused("a wrong sign-in", status, body, hdr, http.StatusUnauthorized)
	status, body, hdr = post("/v1/auth/password", `{"current":"`+password+`","new":"another horse battery staple 43"}`)
	changed := status == http.StatusNoContent || status == http.StatusOK
	refused("a password change", status, body, hdr, status)
	status, body, hdr = post("/v1/auth/signout", `{}`)
	signedOut := status == http.StatusNoContent || status == http.StatusOK
	refused("a sign-out", status, body, hdr, status)
	status, body, hdr = signin(password)
	refused("a right sign-in", status, body, hdr, http.StatusOK)

	disk.Free(s.Store())
	if disk.Mounted && (changed || signedOut) {
		t.Fatalf("a write was acknowledged on a full file system: password change %t, sign-out %t", changed, signedOut)
	}
	if !changed {
		if status, body, _ := signin(password); status != http.StatusOK {
			t.Fatalf("the old password after the refused change: %d %s", status, body)
		}
	}
}
