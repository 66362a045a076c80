package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// attacker is the address the forwarded sign-ins come from.
const attacker = "203.0.113.7"

// adminBlockFailures is guard.failures in TestAdminBlocks: fewer than
// the sign-in throttle's free failures per address and the auth bucket's
// burst, so that nothing but the block refuses the attacker.
const adminBlockFailures = 5

// adminBlockSpread is guard.account_addresses in TestAdminBlocks: this
// many addresses failing on one account throttle it.
const adminBlockSpread = 3

// TestAdminBlocks: an attack as the administrator sees it on #admin. The
// server trusts loopback as its proxy and does not allow-list it, so the
// sign-ins the Go side sends with X-Forwarded-For come from the attacker's
// address and get it blocked; the page, open before, shows the block
// without a reload (address, level, the failure that tipped it, a time
// left counting down) and the events with their severities; a Go client
// publishing real media is listed with its address and a bitrate;
// the account failed on from several addresses shown throttled;
// "Unblock" lets the address sign in again, and then the account's
// owner, both checked over HTTP; "Remove"
// takes the publisher out; a member's #admin shows none of it.
func TestAdminBlocks(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Accounts.RequireSecondFactor = "none"
		c.HTTP.TrustedProxies = []string{"127.0.0.0/8", "::1"}
		c.Guard.Allow = nil
		c.Guard.Failures = adminBlockFailures
		c.Guard.BlockSteps = []string{"10m"}
		c.Guard.AccountAddresses = adminBlockSpread
	})
	adm := e.newAccount("ada@example.org", "Ada Admin", store.RoleAdmin)
	mem := e.newAccount("mia@example.org", "Mia Member", store.RoleMember)
	target := e.newAccount("tom@example.org", "Tom Target", store.RoleMember)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const roomName = "attacked"

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.tls}}
	signinFrom := func(ip, email, password string) (int, string) {
		req, err := http.NewRequest("POST", e.srv.URL()+"/v1/auth/signin", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
		if err != nil {
			return 0, err.Error()
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var body struct{ Error struct{ Code string } }
		_ = json.Unmarshal(b, &body)
		return resp.StatusCode, body.Error.Code
	}

	// A Go client publishing real VP8 and Opus, from loopback.
	tok, err := e.key.Mint(token.Options{Identity: "go-publisher", Name: "Go publisher", Room: roomName, TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Connect(ctx, e.srv.URL(), tok, client.WithTLSConfig(e.tls), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("go client: %v", err)
	}
	defer c.Close()
	video, err := media.OpenIVF(filepath.Join(repoRoot, "testdata", "media", "video.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	audio, err := media.OpenOgg(filepath.Join(repoRoot, "testdata", "media", "audio.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	publish := func(clip *media.Clip, cap webrtc.RTPCodecCapability, id string, source client.TrackSource) {
		tr, err := webrtc.NewTrackLocalStaticSample(cap, id, "go-publisher")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, tr, source); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
		go func() { _ = clip.Play(ctx, tr) }() // loops until ctx ends
	}
	publish(video, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "go-video", client.SourceCamera)
	publish(audio, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "go-audio", client.SourceMicrophone)

	steps := map[string]stepFunc{
		// Failed sign-ins from the attacker, each to another unknown
		// email (no account's own throttle), until the address is
		// blocked: the next try is refused address_blocked.
		"attack": func(json.RawMessage) (any, error) {
			var codes []string
			for i := range adminBlockFailures {
				status, code := signinFrom(attacker, fmt.Sprintf("guess%d@example.org", i), "wrong password")
				if status != http.StatusUnauthorized {
					return nil, fmt.Errorf("failure %d from %s: %d %s, want 401", i+1, attacker, status, code)
				}
				codes = append(codes, code)
			}
			status, code := signinFrom(attacker, mem.Email, mem.Password)
			if status != http.StatusTooManyRequests || code != "address_blocked" {
				return nil, fmt.Errorf("after %d failures, a right password from %s: %d %s, want 429 address_blocked", adminBlockFailures, attacker, status, code)
			}
			return map[string]any{"failures": codes, "then": code}, nil
		},
		// One wrong password on the target's account from each of
		// adminBlockSpread addresses: the account is throttled.
		"distributed": func(json.RawMessage) (any, error) {
			for i := range adminBlockSpread {
				ip := fmt.Sprintf("198.51.100.%d", 10+i)
				if status, code := signinFrom(ip, target.Email, "wrong password"); status != http.StatusUnauthorized {
					return nil, fmt.Errorf("a failure from %s: %d %s, want 401", ip, status, code)
				}
			}
			return nil, nil
		},
		"target-signin": func(json.RawMessage) (any, error) {
			status, code := signinFrom("198.51.100.99", target.Email, target.Password)
			return map[string]any{"status": status, "code": code}, nil
		},
		"signin-again": func(json.RawMessage) (any, error) {
			status, code := signinFrom(attacker, mem.Email, mem.Password)
			return map[string]any{"status": status, "code": code}, nil
		},
		"participants": func(json.RawMessage) (any, error) {
			var ids []string
			for _, info := range e.srv.Rooms().List("") {
				ps, err := e.srv.Rooms().Participants(info.Name, info.Owner)
				if err != nil {
					continue
				}
				for _, p := range ps {
					ids = append(ids, string(p.Identity))
				}
			}
			return map[string]any{"identities": ids}, nil
		},
	}
	env := adm.env()
	env["CONCLAVE_MEMBER_EMAIL"], env["CONCLAVE_MEMBER_PASSWORD"], env["CONCLAVE_MEMBER_NAME"] = mem.Email, mem.Password, mem.DisplayName
	r := e.scenario("admin_blocks", roomName, env, steps)

	block, _ := r["block"].(map[string]any)
	name, _ := block["name"].(string)
	meta, _ := block["meta"].(string)
	left, _ := block["left"].(string)
	later, _ := block["leftLater"].(string)
	if !strings.HasPrefix(name, "Address "+attacker) {
		t.Errorf("the block's subject: %q", name)
	}
	if !strings.Contains(meta, "block 1 ") || !strings.Contains(meta, "unauthorized") || !strings.Contains(meta, "/v1/auth/signin") {
		t.Errorf("the block's level and reason: %q", meta)
	}
	// A 10 min block, seen a little after it began (a busy machine may
	// take minutes).
	leftRE := regexp.MustCompile(`^([5-9] min( [0-9]+ s)?|10 min) left$`)
	if !leftRE.MatchString(left) || !leftRE.MatchString(later) || left == later {
		t.Errorf("time left %q, then %q: want about 10 min, counting down", left, later)
	}
	if block["reloaded"] != false {
		t.Error("the page was reloaded to show the block")
	}
	acct, _ := r["account"].(map[string]any)
	if name, _ := acct["name"].(string); !strings.HasPrefix(name, "Account "+target.Email) {
		t.Errorf("the throttled account's subject: %q", name)
	}
	if meta, _ := acct["meta"].(string); !strings.HasPrefix(meta, fmt.Sprintf("%d addresses failed to sign in to it", adminBlockSpread)) {
		t.Errorf("the throttled account's facts: %q", meta)
	}

	events, _ := r["events"].([]any)
	var failed, blocked int
	for _, ev := range events {
		s, _ := ev.(string)
		if strings.HasPrefix(s, "NOTICE · signin failed") && strings.Contains(s, "from "+attacker) {
			failed++
		}
		if strings.HasPrefix(s, "HIGH · address blocked") && strings.Contains(s, "from "+attacker) {
			blocked++
		}
	}
	if failed < adminBlockFailures || blocked != 1 {
		t.Errorf("events shown: %d sign-in failures and %d blocks from %s, want %d and 1: %v", failed, blocked, attacker, adminBlockFailures, events)
	}
	throttled := false
	for _, ev := range events {
		if s, _ := ev.(string); strings.HasPrefix(s, "HIGH · account throttled") {
			throttled = true
		}
	}
	if !throttled {
		t.Errorf("the account throttled is not among the events shown: %v", events)
	}

	people, _ := r["people"].([]any)
	if len(people) != 1 {
		t.Fatalf("participants shown: %v", people)
	}
	p, _ := people[0].(string)
	if !strings.Contains(p, "from 127.0.0.1") || !regexp.MustCompile(`2 tracks · sending [1-9][0-9.]* (kbit|Mbit)/s`).MatchString(p) {
		t.Errorf("the publisher as shown: %q, want its address, its 2 tracks and a bitrate", p)
	}

	if got, _ := r["afterUnblock"].(map[string]any)["status"].(float64); got != http.StatusOK {
		t.Errorf("a sign-in from %s after Unblock: %v", attacker, r["afterUnblock"])
	}
	if got, _ := r["targetAfterUnblock"].(map[string]any)["status"].(float64); got != http.StatusOK {
		t.Errorf("the throttled account's owner signing in after Unblock: %v", r["targetAfterUnblock"])
	}
	if ids, _ := r["afterRemove"].(map[string]any)["identities"].([]any); len(ids) != 0 {
		t.Errorf("after Remove the rooms hold %v", ids)
	}

	if r["memberNav"] != false {
		t.Error("a member's header shows the administration link")
	}
	sees, _ := r["memberSees"].(map[string]any)
	if sees["blocks"] != false || sees["rooms"] != false || sees["events"] != false {
		t.Errorf("a member's #admin shows admin sections: %v", sees)
	}
}
