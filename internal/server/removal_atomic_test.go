package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver of the server's store

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// storeFault opens the server's database beside it and makes writes of
// one table fail, as a full disk fails them, until the returned function
// lifts it.
func (e *env) storeFault(t *testing.T, table string) (lift func()) {
	t.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.Config.DataDir, "conclave.db")+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	trig := "fault_" + table
	for _, op := range []string{"INSERT", "UPDATE"} {
		if _, err := db.Exec(`CREATE TRIGGER ` + trig + `_` + op + ` BEFORE ` + op + ` ON ` + table +
			` BEGIN SELECT RAISE(ABORT, 'injected: database or disk is full'); END`); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, op := range []string{"INSERT", "UPDATE"} {
			if _, err := db.Exec(`DROP TRIGGER ` + trig + `_` + op); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRemoveAndBanIsAllOrNothing: when the ban cannot be stored, a remove
// with ban records nothing and removes nobody, and the caller gets
// unavailable, over REST and over signaling; once the store takes writes
// again the same request removes and bans. Before, the revocation was
// stored in a write of its own: the ban failed, the participant stayed,
// and its tokens for the room were revoked all the same.
func TestRemoveAndBanIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "atomic"
	host := e.joinRole(ctx, t, room, "hana", protocol.RoleHost)
	mal := e.dialRaw(ctx, t)
	j := joinedOn(t, mal, joinFrame(mintToken(t, e.Key, room, "mal", joinAll)))
	admin := e.adminToken(e.Key, "")

	nothingRecorded := func(when string) {
		t.Helper()
		set, err := e.Srv.Store().LoadRevocations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Identities) != 0 || len(set.Bans) != 0 {
			t.Errorf("%s: recorded %+v and %+v, want nothing", when, set.Identities, set.Bans)
		}
		mal.expectOpen()
		if !inRoom(e, room, "mal") {
			t.Errorf("%s: mal was removed", when)
		}
	}

	lift := e.storeFault(t, "bans")
	status, body := e.api(http.MethodPost, "/v1/rooms/"+room+"/bans", admin, `{"identity":"mal","reason":"spam"}`)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"`+protocol.CodeUnavailable+`"`) {
		t.Fatalf("ban while the store refuses bans: %d %s, want 503 unavailable", status, body)
	}
	nothingRecorded("after the refused REST ban")

	n := eventCount(host)
	if err := host.c.BanParticipant(ctx, j.Participant.ID, 0, "spam"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the host's refusal", func() bool { return len(errorsSince(host, n)) > 0 })
	if got := errorsSince(host, n); got[0] != protocol.CodeUnavailable {
		t.Fatalf("host's ban over signaling: %v, want unavailable", got)
	}
	nothingRecorded("after the refused signaling ban")

	lift()
	if status, body := e.api(http.MethodPost, "/v1/rooms/"+room+"/bans", admin, `{"identity":"mal","reason":"spam"}`); status != http.StatusCreated {
		t.Fatalf("ban once the store takes writes: %d %s", status, body)
	}
	mal.expectClosed()
	set, err := e.Srv.Store().LoadRevocations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Identities) != 1 || len(set.Bans) != 1 {
		t.Errorf("after the ban: %+v and %+v, want one revocation and one ban", set.Identities, set.Bans)
	}
	if code := e.connectCode(ctx, mintAfter(t, e.Key, room, "mal")); code != protocol.CodeBanned {
		t.Errorf("mal after the ban: %q, want banned", code)
	}
}
