package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestJoinThrottledApp: the meeting app, its joins refused for now by the
// per-identity join limit (rate_limited with retry_after), says so in
// words (not the sentence of a session cut off for flooding) and waits
// as asked: the preview's button stays disabled, counting the wait down,
// and joins when pressed after it; the page after leaving counts down
// and rejoins by itself. Meanwhile a Go client with the host's identity,
// joining another room back to back, keeps the limit drained.
func TestJoinThrottledApp(t *testing.T) {
	e := newEnv(t)
	acct := e.newAccount("joan@example.org", "Joan Host", store.RoleMember)
	steps := map[string]stepFunc{}
	drained := e.joinDrainSteps(steps, acct.ID)
	r := e.scenario("join_wait", room("wait"), acct.env(), steps)
	if d := drained(); d.limited == 0 {
		t.Errorf("the drain was never refused rate_limited: %+v", d)
	}
	seen := func(k string) map[string]any { m, _ := r[k].(map[string]any); return m }
	said := regexp.MustCompile(`^Too many joins from this address or with this identity in a short time\. Try again in \d+ seconds?\.$`)
	if p := seen("preview"); !said.MatchString(fmt.Sprint(p["error"])) || p["disabled"] != true ||
		!regexp.MustCompile(`^Try again in \d+ seconds?$`).MatchString(fmt.Sprint(p["button"])) {
		t.Errorf("the preview after the refusal: %v", p)
	}
	if l := seen("left"); !said.MatchString(fmt.Sprint(l["error"])) || !strings.HasPrefix(fmt.Sprint(l["status"]), "Rejoining in ") {
		t.Errorf("the page after leaving, after the refusal: %v", l)
	}
}

type joinDrain struct{ joined, limited, other int }

// drainPace is the pause of the join drain after a refusal: short beside
// the 3 s in which the identity earns a join back, so the drain takes it
// first, but not a handshake loop that starves the browser of the CPU.
const drainPace = 25 * time.Millisecond

// joinDrainSteps adds "drain-joins" and "stop-drain" to steps. The
// first joins another room, back to back, with a token of the server's
// key for identity (as the host tokens of an account are), until one is
// refused rate_limited, and answers then; it goes on, taking every join
// the identity earns back, until "stop-drain". The returned func stops
// it (if running) and says what it got.
func (e *env) joinDrainSteps(steps map[string]stepFunc, identity string) func() joinDrain {
	var (
		mu      sync.Mutex
		res     joinDrain
		lastErr error
		stop    chan struct{}
		wg      sync.WaitGroup
	)
	end := func() joinDrain {
		mu.Lock()
		if stop != nil {
			close(stop)
			stop = nil
		}
		mu.Unlock()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return res
	}
	e.t.Cleanup(func() { end() })
	steps["drain-joins"] = func(json.RawMessage) (any, error) {
		end()
		tok, err := e.srv.ServerKey().Mint(token.Options{Identity: identity, Owner: identity, Room: room("drain"), TTL: 10 * time.Minute,
			Grants: token.Grants{Subscribe: true}})
		if err != nil {
			return nil, err
		}
		mu.Lock()
		stop = make(chan struct{})
		halt := stop
		mu.Unlock()
		limited := make(chan struct{})
		var once sync.Once
		wg.Go(func() {
			var pace time.Duration
			for {
				select {
				case <-halt:
					return
				case <-time.After(pace):
				}
				pace = 0
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				c, err := client.Connect(ctx, e.srv.URL(), tok, client.WithTLSConfig(e.tls), client.WithLogger(slog.New(slog.DiscardHandler)))
				cancel()
				var se *client.ServerError
				mu.Lock()
				switch {
				case err == nil:
					res.joined++
					_ = c.Close()
				case errors.As(err, &se) && se.Code == protocol.CodeRateLimited:
					res.limited++
					once.Do(func() { close(limited) })
					pace = drainPace
				default:
					res.other++
					lastErr = err
				}
				mu.Unlock()
			}
		})
		select {
		case <-limited:
			return map[string]any{}, nil
		case <-time.After(time.Minute):
			mu.Lock()
			defer mu.Unlock()
			return nil, fmt.Errorf("the drain's joins were never refused rate_limited: %+v, last error %v", res, lastErr)
		}
	}
	steps["stop-drain"] = func(json.RawMessage) (any, error) {
		d := end()
		return map[string]int{"joined": d.joined, "limited": d.limited, "other": d.other}, nil
	}
	return end
}
