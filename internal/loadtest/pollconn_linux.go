//go:build linux

package loadtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/conclave-video/conclave/internal/udpbatch"
)

// Counting subscribers' sockets are not registered with Go's netpoller.
// Over loopback the receiver's kernel work runs in the sender's context, so
// a datagram arriving at a socket that a netpoller thread waits on (epoll)
// makes the *server* wake that thread: about a tenth of the server's CPU at
// 400 subscribers, plus the tester's own cost of ~100,000 wake-ups a
// second. A pollConn is a plain non-blocking socket nobody sleeps on; one
// poller goroutine drains every such socket with recvmmsg on a timer, so a
// datagram's arrival wakes nobody.

// pollInterval is how often the poller drains counting sockets. Each
// datagram waits up to this long before it is read: nothing for the media
// counts (packets are counted, not timed) but it adds to every ICE and
// DTLS round trip while a subscriber joins. A shorter interval costs more
// system calls, each fetching fewer datagrams: at 400 subscribers 5 ms
// meant 80,000 recvmmsg calls a second and, at 100 subscribers, a tester
// busier than the server it measures. 20 ms fetches about five datagrams
// of a video subscriber per call.
const pollInterval = 20 * time.Millisecond

const (
	pollBatch  = 32      // datagrams per recvmmsg
	pollQueue  = 256     // kept datagrams waiting for ReadFrom, per socket
	pollRcvBuf = 1 << 20 // socket receive buffer: room for a few intervals of a burst
)

// datagram is one kept datagram waiting for ReadFrom.
type datagram struct {
	b    []byte
	from netip.AddrPort
}

// pollConn is a UDP socket read by a poller instead of the netpoller. It
// implements net.PacketConn (and pion/ice's AddrPortReaderWriter) for
// webrtc.NewICEUDPMux. It is IPv4 only.
type pollConn struct {
	local *net.UDPAddr
	// keep is udpbatch.Conn's read filter: false means the datagram was
	// consumed. It is called only on the goroutine draining the socket
	// (the poller's), so it needs no locking of its own.
	keep func(b []byte) bool
	in   chan datagram

	// fd is guarded by fdMu: reads and writes hold it shared, Close
	// exclusively, so no system call ever sees a closed (or reused) fd.
	fdMu sync.RWMutex
	fd   int // -1 once closed

	poller    *poller
	closeOnce sync.Once
	closed    chan struct{}

	readDeadline  deadline
	writeDeadline atomic.Int64 // Unix nanoseconds; 0 is none

	dropped   atomic.Uint64 // kept datagrams lost to a full queue
	truncated atomic.Uint64 // datagrams larger than a receive buffer
}

// newCountingConn opens a socket bound to addr whose datagrams p drains
// through keep.
func newCountingConn(p *poller, addr *net.UDPAddr, keep func(b []byte) bool) (*pollConn, error) {
	c, err := listenPoll(addr, keep)
	if err != nil {
		return nil, err
	}
	if err := p.add(c); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// listenPoll opens the socket; nothing reads it until a poller has it.
func listenPoll(addr *net.UDPAddr, keep func(b []byte) bool) (*pollConn, error) {
	sa := &syscall.SockaddrInet4{}
	if addr != nil {
		sa.Port = addr.Port
		if ip4 := addr.IP.To4(); ip4 != nil {
			sa.Addr = [4]byte(ip4)
		} else if addr.IP != nil && !addr.IP.IsUnspecified() {
			return nil, fmt.Errorf("loadtest: %v: counting sockets are IPv4 only", addr)
		}
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN.
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, pollRcvBuf) != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, pollRcvBuf)
	}
	if err := syscall.Bind(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		_ = syscall.Close(fd)
		return nil, os.NewSyscallError("getsockname", err)
	}
	b4, ok := bound.(*syscall.SockaddrInet4)
	if !ok {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("loadtest: socket bound to %T", bound)
	}
	return &pollConn{
		local:  &net.UDPAddr{IP: net.IP(b4.Addr[:]).To16(), Port: b4.Port},
		keep:   keep,
		in:     make(chan datagram, pollQueue),
		fd:     fd,
		closed: make(chan struct{}),
	}, nil
}

// ReadFromAddrPort returns the next kept datagram.
func (c *pollConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	// An expired deadline or a closed socket wins over queued data, as
	// with a net.UDPConn.
	select {
	case <-c.closed:
		return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
	case <-c.readDeadline.wait():
		return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
	default:
	}
	select {
	case d := <-c.in:
		return copy(b, d.b), d.from, nil
	case <-c.closed:
		return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
	case <-c.readDeadline.wait():
		return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
	}
}

// ReadFrom implements net.PacketConn.
func (c *pollConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromAddrPort(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// WriteToAddrPort sends b at once. A full send buffer is an error
// (EAGAIN), not a wait: pion retransmits what ICE and DTLS need.
func (c *pollConn) WriteToAddrPort(b []byte, to netip.AddrPort) (int, error) {
	ip := to.Addr().Unmap()
	if !ip.Is4() {
		return 0, c.opError("write", fmt.Errorf("%v: counting sockets are IPv4 only", to))
	}
	if d := c.writeDeadline.Load(); d != 0 && time.Now().UnixNano() >= d {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	c.fdMu.RLock()
	defer c.fdMu.RUnlock()
	if c.fd < 0 {
		return 0, c.opError("write", net.ErrClosed)
	}
	sa := &syscall.SockaddrInet4{Port: int(to.Port()), Addr: ip.As4()}
	if err := syscall.Sendto(c.fd, b, syscall.MSG_DONTWAIT, sa); err != nil {
		return 0, c.opError("write", os.NewSyscallError("sendto", err))
	}
	return len(b), nil
}

// WriteTo implements net.PacketConn.
func (c *pollConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, c.opError("write", errors.New("not a UDP address"))
	}
	return c.WriteToAddrPort(b, ua.AddrPort())
}

// Close leaves the poller, unblocks reads and closes the socket. Closing
// again returns net.ErrClosed.
func (c *pollConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		if c.poller != nil {
			c.poller.remove(c)
		}
		close(c.closed)
		c.readDeadline.set(time.Time{}) // stop its timer
		c.fdMu.Lock()
		err = syscall.Close(c.fd)
		c.fd = -1
		c.fdMu.Unlock()
	})
	return err
}

// LocalAddr implements net.PacketConn.
func (c *pollConn) LocalAddr() net.Addr { return c.local }

// SetDeadline implements net.PacketConn.
func (c *pollConn) SetDeadline(t time.Time) error {
	_ = c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline implements net.PacketConn.
func (c *pollConn) SetReadDeadline(t time.Time) error {
	c.readDeadline.set(t)
	return nil
}

// SetWriteDeadline implements net.PacketConn. Writes never block, so only
// a deadline already past has an effect.
func (c *pollConn) SetWriteDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	c.writeDeadline.Store(ns)
	return nil
}

func (c *pollConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: c.local, Err: err}
}

// poller drains its pollConns every interval on one goroutine.
type poller struct {
	interval time.Duration

	mu     sync.Mutex
	conns  []*pollConn
	closed bool

	stop chan struct{}
	done chan struct{}
}

func newPoller(interval time.Duration) *poller {
	p := &poller{interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *poller) add(c *pollConn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return net.ErrClosed
	}
	c.poller = p
	p.conns = append(p.conns, c)
	return nil
}

func (p *poller) remove(c *pollConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.conns {
		if x == c {
			last := len(p.conns) - 1
			p.conns[i], p.conns[last] = p.conns[last], nil
			p.conns = p.conns[:last]
			return
		}
	}
}

// close stops the poller; sockets still registered are no longer read.
func (p *poller) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	<-p.done
}

func (p *poller) loop() {
	defer close(p.done)
	rb := newRecvBatch()
	var work []*pollConn
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		work = append(work[:0], p.conns...)
		p.mu.Unlock()
		for _, c := range work {
			rb.drain(c)
		}
		clear(work) // let closed conns be collected
	}
}

// mmsghdr is struct mmsghdr from <sys/socket.h>: a msghdr, the length
// received, and padding to the msghdr's (pointer) alignment, which is 4
// bytes on 64-bit platforms (64 bytes in all on amd64 and arm64) and none
// on 32-bit ones.
type mmsghdr struct {
	Hdr syscall.Msghdr
	Len uint32
	_   [unsafe.Sizeof(uintptr(0)) - 4]byte
}

// recvBatch is the preallocated state of recvmmsg calls; one goroutine
// owns it. Its arrays live on the heap with it, so the pointers the kernel
// is given stay valid.
type recvBatch struct {
	msgs  [pollBatch]mmsghdr
	iovs  [pollBatch]syscall.Iovec
	names [pollBatch]syscall.RawSockaddrInet4
	bufs  [pollBatch][udpbatch.MaxDatagram]byte
}

func newRecvBatch() *recvBatch {
	rb := &recvBatch{}
	for i := range rb.msgs {
		rb.iovs[i].Base = &rb.bufs[i][0]
		rb.iovs[i].SetLen(len(rb.bufs[i]))
		h := &rb.msgs[i].Hdr
		h.Iov = &rb.iovs[i]
		h.Iovlen = 1
		h.Name = (*byte)(unsafe.Pointer(&rb.names[i]))
	}
	return rb
}

// drain reads c until the socket is empty, passing each datagram through
// c's filter and queueing the ones it keeps.
func (rb *recvBatch) drain(c *pollConn) {
	c.fdMu.RLock()
	defer c.fdMu.RUnlock()
	if c.fd < 0 {
		return
	}
	for {
		n, err := rb.recv(c.fd)
		if err != nil {
			// EAGAIN: empty. Anything else (EINTR, say) is retried on
			// the next tick.
			return
		}
		for i := range n {
			rb.deliver(c, i)
		}
		if n < pollBatch {
			return
		}
	}
}

func (rb *recvBatch) recv(fd int) (int, error) {
	for i := range rb.msgs {
		rb.msgs[i].Hdr.Namelen = syscall.SizeofSockaddrInet4
		rb.msgs[i].Hdr.Flags = 0
	}
	// RawSyscall6: with MSG_DONTWAIT the call never blocks, and a raw call
	// keeps the scheduler's monitor from treating tens of thousands of
	// short calls a second as blocked ones (and polling at its fastest).
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVMMSG, uintptr(fd),
		uintptr(unsafe.Pointer(&rb.msgs[0])), pollBatch, syscall.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func (rb *recvBatch) deliver(c *pollConn, i int) {
	m := &rb.msgs[i]
	if m.Hdr.Flags&syscall.MSG_TRUNC != 0 {
		c.truncated.Add(1)
		return
	}
	b := rb.bufs[i][:m.Len]
	if c.keep != nil && !c.keep(b) {
		return
	}
	name := &rb.names[i]
	port := (*[2]byte)(unsafe.Pointer(&name.Port)) // network byte order
	from := netip.AddrPortFrom(netip.AddrFrom4(name.Addr), uint16(port[0])<<8|uint16(port[1]))
	select {
	case c.in <- datagram{b: bytes.Clone(b), from: from}:
	default:
		c.dropped.Add(1)
	}
}

// deadline is a read deadline that blocked readers can wait on, as in
// net.Pipe: its channel is closed once the deadline has passed.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	cancel chan struct{}
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel == nil {
		d.cancel = make(chan struct{})
	}
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired: wait until it has closed cancel
	}
	d.timer = nil
	expired := isClosed(d.cancel)
	if t.IsZero() {
		if expired {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if expired {
			d.cancel = make(chan struct{})
		}
		cancel := d.cancel
		d.timer = time.AfterFunc(dur, func() { close(cancel) })
		return
	}
	if !expired {
		close(d.cancel)
	}
}

// wait returns a channel closed when the deadline passes.
func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel == nil {
		d.cancel = make(chan struct{})
	}
	return d.cancel
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
