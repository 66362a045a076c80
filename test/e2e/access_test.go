package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/config"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// appText reads a sentence of the app's text.ts by its key (in one of its
// tables), so that a scenario's page text is compared with what the app
// means to say, not with a copy of it.
func appText(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "web", "app", "src", "text.ts"))
	if err != nil {
		t.Fatal(err)
	}
	// The first table that has the key: the leave reasons come first.
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(key) + `: '((?:[^'\\]|\\.)*)',`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("text.ts has no sentence for %s", key)
	}
	return string(m[1])
}

// moderationText is a sentence of text.ts's moderation table.
func moderationText(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "web", "app", "src", "text.ts"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "const MODERATION_ERRORS")
	if !ok {
		t.Fatal("text.ts has no MODERATION_ERRORS")
	}
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(key) + `: '((?:[^'\\]|\\.)*)',`).FindStringSubmatch(table)
	if m == nil {
		t.Fatalf("text.ts's MODERATION_ERRORS has no sentence for %s", key)
	}
	return m[1]
}

// roomSteps are the scenario steps that read the server's side of a
// room: its state, the roles of its participants and its bans.
func (e *env) roomSteps() map[string]stepFunc {
	var mu sync.Mutex
	owners := map[string]roompkg.KeyID{}
	type roomReq struct {
		Room string `json:"room"`
	}
	read := func(data json.RawMessage) (string, error) {
		var r roomReq
		if err := json.Unmarshal(data, &r); err != nil || r.Room == "" {
			return "", fmt.Errorf("bad step data %s", data)
		}
		return r.Room, nil
	}
	owner := func(name string) (roompkg.KeyID, error) {
		mu.Lock()
		defer mu.Unlock()
		if o, ok := owners[name]; ok {
			return o, nil
		}
		info, err := e.srv.Rooms().Get(roompkg.RoomName(name))
		if err != nil {
			return "", err
		}
		owners[name] = info.Owner
		return info.Owner, nil
	}
	return map[string]stepFunc{
		"server-room": func(data json.RawMessage) (any, error) {
			name, err := read(data)
			if err != nil {
				return nil, err
			}
			if _, err := owner(name); err != nil {
				return map[string]any{"exists": false}, nil
			}
			info, err := e.srv.Rooms().Get(roompkg.RoomName(name))
			if err != nil {
				return map[string]any{"exists": false}, nil
			}
			return map[string]any{"exists": true, "locked": info.Locked, "participants": info.NumParticipants, "password": info.Password, "lobby": info.Lobby}, nil
		},
		"server-roles": func(data json.RawMessage) (any, error) {
			name, err := read(data)
			if err != nil {
				return nil, err
			}
			o, err := owner(name)
			if err != nil {
				return nil, err
			}
			ps, err := e.srv.Rooms().Participants(roompkg.RoomName(name), o)
			if err != nil {
				return nil, err
			}
			roles := map[string]string{}
			for _, p := range ps {
				roles[string(p.Identity)] = string(p.Role)
			}
			return roles, nil
		},
		"server-bans": func(data json.RawMessage) (any, error) {
			name, err := read(data)
			if err != nil {
				return nil, err
			}
			o, err := owner(name)
			if err != nil {
				return nil, err
			}
			bans, err := e.srv.Rooms().Bans(o, roompkg.RoomName(name))
			if err != nil {
				return nil, err
			}
			out := []map[string]any{}
			for _, b := range bans {
				out = append(out, map[string]any{"identity": string(b.Identity), "until": b.Until != nil, "by": b.By})
			}
			return out, nil
		},
	}
}

// TestAccessHostControls: the host controls of the meeting app, with a
// signed-in member as host and guests who came with its invite link. The
// host sees the meeting controls and a guest none (its attempt anyway is
// refused in words); a guest made moderator gets "Invite people" only and
// is refused on the rank rule in words; a host's mute locks the guest's
// microphone; the lock shows on every page and refuses a newcomer with a
// valid link until unlocked; a removed and banned guest's page says so,
// and its Rejoin and a reload are refused; ending the meeting ends it for
// all.
func TestAccessHostControls(t *testing.T) {
	e := newEnv(t)
	acct := e.newAccount("lee@example.org", "Lee Host", store.RoleMember)
	r := e.scenario("access_host", room("access"), acct.env(), e.roomSteps())
	str := func(k string) string { s, _ := r[k].(string); return s }
	seen := func(k string) map[string]any { m, _ := r[k].(map[string]any); return m }

	if !regexp.MustCompile(`^https://(localhost|127\.0\.0\.1):\d+/#join=cmi1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`).MatchString(str("link")) {
		t.Errorf("the invite link %q is not <origin>/#join=cmi1.…", str("link"))
	}
	if u := str("urlAfterOpen"); !strings.HasSuffix(u, "/#join") {
		t.Errorf("after opening the link the address is %q: the invite token must leave it", u)
	}
	if !strings.HasPrefix(str("summary"), "For up to 3 people, as participants, until ") {
		t.Errorf("the link's summary: %q", str("summary"))
	}
	for _, k := range []string{"hostAlone", "hostSees"} {
		s := seen(k)
		if s["panel"] != true || s["lock"] != true || s["end"] != true || s["invite"] != true {
			t.Errorf("%s: the host does not see every meeting control: %v", k, s)
		}
	}
	if n := num(t, r, "hostSees.rowActions"); n != 1 {
		t.Errorf("the host sees %v participants' actions, want 1 (the guest's)", n)
	}
	if s := seen("samSees"); s["panel"] != false || s["lock"] != false || s["end"] != false || s["invite"] != false || s["rowActions"] != 0.0 {
		t.Errorf("a participant sees host controls: %v", s)
	}
	if got, want := str("refusedParticipant"), moderationText(t, "role_denied"); got != want {
		t.Errorf("a participant's removal of the host: the page said %q, want %q", got, want)
	}
	if !strings.HasSuffix(str("madeModerator"), "made you a moderator.") {
		t.Errorf("the new moderator was told %q", str("madeModerator"))
	}
	if s := seen("moderatorSees"); s["invite"] != true || s["lock"] != false || s["end"] != false || s["rowActions"] != 0.0 {
		t.Errorf("a moderator sees %v, want Invite people only (nothing over the host)", s)
	}
	if got, want := str("refusedModerator"), moderationText(t, "role_rank"); got != want {
		t.Errorf("a moderator's removal of the host: the page said %q, want %q", got, want)
	}
	sam := str("samIdentity")
	if roles := seen("rolesOnServer"); roles[sam] != "participant" {
		t.Errorf("roles on the server after the demotion: %v", roles)
	}
	if !strings.Contains(str("lockNotice"), "locked the meeting") || seen("locked")["locked"] != true || seen("unlocked")["locked"] != false {
		t.Errorf("lock: notice %q, server %v then %v", str("lockNotice"), r["locked"], r["unlocked"])
	}
	if got, want := str("lockedOut"), appText(t, "meeting_locked"); got != want {
		t.Errorf("a newcomer to the locked meeting was told %q, want %q", got, want)
	}
	if got, want := str("removed"), appText(t, "removed"); got != want {
		t.Errorf("the removed guest's page said %q, want %q", got, want)
	}
	if !strings.HasSuffix(str("removedNotice"), "was removed from the meeting.") {
		t.Errorf("the others were told %q", str("removedNotice"))
	}
	bans, _ := r["bans"].([]any)
	if len(bans) != 1 || bans[0].(map[string]any)["identity"] != sam || bans[0].(map[string]any)["until"] != true {
		t.Errorf("bans on the server: %v, want a timed ban of %s", bans, sam)
	}
	refusal := appText(t, "token_revoked")
	if str("rejoin") != refusal || str("reloaded") != refusal {
		t.Errorf("the banned guest's Rejoin said %q and its join after a reload %q, want %q", str("rejoin"), str("reloaded"), refusal)
	}
	if !strings.HasSuffix(str("reloadUrl"), "/#join") {
		t.Errorf("the guest's address during the meeting: %q", str("reloadUrl"))
	}
	if got, want := str("ended"), appText(t, "meeting_ended"); got != want {
		t.Errorf("after End for all the guest's page said %q, want %q", got, want)
	}
	if seen("afterEnd")["exists"] != false {
		t.Errorf("the room after End for all: %v", r["afterEnd"])
	}
}

// TestAccessPolicyAdmin: the security policy on the admin page. An
// administrator sees the defaults in force; a document with an unknown key
// is refused with its line, marked and selected in the editor, and nothing
// is stored; a valid one is stored as version 1 and in force; a change
// based on a version replaced meanwhile is refused as a conflict, and the
// newest version can be loaded.
func TestAccessPolicyAdmin(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Accounts.RequireSecondFactor = "none" })
	adm := e.newAccount("ada@example.org", "Ada Admin", store.RoleAdmin)
	ctx := context.Background()
	steps := map[string]stepFunc{
		"policy-stored": func(json.RawMessage) (any, error) {
			v, err := e.srv.Store().LatestPolicyVersion(ctx)
			if errors.Is(err, store.ErrNotFound) {
				return map[string]any{"version": 0}, nil
			}
			if err != nil {
				return nil, err
			}
			return map[string]any{"version": v.Version, "yaml": v.YAML, "author": v.Author}, nil
		},
		"policy-behind": func(data json.RawMessage) (any, error) {
			var req struct {
				YAML string `json:"yaml"`
			}
			if err := json.Unmarshal(data, &req); err != nil {
				return nil, err
			}
			v, err := e.srv.Store().AddPolicyVersion(ctx, 1, store.PolicyVersion{YAML: req.YAML, Author: "operator:e2e", CreatedAt: time.Now()})
			if err != nil {
				return nil, err
			}
			return map[string]any{"version": v.Version}, nil
		},
	}
	r := e.scenario("access_policy", room("policy"), adm.env(), steps)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	part := func(k string) map[string]any { m, _ := r[k].(map[string]any); return m }

	before := part("before")
	if before["source"] != "defaults" || num(t, before, "version") != 0 || !strings.Contains(str(before, "yaml"), "require_e2ee:") {
		t.Errorf("before any version: %v", before)
	}
	inv := part("invalid")
	if !strings.HasPrefix(str(inv, "text"), "Line 2: screen_sharing: unknown key") || !strings.HasSuffix(str(inv, "text"), "Nothing was changed: the policy in force stays.") || inv["role"] != "alert" {
		t.Errorf("the refusal said %q (role %v)", str(inv, "text"), inv["role"])
	}
	if num(t, inv, "line") != 2 || inv["ariaInvalid"] != "true" || inv["selected"] != "screen_sharing: false" || inv["focused"] != true {
		t.Errorf("the editor after the refusal: %v", inv)
	}
	if marked, _ := inv["marked"].([]any); len(marked) != 1 || marked[0] != "2" {
		t.Errorf("line numbers marked: %v, want [2]", inv["marked"])
	}
	if num(t, part("afterInvalid"), "version") != 0 {
		t.Errorf("a refused document was stored: %v", r["afterInvalid"])
	}
	applied, stored := part("applied"), part("stored")
	if num(t, stored, "version") != 1 || str(stored, "yaml") != str(r, "valid") || str(stored, "author") != adm.ID {
		t.Errorf("stored after Apply: %v, want version 1 by %s", stored, adm.ID)
	}
	if applied["source"] != "stored" || !strings.HasPrefix(str(applied, "text"), "Version 1, applied ") || !strings.HasSuffix(str(applied, "text"), " by you.") || str(applied, "status") != "Version 1 is in force." {
		t.Errorf("the page after Apply: %v", applied)
	}
	if got, want := str(r, "conflict"), appText(t, "policy_conflict")+" Loading it replaces your text: copy what you need first."; got != want {
		t.Errorf("the conflict said %q, want %q", got, want)
	}
	if rl := part("reloaded"); num(t, rl, "version") != 2 || str(rl, "yaml") != str(r, "theirs") || !strings.Contains(str(rl, "text"), "by operator:e2e") {
		t.Errorf("after loading the newest version: %v", rl)
	}
}

// TestAccessGuest: the guest page of invite links. An expired, a revoked
// and a tampered link are refused in words; a link for one email domain
// asks for an email and takes only that domain's; its guest joins and
// media flows both ways; a removed guest of a single-use link cannot
// return, neither with the link again in its tab (its guest token is
// refused) nor in a new tab (the link is used up).
func TestAccessGuest(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Guard.InviteRate = inviteRushRate })
	acct := e.newAccount("lee@example.org", "Lee Host", store.RoleMember)
	steps := e.roomSteps()
	steps["expired-invite"] = func(data json.RawMessage) (any, error) {
		// Stored an hour ago for ten minutes.
		tok, err := e.storedInvite(data, "MI_EXPIREDAAAAAAAAAAAAAAAAAAA", 5, time.Now().Add(-time.Hour), 10*time.Minute)
		if err != nil {
			return nil, err
		}
		return map[string]string{"link": e.baseURL + "/#join=" + tok}, nil
	}
	drain := e.inviteDrainSteps(steps)
	r := e.scenario("access_guest", room("guest"), acct.env(), steps)
	part := func(k string) map[string]any { m, _ := r[k].(map[string]any); return m }
	str := func(k string) string { s, _ := r[k].(string); return strings.TrimSpace(s) }

	for k, code := range map[string]string{"expired": "invite_expired", "revoked": "invite_revoked", "tampered": "invite_link_invalid", "noEmail": "invite_email_domain", "usedUp": "invite_used_up"} {
		p := part(k)
		if p["code"] != code || p["text"] != appText(t, code) || p["role"] != "alert" {
			t.Errorf("%s: the guest page said %v, want %s: %q, as an alert", k, p, code, appText(t, code))
		}
	}
	if r["emailShown"] != true || str("otherDomain") != appText(t, "invite_email_domain") {
		t.Errorf("the domain invite: email field shown %v; another domain's email: %q", r["emailShown"], str("otherDomain"))
	}
	if num(t, r, "toHost") <= 0 || num(t, r, "toGuest") <= 0 {
		t.Errorf("video decoded: host from guest %v, guest from host %v", r["toHost"], r["toGuest"])
	}
	if str("removed") != appText(t, "removed") || !strings.HasSuffix(str("removedNotice"), "was removed from the meeting.") {
		t.Errorf("removal: the guest saw %q, the others %q", str("removed"), str("removedNotice"))
	}
	if str("kept") != "You opened this invite in this tab as Pat Guest." || str("reopened") != appText(t, "token_revoked") {
		t.Errorf("the link reopened in the removed guest's tab: %q, then %q", str("kept"), str("reopened"))
	}
	// The rush: the invite drained to 429 by the Go side; the page waited
	// by itself and got in without a second click.
	rush := part("rush")
	if rush == nil {
		t.Fatalf("no rush in the result")
	}
	if d := drain(); d.limited == 0 || d.redeemed < inviteRushBurst {
		t.Errorf("the drain: %d redeemed, %d refused rate_limited (want the burst of %d, then refusals)", d.redeemed, d.limited, inviteRushBurst)
	}
	if txt, _ := rush["text"].(string); !regexp.MustCompile(`^Many people are joining this meeting right now\. Trying again in \d+ seconds?…$`).MatchString(txt) {
		t.Errorf("the countdown said %q", txt)
	}
	if rush["live"] != "polite" || rush["role"] != "status" || rush["disabled"] != true || rush["error"] != "" {
		t.Errorf("the countdown's line: %v (want a polite status, the button disabled, no error)", rush)
	}
	if n, _ := rush["requests"].(float64); n < 2 || rush["clicks"] != float64(1) {
		t.Errorf("the guest pressed Continue %v times; the page redeemed %v times (want once, and at least twice)", rush["clicks"], rush["requests"])
	}
	if rush["name"] != "Rush Guest" {
		t.Errorf("the rush guest joined as %v", rush["name"])
	}
	roles := part("inRoom")
	if _, in := roles[str("patIdentity")]; in || roles[str("guestIdentity")] != "participant" || roles[str("rushIdentity")] != "participant" || len(roles) != 3 {
		t.Errorf("participants on the server at the end: %v (want the host, %s and %s only)", roles, str("guestIdentity"), str("rushIdentity"))
	}
}

// TestAccessLobby is the guest path in the app: a member's
// meeting with a password; a guest opens its invite link, is asked the
// password (a wrong one refused), waits in the lobby, shows in the host's
// waiting list as having come with an invite, is admitted from the host's
// page, and media flows both ways; a denied guest sees the denial; with
// no host in, guests wait "for the host", in line, and the host back
// admits them all; a removed guest's reload is refused.
func TestAccessLobby(t *testing.T) {
	e := newEnv(t)
	acct := e.newAccount("lee@example.org", "Lee Host", store.RoleMember)
	mia := e.newAccount("mia@example.org", "Mia Member", store.RoleMember)
	env := acct.env()
	env["CONCLAVE_MEMBER_EMAIL"], env["CONCLAVE_MEMBER_PASSWORD"], env["CONCLAVE_MEMBER_NAME"] = mia.Email, mia.Password, mia.DisplayName
	r := e.scenario("access_lobby", room("lobby"), env, e.roomSteps())
	part := func(k string) map[string]any { m, _ := r[k].(map[string]any); return m }
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return strings.TrimSpace(s) }

	if str(r, "passwordState") != "This meeting has a password." {
		t.Errorf("the host's password control says %q", str(r, "passwordState"))
	}
	if before, after := part("roomBefore"), part("roomAfter"); before["password"] != true || before["lobby"] != true || after["password"] != false || str(r, "clearedState") != "This meeting has no password." {
		t.Errorf("the room's password on the server: %v, then after removing it %v (the page: %q)", before, after, str(r, "clearedState"))
	}
	asked := part("anaAsked")
	if str(asked, "asked") != appText(t, "password_required") || str(asked, "wrong") != appText(t, "password_wrong") {
		t.Errorf("the guest page asked %q, and after a wrong password said %q", str(asked, "asked"), str(asked, "wrong"))
	}
	if w := part("anaWaiting"); w["status"] != "waiting" || num(t, w, "position") != 1 || w["title"] != "Waiting to be let in" {
		t.Errorf("the guest's lobby page: %v", w)
	}
	if str(r, "waitingNotice") != "Ana Guest is waiting to join." || str(r, "badge") != "1" {
		t.Errorf("the host was told %q, badge %q", str(r, "waitingNotice"), str(r, "badge"))
	}
	listed, _ := r["listed"].([]any)
	if len(listed) != 1 || str(listed[0].(map[string]any), "name") != "Ana Guest" || !strings.HasPrefix(str(listed[0].(map[string]any), "meta"), "Came with an invite link") {
		t.Errorf("the host's waiting list: %v", listed)
	}
	for _, k := range []string{"toHost", "toAna", "toHostAudio", "toAnaAudio"} {
		if num(t, r, k) <= 0 {
			t.Errorf("media after admission: %s = %v", k, r[k])
		}
	}
	if d := part("denied"); d["status"] != "refused" || d["reason"] != "lobby_denied" || d["title"] != "You were not let in" || str(d, "detail") != appText(t, "lobby_denied") {
		t.Errorf("the denied guest's page: %v", d)
	}
	fh := part("forHost")
	ben, _ := fh["ben"].(map[string]any)
	cleo, _ := fh["cleo"].(map[string]any)
	if ben["title"] != "Waiting for the host" || cleo["title"] != "Waiting for the host" || num(t, cleo, "position") != 2 || !strings.Contains(str(cleo, "detail"), "number 2 in line") {
		t.Errorf("with no host in: Ben %v, Cleo %v", ben, cleo)
	}
	if s := part("anaSees"); s["panel"] != false || s["badge"] != false {
		t.Errorf("a participant sees the waiting list: %v", s)
	}
	if order, _ := r["order"].([]any); len(order) != 2 || order[0] != "Ben Guest" || order[1] != "Cleo Guest" {
		t.Errorf("the waiting list's order: %v", r["order"])
	}
	if r["passwordAgain"] != true || str(r, "reloaded") != appText(t, "token_revoked") {
		t.Errorf("the removed guest's reload: password asked %v, then %q", r["passwordAgain"], str(r, "reloaded"))
	}
	ids := part("identities")
	roles := part("roles")
	// A signed-in member who opens the link is named by its account, gives
	// the password and joins without waiting; its identity is its user id.
	if str(r, "memberLine") != "Joining as Mia Member (member)" || r["nameAsked"] != false || r["miaWaitedBadge"] != false ||
		str(ids, "mia") != mia.ID || roles[mia.ID] != "participant" {
		t.Errorf("the member: %q, name asked %v, waiting badge %v, identity %q (user %s), role %q",
			str(r, "memberLine"), r["nameAsked"], r["miaWaitedBadge"], str(ids, "mia"), mia.ID, roles[mia.ID])
	}
	if str(r, "miaLabel") != "Member" || str(r, "anaLabel") != "" {
		t.Errorf("the host's people list labels the member %q and the guest %q; want \"Member\" and nothing", str(r, "miaLabel"), str(r, "anaLabel"))
	}
	if str(r, "lobbyButton") != "Turn lobby off" {
		t.Errorf("the host's lobby switch says %q", str(r, "lobbyButton"))
	}
	if _, in := roles[str(ids, "ana")]; in || roles[str(ids, "ben")] != "participant" || roles[str(ids, "cleo")] != "participant" {
		t.Errorf("participants on the server at the end: %v (guests %v)", roles, ids)
	}
}

// inviteRushBurst is guard.invite_burst's default: the redemptions an
// invite takes at once before 429 rate_limited.
const inviteRushBurst = 100

// inviteRushRate is guard.invite_rate in TestAccessGuest: one redemption
// earned back every 2 s, which the Go side's redeemers, always in flight,
// take long before the page's one arrives, however busy the machine.
const inviteRushRate = 0.5

// rushRedeemers is how many redemptions of the rush invite the Go side
// keeps in flight at once.
const rushRedeemers = 4

// drainResult is what the Go side's redemptions of the rush invite got.
type drainResult struct{ redeemed, limited int }

// storedInvite stores a participant invite id of the room a step's data
// names ({"room": …}), for maxUses, made at created and valid for ttl,
// as its owner would, and returns its token signed by the server.
func (e *env) storedInvite(data json.RawMessage, id string, maxUses int, created time.Time, ttl time.Duration) (string, error) {
	var req struct {
		Room string `json:"room"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return "", err
	}
	info, err := e.srv.Rooms().Get(roompkg.RoomName(req.Room))
	if err != nil {
		return "", err
	}
	created = created.UTC().Truncate(time.Second)
	if err := e.srv.Store().CreateMeetingInvite(context.Background(), store.MeetingInvite{ID: id, Room: req.Room,
		Owner: string(info.Owner), CreatedBy: string(info.Owner), Role: "participant", MaxUses: maxUses, CreatedAt: created,
		ExpiresAt: created.Add(ttl)}, 100); err != nil {
		return "", err
	}
	return accounts.SignInvite(e.srv.ServerKey(), id, req.Room, created.Add(ttl))
}

// inviteDrainSteps adds the steps of the invite rush to steps:
// "drain-invite" makes an invite of the room with uses enough, redeems it
// over HTTPS (as guests would) until the server answers 429
// rate_limited, and goes on redeeming, taking every redemption the
// invite earns back, until "stop-drain"; it answers with the invite's
// link. The returned func stops the drain (if running) and says what it
// got.
func (e *env) inviteDrainSteps(steps map[string]stepFunc) func() drainResult {
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: e.tls}, Timeout: 30 * time.Second}
	var (
		mu      sync.Mutex
		res     drainResult
		stop    = make(chan struct{})
		stopped sync.Once
		wg      sync.WaitGroup
	)
	end := func() drainResult {
		stopped.Do(func() { close(stop) })
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return res
	}
	e.t.Cleanup(func() { end() })
	redeem := func(tok string) (int, string, error) {
		body, _ := json.Marshal(map[string]string{"invite": tok, "name": "Rush Crowd"})
		req, err := http.NewRequest("POST", e.baseURL+"/v1/invites/redeem", bytes.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", e.baseURL)
		r, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer r.Body.Close()
		var out struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &out)
		return r.StatusCode, out.Error.Code, nil
	}
	steps["drain-invite"] = func(data json.RawMessage) (any, error) {
		tok, err := e.storedInvite(data, "MI_RUSHAAAAAAAAAAAAAAAAAAAAAA", 5000, time.Now(), time.Hour)
		if err != nil {
			return nil, err
		}
		limited := make(chan struct{})
		var once sync.Once
		failed := make(chan error, 1)
		// Redeemers back to back: a redemption the invite earns back (one
		// every 100 ms) is theirs, most often before the page's.
		for range rushRedeemers {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					status, code, err := redeem(tok)
					mu.Lock()
					switch {
					case err == nil && status == http.StatusOK:
						res.redeemed++
					case err == nil && status == http.StatusTooManyRequests && code == "rate_limited":
						res.limited++
						once.Do(func() { close(limited) })
					default:
						mu.Unlock()
						select {
						case failed <- fmt.Errorf("a redemption of the rush invite: %d %s %v", status, code, err):
						default:
						}
						return
					}
					mu.Unlock()
				}
			})
		}
		select {
		case <-limited:
			return map[string]string{"link": e.baseURL + "/#join=" + tok}, nil
		case err := <-failed:
			return nil, err
		case <-time.After(time.Minute):
			return nil, errors.New("the rush invite was never refused rate_limited")
		}
	}
	steps["stop-drain"] = func(json.RawMessage) (any, error) {
		d := end()
		return map[string]int{"redeemed": d.redeemed, "limited": d.limited}, nil
	}
	return end
}
