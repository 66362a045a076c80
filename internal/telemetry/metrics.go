package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// ForwardingStats is the media forwarding core's running totals, read when
// metrics are scraped.
type ForwardingStats interface {
	PacketsForwarded() uint64
	BytesForwarded() uint64
	NACKsReceived() uint64
	PLIsSent() uint64
	PacketsDropped() uint64
	PacketsDirect() uint64
	PionPathConnections() uint64
}

// Metrics are the collectors the rest of the server updates. Gauges are set
// by their owners (room, sfu); forwarding counters are read from
// ForwardingStats at scrape time.
type Metrics struct {
	Rooms           prometheus.Gauge
	Participants    prometheus.Gauge
	TracksPublished prometheus.Gauge
	Subscriptions   prometheus.Gauge // down-tracks
	SignalErrors    *prometheus.CounterVec
	// UnauthEvicted counts connections closed before presenting a valid
	// token to make room for newer ones, by reason: per_ip (their address
	// was at its cap) or budget (all unauthenticated connections were).
	UnauthEvicted *prometheus.CounterVec
	Decisions     *prometheus.CounterVec
	RoomEvents    *prometheus.CounterVec
	Security      *prometheus.CounterVec
	// SecuritySeverity counts security events by severity (a fixed
	// function of the kind: docs/webhooks.md); Webhooks counts webhook
	// results by receiver and result (delivered, retried, failed,
	// dropped).
	SecuritySeverity *prometheus.CounterVec
	Webhooks         *prometheus.CounterVec

	// Media monitoring (docs/operations.md): node-wide distributions,
	// one observation per participant (bitrate) or subscription (loss,
	// RTT) per sample. No room or participant labels: their names are
	// chosen by users, so their number has no bound a time series
	// database could hold; per-participant figures are in the REST API's
	// room stats.
	PublishBitrate  prometheus.Histogram
	SubscriberLoss  prometheus.Histogram
	SubscriberRTT   prometheus.Histogram
	BitrateLimited  prometheus.Counter
	BitrateExceeded prometheus.Counter
	SignalFloods    prometheus.Counter
}

// NewMetrics creates the metrics and registers them, with the process and Go
// runtime collectors, on reg. fwd may be nil (the forwarding counters then
// stay zero). It panics if reg already holds collectors of the same names,
// which is a wiring bug.
func NewMetrics(reg *prometheus.Registry, fwd ForwardingStats) *Metrics {
	if fwd == nil {
		fwd = noForwarding{}
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	}
	m := &Metrics{
		Rooms:           gauge("conclave_rooms", "Rooms open on this node."),
		Participants:    gauge("conclave_participants", "Participants connected to this node."),
		TracksPublished: gauge("conclave_tracks_published", "Tracks being published."),
		Subscriptions:   gauge("conclave_subscriptions", "Down-tracks: one per subscriber per track."),
		SignalErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_signal_errors_total",
			Help: "Signaling errors sent to clients, by error code.",
		}, []string{"code"}),
		UnauthEvicted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_signal_unauthenticated_evicted_total",
			Help: "Signaling connections closed before presenting a valid token to make room for newer ones, by reason (per_ip, budget).",
		}, []string{"reason"}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_access_decisions_total",
			Help: "Access decisions (joins, resumes, REST actions), by action, outcome and refusal code.",
		}, []string{"action", "outcome", "code"}),
		RoomEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_room_events_total",
			Help: "Events out of the rooms (joined, left, track_published, removed, ...), by kind.",
		}, []string{"kind"}),
		Security: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_security_events_total",
			Help: "Security events outside the rooms (sign-ins, failures, locks, credential and session changes; docs/accounts.md), by kind and outcome.",
		}, []string{"kind", "outcome"}),
		SecuritySeverity: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_security_events_by_severity_total",
			Help: "Security events, by kind and severity (info, notice, warning, high).",
		}, []string{"kind", "severity"}),
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclave_webhook_deliveries_total",
			Help: "Webhook results, by receiver and result: delivered, retried (an attempt failed), failed (given up), dropped (the queue was full).",
		}, []string{"webhook", "result"}),
	}
	m.PublishBitrate = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "conclave_publish_bitrate_bits",
		Help:    "What each publishing participant sends, all its tracks together, in bits per second; one observation per participant per sample.",
		Buckets: []float64{64e3, 250e3, 500e3, 1e6, 2e6, 4e6, 8e6, 16e6, 32e6},
	})
	m.SubscriberLoss = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "conclave_subscriber_loss_ratio",
		Help:    "Fraction of packets lost on the way to a subscriber, from its last receiver report; one observation per subscription per sample.",
		Buckets: []float64{0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5},
	})
	m.SubscriberRTT = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "conclave_subscriber_rtt_seconds",
		Help:    "Round-trip time to a subscriber (receiver report LSR/DLSR); one observation per subscription per sample.",
		Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6},
	})
	m.BitrateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "conclave_bitrate_limited_total",
		Help: "Times a publisher went above its room's max_publish_bitrate and was told to lower.",
	})
	m.BitrateExceeded = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "conclave_bitrate_exceeded_total",
		Help: "Publishers disconnected for staying above their room's max_publish_bitrate past the grace period.",
	})
	m.SignalFloods = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "conclave_signal_floods_total",
		Help: "Signaling connections cut off for flooding (more than twice the burst of messages refused within a second).",
	})
	for _, r := range []string{"per_ip", "budget"} {
		m.UnauthEvicted.WithLabelValues(r) // exported at 0 from the start
	}
	counter := func(name, help string, read func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(read()) })
	}
	reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		m.Rooms, m.Participants, m.TracksPublished, m.Subscriptions, m.SignalErrors, m.UnauthEvicted, m.Decisions, m.RoomEvents, m.Security,
		m.SecuritySeverity, m.Webhooks,
		m.PublishBitrate, m.SubscriberLoss, m.SubscriberRTT, m.BitrateLimited, m.BitrateExceeded, m.SignalFloods,
		counter("conclave_forwarded_packets_total", "RTP packets forwarded to subscribers.", fwd.PacketsForwarded),
		counter("conclave_forwarded_bytes_total", "RTP bytes forwarded to subscribers.", fwd.BytesForwarded),
		counter("conclave_nacks_total", "NACKs received from subscribers.", fwd.NACKsReceived),
		counter("conclave_plis_total", "PLIs sent to publishers.", fwd.PLIsSent),
		counter("conclave_forward_dropped_packets_total", "RTP packets dropped instead of forwarded.", fwd.PacketsDropped),
		counter("conclave_forwarded_direct_packets_total",
			"Forwarded RTP packets sealed and sent by the direct SRTP path rather than pion's write path.", fwd.PacketsDirect),
		counter("conclave_subscriber_pion_path_total",
			"Subscriber connections whose media takes pion's write path (no direct SRTP path to their selected pair, e.g. ICE-TCP).", fwd.PionPathConnections),
	)
	return m
}

// SignalError counts one signaling error sent with code.
func (m *Metrics) SignalError(code string) {
	m.SignalErrors.WithLabelValues(code).Inc()
}

// UnauthenticatedEvicted counts one unauthenticated signaling connection
// closed to make room, by reason.
func (m *Metrics) UnauthenticatedEvicted(reason string) {
	m.UnauthEvicted.WithLabelValues(reason).Inc()
}

// Decision counts one access decision.
func (m *Metrics) Decision(action, outcome, code string) {
	m.Decisions.WithLabelValues(action, outcome, code).Inc()
}

// SecurityEvent counts one security event, by kind and outcome.
func (m *Metrics) SecurityEvent(kind, outcome string) {
	m.Security.WithLabelValues(kind, outcome).Inc()
}

// SecurityEventSeverity counts one security event, by kind and severity.
func (m *Metrics) SecurityEventSeverity(kind, severity string) {
	m.SecuritySeverity.WithLabelValues(kind, severity).Inc()
}

// WebhookResult counts one webhook result of a receiver.
func (m *Metrics) WebhookResult(webhook, result string) {
	m.Webhooks.WithLabelValues(webhook, result).Inc()
}

// RoomEvent counts one event out of the rooms, by kind.
func (m *Metrics) RoomEvent(kind string) {
	m.RoomEvents.WithLabelValues(kind).Inc()
}

// MediaSample observes one participant's media sample: its publishing
// bitrate if it publishes, and each reported subscription's loss and RTT.
// publishing says it has tracks; loss and rtt hold the reported figures.
func (m *Metrics) MediaSample(publishing bool, bitrate float64, loss, rtt []float64) {
	if publishing {
		m.PublishBitrate.Observe(bitrate)
	}
	for _, l := range loss {
		m.SubscriberLoss.Observe(l)
	}
	for _, r := range rtt {
		m.SubscriberRTT.Observe(r)
	}
}

type noForwarding struct{}

func (noForwarding) PacketsForwarded() uint64    { return 0 }
func (noForwarding) BytesForwarded() uint64      { return 0 }
func (noForwarding) NACKsReceived() uint64       { return 0 }
func (noForwarding) PLIsSent() uint64            { return 0 }
func (noForwarding) PacketsDropped() uint64      { return 0 }
func (noForwarding) PacketsDirect() uint64       { return 0 }
func (noForwarding) PionPathConnections() uint64 { return 0 }
