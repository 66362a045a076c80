package sfu

import "sync/atomic"

// Stats are server-wide forwarding counters. All methods are safe to call
// at any time from any goroutine; the zero value is ready to use. Share one
// Stats between all Receivers of a server.
type Stats struct {
	packetsForwarded     atomic.Uint64
	bytesForwarded       atomic.Uint64
	nacksReceived        atomic.Uint64
	plisSent             atomic.Uint64
	plisDeferred         atomic.Uint64
	packetsDropped       atomic.Uint64
	packetsRetransmitted atomic.Uint64
	packetsDirect        atomic.Uint64
	pionPathConnections  atomic.Uint64
}

// PacketsForwarded counts packets written to subscribers: one per
// subscriber per packet.
func (s *Stats) PacketsForwarded() uint64 { return s.packetsForwarded.Load() }

// BytesForwarded counts RTP bytes (rewritten header and payload, before
// SRTP) written to subscribers.
func (s *Stats) BytesForwarded() uint64 { return s.bytesForwarded.Load() }

// NACKsReceived counts sequence numbers that subscribers asked to be
// retransmitted (one NACK message may ask for up to 17).
func (s *Stats) NACKsReceived() uint64 { return s.nacksReceived.Load() }

// PLIsSent counts keyframe requests sent to publishers.
func (s *Stats) PLIsSent() uint64 { return s.plisSent.Load() }

// PLIsDeferred counts the times a keyframe request arrived inside a
// Receiver's PLI interval and left a check for the interval's end (later
// requests inside the same interval share it).
func (s *Stats) PLIsDeferred() uint64 { return s.plisDeferred.Load() }

// PacketsDropped counts packets not delivered: dropped while a publisher is
// muted (once per packet), failed writes to a subscriber (once per
// subscriber) and packets that are not RTP.
func (s *Stats) PacketsDropped() uint64 { return s.packetsDropped.Load() }

// PacketsRetransmitted counts NACKed packets re-sent from the packet cache.
func (s *Stats) PacketsRetransmitted() uint64 { return s.packetsRetransmitted.Load() }

// PacketsDirect counts the forwarded packets (of PacketsForwarded) that
// took a DirectWriter rather than pion's write path.
func (s *Stats) PacketsDirect() uint64 { return s.packetsDirect.Load() }

// PionPathConnections counts subscriber connections whose media takes
// pion's write path: decided so when the connection came up (no DTLS keys
// to derive, or a selected pair the media socket cannot reach, such as
// ICE-TCP), or moved there when their pair left UDP.
func (s *Stats) PionPathConnections() uint64 { return s.pionPathConnections.Load() }

// CountPionPathConnection adds one to PionPathConnections.
func (s *Stats) CountPionPathConnection() { s.pionPathConnections.Add(1) }
