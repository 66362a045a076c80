package sfu

import (
	"time"

	"github.com/pion/rtcp"
)

// SenderReport returns the RTCP sender report the subscriber should get for
// this DownTrack at now, and false before anything has been forwarded to
// it. The report maps now to the RTP timestamp the publisher's clock would
// show, extrapolated from the last packet forwarded, so a subscriber's
// audio and video of one publisher share a time base (lip sync). Counts are
// of packets forwarded since the DownTrack was bound.
//
// The rtc package sends these for every subscription about once a second,
// whichever path (DirectWriter or pion) the DownTrack's media takes.
func (d *DownTrack) SenderReport(now time.Time) (*rtcp.SenderReport, bool) {
	b := d.bound.Load()
	if b == nil || d.closed.Load() {
		return nil, false
	}
	r := d.r
	last := r.last.Load()
	d.mu.Lock()
	base := d.base
	d.mu.Unlock()
	c := r.counters()
	if c.packets == base.packets {
		return nil, false
	}
	lastTS := uint32(last >> 32)
	elapsedMS := uint32(now.Sub(r.epoch).Milliseconds()) - uint32(last)
	rate := uint64(r.cfg.Codec.ClockRate)
	ts := lastTS + uint32(uint64(elapsedMS)*rate/1000)
	return &rtcp.SenderReport{
		SSRC:        b.ssrc,
		NTPTime:     ntpTime(now),
		RTPTime:     ts,
		PacketCount: uint32(c.packets - base.packets),
		OctetCount:  uint32(c.octets - base.octets),
	}, true
}

// ntpTime is t in the 64-bit NTP format of RFC 3550: seconds since 1900 in
// the high word, the fraction of a second in the low word.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}
