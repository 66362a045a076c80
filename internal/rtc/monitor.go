package rtc

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/sfu"
)

// Media monitoring. Every SampleInterval one goroutine per Engine reads
// each Peer's counters (sfu.Receiver.Received, sfu.DownTrack.Quality),
// turns them into rates and hands each Peer's sample to its Handler if it
// is a MediaObserver. The forwarding path pays two atomic adds per packet
// for it and nothing else.

// DefaultSampleInterval is how often media is sampled.
const DefaultSampleInterval = 2 * time.Second

// TrackSample is one published track over the last interval.
type TrackSample struct {
	ID   string
	Kind webrtc.RTPCodecType
	// Bitrate is bits per second, PacketRate packets per second, of what
	// the publisher sent (header and payload, after SRTP).
	Bitrate    float64
	PacketRate float64
}

// SubscriptionSample is one subscribed track as its subscriber last
// reported it.
type SubscriptionSample struct {
	TrackID string
	Quality sfu.Quality
}

// MediaSample is one Peer's media over the last interval.
type MediaSample struct {
	At       time.Time
	Interval time.Duration
	Tracks   []TrackSample
	// Bitrate is the sum of the tracks' bitrates.
	Bitrate       float64
	Subscriptions []SubscriptionSample
}

// MediaObserver is implemented by a Handler that wants its Peer's media
// samples. MediaSampled is called on the monitor's goroutine and must not
// block.
type MediaObserver interface {
	MediaSampled(MediaSample)
}

// monitor samples an Engine's Peers. Its goroutine runs while there are
// Peers.
type monitor struct {
	interval time.Duration
	mu       sync.Mutex
	peers    map[*Peer]struct{}
	running  bool
}

func (m *monitor) add(p *Peer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.peers == nil {
		m.peers = make(map[*Peer]struct{})
	}
	m.peers[p] = struct{}{}
	if !m.running {
		m.running = true
		go m.loop()
	}
}

func (m *monitor) remove(p *Peer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.peers, p)
}

func (m *monitor) loop() {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	var due []*Peer
	for {
		now := <-t.C
		m.mu.Lock()
		if len(m.peers) == 0 {
			m.running = false
			m.mu.Unlock()
			return
		}
		due = due[:0]
		for p := range m.peers {
			due = append(due, p)
		}
		m.mu.Unlock()
		for _, p := range due {
			p.sample(now)
		}
	}
}

// trackCounters is what a published track had sent at the last sample.
type trackCounters struct {
	packets, octets uint64
	at              time.Time
}

// sample computes p's MediaSample at now and gives it to the handler.
func (p *Peer) sample(now time.Time) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	tracks := make([]*PublishedTrack, 0, len(p.tracks))
	for _, t := range p.tracks {
		tracks = append(tracks, t)
	}
	subs := make([]SubscriptionSample, 0, len(p.downs))
	for id, s := range p.downs {
		subs = append(subs, SubscriptionSample{TrackID: id, Quality: s.down.Quality()})
	}
	p.mu.Unlock()

	s := MediaSample{At: now, Interval: p.engine.monitor.interval, Subscriptions: subs}
	p.sampleMu.Lock()
	if p.counters == nil {
		p.counters = make(map[string]trackCounters)
	}
	seen := make(map[string]bool, len(tracks))
	for _, t := range tracks {
		seen[t.ID] = true
		n, octets := t.Receiver.Received()
		prev, ok := p.counters[t.ID]
		p.counters[t.ID] = trackCounters{packets: n, octets: octets, at: now}
		if !ok {
			// First sight: the rate since the track began is unknown
			// (its start is not the last sample), so it counts from
			// here; the next sample gives its rate.
			continue
		}
		secs := now.Sub(prev.at).Seconds()
		if secs <= 0 {
			continue
		}
		ts := TrackSample{ID: t.ID, Kind: t.Kind,
			Bitrate:    float64(octets-prev.octets) * 8 / secs,
			PacketRate: float64(n-prev.packets) / secs}
		s.Tracks = append(s.Tracks, ts)
		s.Bitrate += ts.Bitrate
	}
	for id := range p.counters {
		if !seen[id] {
			delete(p.counters, id)
		}
	}
	p.sampleMu.Unlock()
	if o, ok := p.handler.(MediaObserver); ok {
		o.MediaSampled(s)
	}
}

// LimitBitrate asks the publisher to send at most bitsPerSecond in all:
// an RTCP REMB for the SSRCs of its tracks on the publisher connection.
// Browsers built on libwebrtc take a REMB as an upper bound on their
// send-side estimate; a publisher that ignores it is the room's to
// disconnect (docs/sfu.md, "Bitrate cap"). It never blocks: the write
// (which over ICE-TCP could wait on a client that stops reading) runs on
// its own goroutine, one at a time per Peer, and a request made while one
// is in flight is dropped (the next sample asks again).
func (p *Peer) LimitBitrate(bitsPerSecond uint64) {
	p.mu.Lock()
	pub := p.pub
	ssrcs := make([]uint32, 0, len(p.tracks))
	for _, t := range p.tracks {
		ssrcs = append(ssrcs, t.SSRC)
	}
	p.mu.Unlock()
	if pub == nil || len(ssrcs) == 0 || !p.limiting.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer p.limiting.Store(false)
		// Fails only before DTLS is up or after close.
		_ = pub.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{
			Bitrate: float32(bitsPerSecond), SSRCs: ssrcs,
		}})
	}()
}
