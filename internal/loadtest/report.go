package loadtest

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"
)

// Window is what was measured over the steady part of a run.
type Window struct {
	Start, End time.Time
	From, To   Counts // subscriber receive counters at Start and End

	TesterCPUFrom, TesterCPUTo time.Duration
	TesterCPUKnown             bool

	// Server metrics: before subscribers joined, at Start and at End. Nil
	// when metrics were not scraped.
	Baseline, ServerFrom, ServerTo *Sample

	Clients     Clients
	Joined      []time.Duration // connect -> joined, per subscriber
	FirstMedia  []time.Duration // connect -> first media packet, per subscriber
	Subscribers int             // subscribers connected at End

	// FirstKeyframe is connect -> first complete VP8 key frame, per
	// decrypting subscriber that saw one: only they see payloads.
	FirstKeyframe []time.Duration
	Decrypting    int // decrypting subscribers connected at End
}

// Clients counts client outcomes.
type Clients struct {
	Publishers, Subscribers int // connected
	Failed                  int // could not connect or publish
	Disconnected            int // lost during the run
}

// Report is the result of a run.
type Report struct {
	Window                 time.Duration
	Clients                Clients
	Packets, Bytes         uint64
	PacketsPerSec, Mbps    float64
	Expected               uint64
	Loss                   float64 // fraction of expected packets not received
	JoinP50, JoinP95       time.Duration
	MediaP50, MediaP95     time.Duration
	TesterCPU              float64 // fraction of one core
	TesterCPUKnown         bool
	Server                 bool    // server metrics available
	ServerCPU              float64 // fraction of one core
	ServerForwardedPerSec  float64
	ServerCPUPerPacket     time.Duration
	ServerRSS              float64 // bytes at End
	ServerRSSPerSubscriber float64 // bytes

	// Connect -> first complete VP8 key frame, over the Keyframes of the
	// Decrypting subscribers that saw one.
	KeyframeP50, KeyframeP95 time.Duration
	Keyframes, Decrypting    int
}

// Summarize computes a Report from a Window.
func Summarize(w Window) Report {
	r := Report{Window: w.End.Sub(w.Start), Clients: w.Clients}
	secs := r.Window.Seconds()
	r.Packets = sub(w.To.Packets, w.From.Packets)
	r.Bytes = sub(w.To.Bytes, w.From.Bytes)
	r.Expected = sub(w.To.Expected, w.From.Expected)
	if secs > 0 {
		r.PacketsPerSec = float64(r.Packets) / secs
		r.Mbps = float64(r.Bytes) * 8 / secs / 1e6
	}
	if r.Expected > 0 && r.Packets < r.Expected {
		r.Loss = 1 - float64(r.Packets)/float64(r.Expected)
	}
	r.JoinP50, r.JoinP95 = percentile(w.Joined, 0.5), percentile(w.Joined, 0.95)
	r.MediaP50, r.MediaP95 = percentile(w.FirstMedia, 0.5), percentile(w.FirstMedia, 0.95)
	r.KeyframeP50, r.KeyframeP95 = percentile(w.FirstKeyframe, 0.5), percentile(w.FirstKeyframe, 0.95)
	r.Keyframes, r.Decrypting = len(w.FirstKeyframe), w.Decrypting
	if w.TesterCPUKnown && secs > 0 {
		r.TesterCPUKnown = true
		r.TesterCPU = (w.TesterCPUTo - w.TesterCPUFrom).Seconds() / secs
	}
	if w.ServerFrom != nil && w.ServerTo != nil {
		r.Server = true
		span := w.ServerTo.At.Sub(w.ServerFrom.At).Seconds()
		dcpu := w.ServerTo.CPU - w.ServerFrom.CPU
		dfwd := w.ServerTo.Forwarded - w.ServerFrom.Forwarded
		if span > 0 {
			r.ServerCPU = dcpu / span
			r.ServerForwardedPerSec = dfwd / span
		}
		if dfwd > 0 {
			r.ServerCPUPerPacket = time.Duration(dcpu / dfwd * float64(time.Second))
		}
		r.ServerRSS = w.ServerTo.RSS
		if w.Baseline != nil && w.Subscribers > 0 {
			r.ServerRSSPerSubscriber = (w.ServerTo.RSS - w.Baseline.RSS) / float64(w.Subscribers)
		}
	}
	return r
}

// metricsMismatch reports whether the scraped server forwarded less than
// half of what this run's subscribers received: metrics from another
// server (the default --metrics-url points at 127.0.0.1:9090).
func (r Report) metricsMismatch() bool {
	return r.Server && r.PacketsPerSec > 0 && r.ServerForwardedPerSec < r.PacketsPerSec/2
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// percentile returns the nearest-rank p-quantile (0 < p <= 1) of ds, or 0.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p*float64(len(s)))) - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}

// Write prints the report for people.
func (r Report) Write(w io.Writer) error {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("steady window       %.1f s", r.Window.Seconds())
	p("clients             %d publishers, %d subscribers connected; %d failed, %d disconnected",
		r.Clients.Publishers, r.Clients.Subscribers, r.Clients.Failed, r.Clients.Disconnected)
	p("received            %.0f packets/s, %.2f Mbit/s (all subscribers)", r.PacketsPerSec, r.Mbps)
	p("loss                %.3f %% (%d of %d expected packets missing)", r.Loss*100, sub(r.Expected, r.Packets), r.Expected)
	p("join time           median %s, p95 %s (connect -> joined)", ms(r.JoinP50), ms(r.JoinP95))
	p("first media         median %s, p95 %s (connect -> first RTP packet)", ms(r.MediaP50), ms(r.MediaP95))
	if r.Keyframes > 0 {
		p("first key frame     median %s, p95 %s (connect -> first complete VP8 key frame, decrypted; %d of %d decrypting subscribers)",
			ms(r.KeyframeP50), ms(r.KeyframeP95), r.Keyframes, r.Decrypting)
	} else {
		p("first key frame     none (0 of %d decrypting subscribers saw a complete VP8 key frame)", r.Decrypting)
	}
	if r.Server {
		p("server forwarded    %.0f packets/s", r.ServerForwardedPerSec)
		p("server CPU          %.1f %% of a core, %.2f µs per forwarded packet",
			r.ServerCPU*100, float64(r.ServerCPUPerPacket)/float64(time.Microsecond))
		p("server memory       %.1f MiB resident, %.1f KiB per subscriber",
			r.ServerRSS/(1<<20), r.ServerRSSPerSubscriber/(1<<10))
		if r.metricsMismatch() {
			p("WARNING             the server at --metrics-url forwarded far fewer packets than the subscribers received:")
			p("                    it is probably not the server under test, and its figures above are not this run's")
		}
	} else {
		p("server metrics      not available (see --metrics-url)")
	}
	if r.TesterCPUKnown {
		p("load tester CPU     %.1f %% of a core", r.TesterCPU*100)
	}
	return nil
}
