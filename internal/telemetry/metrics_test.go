package telemetry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type fakeForwarding struct{ packets, bytes, nacks, plis, dropped, direct, pionPath uint64 }

func (f *fakeForwarding) PacketsForwarded() uint64    { return f.packets }
func (f *fakeForwarding) BytesForwarded() uint64      { return f.bytes }
func (f *fakeForwarding) NACKsReceived() uint64       { return f.nacks }
func (f *fakeForwarding) PLIsSent() uint64            { return f.plis }
func (f *fakeForwarding) PacketsDropped() uint64      { return f.dropped }
func (f *fakeForwarding) PacketsDirect() uint64       { return f.direct }
func (f *fakeForwarding) PionPathConnections() uint64 { return f.pionPath }

func TestMetricsExposition(t *testing.T) {
	reg := prometheus.NewRegistry()
	fwd := &fakeForwarding{packets: 10, bytes: 12000, nacks: 3, plis: 2, dropped: 1, direct: 9, pionPath: 4}
	m := NewMetrics(reg, fwd)
	m.Rooms.Set(2)
	m.Participants.Set(5)
	m.TracksPublished.Set(7)
	m.Subscriptions.Set(21)
	m.SignalError("rate_limited")
	m.SignalError("rate_limited")
	m.SignalError("bad_message")
	fwd.packets = 42 // read at scrape time

	want := `
# HELP conclave_forwarded_packets_total RTP packets forwarded to subscribers.
# TYPE conclave_forwarded_packets_total counter
conclave_forwarded_packets_total 42
# HELP conclave_forwarded_bytes_total RTP bytes forwarded to subscribers.
# TYPE conclave_forwarded_bytes_total counter
conclave_forwarded_bytes_total 12000
# HELP conclave_nacks_total NACKs received from subscribers.
# TYPE conclave_nacks_total counter
conclave_nacks_total 3
# HELP conclave_plis_total PLIs sent to publishers.
# TYPE conclave_plis_total counter
conclave_plis_total 2
# HELP conclave_forward_dropped_packets_total RTP packets dropped instead of forwarded.
# TYPE conclave_forward_dropped_packets_total counter
conclave_forward_dropped_packets_total 1
# HELP conclave_forwarded_direct_packets_total Forwarded RTP packets sealed and sent by the direct SRTP path rather than pion's write path.
# TYPE conclave_forwarded_direct_packets_total counter
conclave_forwarded_direct_packets_total 9
# HELP conclave_subscriber_pion_path_total Subscriber connections whose media takes pion's write path (no direct SRTP path to their selected pair, e.g. ICE-TCP).
# TYPE conclave_subscriber_pion_path_total counter
conclave_subscriber_pion_path_total 4
# HELP conclave_rooms Rooms open on this node.
# TYPE conclave_rooms gauge
conclave_rooms 2
# HELP conclave_participants Participants connected to this node.
# TYPE conclave_participants gauge
conclave_participants 5
# HELP conclave_tracks_published Tracks being published.
# TYPE conclave_tracks_published gauge
conclave_tracks_published 7
# HELP conclave_subscriptions Down-tracks: one per subscriber per track.
# TYPE conclave_subscriptions gauge
conclave_subscriptions 21
# HELP conclave_signal_errors_total Signaling errors sent to clients, by error code.
# TYPE conclave_signal_errors_total counter
conclave_signal_errors_total{code="bad_message"} 1
conclave_signal_errors_total{code="rate_limited"} 2
`
	names := []string{
		"conclave_forwarded_packets_total", "conclave_forwarded_bytes_total", "conclave_nacks_total",
		"conclave_plis_total", "conclave_forward_dropped_packets_total", "conclave_forwarded_direct_packets_total", "conclave_subscriber_pion_path_total", "conclave_rooms",
		"conclave_participants", "conclave_tracks_published", "conclave_subscriptions",
		"conclave_signal_errors_total",
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, s := range []string{"conclave_rooms 2", "go_goroutines", "conclave_forwarded_packets_total 42"} {
		if !strings.Contains(string(body), s) {
			t.Errorf("exposition lacks %q", s)
		}
	}
}

func TestMetricsNilForwarding(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg, nil)
	if n, err := testutil.GatherAndCount(reg, "conclave_plis_total"); err != nil || n != 1 {
		t.Errorf("count = %d, %v", n, err)
	}
}
