package rtc

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"github.com/conclave-video/conclave/internal/sfu"
)

// Sender reports. The subscriber connection runs no interceptors, so the
// engine sends the RTCP sender reports itself, for every subscribed track,
// whichever path the track's media takes. Each Peer's reports come at
// RFC 3550 randomised intervals (section 6.3.1): every gap is drawn afresh
// from [0.5, 1.5] × reportInterval, and the first comes after half of that
// (section 6.3.2), in steps of one tick. As libwebrtc does, this keeps the
// reports of many connections from falling into step, and keeps their
// timing from being predictable. One goroutine serves every Peer through a
// timing wheel, so a server with hundreds of subscribers wakes ten times a
// second for this, not hundreds, and its reports are spread over time
// rather than sent in one burst.
const (
	reportInterval = time.Second
	reportTicks    = 10 // ticks per reportInterval
	// wheelSlots holds the longest gap, 1.5 intervals, plus the current
	// slot.
	wheelSlots = reportTicks*3/2 + 1
	// reportsPerPacket bounds one compound RTCP packet: 16 sender reports
	// are 448 bytes.
	reportsPerPacket = 16
)

// nextReport returns the number of ticks until a Peer's next report,
// uniform in [0.5, 1.5] × reportTicks; for the first, half of that.
func nextReport(first bool) int {
	if first {
		// [0.25, 0.75] × reportTicks, rounded inwards: 3..7 ticks.
		return (reportTicks+3)/4 + rand.IntN(reportTicks*3/4-(reportTicks+3)/4+1)
	}
	return reportTicks/2 + rand.IntN(reportTicks+1)
}

// reporter schedules the sender reports of an Engine's Peers. Its goroutine
// runs while there are Peers.
type reporter struct {
	mu      sync.Mutex
	wheel   [wheelSlots]map[*Peer]struct{}
	where   map[*Peer]int // each Peer's slot in wheel
	cur     int           // the slot of the last tick served
	running bool
	// send reports for p; nil means (*Peer).report. Tests replace it.
	send func(p *Peer, now time.Time)
}

// add schedules p's reports.
func (r *reporter) add(p *Peer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.where == nil {
		r.where = make(map[*Peer]int)
	}
	r.placeLocked(p, nextReport(true))
	if !r.running {
		r.running = true
		go r.loop()
	}
}

// placeLocked puts p in the slot ticks ahead of the current one.
func (r *reporter) placeLocked(p *Peer, ticks int) {
	slot := (r.cur + ticks) % wheelSlots
	if r.wheel[slot] == nil {
		r.wheel[slot] = make(map[*Peer]struct{})
	}
	r.wheel[slot][p] = struct{}{}
	r.where[p] = slot
}

func (r *reporter) remove(p *Peer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if slot, ok := r.where[p]; ok {
		delete(r.wheel[slot], p)
		delete(r.where, p)
	}
}

func (r *reporter) loop() {
	send := r.send
	if send == nil {
		send = (*Peer).report
	}
	t := time.NewTicker(reportInterval / reportTicks)
	defer t.Stop()
	var due []*Peer
	for {
		now := <-t.C
		r.mu.Lock()
		if len(r.where) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		r.cur = (r.cur + 1) % wheelSlots
		due = due[:0]
		for p := range r.wheel[r.cur] {
			due = append(due, p)
		}
		clear(r.wheel[r.cur])
		for _, p := range due {
			r.placeLocked(p, nextReport(false))
		}
		r.mu.Unlock()
		for _, p := range due {
			send(p, now)
		}
	}
}

// report sends p's sender reports, never blocking the reporter.
func (p *Peer) report(now time.Time) {
	if p.directReports() {
		p.sendReports(now)
		return
	}
	// pion's path may be ICE-TCP, whose writes can block on a subscriber
	// that stops reading: never on the reporter's goroutine, and never two
	// at once for one Peer.
	if p.reporting.CompareAndSwap(false, true) {
		go func() {
			defer p.reporting.Store(false)
			p.sendReports(now)
		}()
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
