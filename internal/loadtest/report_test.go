package loadtest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseMetrics(t *testing.T) {
	const text = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 1.048576e+08
conclave_forwarded_packets_total{kind="video",room="a b}c"} 1000
conclave_forwarded_packets_total{kind="audio",room="q\"x"} 250 1712345678000
conclave_forwarded_packets_totally 7
go_gc_duration_seconds{quantile="0.5"} NaN

other_metric +Inf
`
	m, err := ParseMetrics(strings.NewReader(text), MetricCPU, MetricRSS, MetricForwarded, "missing")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{MetricCPU: 12.5, MetricRSS: 104857600, MetricForwarded: 1250}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if _, ok := m["missing"]; ok {
		t.Error("missing metric present")
	}
	for _, bad := range []string{
		"conclave_forwarded_packets_total{kind=\"x\" 5\n",
		"conclave_forwarded_packets_total abc\n",
		"conclave_forwarded_packets_total\n",
		"conclave_forwarded_packets_total 1 2 3\n",
	} {
		if _, err := ParseMetrics(strings.NewReader(bad), MetricForwarded); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestSummarize(t *testing.T) {
	t0 := time.Unix(1000, 0)
	w := Window{
		Start: t0, End: t0.Add(10 * time.Second),
		From:           Counts{Packets: 1000, Bytes: 1_000_000, Expected: 1000},
		To:             Counts{Packets: 26000, Bytes: 26_000_000, Expected: 26100},
		TesterCPUFrom:  time.Second,
		TesterCPUTo:    2 * time.Second,
		TesterCPUKnown: true,
		Baseline:       &Sample{At: t0.Add(-5 * time.Second), RSS: 100 << 20},
		ServerFrom:     &Sample{At: t0, CPU: 10, Forwarded: 5000},
		ServerTo:       &Sample{At: t0.Add(10 * time.Second), CPU: 15, Forwarded: 255000, RSS: 110 << 20},
		Subscribers:    10,
		Joined:         []time.Duration{50, 10, 40, 20, 30, 60, 70, 80, 90, 100},
		FirstMedia:     []time.Duration{120 * time.Millisecond},
		FirstKeyframe:  []time.Duration{300 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
		Decrypting:     4,
	}
	r := Summarize(w)
	if r.PacketsPerSec != 2500 || r.Mbps != 20 {
		t.Errorf("rate = %v pkt/s %v Mbit/s", r.PacketsPerSec, r.Mbps)
	}
	if r.Loss < 0.00398 || r.Loss > 0.00399 { // 100 of 25100
		t.Errorf("loss = %v", r.Loss)
	}
	if r.JoinP50 != 50 || r.JoinP95 != 100 || r.MediaP50 != 120*time.Millisecond || r.MediaP95 != 120*time.Millisecond {
		t.Errorf("percentiles %v %v %v %v", r.JoinP50, r.JoinP95, r.MediaP50, r.MediaP95)
	}
	if r.KeyframeP50 != 200*time.Millisecond || r.KeyframeP95 != 300*time.Millisecond || r.Keyframes != 3 || r.Decrypting != 4 {
		t.Errorf("key frame %v %v, %d of %d", r.KeyframeP50, r.KeyframeP95, r.Keyframes, r.Decrypting)
	}
	if r.TesterCPU != 0.1 || r.ServerCPU != 0.5 {
		t.Errorf("cpu tester %v server %v", r.TesterCPU, r.ServerCPU)
	}
	if r.ServerCPUPerPacket != 20*time.Microsecond { // 5 s / 250000 packets
		t.Errorf("cpu per packet = %v", r.ServerCPUPerPacket)
	}
	if r.ServerRSSPerSubscriber != 1<<20 {
		t.Errorf("rss per subscriber = %v", r.ServerRSSPerSubscriber)
	}
	var out bytes.Buffer
	_ = r.Write(&out)
	for _, s := range []string{
		"2500 packets/s", "20.00 Mbit/s", "20.00 µs per forwarded packet", "1024.0 KiB per subscriber", "10.0 %",
		"first media         median 120 ms, p95 120 ms (connect -> first RTP packet)",
		"first key frame     median 200 ms, p95 300 ms (connect -> first complete VP8 key frame, decrypted; 3 of 4 decrypting subscribers)",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out.String())
		}
	}
	// Duplicates (retransmissions) never make loss negative; no metrics is
	// fine; no key frame is said, not printed as 0 ms.
	r = Summarize(Window{Start: t0, End: t0.Add(time.Second), To: Counts{Packets: 11, Expected: 10}, Decrypting: 2})
	if r.Loss != 0 || r.Server {
		t.Errorf("loss %v server %v", r.Loss, r.Server)
	}
	out.Reset()
	_ = r.Write(&out)
	if want := "first key frame     none (0 of 2 decrypting subscribers saw a complete VP8 key frame)"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
}

func TestTrackCounter(t *testing.T) {
	var c trackCounter
	pkt := make([]byte, 100)
	send := func(seq uint16) {
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		c.observe(pkt)
	}
	// Starts near the wrap, loses one, reorders one, wraps.
	for _, s := range []uint16{65533, 65534, 0, 65535, 2, 3} {
		send(s)
	}
	if got := c.expected.Load(); got != 7 { // 65533 .. 3
		t.Errorf("expected = %d, want 7", got)
	}
	if c.packets.Load() != 6 || c.bytes.Load() != 600 {
		t.Errorf("packets %d bytes %d", c.packets.Load(), c.bytes.Load())
	}
	c.observe(pkt[:5]) // too short to be RTP
	if c.packets.Load() != 6 {
		t.Error("short packet counted")
	}
}

// TestReportWarnsOfForeignMetrics: figures scraped from a server that did
// not carry this run's media are flagged, not printed as if they were.
func TestReportWarnsOfForeignMetrics(t *testing.T) {
	for _, tc := range []struct {
		forwarded float64
		warn      bool
	}{{0, true}, {1000, true}, {9000, false}, {10000, false}} {
		r := Report{Server: true, PacketsPerSec: 10000, ServerForwardedPerSec: tc.forwarded}
		var b bytes.Buffer
		if err := r.Write(&b); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "WARNING"); got != tc.warn {
			t.Errorf("forwarded %v of 10000 packets/s received: warning %v, want %v\n%s", tc.forwarded, got, tc.warn, b.String())
		}
	}
}
