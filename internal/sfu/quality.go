package sfu

import (
	"time"

	"github.com/pion/rtcp"
)

// Link quality, from the receiver reports a subscriber sends for a
// DownTrack (RFC 3550 section 6.4.1). The subscriber connection runs no
// interceptors (pion's report interceptors would only see the publisher
// side), so the DownTrack reads the reports itself, on its RTCP goroutine:
// nothing of it touches the forwarding path.
//
// The round-trip time needs no memory of the sender reports sent: a
// report's LSR is the middle 32 bits of the NTP time of the last sender
// report the subscriber got from us (rtc sends them, report.go), and DLSR
// how long it held it, both in 1/65536 s, so RTT = now − LSR − DLSR in the
// same units.

// quality packs one report: bit 63 set (a report was seen), the fraction
// lost in bits 32..39, the RTT in 1/65536 s in the low 32 bits, all ones
// when the report carried no LSR (no RTT known).
const (
	qualitySeen  = 1 << 63
	rttUnknown   = 0xFFFFFFFF
	rttUnitsPerS = 1 << 16
)

// handleReports takes the report about b's SSRC, if reports has one.
func (d *DownTrack) handleReports(b *binding, reports []rtcp.ReceptionReport, now time.Time) {
	for _, rr := range reports {
		if rr.SSRC != b.ssrc {
			continue
		}
		rtt := uint64(rttUnknown)
		if rr.LastSenderReport != 0 {
			mid := uint32(ntpTime(now) >> 16)
			if v := mid - rr.LastSenderReport - rr.Delay; int32(v) >= 0 {
				rtt = uint64(v)
			} else {
				rtt = 0 // clock steps and rounding: never negative
			}
		}
		d.quality.Store(qualitySeen | uint64(rr.FractionLost)<<32 | rtt)
		return
	}
}

// Quality is a DownTrack's link to its subscriber as the subscriber's last
// receiver report described it.
type Quality struct {
	// Reported is false before the first receiver report; the other
	// fields are zero then.
	Reported bool
	// Loss is the fraction of packets lost since the report before,
	// 0 to 1 (in steps of 1/256).
	Loss float64
	// RTT is the round-trip time; HasRTT is false while the subscriber's
	// reports name no sender report of ours yet.
	RTT    time.Duration
	HasRTT bool
}

// Quality returns what the subscriber last reported about this DownTrack.
func (d *DownTrack) Quality() Quality {
	v := d.quality.Load()
	if v&qualitySeen == 0 {
		return Quality{}
	}
	q := Quality{Reported: true, Loss: float64(uint8(v>>32)) / 256}
	if rtt := uint32(v); rtt != rttUnknown {
		q.HasRTT = true
		q.RTT = time.Duration(uint64(rtt) * uint64(time.Second) / rttUnitsPerS)
	}
	return q
}
