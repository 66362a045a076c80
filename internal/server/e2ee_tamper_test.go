package server_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/e2ee"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
)

// allVerified reports whether c sees n other participants, each with an
// announcement that verifies and a key it gave c.
func allVerified(c *client.Client, n int) bool {
	ms := c.E2EEMembers()
	if len(ms) != n {
		return false
	}
	for _, m := range ms {
		if !m.Verified || !m.HasKey {
			return false
		}
	}
	return true
}

// TestE2EETamperedKeys: a server that swaps a participant's identity key
// (the room's test hook plays it) is caught. In a clean room every client
// computes the same safety code. In the tampered room the others flag
// mallory, whose announcement no longer verifies: it gets no key from them
// and its chat does not open; and mallory's safety code differs from
// theirs, so comparing codes out of band exposes the attack.
func TestE2EETamperedKeys(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	swapped, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	e.Srv.Rooms().SetTestTamperE2EE(func(id roompkg.Identity, k *roompkg.E2EEKeys) {
		if id == "mallory" {
			k.IdentityKey = swapped.Public()
		}
	})

	t.Run("clean", func(t *testing.T) {
		e.createE2EERoom("clean")
		var cs []*client.Client
		for _, name := range []string{"alice", "bob", "carol"} {
			cs = append(cs, e.connectE2EE(ctx, t, "clean", name))
		}
		for _, c := range cs {
			testkit.Eventually(t, c.Self().Identity+" to hold everyone's key", func() bool { return allVerified(c, 2) })
		}
		code := cs[0].SafetyCode()
		for _, c := range cs {
			if got := c.SafetyCode(); got == "" || got != code {
				t.Errorf("%s's safety code is %q, alice's %q: want the same", c.Self().Identity, got, code)
			}
		}
	})

	t.Run("tampered", func(t *testing.T) {
		const room = "tampered"
		e.createE2EERoom(room)
		alice := e.connectE2EE(ctx, t, room, "alice")
		arec := record(alice)
		bob := e.connectE2EE(ctx, t, room, "bob")
		brec := record(bob)
		mallory := e.connectE2EE(ctx, t, room, "mallory")
		mrec := record(mallory)
		mid := mallory.Self().ID

		for _, r := range []*recorder{arec, brec} {
			ev := wait(t, r, "mallory flagged", func(ev client.ParticipantUnverified) bool { return ev.ParticipantID == mid })
			if ev.Identity != "mallory" || !errors.Is(ev.Err, e2ee.ErrAnnouncementSignature) {
				t.Errorf("flagged %+v, want mallory with a signature failure", ev)
			}
		}
		testkit.Eventually(t, "alice and bob to hold each other's key", func() bool {
			return alice.E2EESession().Verified(bob.Self().ID) && bob.E2EESession().Verified(alice.Self().ID) &&
				hasKey(alice, bob.Self().ID) && hasKey(bob, alice.Self().ID)
		})
		for _, c := range []*client.Client{alice, bob} {
			for _, m := range c.E2EEMembers() {
				if m.ID == mid && (m.Verified || m.HasKey || !errors.Is(m.Err, e2ee.ErrAnnouncementSignature)) {
					t.Errorf("%s sees mallory as %+v, want unverified, without a key", c.Self().Identity, m)
				}
			}
		}
		// Mallory itself sees nothing wrong: the others' keys are intact.
		testkit.Eventually(t, "mallory to hold the others' keys", func() bool {
			return mallory.E2EESession().Verified(alice.Self().ID) && mallory.E2EESession().Verified(bob.Self().ID)
		})
		a, b, m := alice.SafetyCode(), bob.SafetyCode(), mallory.SafetyCode()
		if a != b {
			t.Errorf("alice's safety code %q, bob's %q: want the same", a, b)
		}
		if m == a {
			t.Errorf("mallory's safety code %q equals alice's, though the server swapped its key", m)
		}

		// Mallory's chat does not open for the others, nor theirs for mallory.
		if err := mallory.SendData(ctx, []byte("trust me"), "chat"); err != nil {
			t.Fatal(err)
		}
		if err := alice.SendData(ctx, []byte("not for mallory"), "chat"); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*recorder{arec, brec} {
			wait(t, r, "mallory's chat refused", func(ev client.DataUndecryptable) bool { return ev.From == mid })
		}
		wait(t, brec, "alice's chat", func(ev client.DataReceived) bool { return string(ev.Payload) == "not for mallory" })
		wait(t, mrec, "alice's chat refused", func(ev client.DataUndecryptable) bool { return ev.From == alice.Self().ID })
		for _, r := range []*recorder{arec, brec, mrec} {
			if ev, ok := find(r, func(ev client.DataReceived) bool {
				return ev.From == mid || (r == mrec && string(ev.Payload) == "not for mallory")
			}); ok {
				t.Errorf("%s opened %+v", r.c.Self().Identity, ev)
			}
		}
	})
}

func hasKey(c *client.Client, id string) bool {
	for _, m := range c.E2EEMembers() {
		if m.ID == id {
			return m.HasKey
		}
	}
	return false
}

// TestE2EEResume: a client whose signaling connection is cut resumes with
// its session: same participant id, same sending key, no new
// announcement. Its frames and chat keep opening at the other end.
func TestE2EEResume(t *testing.T) {
	e := newEnv(t)
	u, err := url.Parse(e.Srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "e2ee-resume"
	e.createE2EERoom(room)
	marker := newMarker(t)

	watcher := e.connectE2EE(ctx, t, room, "watcher")
	wrec := record(watcher)
	proxy := newCutProxy(t, u.Host)
	id, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := client.Connect(ctx, "https://"+proxy.addr(),
		mintToken(t, e.Key, room, "pub", token.Grants{Publish: true, Subscribe: true, PublishData: true}),
		client.WithTLSConfig(e.TLS), client.WithEventBuffer(4096), client.WithE2EE(id))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	prec := record(pub)
	pubID := pub.Self().ID
	publishFrames(ctx, t, pub, e2ee.VP8, "cam", marker)
	got, _ := readDecrypted(t, watcher, waitTrack(t, wrec, pubID, "cam"), marker)
	waitIntact(t, got, 25, "before the cut")
	kid, code := pub.SendingKID(), pub.SafetyCode()

	proxy.cut()
	wait(t, prec, "Reconnected after the cut", func(client.Reconnected) bool { return true })
	if pub.Self().ID != pubID || pub.SendingKID() != kid || pub.SafetyCode() != code {
		t.Errorf("after the resume: id %s, KID %#x, code %q; want %s, %#x, %q",
			pub.Self().ID, pub.SendingKID(), pub.SafetyCode(), pubID, kid, code)
	}
	after := got.intact.Load()
	waitIntact(t, got, after+50, "after the resume")
	if err := pub.SendData(ctx, []byte("resumed"), "chat"); err != nil {
		t.Fatal(err)
	}
	wait(t, wrec, "the chat after the resume", func(ev client.DataReceived) bool {
		return ev.From == pubID && ev.E2EE && string(ev.Payload) == "resumed"
	})
	if c := got.corrupt.Load(); c != 0 {
		t.Errorf("%d frames opened to other bytes than were sent", c)
	}
	if !allVerified(watcher, 1) {
		t.Errorf("the watcher sees %+v", watcher.E2EEMembers())
	}
}
