package room_test

import (
	"os"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/room"
)

// TestSecurityEvents: a security event reaches every subscriber as an
// EventSecurity with its fields intact; a kind outside the known set
// arrives as SecurityUnknown.
func TestSecurityEvents(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	var got []room.Event
	unsub := m.Subscribe(room.ListenerFunc(func(e room.Event) { got = append(got, e) }))
	defer unsub()

	in := room.SecurityEvent{
		Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, Reason: "password",
		Subject: "US_X", Email: "a@example.org", IP: "192.0.2.1", UserAgent: "test",
	}
	m.Security(in)
	m.Security(room.SecurityEvent{Kind: "made_up", Outcome: room.OutcomeSucceeded})

	if len(got) != 2 {
		t.Fatalf("got %d events, want 2", len(got))
	}
	if e := got[0]; e.Kind != room.EventSecurity || e.Room != "" || e.Time.IsZero() || e.Security == nil || *e.Security != in {
		t.Errorf("first event = %+v (security %+v), want EventSecurity carrying %+v", e, e.Security, in)
	}
	if e := got[1]; e.Security == nil || e.Security.Kind != room.SecurityUnknown {
		t.Errorf("an unknown kind arrived as %+v, want %q", e.Security, room.SecurityUnknown)
	}
	if !room.SecurityPasskeyAdded.Known() || room.SecurityUnknown.Known() || room.EventSecurity.String() != "security" {
		t.Error("Known or String disagree with the kinds' list")
	}
}

// TestSecuritySeverities: every known kind has its own entry in the
// severity table (none falls to the default), and names round-trip.
func TestSecuritySeverities(t *testing.T) {
	for _, k := range room.Kinds() {
		if !room.SeverityKnown(k) {
			t.Errorf("kind %q has no severity in the table", k)
		}
	}
	for _, k := range []room.SecurityKind{room.SecurityAddressBlocked, room.SecurityAccountThrottled, room.SecurityE2EEIdentityChanged} {
		if k.Severity() != room.SeverityHigh {
			t.Errorf("%s is %s, want high", k, k.Severity())
		}
	}
	if room.SecuritySigninSucceeded.Severity() != room.SeverityInfo {
		t.Error("a sign-in is not info")
	}
	for _, s := range []room.Severity{room.SeverityInfo, room.SeverityNotice, room.SeverityWarning, room.SeverityHigh} {
		if got, ok := room.ParseSeverity(s.String()); !ok || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, ok)
		}
	}
	if _, ok := room.ParseSeverity("critical"); ok {
		t.Error("ParseSeverity took an unknown name")
	}
}

// TestSeverityDoc: docs/webhooks.md lists every kind in the row of its
// severity.
func TestSeverityDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		for _, s := range []string{"info", "notice", "warning", "high"} {
			if strings.HasPrefix(line, "| `"+s+"` | `") {
				rows[s] = line
			}
		}
	}
	for _, k := range append(room.Kinds(), room.SecurityUnknown) {
		if !strings.Contains(rows[k.Severity().String()], "`"+string(k)+"`") {
			t.Errorf("docs/webhooks.md does not list %s as %s", k, k.Severity())
		}
	}
}
