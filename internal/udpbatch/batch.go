package udpbatch

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// BatchBufferSize is the capacity of each buffer a Batch hands out: a
// full-size RTP packet plus the largest SRTP authentication tag. What is
// sent must still fit the path MTU: the socket sets don't-fragment, so a
// larger datagram is refused (and counted as dropped), not fragmented.
const BatchBufferSize = MaxDatagram + 64

// Batch collects datagrams that one goroutine then sends with a single
// sendmmsg, on the calling goroutine: no queue, no lock, no hand-off to the
// writer. It is the fan-out's path: one published packet sealed for each
// subscriber straight into the batch's buffers.
//
// A Batch belongs to one goroutine. Many Batches may share a Conn.
type Batch struct {
	c     *Conn
	bufs  [][]byte
	msgs  []ipv4.Message
	addrs []net.UDPAddr
	n     int
}

// NewBatch returns an empty Batch of BatchSize datagrams that sends on c.
func (c *Conn) NewBatch() *Batch {
	b := &Batch{
		c:     c,
		bufs:  make([][]byte, BatchSize),
		msgs:  make([]ipv4.Message, BatchSize),
		addrs: make([]net.UDPAddr, BatchSize),
	}
	for i := range b.msgs {
		b.bufs[i] = make([]byte, 0, BatchBufferSize)
		b.msgs[i].Buffers = make([][]byte, 1)
		b.addrs[i].IP = make(net.IP, 16)
	}
	return b
}

// Next returns the buffer for the next datagram: empty, with
// BatchBufferSize bytes of capacity. It stays valid until Flush. A full
// batch is flushed first.
func (b *Batch) Next() []byte {
	if b.n == len(b.bufs) {
		b.Flush()
	}
	return b.bufs[b.n][:0]
}

// Add queues datagram for to and reports whether the batch is now full, in
// which case the caller should Flush (a full batch flushes itself before
// taking more). datagram is normally the buffer Next returned, filled; any
// other slice must stay untouched until Flush.
func (b *Batch) Add(datagram []byte, to netip.AddrPort) (full bool) {
	if b.n == len(b.msgs) {
		b.Flush()
	}
	m := &b.msgs[b.n]
	m.Buffers[0] = datagram
	a := &b.addrs[b.n]
	ip := to.Addr().As16()
	copy(a.IP, ip[:])
	a.Port = int(to.Port())
	a.Zone = to.Addr().Zone()
	m.Addr = a
	b.n++
	return b.n == len(b.msgs)
}

// Len is the number of datagrams queued.
func (b *Batch) Len() int { return b.n }

// Flush sends the queued datagrams and empties the batch. A datagram the
// kernel refuses is counted as dropped; the others are still sent.
func (b *Batch) Flush() {
	if b.n == 0 {
		return
	}
	b.c.send(b.msgs[:b.n])
	for i := range b.msgs[:b.n] {
		b.msgs[i].Buffers[0] = nil
		b.msgs[i].Addr = nil
	}
	b.n = 0
}
