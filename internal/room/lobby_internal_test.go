package room

import (
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/guard"
)

// TestPasswordThrottles holds the throttles of wrong room passwords to
// what docs/access.md ("Lobby and password") promises.
func TestPasswordThrottles(t *testing.T) {
	for _, c := range []struct {
		name string
		got  guard.ThrottlePolicy
		want guard.ThrottlePolicy
	}{
		{"per address", passwordAddrThrottle(), guard.ThrottlePolicy{Free: 5, Base: time.Second, Max: 5 * time.Minute, Forget: 15 * time.Minute}},
		{"per room", passwordRoomThrottle(), guard.ThrottlePolicy{Free: 20, Base: time.Second, Max: time.Minute, Forget: 15 * time.Minute}},
	} {
		if c.got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, c.got, c.want)
		}
	}
}
