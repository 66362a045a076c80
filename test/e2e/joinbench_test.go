package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"text/tabwriter"
)

// joinBench is the result of joinbench.mjs (times in ms; see the script).
type joinBench struct {
	Tries    int
	Commit   string
	Chromium string
	Machine  struct {
		CPUs                        int
		LoadavgBefore, LoadavgAfter []float64
	}
	Regimes map[string]joinRegime
}

type joinRegime struct {
	Verified joinCandidates
	// Rewritten: .local names put in by the page, not by Chromium (a
	// machine without a default route; see joinbench.mjs).
	Rewritten                                        bool
	Connect, Subscribed, Forward, Published, Reverse *joinSummary
	Tries                                            []joinTry
}

type joinCandidates struct{ Subscriber, Publisher string }

type joinSummary struct {
	Median, Min, Max float64
	N                int
}

type joinTry struct {
	Connect, Subscribed, Forward, Published, Reverse *float64
	// When the first frame's last packet arrived: only a frame that came
	// over RTP has it.
	ForwardReceived, ReverseReceived *float64
	ForwardWidth, ReverseWidth       float64
	Candidates                       joinCandidates
}

// joinRegimes are the regimes joinbench.mjs measures, with the candidates
// each must have run with: the app's preview has the camera granted, so
// Chromium shows it the host's addresses.
var joinRegimes = []struct {
	name       string
	candidates string
	sdk        bool // connect(), trackSubscribed and publishing are timed too
}{
	{"host", "host", true},
	{"mdns", "mdns", true},
	{"app", "host", false},
}

// TestJoinLatencyBenchmark runs the join-latency benchmark of issue 8
// (joinbench.mjs): a newcomer's wait for the first frame of a participant
// already in the room, and that participant's wait for the newcomer's, with
// the SDK (host and mDNS candidates) and with the meeting app. It logs the
// figures and writes them to CONCLAVE_JOINBENCH_OUT
// (artifacts/joinbench.json); CONCLAVE_JOINBENCH_TRIES sets the tries per
// regime. It asserts no time, only that every try rendered a first frame
// both ways in the regime it was meant to run in.
func TestJoinLatencyBenchmark(t *testing.T) {
	e := newEnv(t)
	res := e.scenario("joinbench", room("joinbench"), nil, nil)
	out, _ := res["out"].(string)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the figures: %v", err)
	}
	var r joinBench
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("the figures in %s: %v", out, err)
	}
	if r.Tries < 1 || float64(r.Tries) != num(t, res, "tries") {
		t.Fatalf("%s: %d tries, the scenario ran %v", out, r.Tries, res["tries"])
	}
	positive := func(x *float64) bool { return x != nil && *x > 0 }
	for _, want := range joinRegimes {
		reg, ok := r.Regimes[want.name]
		if !ok {
			t.Errorf("%s: not measured", want.name)
			continue
		}
		if len(reg.Tries) != r.Tries {
			t.Errorf("%s: %d tries, want %d", want.name, len(reg.Tries), r.Tries)
		}
		for i, try := range reg.Tries {
			if !positive(try.Forward) || !positive(try.ForwardReceived) || try.ForwardWidth <= 0 {
				t.Errorf("%s try %d: no first frame of the participant in the room: %+v", want.name, i+1, try)
			}
			if !positive(try.Reverse) || !positive(try.ReverseReceived) || try.ReverseWidth <= 0 {
				t.Errorf("%s try %d: no first frame of the newcomer: %+v", want.name, i+1, try)
			}
			if want.sdk && (!positive(try.Connect) || !positive(try.Subscribed) || !positive(try.Published)) {
				t.Errorf("%s try %d: connect, trackSubscribed or publishing not timed: %+v", want.name, i+1, try)
			}
			if try.Candidates.Subscriber != want.candidates || try.Candidates.Publisher != want.candidates {
				t.Errorf("%s try %d: ran with candidates %+v, want %s for both PeerConnections", want.name, i+1, try.Candidates, want.candidates)
			}
		}
	}
	t.Log(joinTable(r, out))
}

// joinTable formats the medians, minima and maxima of each regime.
func joinTable(r joinBench, file string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "join latency, ms from connect() (app: from \"Join now\"), %d tries per regime, median (min-max); commit %s, Chromium %s, %d CPUs, load average %v before, %v after; %s\n",
		r.Tries, r.Commit, r.Chromium, r.Machine.CPUs, r.Machine.LoadavgBefore, r.Machine.LoadavgAfter, file)
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "regime\tcandidates\tconnect\tsubscribed\tforward\tpublished\treverse")
	cell := func(s *joinSummary) string {
		if s == nil {
			return "-"
		}
		return fmt.Sprintf("%.0f (%.0f-%.0f)", s.Median, s.Min, s.Max)
	}
	for _, want := range joinRegimes {
		reg := r.Regimes[want.name]
		cands := reg.Verified.Subscriber
		if reg.Rewritten {
			cands += " (rewritten)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", want.name, cands,
			cell(reg.Connect), cell(reg.Subscribed), cell(reg.Forward), cell(reg.Published), cell(reg.Reverse))
	}
	_ = w.Flush()
	return sb.String()
}
