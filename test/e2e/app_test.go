package e2e

import "testing"

// TestRejoin: Leave, then Rejoin, keeps the microphone and camera as the
// user had them, and the page in between says once that they left.
func TestRejoin(t *testing.T) {
	e := newEnv(t)
	e.scenario("rejoin", room("rejoin"), nil, nil)
}

// TestServerRestart: a meeting survives a clean shutdown and a crash of the
// server followed by a start, by itself, with a countdown meanwhile; a
// rejoin while the server is down is retried by itself.
func TestServerRestart(t *testing.T) {
	e, p := newProcessEnv(t)
	r := e.scenario("restart", room("restart"), nil, p.steps())
	for _, phase := range []string{"shutdown", "crash", "rejoin"} {
		if c, _ := r[phase].(map[string]any)["countdown"].([]any); len(c) == 0 {
			t.Errorf("%s: no countdown seen: %v", phase, r[phase])
		}
	}
}

// TestUsability: the invite button can be clicked when alone, the meeting
// has a level-one heading and accessible names that contain the visible
// words, single-key shortcuts can be turned off for good, and people with
// the same name are told apart.
func TestUsability(t *testing.T) {
	e := newEnv(t)
	e.scenario("usability", room("usability"), nil, nil)
}
