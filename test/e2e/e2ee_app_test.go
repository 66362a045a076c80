package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/config"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
)

// The meeting app's end-to-end encryption screens (test/e2e/e2ee_app.mjs): the
// lock, the safety code, verification marks and flags, in real Chromium.

func e2eeRequired(c *config.Config) { c.Rooms.E2EE = "required" }

func caseEnv(name string) map[string]string { return map[string]string{"CONCLAVE_E2EE_CASE": name} }

// TestE2EEApp: three pages in a room that requires E2EE agree on the safety
// code, read each other's chat, mark one another verified, flag a changed
// identity key once, and get a new code when one leaves.
func TestE2EEApp(t *testing.T) {
	e := newEnv(t, e2eeRequired)
	res := e.scenario("e2ee_app", room("e2eeapp"), caseEnv("meeting"), nil)
	if res["code1"] == res["code2"] {
		t.Fatalf("the safety code did not change when carol left: %v", res)
	}
	// Alice's browser reported carol's changed key: the server recorded it.
	testkit.Eventually(t, "the browser's e2ee_identity_changed in the audit log", func() bool {
		var recs []store.AuditRecord
		err := e.srv.Store().ReadAudit(context.Background(), func(r store.AuditReader) error {
			var err error
			recs, err = r.AuditRecords(context.Background(), 0, 100000)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if rec.Action == string(roompkg.SecurityE2EEIdentityChanged) && rec.Actor != "" && rec.Target != "" && rec.Actor != rec.Target {
				return true
			}
		}
		return false
	})
}

// TestE2EEAppPlain: a plain room says it is not end-to-end encrypted.
func TestE2EEAppPlain(t *testing.T) {
	e := newEnv(t)
	e.scenario("e2ee_app", room("plain"), caseEnv("plain"), nil)
}

// TestE2EEAppTamper: the server swaps one participant's identity key; the
// others show her keys as not verifying and her safety code differs.
func TestE2EEAppTamper(t *testing.T) {
	e := newEnv(t, e2eeRequired)
	other, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	swapped := other.Public()
	// The first identity admitted once the scenario arms the hook is the
	// one whose announced identity key the server replaces, in every
	// admission of that identity from then on.
	var armed atomic.Bool
	var target atomic.Pointer[roompkg.Identity]
	e.srv.Rooms().SetTestTamperE2EE(func(id roompkg.Identity, k *roompkg.E2EEKeys) {
		if armed.CompareAndSwap(true, false) {
			target.Store(&id)
		}
		if p := target.Load(); p != nil && *p == id {
			k.IdentityKey = slices.Clone(swapped)
		}
	})
	steps := map[string]stepFunc{
		"arm-tamper": func(json.RawMessage) (any, error) {
			armed.Store(true)
			return nil, nil
		},
		"tampered": func(json.RawMessage) (any, error) {
			p := target.Load()
			if p == nil {
				return nil, errors.New("nobody was admitted since the hook was armed")
			}
			return map[string]string{"identity": string(*p)}, nil
		},
	}
	res := e.scenario("e2ee_app", room("tamper"), caseEnv("tamper"), steps)
	if res["theirs"] == res["hers"] {
		t.Fatalf("the tampered participant's safety code equals the others': %v", res)
	}
}
