// Package udpbatch wraps a UDP socket so that many small writes and reads
// cost few system calls: writes are queued in a preallocated ring and sent
// in batches with sendmmsg by one writer goroutine, and reads fetch up to a
// batch of datagrams with one recvmmsg. An SFU's fan-out writes the same
// packet to many subscribers back to back, which is exactly the pattern this
// amortises.
//
// Conn implements net.PacketConn and pion/ice's AddrPortReaderWriter, so it
// can be handed to webrtc.NewICEUDPMux. Writes do not wait for the writer:
// when the ring is full (a burst larger than it, such as a key frame fanned
// out to hundreds of subscribers) the caller sends the datagram itself, so
// nothing is lost to the queue and a saturated host slows its fan-out
// rather than dropping media.
package udpbatch

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// Limits kept explicit.
const (
	// MaxDatagram is the largest datagram queued; larger writes are sent
	// directly.
	MaxDatagram = 1500
	// BatchSize is how many datagrams one system call sends or receives.
	BatchSize = 64
	// DefaultQueue is the write ring's size in datagrams (6 MB of buffers):
	// a key frame of 25 packets fanned out to 160 subscribers.
	DefaultQueue = 4096
)

type slot struct {
	buf  [MaxDatagram]byte
	n    int
	addr netip.AddrPort
}

// Conn is a batching UDP connection.
type Conn struct {
	udp    *net.UDPConn
	pc     *ipv4.PacketConn
	sender *sender // the send-only twin for Batches, or nil (sender_linux.go)

	mu     sync.Mutex
	ring   []slot
	head   int // next slot to send
	count  int // queued slots
	closed bool
	wake   chan struct{}
	done   chan struct{}

	dropped  atomic.Uint64
	batches  atomic.Uint64
	sent     atomic.Uint64
	overflow atomic.Uint64

	// Owned by the writer goroutine: it sends the ring's slots in place.
	wbatch *Batch

	// Owned by the (single) reader.
	filter   func(b []byte) bool
	coalesce time.Duration
	rmsgs    []ipv4.Message
	rbufs    [][]byte
	rnext    int
	rcount   int
}

// New wraps udp. queue is the write ring's size in datagrams (0: default).
//
// New also sets the don't-fragment bit on everything the socket sends (see
// setDontFragment): media datagrams are sized to fit the path, and a
// fragmented datagram is one that firewalls drop.
func New(udp *net.UDPConn, queue int) *Conn {
	_ = setDontFragment(udp) // an optimisation and a hygiene measure, not a requirement
	snd := openSender(udp)
	if queue <= 0 {
		queue = DefaultQueue
	}
	c := &Conn{
		udp:    udp,
		sender: snd,
		pc:     ipv4.NewPacketConn(udp),
		ring:   make([]slot, queue),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		rmsgs:  make([]ipv4.Message, BatchSize),
		rbufs:  make([][]byte, BatchSize),
	}
	c.wbatch = c.NewBatch()
	for i := range c.rmsgs {
		c.rbufs[i] = make([]byte, MaxDatagram)
		c.rmsgs[i].Buffers = [][]byte{c.rbufs[i]}
	}
	go c.writeLoop()
	return c
}

// Stats reports datagrams sent through the queue and by Batches, the
// sendmmsg calls used to send them, datagrams the kernel refused, and
// datagrams the caller sent directly because the queue was full.
func (c *Conn) Stats() (sent, batches, dropped, overflow uint64) {
	return c.sent.Load(), c.batches.Load(), c.dropped.Load(), c.overflow.Load()
}

// WriteToAddrPort queues b for addr, or sends it at once when the queue is
// full or b is larger than a slot.
func (c *Conn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if len(b) > MaxDatagram {
		return c.udp.WriteToUDPAddrPort(b, addr)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	if c.count == len(c.ring) {
		c.mu.Unlock()
		c.overflow.Add(1)
		return c.udp.WriteToUDPAddrPort(b, addr)
	}
	s := &c.ring[(c.head+c.count)%len(c.ring)]
	s.n = copy(s.buf[:], b)
	s.addr = addr
	c.count++
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return len(b), nil
}

// WriteTo implements net.PacketConn.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: addr, Err: errors.New("not a UDP address")}
	}
	return c.WriteToAddrPort(b, ua.AddrPort())
}

func (c *Conn) writeLoop() {
	defer close(c.done)
	for {
		<-c.wake
		for {
			c.mu.Lock()
			n := min(c.count, BatchSize)
			if n == 0 {
				closed := c.closed
				c.mu.Unlock()
				if closed {
					return
				}
				break // wait for the next wake
			}
			head := c.head
			c.mu.Unlock()
			// The n slots from head are ours until head advances: writers
			// only fill slots past head+count.
			for i := 0; i < n; i++ {
				s := &c.ring[(head+i)%len(c.ring)]
				c.wbatch.Add(s.buf[:s.n], s.addr)
			}
			c.wbatch.Flush()
			c.mu.Lock()
			c.head = (c.head + n) % len(c.ring)
			c.count -= n
			c.mu.Unlock()
		}
	}
}

// send writes msgs, retrying the rest after a partial batch. A datagram
// the kernel refuses is dropped.
func (c *Conn) send(msgs []ipv4.Message) {
	for len(msgs) > 0 {
		n, err := c.pc.WriteBatch(msgs, 0)
		c.batches.Add(1)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				c.dropped.Add(uint64(len(msgs)))
				return
			}
			// Skip the datagram that failed (e.g. an unreachable
			// destination) and go on with the rest.
			n = max(n, 1)
			c.dropped.Add(1)
			msgs = msgs[n:]
			continue
		}
		c.sent.Add(uint64(n))
		msgs = msgs[n:]
	}
}

// SetReadFilter makes reads skip every datagram for which keep returns
// false; keep sees each datagram once, on the reading goroutine. Set it
// before the first read.
func (c *Conn) SetReadFilter(keep func(b []byte) bool) { c.filter = keep }

// SetReadCoalesce makes a read that drained the socket wait d before the
// next system call, so datagrams accumulate and one recvmmsg fetches many.
// It trades up to d of latency for far fewer system calls: right for a
// receive-only bot, wrong for a server. Set it before the first read.
func (c *Conn) SetReadCoalesce(d time.Duration) { c.coalesce = d }

// ReadFromAddrPort reads one datagram, fetching up to BatchSize at a time.
// Only one goroutine may read.
func (c *Conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		if c.rnext == c.rcount {
			if c.coalesce > 0 && c.rcount > 0 && c.rcount < BatchSize {
				time.Sleep(c.coalesce)
			}
			c.rnext, c.rcount = 0, 0
			n, err := c.pc.ReadBatch(c.rmsgs, 0)
			if err != nil {
				return 0, netip.AddrPort{}, err
			}
			c.rcount = n
		}
		m := &c.rmsgs[c.rnext]
		data := c.rbufs[c.rnext][:m.N]
		c.rnext++
		if c.filter != nil && !c.filter(data) {
			continue
		}
		n := copy(b, data)
		var ap netip.AddrPort
		if ua, ok := m.Addr.(*net.UDPAddr); ok {
			ap = ua.AddrPort()
		}
		return n, ap, nil
	}
}

// ReadFrom implements net.PacketConn.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, ap, err := c.ReadFromAddrPort(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

// Close stops the writer after it has sent what is queued, and closes the
// socket.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	c.closed = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case <-c.done:
	case <-time.After(time.Second):
	}
	if c.sender != nil {
		c.sender.close()
	}
	return c.udp.Close()
}

// LocalAddr implements net.PacketConn.
func (c *Conn) LocalAddr() net.Addr { return c.udp.LocalAddr() }

// SetDeadline implements net.PacketConn.
func (c *Conn) SetDeadline(t time.Time) error { return c.udp.SetDeadline(t) }

// SetReadDeadline implements net.PacketConn.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.udp.SetReadDeadline(t) }

// SetWriteDeadline implements net.PacketConn; queued writes have no deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.udp.SetWriteDeadline(t) }
