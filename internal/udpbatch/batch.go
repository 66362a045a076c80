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
	out   [][]byte         // the datagrams queued
	to    []netip.AddrPort // and their destinations
	raw   *rawBatch        // Linux: sent with a raw sendmmsg
	msgs  []ipv4.Message   // elsewhere: sent through x/net
	addrs []net.UDPAddr
	n     int
}

// NewBatch returns an empty Batch of BatchSize datagrams that sends on c.
func (c *Conn) NewBatch() *Batch {
	b := &Batch{
		c:    c,
		bufs: make([][]byte, BatchSize),
		out:  make([][]byte, BatchSize),
		to:   make([]netip.AddrPort, BatchSize),
		raw:  newRawBatch(c, BatchSize),
	}
	if b.raw == nil {
		b.msgs = make([]ipv4.Message, BatchSize)
		b.addrs = make([]net.UDPAddr, BatchSize)
		for i := range b.msgs {
			b.msgs[i].Buffers = make([][]byte, 1)
			b.addrs[i].IP = make(net.IP, 16)
		}
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
	if b.bufs[b.n] == nil {
		// Allocated on first use: a batch that sends buffers of its own
		// (the queue's writer) never needs them.
		b.bufs[b.n] = make([]byte, 0, BatchBufferSize)
	}
	return b.bufs[b.n][:0]
}

// Add queues datagram for to and reports whether the batch is now full, in
// which case the caller should Flush (a full batch flushes itself before
// taking more). datagram is normally the buffer Next returned, filled; any
// other slice must stay untouched until Flush.
func (b *Batch) Add(datagram []byte, to netip.AddrPort) (full bool) {
	if b.n == len(b.out) {
		b.Flush()
	}
	b.out[b.n] = datagram
	b.to[b.n] = to
	b.n++
	return b.n == len(b.out)
}

// Len is the number of datagrams queued.
func (b *Batch) Len() int { return b.n }

// Flush sends the queued datagrams and empties the batch. A datagram the
// kernel refuses is counted as dropped; the others are still sent.
func (b *Batch) Flush() {
	if b.n == 0 {
		return
	}
	if b.raw != nil {
		b.c.sendRaw(b.raw, b.out[:b.n], b.to[:b.n])
	} else {
		for i := range b.n {
			m := &b.msgs[i]
			m.Buffers[0] = b.out[i]
			a := &b.addrs[i]
			ip := b.to[i].Addr().As16()
			copy(a.IP, ip[:])
			a.Port = int(b.to[i].Port())
			a.Zone = b.to[i].Addr().Zone()
			m.Addr = a
		}
		b.c.send(b.msgs[:b.n])
		for i := range b.n {
			b.msgs[i].Buffers[0] = nil
			b.msgs[i].Addr = nil
		}
	}
	clear(b.out[:b.n])
	b.n = 0
}
