package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestSubscriberOfferAtJoin: a participant that may subscribe gets its
// subscriber offer right after joined, in an empty room too (one data
// channel section, no media), so its connection is up before anyone
// publishes; one that may not subscribe gets none.
func TestSubscriberOfferAtJoin(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()

	viewer := e.dialRaw(ctx, t)
	viewer.join(mintToken(t, e.Key, "empty", "vera", token.Grants{Subscribe: true}))
	limit := time.After(testkit.DefaultWait())
	for {
		env, ok := viewer.next(limit, "the subscriber offer")
		if !ok {
			t.Fatal("connection closed before the subscriber offer")
		}
		if env.Type != protocol.TypeOffer {
			continue
		}
		var d protocol.SessionDescription
		if err := json.Unmarshal(env.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.PC != protocol.Subscriber {
			t.Fatalf("offer on %q, want the subscriber connection", d.PC)
		}
		if !strings.Contains(d.SDP, "m=application") || strings.Contains(d.SDP, "m=video") || strings.Contains(d.SDP, "m=audio") {
			t.Fatalf("the offer in an empty room should carry one data channel section and no media:\n%s", d.SDP)
		}
		break
	}

	// Without the subscribe grant: nothing before the answer to a ping
	// sent after joining (the offer would have been queued first).
	sender := e.dialRaw(ctx, t)
	sender.join(mintToken(t, e.Key, "empty", "sam", token.Grants{Publish: true}))
	sender.mustSend(`{"v":1,"type":"ping","data":{"t":1}}`)
	limit = time.After(testkit.DefaultWait())
	for {
		env, ok := sender.next(limit, "pong")
		if !ok {
			t.Fatal("connection closed before pong")
		}
		if env.Type == protocol.TypeOffer {
			t.Fatalf("a participant without the subscribe grant got an offer: %s", env.Data)
		}
		if env.Type == protocol.TypePong {
			break
		}
	}
}
