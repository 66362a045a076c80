package rtc

import (
	"sync"
	"time"

	"github.com/pion/rtcp"

	"github.com/conclave-video/conclave/internal/sfu"
)

// Sender reports. The subscriber connection runs no interceptors, so the
// engine sends the RTCP sender reports itself: one per subscribed track
// every reportInterval, whichever path the track's media takes. One
// goroutine serves every Peer, a tenth of them per tick, so a server with
// hundreds of subscribers wakes ten times a second for this, not hundreds,
// and its reports are spread over the interval rather than sent in one
// burst. (RFC 3550's randomised interval exists to keep many senders on a
// shared medium from synchronising; it does not apply to one server's
// unicast connections.)
const (
	reportInterval = time.Second
	reportSlots    = 10 // ticks per interval
	// reportsPerPacket bounds one compound RTCP packet: 16 sender reports
	// are 448 bytes.
	reportsPerPacket = 16
)

// reporter schedules the sender reports of an Engine's Peers. Its goroutine
// runs while there are Peers.
type reporter struct {
	mu      sync.Mutex
	slots   [reportSlots]map[*Peer]struct{}
	next    int // slot for the next Peer
	peers   int
	running bool
}

// add schedules p's reports and returns its slot.
func (r *reporter) add(p *Peer) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	slot := r.next
	r.next = (r.next + 1) % reportSlots
	if r.slots[slot] == nil {
		r.slots[slot] = make(map[*Peer]struct{})
	}
	r.slots[slot][p] = struct{}{}
	r.peers++
	if !r.running {
		r.running = true
		go r.loop()
	}
	return slot
}

func (r *reporter) remove(p *Peer, slot int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.slots[slot][p]; ok {
		delete(r.slots[slot], p)
		r.peers--
	}
}

func (r *reporter) loop() {
	t := time.NewTicker(reportInterval / reportSlots)
	defer t.Stop()
	var due []*Peer
	for slot := 0; ; slot = (slot + 1) % reportSlots {
		now := <-t.C
		r.mu.Lock()
		if r.peers == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		due = due[:0]
		for p := range r.slots[slot] {
			due = append(due, p)
		}
		r.mu.Unlock()
		for _, p := range due {
			if p.directReports() {
				p.sendReports(now)
				continue
			}
			// pion's path may be ICE-TCP, whose writes can block on a
			// subscriber that stops reading: never on this goroutine, and
			// never two at once for one Peer.
			if p.reporting.CompareAndSwap(false, true) {
				go func() {
					defer p.reporting.Store(false)
					p.sendReports(now)
				}()
			}
		}
	}
}

// directReports reports whether p's media, and so its RTCP, goes over UDP
// on the media socket, where a write never blocks.
func (p *Peer) directReports() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.direct != nil
}

// sendReports writes a sender report for every subscription that has
// carried media.
func (p *Peer) sendReports(now time.Time) {
	p.mu.Lock()
	if p.closed || len(p.downs) == 0 {
		p.mu.Unlock()
		return
	}
	downs := make([]*sfu.DownTrack, 0, len(p.downs))
	for _, s := range p.downs {
		downs = append(downs, s.down)
	}
	p.mu.Unlock()
	pkts := make([]rtcp.Packet, 0, min(len(downs), reportsPerPacket))
	for _, d := range downs {
		sr, ok := d.SenderReport(now)
		if !ok {
			continue
		}
		pkts = append(pkts, sr)
		if len(pkts) == reportsPerPacket {
			_ = p.sub.WriteRTCP(pkts)
			pkts = pkts[:0]
		}
	}
	if len(pkts) > 0 {
		_ = p.sub.WriteRTCP(pkts) // fails only before DTLS is up or after close
	}
}
