package loadtest

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
)

// trackCounter counts what one subscribed track received. One goroutine
// (the track's reader) writes; snapshots read the atomics.
type trackCounter struct {
	packets  atomic.Uint64
	bytes    atomic.Uint64
	expected atomic.Uint64 // highest extended sequence number - first + 1

	// Reader-only state.
	started bool
	first   uint64
	cycles  uint64
	maxSeq  uint16
}

// observe records one RTP packet (the raw bytes, header included).
func (t *trackCounter) observe(pkt []byte) {
	if len(pkt) < 12 {
		return
	}
	seq := binary.BigEndian.Uint16(pkt[2:4])
	switch {
	case !t.started:
		t.started, t.first, t.maxSeq = true, uint64(seq), seq
	case seq-t.maxSeq < 0x8000 && seq != t.maxSeq: // newer, maybe wrapped
		if seq < t.maxSeq {
			t.cycles += 1 << 16
		}
		t.maxSeq = seq
	}
	t.packets.Add(1)
	t.bytes.Add(uint64(len(pkt)))
	t.expected.Store(t.cycles + uint64(t.maxSeq) - t.first + 1)
}

// Counts is a sum over tracks at one moment.
type Counts struct {
	Packets, Bytes, Expected uint64
}

// registry holds every subscribed track's counter.
type registry struct {
	mu     sync.Mutex
	tracks []*trackCounter
}

func (r *registry) add() *trackCounter {
	t := &trackCounter{}
	r.mu.Lock()
	r.tracks = append(r.tracks, t)
	r.mu.Unlock()
	return t
}

func (r *registry) snapshot() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	var c Counts
	for _, t := range r.tracks {
		c.Packets += t.packets.Load()
		c.Bytes += t.bytes.Load()
		c.Expected += t.expected.Load()
	}
	return c
}

// joinTimes collects per-subscriber join latencies.
type joinTimes struct {
	mu       sync.Mutex
	joined   []time.Duration // connect -> joined
	media    []time.Duration // connect -> first media packet
	keyframe []time.Duration // connect -> first complete VP8 key frame (decrypting subscribers)
}

func (j *joinTimes) add(to *[]time.Duration, d time.Duration) {
	j.mu.Lock()
	*to = append(*to, d)
	j.mu.Unlock()
}

func (j *joinTimes) copy() (joined, media, keyframe []time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]time.Duration(nil), j.joined...), append([]time.Duration(nil), j.media...),
		append([]time.Duration(nil), j.keyframe...)
}

// firsts times one subscriber's first media packet and first complete key
// frame from the moment it began to connect. Its methods may be called
// any number of times from any goroutine; each records once.
type firsts struct {
	start           time.Time
	j               *joinTimes
	media, keyframe sync.Once
}

func (f *firsts) sawMedia() {
	f.media.Do(func() { f.j.add(&f.j.media, time.Since(f.start)) })
}

func (f *firsts) sawKeyframe() {
	f.keyframe.Do(func() { f.j.add(&f.j.keyframe, time.Since(f.start)) })
}
