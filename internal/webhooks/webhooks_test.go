package webhooks_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/webhooks"
	"github.com/conclave-video/conclave/webhook"
)

var secret = bytes.Repeat([]byte("s"), 32)

// receiver is an HTTPS receiver that verifies with the public helper
// and answers what fail says for each delivery id's attempt number.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	tries    map[string]int
	verified []webhook.Event
	refused  []error
}

func newReceiver(t *testing.T, answer func(try int) int) *receiver {
	rc := &receiver{tries: map[string]int{}}
	v := &webhook.Verifier{Secrets: [][]byte{secret}, Seen: webhook.NewMemorySeen(0)}
	rc.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get(webhook.HeaderID)
		rc.mu.Lock()
		rc.tries[id]++
		try := rc.tries[id]
		rc.mu.Unlock()
		if code := answer(try); code != 200 {
			w.WriteHeader(code)
			return
		}
		_, err := v.Verify(r.Header, body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err != nil {
			rc.refused = append(rc.refused, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhook.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body: %v", err)
		}
		rc.verified = append(rc.verified, ev)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []webhook.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Event(nil), rc.verified...)
}

func event(kind room.SecurityKind) room.Event {
	return room.Event{Kind: room.EventSecurity, Time: time.Now(), Room: "r1",
		Security: &room.SecurityEvent{Kind: kind, Outcome: room.OutcomeRefused, IP: "192.0.2.7", Email: "x@example.org", Subject: "US_1"}}
}

func start(t *testing.T, rc *receiver, mod func(*webhooks.Receiver), queue int) (*webhooks.Dispatcher, *sync.Map) {
	r := webhooks.Receiver{Name: "siem", URL: rc.URL + "/hook?token=abc", Secret: secret, Client: webhooks.NewClient(rc.Client().Transport), RetryMin: 10 * time.Millisecond}
	if mod != nil {
		mod(&r)
	}
	counts := new(sync.Map)
	d, err := webhooks.New(webhooks.Config{Receivers: []webhooks.Receiver{r}, Queue: queue, OnResult: func(_, res string) {
		counts.Store(res, true)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, counts
}

// TestDeliverRetried: a receiver that fails twice with 503 gets the
// delivery on the third attempt, signed validly, and the status shows
// three attempts, delivered; the email never leaves.
func TestDeliverRetried(t *testing.T) {
	rc := newReceiver(t, func(try int) int {
		if try < 3 {
			return http.StatusServiceUnavailable
		}
		return 200
	})
	d, counts := start(t, rc, nil, 0)
	d.OnEvent(event(room.SecuritySigninFailed))
	testkit.Eventually(t, "the delivery to arrive", func() bool { return len(rc.got()) == 1 })
	ev := rc.got()[0]
	if ev.Kind != "signin_failed" || ev.Severity != "notice" || ev.IP != "192.0.2.7" || ev.Room != "r1" || ev.Subject != "US_1" {
		t.Errorf("event = %+v", ev)
	}
	testkit.Eventually(t, "the status to say delivered", func() bool {
		st := d.Status()[0]
		return st.Delivered == 1 && len(st.Recent) == 1 && st.Recent[0].State == webhooks.StateDelivered
	})
	st := d.Status()[0]
	if a := st.Recent[0].Attempts; len(a) != 3 || a[0].Status != 503 || a[2].Status != 200 || a[2].Error != "" {
		t.Errorf("attempts = %+v", a)
	}
	if st.URL != rc.URL+"/hook" {
		t.Errorf("status URL %q shows the query", st.URL)
	}
	if _, ok := counts.Load(webhooks.ResultRetried); !ok {
		t.Error("retries not counted")
	}
	raw, _ := json.Marshal(st)
	if bytes.Contains(raw, []byte("example.org")) || bytes.Contains(raw, []byte("token=abc")) {
		t.Errorf("status leaks: %s", raw)
	}
}

// TestRefusedNotRetried: a 4xx other than 408 and 429 is final.
func TestRefusedNotRetried(t *testing.T) {
	rc := newReceiver(t, func(int) int { return http.StatusForbidden })
	d, _ := start(t, rc, nil, 0)
	d.OnEvent(event(room.SecuritySigninFailed))
	testkit.Eventually(t, "the delivery to fail", func() bool { return d.Status()[0].Failed == 1 })
	if a := d.Status()[0].Recent[0].Attempts; len(a) != 1 || a[0].Status != 403 {
		t.Errorf("attempts = %+v, want one 403", a)
	}
}

// TestGivesUp: a receiver that always fails gets MaxAttempts attempts.
func TestGivesUp(t *testing.T) {
	rc := newReceiver(t, func(int) int { return http.StatusInternalServerError })
	d, _ := start(t, rc, func(r *webhooks.Receiver) { r.RetryMin = time.Millisecond }, 0)
	d.OnEvent(event(room.SecuritySigninFailed))
	testkit.Eventually(t, "the delivery to be given up", func() bool { return d.Status()[0].Failed == 1 })
	if a := d.Status()[0].Recent[0].Attempts; len(a) != webhooks.MaxAttempts {
		t.Errorf("%d attempts, want %d", len(a), webhooks.MaxAttempts)
	}
}

// TestFilters: kinds and the minimum severity choose what is delivered.
func TestFilters(t *testing.T) {
	rc := newReceiver(t, func(int) int { return 200 })
	d, _ := start(t, rc, func(r *webhooks.Receiver) {
		r.Kinds = []room.SecurityKind{room.SecuritySigninFailed, room.SecurityAccountLocked, room.SecuritySigninSucceeded}
		r.MinSeverity = room.SeverityNotice
	}, 0)
	d.OnEvent(event(room.SecuritySigninSucceeded)) // info: below
	d.OnEvent(event(room.SecurityPasswordChanged)) // not a listed kind
	d.OnEvent(room.Event{Kind: room.EventJoined})  // not a security event
	d.OnEvent(event(room.SecurityAccountLocked))   // warning: delivered
	testkit.Eventually(t, "one delivery", func() bool { return len(rc.got()) == 1 })
	if got := rc.got()[0].Kind; got != "account_locked" {
		t.Errorf("delivered %q", got)
	}
	if n := len(d.Status()[0].Recent); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}

// TestQueueBounded: past the queue's length a delivery is dropped and
// counted, never blocking the caller.
func TestQueueBounded(t *testing.T) {
	block := make(chan struct{})
	rc := newReceiver(t, func(int) int { <-block; return 200 })
	defer close(block)
	d, _ := start(t, rc, nil, 2)
	for range 10 {
		d.OnEvent(event(room.SecuritySigninFailed))
	}
	if st := d.Status()[0]; st.Dropped < 7 || st.Dropped+st.Queued != 10 {
		t.Errorf("dropped %d queued %d of 10 with a queue of 2", st.Dropped, st.Queued)
	}
}

func TestNewRefuses(t *testing.T) {
	for name, r := range map[string]webhooks.Receiver{
		"short secret": {Name: "a", URL: "https://x/", Secret: []byte("short")},
		"http":         {Name: "a", URL: "http://x/", Secret: secret},
		"unknown kind": {Name: "a", URL: "https://x/", Secret: secret, Kinds: []room.SecurityKind{"nope"}},
	} {
		if _, err := webhooks.New(webhooks.Config{Receivers: []webhooks.Receiver{r}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
