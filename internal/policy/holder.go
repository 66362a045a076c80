package policy

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conclave-video/conclave/internal/config"
)

// Holder holds the policy in force. Current is one atomic load: every
// request may call it. The zero Holder holds nothing; New gives one that
// holds a policy from the start.
type Holder struct {
	p atomic.Pointer[Policy]
	// mu orders installs, so that an older version never replaces a
	// newer one that a concurrent install put in, and the watchers hear
	// of them in that order.
	mu       sync.Mutex
	watchers []func(old, new *Policy)
}

// Watch registers f to run after every policy Install puts in force
// (whoever installs it: the admin API or the Watcher), with the one it
// replaced, one at a time and in the order they went in force: the
// server applies a new policy to what is already running (live rooms).
// f must not call Install.
func (h *Holder) Watch(f func(old, new *Policy)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers = append(h.watchers, f)
}

// NewHolder returns a Holder with p in force.
func NewHolder(p *Policy) *Holder {
	h := &Holder{}
	h.p.Store(p)
	return h
}

// Current returns the policy in force. Callers must not change it.
func (h *Holder) Current() *Policy { return h.p.Load() }

// Install puts p in force unless a policy of a newer version already is;
// it returns the policy it replaced and whether p went in. Defaults
// (version 0) replace only defaults.
func (h *Holder) Install(p *Policy) (old *Policy, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old = h.p.Load()
	if old != nil && p.Version <= old.Version && (p.Version != 0 || old.Version != 0) {
		return old, false
	}
	h.p.Store(p)
	for _, f := range h.watchers {
		f(old, p)
	}
	return old, true
}

// Record is one stored version as the Watcher reads it.
type Record struct {
	Version   int64
	Text      string
	Author    string
	AppliedAt time.Time
}

// FromRecord parses a stored version into the policy it puts in force.
func FromRecord(rec Record) (*Policy, error) {
	rules, err := Parse([]byte(rec.Text))
	if err != nil {
		return nil, err
	}
	return &Policy{Rules: rules, Version: rec.Version, Source: SourceStored,
		Author: rec.Author, AppliedAt: rec.AppliedAt, Text: rec.Text}, nil
}

// Latest finds the newest stored version; found is false when none is.
// The server's store implements it through a small adapter.
type Latest func(ctx context.Context) (rec Record, found bool, err error)

// Change is a version the Watcher put in force, or refused.
type Change struct {
	Old, New *Policy
	// Refused is set when the newest stored version does not parse (a
	// database written by hand, or by a newer Conclave): the old policy
	// stays in force. New is nil then, and Version the refused number.
	Refused error
	Version int64
}

// PollInterval is how often the Watcher asks the store for a newer
// version: a version applied on this machine's command line, or later on
// another node, is in force within it.
const PollInterval = 2 * time.Second

// Watcher keeps a Holder at the newest stored version.
type Watcher struct {
	Holder *Holder
	Latest Latest
	// OnChange hears of every version put in force, or refused, by the
	// Watcher (not of those installed directly, as the admin API does).
	OnChange func(Change)
	Logger   *slog.Logger
	// Interval is PollInterval when zero.
	Interval time.Duration

	refused int64 // the last version refused, so it is reported once
}

// Load reads the newest version once and installs it. At start the
// server calls it before serving: a stored policy that does not parse
// then stops the start, rather than serve under the defaults.
func (w *Watcher) Load(ctx context.Context) error {
	rec, found, err := w.Latest(ctx)
	if err != nil {
		return fmt.Errorf("policy: load: %w", err)
	}
	if !found {
		return nil
	}
	p, err := FromRecord(rec)
	if err != nil {
		return &StoredVersionError{Version: rec.Version, Err: err}
	}
	w.Holder.Install(p)
	return nil
}

// StoredVersionError is the newest stored version not parsing: the
// server does not start with it.
type StoredVersionError struct {
	Version int64
	Err     error
}

func (e *StoredVersionError) Error() string {
	return fmt.Sprintf("policy: stored version %d: %v", e.Version, e.Err)
}

func (e *StoredVersionError) Unwrap() error { return e.Err }

// Effective is the policy a server with cfg puts in force at its start,
// read as the server reads it (Watcher.Load): the newest stored version,
// or the defaults seeded from cfg when none is stored. A newest version
// that does not parse is a *StoredVersionError.
func Effective(ctx context.Context, latest Latest, cfg config.Config) (*Policy, error) {
	w := Watcher{Holder: NewHolder(Defaults(cfg)), Latest: latest}
	if err := w.Load(ctx); err != nil {
		return nil, err
	}
	return w.Holder.Current(), nil
}

// Run polls until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	iv := w.Interval
	if iv <= 0 {
		iv = PollInterval
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.Poll(ctx)
		}
	}
}

// Poll checks once for a newer version and installs it.
func (w *Watcher) Poll(ctx context.Context) {
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rec, found, err := w.Latest(ctx)
	if err != nil {
		log.Warn("policy: cannot read the stored policy; the one in force stays", "err", err)
		return
	}
	cur := w.Holder.Current()
	if !found || (cur != nil && rec.Version <= cur.Version) || rec.Version == w.refused {
		return
	}
	p, err := FromRecord(rec)
	if err != nil {
		w.refused = rec.Version
		log.Error("policy: the newest stored version is invalid; the one in force stays", "version", rec.Version, "err", err)
		if w.OnChange != nil {
			w.OnChange(Change{Old: cur, Refused: err, Version: rec.Version})
		}
		return
	}
	old, ok := w.Holder.Install(p)
	if !ok {
		return
	}
	log.Info("policy: version in force", "version", p.Version, "author", p.Author)
	if w.OnChange != nil {
		w.OnChange(Change{Old: old, New: p, Version: p.Version})
	}
}
