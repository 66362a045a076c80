package udpbatch

import (
	"context"
	"net"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A send-only twin of the media socket.
//
// Go's network poller registers every socket for readability and
// writability. On Linux, each datagram the socket sends is later freed
// (sock_wfree) with a "write space" wake-up of everything waiting on the
// socket, the poller's epoll entry included: at a hundred thousand
// datagrams a second that is a hundred thousand epoll callbacks and a
// steady stream of poller wake-ups, for writability nobody asked about.
//
// So the fan-out sends on a second socket bound to the same address in a
// SO_REUSEPORT group, which no poller knows about, and a one-instruction
// classic BPF program steers every incoming datagram to the first socket,
// the one that is read. Both sockets belong to this process (the kernel
// only groups sockets of one user). When any of this is unavailable the
// batches use the main socket.

// Listen opens a UDP socket for New. On Linux it joins a SO_REUSEPORT
// group so that New can add the send-only twin; elsewhere it is
// net.ListenPacket.
func Listen(network, address string) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// sender is the send-only socket. Flushes hold mu for reading while they
// use fd; Close holds it for writing, so fd is never used once closed.
type sender struct {
	mu     sync.RWMutex
	fd     int
	closed bool
}

// steerToFirst is the classic BPF program "return 0": every datagram goes
// to socket 0 of the SO_REUSEPORT group, the first bound.
var steerToFirst = []unix.SockFilter{{Code: 0x06 /* BPF_RET|BPF_K */, K: 0}}

// openSender opens the send-only twin of udp, or returns nil when udp is
// not in a SO_REUSEPORT group (it was not opened by Listen) or the twin
// cannot be set up.
func openSender(udp *net.UDPConn) *sender {
	raw, err := udp.SyscallConn()
	if err != nil {
		return nil
	}
	var (
		reuse, family, v6only, sndbuf int
		sa                            syscall.Sockaddr
		ok                            bool
	)
	if err := raw.Control(func(fd uintptr) {
		s := int(fd)
		if reuse, err = syscall.GetsockoptInt(s, syscall.SOL_SOCKET, unix.SO_REUSEPORT); err != nil || reuse == 0 {
			return
		}
		if family, err = syscall.GetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_DOMAIN); err != nil {
			return
		}
		if family == syscall.AF_INET6 {
			if v6only, err = syscall.GetsockoptInt(s, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY); err != nil {
				return
			}
		}
		if sndbuf, err = syscall.GetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_SNDBUF); err != nil {
			return
		}
		if sa, err = syscall.Getsockname(s); err != nil {
			return
		}
		// Steer before the twin is bound, so no datagram ever lands on it.
		prog := unix.SockFprog{Len: uint16(len(steerToFirst)), Filter: &steerToFirst[0]}
		ok = unix.SetsockoptSockFprog(s, syscall.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_CBPF, &prog) == nil
	}); err != nil || !ok {
		return nil
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	fail := func() *sender { _ = syscall.Close(fd); return nil }
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1) != nil {
		return fail()
	}
	if family == syscall.AF_INET6 && syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, v6only) != nil {
		return fail()
	}
	// The kernel reports twice what was asked for; ask for the same.
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, sndbuf/2)
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_PROBE)
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, syscall.IPV6_PMTUDISC_PROBE)
	if syscall.Bind(fd, sa) != nil {
		return fail()
	}
	return &sender{fd: fd}
}

// send sends as much of msgs as the socket takes without waiting and
// returns what is left: nothing, or the rest after EAGAIN (or when the
// twin is closed).
func (s *sender) send(c *Conn, msgs []mmsghdr) []mmsghdr {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return msgs
	}
	for len(msgs) > 0 {
		sent, _, errno := syscall.RawSyscall6(unix.SYS_SENDMMSG, uintptr(s.fd),
			uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), syscall.MSG_DONTWAIT, 0, 0)
		c.batches.Add(1)
		switch errno {
		case 0:
			c.sent.Add(uint64(sent))
			msgs = msgs[sent:]
		case syscall.EAGAIN:
			return msgs
		case syscall.EINTR:
		default:
			c.dropped.Add(1)
			msgs = msgs[1:]
		}
	}
	return nil
}

func (s *sender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		_ = syscall.Close(s.fd)
	}
}
