package room

import "time"

// A meeting with a maximum duration is warned this long before it ends
// (EventMeetingEnding, wire meeting_ending), each warning that fits in its
// duration, and then ended for everyone (leave max_duration).
const (
	EndWarningFirst = 5 * time.Minute
	EndWarningLast  = time.Minute
	// MaxDurationCeiling bounds a room's maximum duration when the server
	// sets no bound of its own.
	MaxDurationCeiling = 7 * 24 * time.Hour
)

// armDuration starts the timers of the room's maximum duration, counted
// from its creation: a room restored after a restart keeps its end.
// Called before r is shared, or with r.mu held (shortenLocked).
func (r *Room) armDuration() {
	d := r.spec.MaxDuration
	if d <= 0 {
		return
	}
	clock := r.manager.cfg.AfterFunc
	r.endsAt = r.createdAt.Add(d)
	left := r.endsAt.Sub(r.manager.now())
	for _, w := range []time.Duration{EndWarningFirst, EndWarningLast} {
		if left > w {
			r.endTimers = append(r.endTimers, clock(left-w, r.warnEnding))
		}
	}
	r.endTimers = append(r.endTimers, clock(max(left, 0), func() {
		_ = r.manager.end(r, Actor{}, ReasonMaxDuration)
	}))
}

// warnEnding tells everyone when the meeting ends.
func (r *Room) warnEnding() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	left := max(r.endsAt.Sub(r.manager.now()), 0)
	r.emit(Event{Kind: EventMeetingEnding, EndsAt: r.endsAt, Remaining: left}, r.everyone(nil)...)
}

// endsAtPtr is the end for Info: nil for never. Called with r.mu held.
func (r *Room) endsAtPtr() *time.Time {
	if r.endsAt.IsZero() {
		return nil
	}
	t := r.endsAt
	return &t
}

// shortenLocked bounds the meeting to d from its creation if that ends it
// earlier than now planned (never later): the timers are set again, and
// everyone is told the new end at once (EventMeetingEnding) and warned
// again before it, as the warnings fit. It reports whether it did.
// Called with r.mu held.
func (r *Room) shortenLocked(d time.Duration) bool {
	end := r.createdAt.Add(d)
	if !r.endsAt.IsZero() && !end.Before(r.endsAt) {
		return false
	}
	for _, t := range r.endTimers {
		t.Stop()
	}
	r.endTimers = nil
	r.spec.MaxDuration = d
	r.armDuration()
	left := max(r.endsAt.Sub(r.manager.now()), 0)
	r.emit(Event{Kind: EventMeetingEnding, EndsAt: r.endsAt, Remaining: left}, r.everyone(nil)...)
	r.security(SecurityEvent{Kind: SecurityPolicyMeetingShortened, Outcome: OutcomeSucceeded, Actor: "server",
		Reason: r.endsAt.UTC().Format(time.RFC3339)})
	return true
}
