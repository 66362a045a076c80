package webhooks

import "time"

// Delivery states.
const (
	StatePending   = "pending"   // queued
	StateSending   = "sending"   // attempts in progress (or waiting to retry)
	StateDelivered = "delivered" // a 2xx answer
	StateFailed    = "failed"    // refused, or MaxAttempts made
	StateAbandoned = "abandoned" // the server stopped first
)

// Attempt is one POST of a delivery: when, the HTTP status (0: none),
// how long, and what went wrong ("": nothing).
type Attempt struct {
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	Error      string    `json:"error,omitempty"`
}

// Delivery is one delivery's status.
type Delivery struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Severity  string    `json:"severity"`
	EventTime time.Time `json:"event_time"`
	State     string    `json:"state"`
	Attempts  []Attempt `json:"attempts"`
}

// Stats is a receiver's status: its counts since the server started,
// and its Recent newest deliveries, newest first.
type Stats struct {
	Name            string     `json:"name"`
	URL             string     `json:"url"` // without its query
	Queued          uint64     `json:"queued"`
	Delivered       uint64     `json:"delivered"`
	Failed          uint64     `json:"failed"`
	Dropped         uint64     `json:"dropped"`
	LastDeliveredAt *time.Time `json:"last_delivered_at,omitempty"`
	LastFailedAt    *time.Time `json:"last_failed_at,omitempty"`
	Recent          []Delivery `json:"recent"`
}

// remember adds dl to the recent ones. Called with rc.mu held.
func (rc *receiver) remember(dl *delivery) {
	if len(rc.recent) == Recent {
		copy(rc.recent, rc.recent[1:])
		rc.recent = rc.recent[:Recent-1]
	}
	rc.recent = append(rc.recent, dl)
}

// finish sets dl's final state and counts it.
func (rc *receiver) finish(dl *delivery, state string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	dl.state = state
	var at time.Time
	if n := len(dl.attempts); n > 0 {
		at = dl.attempts[n-1].At
	}
	switch state {
	case StateDelivered:
		rc.stats.Delivered++
		rc.stats.LastDeliveredAt = &at
	case StateFailed:
		rc.stats.Failed++
		rc.stats.LastFailedAt = &at
	}
}

// Status is every receiver's status, in configuration order.
func (d *Dispatcher) Status() []Stats {
	out := make([]Stats, 0, len(d.recv))
	for _, rc := range d.recv {
		rc.mu.Lock()
		s := rc.stats
		s.Recent = make([]Delivery, 0, len(rc.recent))
		for i := len(rc.recent) - 1; i >= 0; i-- {
			dl := rc.recent[i]
			s.Recent = append(s.Recent, Delivery{
				ID: dl.id, Kind: dl.event.Kind, Severity: dl.event.Severity, EventTime: dl.event.Time,
				State: dl.state, Attempts: append([]Attempt{}, dl.attempts...),
			})
		}
		rc.mu.Unlock()
		out = append(out, s)
	}
	return out
}
