package policy

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
)

const full = `# The organisation's policy
require_e2ee: true
require_second_factor: hosts
lobby_for_guests: true
password_for_guest_rooms: true
members_skip_lobby: false
max_token_lifetime: 8h
max_meeting_duration: 4h
allowed_email_domains: [example.org, Example.NET]
signup: open
chat: false
screen_share: false
data_messages: true
create_rooms: admins
`

func TestParseFull(t *testing.T) {
	r, err := Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := Rules{
		RequireE2EE: true, RequireSecondFactor: SecondFactorHosts, LobbyForGuests: true, PasswordForGuestRooms: true,
		MaxTokenLifetime: 8 * time.Hour, MaxMeetingDuration: 4 * time.Hour,
		AllowedEmailDomains: []string{"example.org", "example.net"}, Signup: SignupOpen,
		Chat: false, ScreenShare: false, DataMessages: true, CreateRooms: CreatorsAdmins,
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("Parse = %+v, want %+v", r, want)
	}
	// Marshal writes a document that reads back to the same rules.
	back, err := Parse(Marshal(r))
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Fatalf("Parse(Marshal) = %+v, %v; want %+v\n%s", back, err, r, Marshal(r))
	}
}

func TestParseLeavesOutTakesDefaults(t *testing.T) {
	r, err := Parse([]byte("chat: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Chat = false
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("Parse = %+v, want %+v", r, want)
	}
	if back, err := Parse(Marshal(Default())); err != nil || !reflect.DeepEqual(back, Default()) {
		t.Fatalf("defaults do not round-trip: %+v, %v", back, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		key       string
		reason    string // a part of the reason
	}{
		{"empty", "", 0, "", "empty"},
		{"comments only", "# nothing\n", 0, "", "empty"},
		{"not a mapping", "- chat\n", 1, "", "mapping"},
		{"unknown key", "chat: true\nrequire_e2e: true\n", 2, "require_e2e", "unknown key"},
		{"repeated key", "chat: true\nscreen_share: true\nchat: false\n", 3, "chat", "twice"},
		{"bool as string", "chat: \"true\"\n", 1, "chat", "true or false"},
		{"bool as yes", "\n\nscreen_share: yes\n", 3, "screen_share", "true or false"},
		{"members_skip_lobby not a bool", "members_skip_lobby: guests\n", 1, "members_skip_lobby", "true or false"},
		{"enum", "signup: closed\n", 1, "signup", "invite, open"},
		{"second factor", "chat: true\nrequire_second_factor: admin\n", 2, "require_second_factor", "none, admins, hosts, everyone"},
		{"creators", "create_rooms: [admins]\n", 1, "create_rooms", "admins, members"},
		{"duration number", "max_token_lifetime: 3600\n", 1, "max_token_lifetime", "duration"},
		{"duration too long", "max_token_lifetime: 9000h\n", 1, "max_token_lifetime", "duration"},
		{"duration too short", "max_meeting_duration: 1m\n", 1, "max_meeting_duration", "duration"},
		{"duration garbage", "max_meeting_duration: soon\n", 1, "max_meeting_duration", "duration"},
		{"domains not a list", "allowed_email_domains: example.org\n", 1, "allowed_email_domains", "list"},
		{"bad domain on its line", "allowed_email_domains:\n  - example.org\n  - -bad.example\n", 3, "allowed_email_domains", "entry 2"},
		{"domain with @", "allowed_email_domains: [\"a@example.org\"]\n", 1, "allowed_email_domains", "domain name"},
		{"one-label domain", "allowed_email_domains: [localhost]\n", 1, "allowed_email_domains", "domain name"},
		{"domain twice", "allowed_email_domains: [example.org, EXAMPLE.org]\n", 1, "allowed_email_domains", "twice"},
		{"anchor", "chat: &a true\n", 1, "chat", "anchors"},
		{"alias", "chat: &a true\nscreen_share: *a\n", 1, "chat", "anchors"},
		{"tag", "chat: !!bool true\n", 1, "chat", "tags"},
		{"syntax", "chat: true\n  screen_share: [\n", 2, "", "not valid YAML"},
		{"two documents", "chat: true\n---\nchat: false\n", 2, "", "second YAML document"},
		{"key not a string", "1: true\n", 1, "", "plain name"},
		{"not utf-8", "chat: \xff\n", 0, "", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tc.doc, err)
			}
			if pe.Line != tc.line || pe.Key != tc.key || !strings.Contains(pe.Reason, tc.reason) {
				t.Fatalf("Parse(%q) = line %d key %q reason %q; want line %d key %q reason containing %q",
					tc.doc, pe.Line, pe.Key, pe.Reason, tc.line, tc.key, tc.reason)
			}
			if tc.line > 0 && !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error %q does not say the line", err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	doc := "# " + strings.Repeat("x", MaxBytes) + "\nchat: true\n"
	if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), "longer") {
		t.Fatalf("Parse of %d bytes = %v, want refused", len(doc), err)
	}
}

func TestFromConfig(t *testing.T) {
	c := config.Default()
	if r := FromConfig(c); !reflect.DeepEqual(r, Default()) {
		t.Fatalf("FromConfig(config.Default()) = %+v, want Default() %+v", r, Default())
	}
	c.Accounts.Signup = "open"
	c.Accounts.RequireSecondFactor = "everyone"
	c.Tokens.MaxLifetime = time.Hour
	c.Rooms.E2EE = "off"
	r := FromConfig(c)
	if r.Signup != SignupOpen || r.RequireSecondFactor != SecondFactorEveryone || r.MaxTokenLifetime != time.Hour || r.RequireE2EE {
		t.Fatalf("FromConfig did not seed from the configuration: %+v", r)
	}
	c.Tokens.MaxLifetime = 10 * 365 * 24 * time.Hour
	if r := FromConfig(c); r.MaxTokenLifetime != MaxTokenLifetimeCap {
		t.Fatalf("a configured lifetime past the cap gave %v", r.MaxTokenLifetime)
	}
	// Whatever the configuration, the seeded rules are a valid document.
	if _, err := Parse(Marshal(FromConfig(c))); err != nil {
		t.Fatal(err)
	}
}

func TestHelpers(t *testing.T) {
	p := &Policy{Rules: Default()}
	if !p.AllowsEmail("a@anything.example") {
		t.Fatal("no domains listed must allow every domain")
	}
	p.AllowedEmailDomains = []string{"example.org"}
	for email, want := range map[string]bool{
		"a@example.org": true, "a@sub.example.org": false, "a@example.org.evil": false,
		"a@evilexample.org": false, "noat": false, "a@b@example.org": true,
	} {
		if got := p.AllowsEmail(email); got != want {
			t.Errorf("AllowsEmail(%q) = %v, want %v", email, got, want)
		}
	}
	if err := p.AllowsSignupFor("a@example.org", false); !errors.Is(err, ErrSignupClosed) {
		t.Fatalf("invite-only signup without invite: %v", err)
	}
	if err := p.AllowsSignupFor("a@example.org", true); err != nil {
		t.Fatalf("invite: %v", err)
	}
	if err := p.AllowsSignupFor("a@other.org", true); !errors.Is(err, ErrEmailDomain) {
		t.Fatalf("an invite must not open another domain: %v", err)
	}

	for _, tc := range []struct {
		sf            SecondFactor
		creators      Creators
		admin, member bool
	}{
		{SecondFactorNone, CreatorsMembers, false, false},
		{SecondFactorAdmins, CreatorsMembers, true, false},
		{SecondFactorHosts, CreatorsMembers, true, true},
		{SecondFactorHosts, CreatorsAdmins, true, false},
		{SecondFactorEveryone, CreatorsAdmins, true, true},
	} {
		p := &Policy{Rules: Rules{RequireSecondFactor: tc.sf, CreateRooms: tc.creators}}
		if p.SecondFactorRequiredFor(RoleAdmin) != tc.admin || p.SecondFactorRequiredFor(RoleMember) != tc.member {
			t.Errorf("%s/%s: admin %v member %v, want %v %v", tc.sf, tc.creators,
				p.SecondFactorRequiredFor(RoleAdmin), p.SecondFactorRequiredFor(RoleMember), tc.admin, tc.member)
		}
	}

	p = &Policy{Rules: Default()}
	p.Chat, p.DataMessages = false, true
	if p.AllowsData(ChatTopic) || !p.AllowsData("cursor") {
		t.Fatal("chat off must refuse topic chat only")
	}
	var v *ViolationError
	if err := p.RoomMayLoosen(RoomSettings{E2EEOff: true}); !errors.As(err, &v) || v.Rule != "require_e2ee" {
		t.Fatalf("e2ee off under require_e2ee: %v", err)
	}
	if err := p.RoomMayLoosen(RoomSettings{MaxDuration: p.MaxMeetingDuration + time.Minute}); !errors.As(err, &v) || v.Rule != "max_meeting_duration" {
		t.Fatalf("longer meeting: %v", err)
	}
	if err := p.RoomMayLoosen(RoomSettings{OpenToGuests: true, LobbyOff: true}); !errors.As(err, &v) || v.Rule != "lobby_for_guests" {
		t.Fatalf("lobby off: %v", err)
	}
	if err := p.RoomMayLoosen(RoomSettings{OpenToGuests: true, Password: true, MaxDuration: time.Hour}); err != nil {
		t.Fatalf("a stricter room: %v", err)
	}
	p.RequireE2EE = false
	if err := p.RoomMayLoosen(RoomSettings{E2EEOff: true}); err != nil {
		t.Fatalf("e2ee off when not required: %v", err)
	}
}

func TestHolderNeverGoesBack(t *testing.T) {
	h := NewHolder(&Policy{Rules: Default(), Source: SourceDefaults})
	v2 := &Policy{Rules: Default(), Version: 2, Source: SourceStored}
	if _, ok := h.Install(v2); !ok || h.Current() != v2 {
		t.Fatal("version 2 not installed over the defaults")
	}
	if _, ok := h.Install(&Policy{Rules: Default(), Version: 1}); ok || h.Current() != v2 {
		t.Fatal("version 1 replaced version 2")
	}
	if _, ok := h.Install(&Policy{Rules: Default()}); ok || h.Current() != v2 {
		t.Fatal("defaults replaced a stored version")
	}
}

// TestHolderWatch: every policy Install puts in force is told to the
// watchers, with the one it replaced, in order; one refused is not.
func TestHolderWatch(t *testing.T) {
	h := NewHolder(&Policy{Rules: Default(), Source: SourceDefaults})
	var seen []int64
	h.Watch(func(old, new *Policy) { seen = append(seen, old.Version*10+new.Version) })
	h.Install(&Policy{Rules: Default(), Version: 1})
	h.Install(&Policy{Rules: Default(), Version: 3})
	h.Install(&Policy{Rules: Default(), Version: 2}) // older: refused
	if want := []int64{1, 13}; !slices.Equal(seen, want) {
		t.Fatalf("watched %v, want %v (old*10+new)", seen, want)
	}
}

// fakeStore is a list of versions the watcher reads.
type fakeStore struct {
	mu   sync.Mutex
	recs []Record
	err  error
}

func (s *fakeStore) add(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, Record{Version: int64(len(s.recs) + 1), Text: text, Author: "operator", AppliedAt: time.Unix(1700000000, 0)})
}

func (s *fakeStore) latest(context.Context) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Record{}, false, s.err
	}
	if len(s.recs) == 0 {
		return Record{}, false, nil
	}
	return s.recs[len(s.recs)-1], true, nil
}

func TestWatcher(t *testing.T) {
	ctx := context.Background()
	st := &fakeStore{}
	h := NewHolder(Defaults(config.Default()))
	var changes []Change
	w := &Watcher{Holder: h, Latest: st.latest, OnChange: func(c Change) { changes = append(changes, c) }}
	if err := w.Load(ctx); err != nil || h.Current().Source != SourceDefaults {
		t.Fatalf("Load with nothing stored: %v, %+v", err, h.Current())
	}
	st.add("chat: false\n")
	w.Poll(ctx)
	if p := h.Current(); p.Version != 1 || p.Chat || p.Source != SourceStored || p.Author != "operator" {
		t.Fatalf("after a stored version: %+v", p)
	}
	if len(changes) != 1 || changes[0].Old.Version != 0 || changes[0].New.Version != 1 {
		t.Fatalf("changes = %+v", changes)
	}
	// An invalid newest version is refused once; the old stays in force.
	st.add("chat: maybe\n")
	w.Poll(ctx)
	w.Poll(ctx)
	if p := h.Current(); p.Version != 1 {
		t.Fatalf("an invalid version went in force: %+v", p)
	}
	if len(changes) != 2 || changes[1].Refused == nil || changes[1].Version != 2 {
		t.Fatalf("refused version not reported once: %+v", changes)
	}
	// A store error changes nothing.
	st.err = errors.New("disk")
	w.Poll(ctx)
	st.err = nil
	st.add("screen_share: false\n")
	w.Poll(ctx)
	if p := h.Current(); p.Version != 3 || p.ScreenShare || !p.Chat {
		t.Fatalf("version 3 not in force: %+v", p)
	}
	// At start an invalid newest version stops the server.
	st.add("nonsense: true\n")
	if err := (&Watcher{Holder: NewHolder(Defaults(config.Default())), Latest: st.latest}).Load(ctx); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("Load of an invalid version = %v", err)
	}
}
