package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/token"
)

// TestRoomCommands drives `conclave room …` against a real server, with the
// credentials `serve --dev` writes, exactly as the README's tour does.
func TestRoomCommands(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	srv, data, key := startDevServer(ctx, t, "")

	room := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runRoom(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	mustRoom := func(want string, args ...string) string {
		t.Helper()
		out, err := room(args...)
		if err != nil {
			t.Fatalf("room %v: %v\n%s", args, err, out)
		}
		if !strings.Contains(out, want) {
			t.Fatalf("room %v printed:\n%s\nwant it to contain %q", args, out, want)
		}
		return out
	}

	mustRoom("max participants  10", "create", "standup", "--max-participants", "10", "--empty-timeout", "10m")
	mustRoom("standup", "list")
	mustRoom("e2ee              required", "create", "sealed", "--e2ee", "required")
	mustRoom("e2ee              off", "get", "standup")
	mustRoom("empty timeout     10m0s", "get", "standup")

	// Someone joins; the CLI sees them, mutes their track, removes them.
	tok, err := key.Mint(token.Options{Identity: "alice", Name: "Alice", Room: "standup", TTL: time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Connect(ctx, srv.URL(), tok, client.WithTLSConfig(cliTLS(t, data)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustRoom("alice", "participants", "standup")
	if out, err := room("mute", "standup", "alice", "TR_NOSUCHTRACK"); err == nil || !strings.Contains(err.Error(), "track_not_found") {
		t.Errorf("mute of an unknown track: %v\n%s", err, out)
	}
	mustRoom("alice removed from room standup", "remove", "standup", "alice")
	testkit.Receive(t, c.Done(), "the removed client to be disconnected")

	// The access controls: a room made with a password, a lobby, a
	// maximum duration and invite-only; its password changed and
	// cleared; locked and unlocked; a ban; the meeting ended.
	roomStdin = strings.NewReader("correct horse battery\n")
	t.Cleanup(func() { roomStdin = os.Stdin })
	out := mustRoom("password          yes", "create", "guarded", "--password-stdin", "--lobby", "on", "--max-duration", "2h", "--invite-only")
	for _, want := range []string{"lobby             on (0 waiting)", "invite only       yes", "max duration      2h0m0s", "locked            no"} {
		if !strings.Contains(out, want) {
			t.Errorf("room create printed:\n%s\nwant %q", out, want)
		}
	}
	if strings.Contains(out, "correct horse") {
		t.Error("the CLI printed the room password")
	}
	mustRoom("room guarded has no password", "password", "guarded", "--clear")
	roomStdin = strings.NewReader("another good one\n")
	mustRoom("room guarded has a password", "password", "guarded", "--password-stdin")
	mustRoom("room guarded is locked", "lock", "guarded")
	mustRoom("locked            yes", "get", "guarded")
	mustRoom("room guarded is unlocked", "lock", "guarded", "--unlock")
	mustRoom("mallory banned from room guarded until", "ban", "guarded", "mallory", "--duration", "1h", "--reason", "spam")
	if out, err := room("ban", "guarded", "mallory", "--duration", "1h", "--revoke-invite"); err == nil || !strings.Contains(err.Error(), "no_invite") {
		t.Errorf("ban with --revoke-invite of an identity without an invite: %v\n%s", err, out)
	}
	mustRoom("the meeting in room guarded ended", "end", "guarded")
	if out, err := room("get", "guarded"); err == nil || !strings.Contains(err.Error(), "room_not_found") {
		t.Errorf("get after end: %v\n%s", err, out)
	}

	mustRoom("room standup deleted", "delete", "standup")
	out, err = room("get", "standup")
	var apiErr *apiError
	if !errors.As(err, &apiErr) || apiErr.Code != "room_not_found" || apiErr.Status != 404 {
		t.Errorf("get after delete: %v\n%s", err, out)
	}

	if _, err := room("get", "standup", "--no-such-flag"); err == nil || !strings.Contains(err.Error(), "no-such-flag") {
		t.Errorf("an unknown flag: %v", err)
	}
	// Usage mistakes are usage errors (exit status 2), not calls.
	for _, args := range [][]string{{}, {"frobnicate"}, {"create"}, {"remove", "standup"}, {"password", "standup"}, {"password", "standup", "--clear", "--password-stdin"}, {"ban", "standup"}} {
		var u usageError
		if _, err := room(args...); !errors.As(err, &u) {
			t.Errorf("room %v: %v, want a usage error", args, err)
		}
	}
}

// cliTLS trusts the data directory's self-signed certificate, as the CLI does.
func cliTLS(t *testing.T, data string) *tls.Config {
	t.Helper()
	c, err := newAPIClient("https://127.0.0.1:1", data, token.Key{})
	if err != nil {
		t.Fatal(err)
	}
	return c.http.Transport.(*http.Transport).TLSClientConfig
}

// TestLoadtestCommand runs a small `conclave loadtest` against a real
// server: every subscriber gets the publisher's media with no loss, the
// decrypting subscribers time a whole key frame, and the report carries the
// server's own figures.
func TestLoadtestCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	srv, data, _ := startDevServer(ctx, t, "127.0.0.1:0")

	var out, errOut bytes.Buffer
	err := runLoadtest(ctx, []string{
		"--data", data, "--rooms", "1", "--publishers", "1", "--subscribers", "3", "--decrypting", "2",
		"--duration", "3s", "--ramp", "500ms", "--metrics-url", srv.AdminURL() + "/metrics",
		"--media", "../../testdata/media",
	}, &out, &errOut)
	if err != nil {
		t.Fatalf("loadtest: %v\n%s%s", err, out.String(), errOut.String())
	}
	report := out.String()
	for _, want := range []string{
		"1 publishers, 3 subscribers connected; 0 failed, 0 disconnected",
		"loss                0.000 %",
		"µs per forwarded packet",
		"KiB per subscriber",
		"load tester CPU",
		// The publisher sends the clip, a key frame a second, and the
		// run lasts longer than that.
		"(connect -> first complete VP8 key frame, decrypted; 2 of 2 decrypting subscribers)",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "received            0 packets/s") {
		t.Errorf("nothing received:\n%s", report)
	}
}

// startDevServer runs a server as `serve --dev` does (testserver.Start),
// with the dev credentials serve writes in its data directory. adminAddr ""
// disables the admin listener. The server stops when the test ends.
func startDevServer(ctx context.Context, t *testing.T, adminAddr string) (*server.Server, string, token.Key) {
	t.Helper()
	s := testserver.Start(t, func(c *config.Config) { c.AdminAddr = adminAddr })
	key, err := printDevKey(ctx, s.Srv.Store(), s.Config.DataDir, s.Srv.URL(), new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	return s.Srv, s.Config.DataDir, key
}
