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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
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

// reportedLoss makes a subscriber's RTCP receiver reports claim a fixed
// fraction of every track's packets lost (in 256ths, as RTCP counts), so
// that the loss the server measures is known: as a client on a bad
// network reports it, and as one on a perfect one.
type reportedLoss struct {
	interceptor.NoOp
	fraction uint8
}

func (l *reportedLoss) NewInterceptor(string) (interceptor.Interceptor, error) { return l, nil }

func (l *reportedLoss) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if rr, ok := p.(*rtcp.ReceiverReport); ok {
				for i := range rr.Reports {
					rr.Reports[i].FractionLost = l.fraction
				}
			}
		}
		return w.Write(pkts, a)
	})
}

// TestAdminBlocks: an attack as the administrator sees it on #admin. The
// server trusts loopback as its proxy and does not allow-list it, so the
// sign-ins the Go side sends with X-Forwarded-For come from the attacker's
// address and get it blocked; the page, open before, shows the block
// without a reload (address, level, the failure that tipped it, a time
// left counting down) and the events with their severities; a Go client
// publishing real media is listed with its address and a bitrate, and
// two Go clients receiving it with their loss and round trip, the one
// whose reports claim a quarter lost marked for it, the one that claims
// none not; the blocks, the events and the rooms in that order;
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

	// Two Go clients receiving it, their receiver reports claiming a
	// quarter of the packets lost (64/256) and none: reading the tracks
	// and their RTCP (the sender reports a receiver report's LSR names,
	// for the RTT) as a browser does.
	receive := func(identity, name string, fraction uint8) {
		tok, err := e.key.Mint(token.Options{Identity: identity, Name: name, Room: roomName, TTL: 10 * time.Minute,
			Grants: token.Grants{Subscribe: true}})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := client.Connect(ctx, e.srv.URL(), tok, client.WithTLSConfig(e.tls), client.WithLogger(slog.New(slog.DiscardHandler)),
			client.WithInterceptors(func(me *webrtc.MediaEngine, ir *interceptor.Registry) error {
				// First, so that the receiver reports the default set
				// makes pass through it.
				ir.Add(&reportedLoss{fraction: fraction})
				return webrtc.RegisterDefaultInterceptors(me, ir)
			}))
		if err != nil {
			t.Fatalf("go client %s: %v", identity, err)
		}
		t.Cleanup(func() { _ = rc.Close() })
		go func() {
			for ev := range rc.Events() {
				sub, ok := ev.(client.TrackSubscribed)
				if !ok {
					continue
				}
				go func() {
					for {
						if _, _, err := sub.Receiver.ReadRTCP(); err != nil {
							return
						}
					}
				}()
				go func() {
					buf := make([]byte, 1500)
					for {
						if _, _, err := sub.Remote.Read(buf); err != nil {
							return
						}
					}
				}()
			}
		}()
	}
	receive("go-lossy", "Go lossy", 64)
	receive("go-watcher", "Go watcher", 0)

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
	if !strings.HasPrefix(meta, "block 1 after repeated failures; the last was an unauthorized POST /v1/auth/signin (") {
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
	if meta, _ := acct["meta"].(string); !strings.HasPrefix(meta, fmt.Sprintf("%d addresses failed to sign in to it; the last was a failed sign-in ·", adminBlockSpread)) {
		t.Errorf("the throttled account's facts: %q", meta)
	}

	// The guard's events as sentences, about the address or the
	// account, never the block's internal id.
	events, _ := r["events"].([]any)
	var failed, blocked, throttled int
	for _, ev := range events {
		s, _ := ev.(string)
		if strings.HasPrefix(s, "NOTICE · signin failed") && strings.Contains(s, "from "+attacker) {
			failed++
		}
		if strings.HasPrefix(s, "HIGH · Address "+attacker+" blocked for 10 min after repeated failures; the last was an unauthorized POST /v1/auth/signin (") {
			blocked++
		}
		if strings.HasPrefix(s, "HIGH · Account "+target.Email+" throttled for ") &&
			strings.HasSuffix(s, fmt.Sprintf(": %d addresses failed to sign in to it; the last was a failed sign-in", adminBlockSpread)) {
			throttled++
		}
		if strings.Contains(s, "BA_") || strings.Contains(s, "signin_failed") {
			t.Errorf("an event shows an internal id or kind: %q", s)
		}
	}
	if failed < adminBlockFailures || blocked != 1 || throttled != 1 {
		t.Errorf("events shown: %d sign-in failures and %d blocks from %s, %d throttles of %s, want %d, 1 and 1: %v",
			failed, blocked, attacker, throttled, target.Email, adminBlockFailures, events)
	}
	unblocked, _ := r["unblockEvents"].([]any)
	var liftedAddr, liftedAcct bool
	for _, ev := range unblocked {
		s, _ := ev.(string)
		// The admin's own address apart from the one lifted.
		liftedAddr = liftedAddr || s == fmt.Sprintf("NOTICE · Address %s unblocked by %s (from 127.0.0.1)", attacker, adm.ID)
		liftedAcct = liftedAcct || s == fmt.Sprintf("NOTICE · Account %s unblocked by %s (from 127.0.0.1)", target.Email, adm.ID)
	}
	if !liftedAddr || !liftedAcct {
		t.Errorf("the unblocks among the events: address %v, account %v: %v", liftedAddr, liftedAcct, unblocked)
	}

	// What an attack reads top to bottom.
	order, _ := r["order"].([]any)
	at := map[string]int{}
	for i, id := range order {
		s, _ := id.(string)
		at[s] = i
	}
	if b, ok := at["admin-blocks"]; !ok || at["admin-events"] != b+1 || at["admin-rooms"] != b+2 {
		t.Errorf("the sections in order %v: want the blocks, the events, the rooms, one after the other", order)
	}

	people, _ := r["people"].(map[string]any)
	if len(people) != 3 {
		t.Fatalf("participants shown: %v", people)
	}
	shown := func(identity string) (name, meta string, marked bool) {
		p, _ := people[identity].(map[string]any)
		name, _ = p["name"].(string)
		meta, _ = p["meta"].(string)
		marked, _ = p["marked"].(bool)
		return
	}
	if _, p, marked := shown("go-publisher"); !strings.Contains(p, "from 127.0.0.1") || !regexp.MustCompile(`2 tracks · sending [1-9][0-9.]* (kbit|Mbit)/s · joined`).MatchString(p) || marked {
		t.Errorf("the publisher as shown: %q (marked %v), want its address, its 2 tracks and a bitrate, and no loss or RTT: it receives nothing", p, marked)
	}
	rtt := regexp.MustCompile(` · RTT [0-9]+ ms · joined`)
	if name, p, marked := shown("go-lossy"); !marked || !strings.Contains(name, "High loss: 25 %") || !strings.Contains(p, " · loss 25 %") || !rtt.MatchString(p) {
		t.Errorf("the receiver reporting a quarter lost as shown: %q, %q (marked %v), want loss 25 %%, an RTT and the mark", name, p, marked)
	}
	if name, p, marked := shown("go-watcher"); marked || strings.Contains(name, "High loss") || !strings.Contains(p, " · loss 0 %") || !rtt.MatchString(p) {
		t.Errorf("the receiver reporting nothing lost as shown: %q, %q (marked %v), want loss 0 %%, an RTT and no mark", name, p, marked)
	}

	if got, _ := r["afterUnblock"].(map[string]any)["status"].(float64); got != http.StatusOK {
		t.Errorf("a sign-in from %s after Unblock: %v", attacker, r["afterUnblock"])
	}
	if got, _ := r["targetAfterUnblock"].(map[string]any)["status"].(float64); got != http.StatusOK {
		t.Errorf("the throttled account's owner signing in after Unblock: %v", r["targetAfterUnblock"])
	}
	if ids, _ := r["afterRemove"].(map[string]any)["identities"].([]any); len(ids) != 2 || slices.Contains(ids, any("go-publisher")) {
		t.Errorf("after Remove the rooms hold %v, want the two receivers", ids)
	}

	if r["memberNav"] != false {
		t.Error("a member's header shows the administration link")
	}
	sees, _ := r["memberSees"].(map[string]any)
	if sees["blocks"] != false || sees["rooms"] != false || sees["events"] != false {
		t.Errorf("a member's #admin shows admin sections: %v", sees)
	}
}
