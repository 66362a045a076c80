// Package webhooks delivers security events to the receivers the
// configuration names (docs/webhooks.md): each delivery a signed POST
// (the scheme of the public webhook package), retried with exponential
// backoff and jitter, through a bounded queue per receiver, with the
// recent deliveries' status kept for admins. It listens to the rooms'
// event stream and never blocks it.
package webhooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/webhook"
)

// Limits of delivery: every one explicit.
const (
	// DefaultQueue is how many deliveries may wait per receiver; past it
	// a new one is dropped, logged and counted.
	DefaultQueue = 1024
	// MaxAttempts bounds the tries of one delivery (the first and its
	// retries).
	MaxAttempts = 8
	// DefaultRetryMin is the first retry's delay when none is
	// configured; RetryMax caps a retry's delay.
	DefaultRetryMin = time.Second
	RetryMax        = 5 * time.Minute
	// AttemptTimeout bounds one POST, connection and answer included.
	AttemptTimeout = 10 * time.Second
	// Recent is how many deliveries' status each receiver keeps.
	Recent = 50
	// maxAnswer bounds what of a receiver's answer is read.
	maxAnswer = 4 << 10
)

// Results counted (OnResult): a delivery delivered, an attempt that
// failed and will be retried, a delivery given up on, one dropped
// because the queue was full.
const (
	ResultDelivered = "delivered"
	ResultRetried   = "retried"
	ResultFailed    = "failed"
	ResultDropped   = "dropped"
)

// Receiver is one configured receiver, its secret loaded.
type Receiver struct {
	Name   string
	URL    string
	Secret []byte
	// Kinds, if not empty, are the only kinds delivered; MinSeverity
	// the lowest severity delivered (0: all).
	Kinds       []room.SecurityKind
	MinSeverity room.Severity
	// Client posts the deliveries (nil: one with AttemptTimeout, the
	// system's roots, no redirects followed).
	Client   *http.Client
	RetryMin time.Duration
}

// Config configures a Dispatcher.
type Config struct {
	Receivers []Receiver
	// Queue is each receiver's queue length (0: DefaultQueue).
	Queue int
	// OnResult counts a result of a receiver (nil: not counted).
	OnResult func(receiver, result string)
	Logger   *slog.Logger
	Now      func() time.Time
}

// ErrConfig is wrapped by New's errors.
var ErrConfig = errors.New("webhooks")

// Dispatcher is a room.Listener that delivers security events.
type Dispatcher struct {
	cfg    Config
	log    *slog.Logger
	recv   []*receiver
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.RWMutex // held to send on the queues, and to close them
	closed bool
}

type receiver struct {
	Receiver
	kinds  map[room.SecurityKind]bool
	q      chan *delivery
	mu     sync.Mutex // guards what follows
	stats  Stats
	recent []*delivery // newest last, at most Recent
}

type delivery struct {
	id    string
	event webhook.Event
	body  []byte
	// Guarded by the receiver's mu once queued.
	state    string
	attempts []Attempt
}

// New checks cfg and starts one worker per receiver; Close stops them.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OnResult == nil {
		cfg.OnResult = func(string, string) {}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{cfg: cfg, log: log}
	for i, r := range cfg.Receivers {
		if len(r.Secret) < webhook.MinSecretBytes {
			return nil, fmt.Errorf("%w: webhooks[%d] (%s): the secret must be at least %d bytes", ErrConfig, i, r.Name, webhook.MinSecretBytes)
		}
		u, err := url.Parse(r.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("%w: webhooks[%d] (%s): the url must be https", ErrConfig, i, r.Name)
		}
		rc := &receiver{Receiver: r, q: make(chan *delivery, cfg.Queue)}
		if len(r.Kinds) > 0 {
			rc.kinds = make(map[room.SecurityKind]bool)
			for j, k := range r.Kinds {
				if !k.Known() {
					return nil, fmt.Errorf("%w: webhooks[%d].kinds[%d]: %q is not a security event kind (docs/webhooks.md lists them)", ErrConfig, i, j, k)
				}
				rc.kinds[k] = true
			}
		}
		if rc.RetryMin <= 0 {
			rc.RetryMin = DefaultRetryMin
		}
		if rc.Client == nil {
			rc.Client = NewClient(nil)
		}
		rc.stats.Name, rc.stats.URL = r.Name, displayURL(u)
		d.recv = append(d.recv, rc)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	for _, rc := range d.recv {
		d.wg.Add(1)
		go d.work(rc)
	}
	return d, nil
}

// NewClient is the HTTP client deliveries are posted with: transport
// as given (nil: the default's, proxies from the environment), a
// redirect is an answer, never followed (a receiver moved is a
// configuration change, not something to follow with signed events).
func NewClient(t http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     t,
		Timeout:       AttemptTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// displayURL is u without its query, which may hold a receiver's own
// token: the status shows where, never how.
func displayURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery = "", false
	return c.String()
}

// OnEvent implements room.Listener: a security event is queued for each
// receiver whose filters it passes. It never blocks.
func (d *Dispatcher) OnEvent(e room.Event) {
	if e.Kind != room.EventSecurity || e.Security == nil {
		return
	}
	s := e.Security
	sev := s.Severity()
	var ev *webhook.Event
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return
	}
	for _, rc := range d.recv {
		if sev < rc.MinSeverity || rc.kinds != nil && !rc.kinds[s.Kind] {
			continue
		}
		if ev == nil {
			ev = Event(e)
		}
		dl := &delivery{id: newID(), event: *ev, state: StatePending}
		select {
		case rc.q <- dl:
			rc.mu.Lock()
			rc.stats.Queued++
			rc.remember(dl)
			rc.mu.Unlock()
		default:
			rc.mu.Lock()
			rc.stats.Dropped++
			dropped := rc.stats.Dropped
			rc.mu.Unlock()
			d.cfg.OnResult(rc.Name, ResultDropped)
			if dropped == 1 || dropped%100 == 0 {
				// The first and every hundredth: a flood must not
				// flood the log too.
				d.log.Error("webhook: delivery dropped: the queue is full", "webhook", rc.Name, "kind", s.Kind, "dropped", dropped)
			}
		}
	}
}

// Event is the body a delivery of e carries. It holds no email, user
// agent or secret: a password typed into an email field must not leave
// the server.
func Event(e room.Event) *webhook.Event {
	s := e.Security
	out := &webhook.Event{
		Time: e.Time.UTC(), Kind: string(s.Kind), Severity: s.Severity().String(), Outcome: s.Outcome,
		Reason: s.Reason, Actor: s.Actor, Subject: s.Subject, IP: s.IP, Room: string(e.Room),
	}
	if s.OldVersion != 0 || s.NewVersion != 0 || s.Suppressed != 0 {
		out.Details = map[string]string{}
		if s.OldVersion != 0 || s.NewVersion != 0 {
			out.Details["old_version"] = strconv.FormatInt(s.OldVersion, 10)
			out.Details["new_version"] = strconv.FormatInt(s.NewVersion, 10)
		}
		if s.Suppressed != 0 {
			out.Details["suppressed"] = strconv.Itoa(s.Suppressed)
		}
	}
	return out
}

// newID is a delivery id: "wh_" and 128 random bits in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "wh_" + hex.EncodeToString(b[:])
}

// Close stops the workers: an attempt in progress is abandoned, and
// deliveries still queued are not made (their status says so).
func (d *Dispatcher) Close() {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		d.cancel()
		for _, rc := range d.recv {
			close(rc.q)
		}
	}
	d.mu.Unlock()
	d.wg.Wait()
}

func (d *Dispatcher) work(rc *receiver) {
	defer d.wg.Done()
	for dl := range rc.q {
		if d.ctx.Err() != nil {
			rc.finish(dl, StateAbandoned)
			continue
		}
		d.deliver(rc, dl)
	}
}

// deliver makes dl's attempts until one succeeds, a receiver refuses
// for good, MaxAttempts are made, or the dispatcher closes.
func (d *Dispatcher) deliver(rc *receiver, dl *delivery) {
	body, err := json.Marshal(dl.event)
	if err != nil { // a struct of strings: cannot happen
		d.log.Error("webhook: event not encoded", "webhook", rc.Name, "err", err)
		rc.finish(dl, StateFailed)
		return
	}
	dl.body = body
	rc.mu.Lock()
	dl.state = StateSending
	rc.mu.Unlock()
	for n := 1; ; n++ {
		a, retry := d.attempt(rc, dl)
		rc.mu.Lock()
		dl.attempts = append(dl.attempts, a)
		rc.mu.Unlock()
		if a.Error == "" {
			rc.finish(dl, StateDelivered)
			d.cfg.OnResult(rc.Name, ResultDelivered)
			return
		}
		if !retry || n >= MaxAttempts || d.ctx.Err() != nil {
			rc.finish(dl, StateFailed)
			d.cfg.OnResult(rc.Name, ResultFailed)
			d.log.Warn("webhook: delivery failed", "webhook", rc.Name, "delivery", dl.id, "kind", dl.event.Kind,
				"attempts", n, "err", a.Error)
			return
		}
		d.cfg.OnResult(rc.Name, ResultRetried)
		t := time.NewTimer(backoff(rc.RetryMin, n))
		select {
		case <-t.C:
		case <-d.ctx.Done():
			t.Stop()
			rc.finish(dl, StateAbandoned)
			return
		}
	}
}

// backoff is the delay after the n-th failed attempt: first doubled
// n-1 times, capped at RetryMax, of which a random part up to half is
// taken off (so that receivers coming back are not hit by every sender at
// once).
func backoff(first time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < RetryMax; i++ {
		d *= 2
	}
	d = min(d, RetryMax)
	half := int64(d / 2)
	j, err := rand.Int(rand.Reader, big.NewInt(half+1))
	if err != nil {
		return d
	}
	return time.Duration(half + j.Int64())
}

// attempt POSTs dl once, signed now. retry says whether a failure may
// pass: a network error, a timeout, 408, 429 or 5xx; any other answer
// outside 2xx is the receiver's refusal.
func (d *Dispatcher) attempt(rc *receiver, dl *delivery) (a Attempt, retry bool) {
	now := d.cfg.Now()
	a.At = now.UTC()
	ctx, cancel := context.WithTimeout(d.ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rc.URL, bytes.NewReader(dl.body))
	if err != nil {
		a.Error = "request: " + err.Error()
		return a, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Conclave-Webhook/1")
	webhook.SetHeaders(req.Header, rc.Secret, dl.id, now, dl.body)
	resp, err := rc.Client.Do(req)
	a.DurationMS = d.cfg.Now().Sub(now).Milliseconds()
	if err != nil {
		// url.Error names the URL, which may hold the receiver's token
		// in its query: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		a.Error = err.Error()
		return a, true
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	_ = resp.Body.Close()
	a.Status = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return a, false
	}
	a.Error = "answered " + strconv.Itoa(resp.StatusCode)
	c := resp.StatusCode
	return a, c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500
}
