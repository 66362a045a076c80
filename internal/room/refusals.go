package room

import (
	"sync"
	"time"
)

// Refusal security events (revoked_token_refused, banned_refused) are
// throttled, so that a flood of refused joins cannot flood the event
// stream and what listens to it (metrics, the audit log): for each kind,
// room, identity, reason and client address, the first in an interval is
// published at once and the others in that interval are counted; at the
// interval's end one more event like the last carries the count
// (Suppressed). The
// set of those being counted is bounded: past MaxRefusalKeys, every other
// refusal of a kind is counted under one shared key (Subject and IP "",
// Reason "overflow").
const (
	RefusalEventInterval = time.Minute
	MaxRefusalKeys       = 4096
)

type refusalKey struct {
	kind            SecurityKind
	room            RoomName
	subject, reason string
	ip              string
}

type refusalWindow struct {
	start      time.Time
	suppressed int
	last       SecurityEvent // the last one counted, for the summary
	flushing   bool          // a timer will publish the count
}

type refusalThrottle struct {
	mu sync.Mutex
	m  map[refusalKey]*refusalWindow
}

// SecurityRefused publishes ev, a refusal security event of room ("" for
// none), through the refusal throttle.
func (m *Manager) SecurityRefused(name RoomName, ev SecurityEvent) {
	if !ev.Kind.Known() {
		ev.Kind = SecurityUnknown
	}
	now := m.cfg.Now()
	k := refusalKey{ev.Kind, name, ev.Subject, ev.Reason, ev.IP}
	t := &m.refusals
	t.mu.Lock()
	if t.m == nil {
		t.m = make(map[refusalKey]*refusalWindow)
	}
	w, ok := t.m[k]
	if !ok && len(t.m) >= MaxRefusalKeys {
		t.purgeLocked(now)
		if len(t.m) >= MaxRefusalKeys {
			k = refusalKey{kind: ev.Kind, reason: "overflow"}
			ev.Subject, ev.Reason, ev.IP = "", "overflow", ""
			w, ok = t.m[k]
		}
	}
	if !ok || !now.Before(w.start.Add(RefusalEventInterval)) && !w.flushing {
		t.m[k] = &refusalWindow{start: now}
		t.mu.Unlock()
		m.publish(Event{Kind: EventSecurity, Time: now, Room: name, Security: &ev})
		return
	}
	w.suppressed++
	w.last = ev
	if !w.flushing {
		w.flushing = true
		m.cfg.AfterFunc(w.start.Add(RefusalEventInterval).Sub(now), func() { m.flushRefusals(k, name) })
	}
	t.mu.Unlock()
}

// flushRefusals publishes the count of k's window, if any was
// suppressed, which starts a new window.
func (m *Manager) flushRefusals(k refusalKey, name RoomName) {
	now := m.cfg.Now()
	t := &m.refusals
	t.mu.Lock()
	w := t.m[k]
	if w == nil || w.suppressed == 0 {
		if w != nil {
			w.flushing = false
		}
		t.mu.Unlock()
		return
	}
	ev := w.last
	ev.Suppressed = w.suppressed
	t.m[k] = &refusalWindow{start: now}
	t.mu.Unlock()
	m.publish(Event{Kind: EventSecurity, Time: now, Room: name, Security: &ev})
}

// FlushRefusals publishes at once every count still waiting for its
// interval's end, and starts new windows: the server calls it at shutdown,
// after the last request, so that the counts reach the audit log before
// it closes. The timers that were to publish them then find nothing.
func (m *Manager) FlushRefusals() {
	now := m.cfg.Now()
	t := &m.refusals
	var due []Event
	t.mu.Lock()
	for k, w := range t.m {
		if w.suppressed == 0 {
			continue
		}
		ev := w.last
		ev.Suppressed = w.suppressed
		t.m[k] = &refusalWindow{start: now}
		due = append(due, Event{Kind: EventSecurity, Time: now, Room: k.room, Security: &ev})
	}
	t.mu.Unlock()
	for _, e := range due {
		m.publish(e)
	}
}

// purgeLocked forgets the windows that are over with nothing to report.
// Called with t.mu held.
func (t *refusalThrottle) purgeLocked(now time.Time) {
	for k, w := range t.m {
		if !w.flushing && !now.Before(w.start.Add(RefusalEventInterval)) {
			delete(t.m, k)
		}
	}
}
