package sfu

import (
	"net/netip"
)

// DirectWriter is a subscriber transport that seals SRTP itself and sends
// on the server's media socket, below pion's per-track write path (its
// interceptor chain, SRTP session and ICE mux layers). The rtc package
// provides one per DownTrack once the subscriber's DTLS keys are known.
//
// A DownTrack's RTP must all go through one SRTP context: switching a
// DownTrack between a DirectWriter and pion's writer would let the two
// contexts disagree on the rollover counter, and with AES-GCM that means
// nonce reuse. So a DownTrack is told which path it uses once (SetDirect),
// holds its packets until then (Hold), and never changes afterwards.
type DirectWriter interface {
	// SealRTP encrypts the marshalled RTP packet pkt into dst (empty, with
	// enough capacity) and returns the datagram and its destination. ok is
	// false when the subscriber cannot be reached on this path right now;
	// the packet is then dropped for this subscriber.
	SealRTP(dst, pkt []byte) (datagram []byte, to netip.AddrPort, ok bool)
	// WriteRTP seals and sends one packet at once: retransmissions, and
	// Receivers without a batch.
	WriteRTP(pkt []byte) error
}

// DatagramBatch collects datagrams that the Receiver's goroutine sends
// with one system call: *udpbatch.Batch.
type DatagramBatch interface {
	// Next returns the empty buffer the next datagram is sealed into.
	Next() []byte
	// Add queues a datagram and reports whether the batch is full.
	Add(datagram []byte, to netip.AddrPort) (full bool)
	// Flush sends what is queued.
	Flush()
}

// output is how a DownTrack's packets leave. A nil output, or one with
// neither hold nor direct set, means through pion's TrackLocalWriter.
type output struct {
	hold   bool // drop packets until the path is decided
	direct DirectWriter
}

var (
	holdOutput = &output{hold: true}
	pionOutput = &output{} // decided: pion's writer
)

// Hold makes the DownTrack drop its packets until SetDirect decides how
// they are sent. Call it before the DownTrack is added to a PeerConnection
// whose SRTP path is not decided yet; it does nothing (and reports false)
// once the DownTrack has been bound or its path decided.
func (d *DownTrack) Hold() bool {
	if d.bound.Load() != nil {
		return false
	}
	return d.out.CompareAndSwap(nil, holdOutput)
}

// SetDirect decides a held DownTrack's path: w, or pion's TrackLocalWriter
// when w is nil. It reports whether this call decided the path: a DownTrack
// that was never held, or was already decided, keeps the path it has.
func (d *DownTrack) SetDirect(w DirectWriter) bool {
	next := pionOutput
	if w != nil {
		next = &output{direct: w}
	}
	if !d.out.CompareAndSwap(holdOutput, next) {
		return false
	}
	// A DownTrack bound while held has not asked for its key frame yet
	// (see Bind). Asked for on its own goroutine: it writes to the
	// publisher's connection, and the caller may hold its own locks.
	if b := d.bound.Load(); b != nil {
		go d.askKeyframe(b)
	}
	return true
}

// Direct reports whether the DownTrack sends through a DirectWriter.
func (d *DownTrack) Direct() bool {
	o := d.out.Load()
	return o != nil && o.direct != nil
}
