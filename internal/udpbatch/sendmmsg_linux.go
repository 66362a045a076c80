package udpbatch

import (
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The fan-out's sendmmsg, made without entering the Go scheduler's
// syscall state.
//
// A batch of 64 datagrams spends tens of microseconds in the kernel (on
// loopback that includes the receivers' network stack). Through
// syscall.Syscall the runtime marks the goroutine as in a system call;
// after 20 µs sysmon takes its P away and hands it to another thread, and
// on return the goroutine has to find a P again. At hundreds of
// subscribers that happens thousands of times a second and keeps sysmon
// polling at its fastest rate: in profiles, more CPU than the hand-off
// saves. sendmmsg on a non-blocking UDP socket never blocks (a full send
// buffer is EAGAIN, and then the caller waits for the poller as usual), so
// the batch is sent with syscall.RawSyscall6, which keeps the P.

// mmsghdr is struct mmsghdr from <sys/socket.h>: a msghdr and the number
// of bytes the kernel sent, padded to the platform's alignment.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
	_   [unsafe.Sizeof(uintptr(0)) - 4]byte
}

// rawBatch is a Batch's system-call view: headers, iovecs and socket
// addresses for each datagram, preallocated.
type rawBatch struct {
	c       *Conn
	raw     syscall.RawConn
	family  int // AF_INET or AF_INET6, the socket's
	msgs    []mmsghdr
	iovs    []syscall.Iovec
	in4     []syscall.RawSockaddrInet4
	in6     []syscall.RawSockaddrInet6
	pending []mmsghdr          // what write has still to send
	write   func(uintptr) bool // r.writeFD, bound once: no closure per Flush
}

func newRawBatch(c *Conn, n int) *rawBatch {
	raw, err := c.udp.SyscallConn()
	if err != nil {
		return nil
	}
	fam := socketFamily(raw)
	if fam == 0 {
		return nil // fall back to the portable path
	}
	r := &rawBatch{
		c:      c,
		raw:    raw,
		family: fam,
		msgs:   make([]mmsghdr, n),
		iovs:   make([]syscall.Iovec, n),
	}
	if fam == syscall.AF_INET {
		r.in4 = make([]syscall.RawSockaddrInet4, n)
	} else {
		r.in6 = make([]syscall.RawSockaddrInet6, n)
	}
	r.write = r.writeFD
	return r
}

// socketFamily returns the socket's address family, or 0 if it cannot be
// read.
func socketFamily(raw syscall.RawConn) int {
	fam := 0
	if err := raw.Control(func(fd uintptr) {
		v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_DOMAIN)
		if err == nil && (v == syscall.AF_INET || v == syscall.AF_INET6) {
			fam = v
		}
	}); err != nil {
		return 0
	}
	return fam
}

// set fills entry i for datagram b to addr. It reports false for an
// address the socket cannot reach (IPv6 on an IPv4 socket).
func (r *rawBatch) set(i int, b []byte, addr netip.AddrPort) bool {
	iov := &r.iovs[i]
	if len(b) > 0 {
		iov.Base = &b[0]
	} else {
		iov.Base = nil
	}
	iov.SetLen(len(b))
	h := &r.msgs[i].hdr
	*h = syscall.Msghdr{Iov: iov, Iovlen: 1}
	ip := addr.Addr()
	port := addr.Port()
	if r.family == syscall.AF_INET {
		if !ip.Unmap().Is4() {
			return false
		}
		sa := &r.in4[i]
		sa.Family = syscall.AF_INET
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		sa.Addr = ip.Unmap().As4()
		h.Name = (*byte)(unsafe.Pointer(sa))
		h.Namelen = syscall.SizeofSockaddrInet4
		return true
	}
	sa := &r.in6[i]
	*sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6}
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	sa.Addr = ip.As16()          // an IPv4 address becomes ::ffff:a.b.c.d
	if z := ip.Zone(); z != "" { // link-local: rare, so no cache
		if n, err := strconv.ParseUint(z, 10, 32); err == nil {
			sa.Scope_id = uint32(n)
		} else if ifi, err := net.InterfaceByName(z); err == nil {
			sa.Scope_id = uint32(ifi.Index)
		}
	}
	h.Name = (*byte)(unsafe.Pointer(sa))
	h.Namelen = syscall.SizeofSockaddrInet6
	return true
}

// sendRaw sends datagrams bufs[i] to addrs[i] with as few sendmmsg calls as
// the kernel allows. Datagrams the kernel refuses, or that the socket
// cannot address, are counted as dropped.
func (c *Conn) sendRaw(r *rawBatch, bufs [][]byte, addrs []netip.AddrPort) {
	n := 0
	for i := range bufs {
		if r.set(n, bufs[i], addrs[i]) {
			n++
		} else {
			c.dropped.Add(1)
		}
	}
	r.pending = r.msgs[:n]
	if c.sender != nil {
		r.pending = c.sender.send(c, r.pending)
		if len(r.pending) == 0 {
			return
		}
		// The twin's send buffer is full: wait on the main socket.
	}
	if err := r.raw.Write(r.write); err != nil {
		c.dropped.Add(uint64(len(r.pending))) // the socket is closed
	}
	r.pending = nil
}

// writeFD is the raw.Write callback: it sends r.pending, and returns false
// to wait for the socket to become writable.
func (r *rawBatch) writeFD(fd uintptr) bool {
	c := r.c
	for len(r.pending) > 0 {
		sent, _, errno := syscall.RawSyscall6(unix.SYS_SENDMMSG, fd,
			uintptr(unsafe.Pointer(&r.pending[0])), uintptr(len(r.pending)), syscall.MSG_DONTWAIT, 0, 0)
		c.batches.Add(1)
		switch errno {
		case 0:
			c.sent.Add(uint64(sent))
			r.pending = r.pending[sent:]
		case syscall.EAGAIN:
			return false
		case syscall.EINTR:
		default:
			// The first datagram failed (e.g. an unreachable
			// destination): skip it and go on with the rest.
			c.dropped.Add(1)
			r.pending = r.pending[1:]
		}
	}
	return true
}
