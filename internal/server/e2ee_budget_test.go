package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestE2EEBudget: e2ee messages have a budget of their own, overall and to
// each recipient. A member that floods another with them has the excess
// dropped (rate_limited) but is never disconnected for it, the flood
// reaches its target only up to the per-recipient burst, so no member can
// fill another's queue, and the flooder's ordinary messages still go
// through.
func TestE2EEBudget(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "e2ee-budget"
	e.createE2EERoom(room)
	all := token.Grants{Publish: true, Subscribe: true, PublishData: true}

	victim := e.dialRaw(ctx, t)
	victim.joinE2EE(mintToken(t, e.Key, room, "victim", all), room, "victim")
	flooder := e.dialRaw(ctx, t)
	flooder.joinE2EE(mintToken(t, e.Key, room, "flooder", all), room, "flooder")

	// The victim's participant id, from the REST API.
	var victimID string
	status, body := e.api("GET", "/v1/rooms/"+room+"/participants", e.adminToken(e.Key, room), nil)
	if status != 200 {
		t.Fatalf("participants: %d %s", status, body)
	}
	var list struct {
		Participants []protocol.ParticipantInfo `json:"participants"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Participants {
		if p.Identity == "victim" {
			victimID = p.ID
		}
	}

	if victimID == "" {
		t.Fatalf("the victim is not in %s", body)
	}
	const sent = 300
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range sent {
			frame := fmt.Sprintf(`{"v":1,"type":"e2ee","data":{"to":%q,"payload":"AQIAAAAAAAABAA=="}}`, victimID)
			if flooder.send(frame) != nil {
				t.Errorf("the flooder was disconnected after %d e2ee messages", i)
				return
			}
		}
	})
	wg.Wait()
	flooder.expectError(protocol.CodeRateLimited)
	// An ordinary message still goes through: the session is alive and
	// its own budget untouched.
	flooder.mustSend(`{"v":1,"type":"ping","data":{"t":42}}`)
	limit := time.After(testkit.DefaultWait())
	for pong := false; !pong; {
		env, ok := flooder.next(limit, "the pong after the flood")
		if !ok {
			t.Fatalf("the flooder's session ended: %v", flooder.err)
		}
		pong = env.Type == protocol.TypePong
	}

	// The victim got at most the per-recipient burst (and what the budget
	// refilled meanwhile), and is still connected.
	got := 0
	victim.mustSend(`{"v":1,"type":"ping","data":{"t":7}}`)
	limit = time.After(testkit.DefaultWait())
	for pong := false; !pong; {
		env, ok := victim.next(limit, "the victim's pong")
		if !ok {
			t.Fatalf("the victim was disconnected: %v", victim.err)
		}
		switch env.Type {
		case protocol.TypeE2EE:
			got++
		case protocol.TypePong:
			pong = true
		}
	}
	if got == 0 || got >= sent/2 {
		t.Fatalf("the victim received %d of %d flooded e2ee messages, want a few (the per-recipient burst is 16)", got, sent)
	}
	t.Logf("the victim received %d of %d", got, sent)
}
