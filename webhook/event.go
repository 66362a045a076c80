package webhook

import "time"

// Event is a delivery's body: one security event. Fields that do not
// apply to its kind are omitted.
type Event struct {
	// Time is when it happened (UTC).
	Time time.Time `json:"time"`
	// Kind names it ("signin_failed", "address_blocked", ...) and
	// Severity ranks it: "info", "notice", "warning" or "high", a fixed
	// function of Kind (docs/webhooks.md lists both).
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	// Outcome is "succeeded" or "refused"; Reason says why or which.
	Outcome string `json:"outcome,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Actor did it, to Subject, from IP, in Room.
	Actor   string `json:"actor,omitempty"`
	Subject string `json:"subject,omitempty"`
	IP      string `json:"ip,omitempty"`
	Room    string `json:"room,omitempty"`
	// Details holds what only some kinds have (old_version,
	// new_version, suppressed).
	Details map[string]string `json:"details,omitempty"`
}
