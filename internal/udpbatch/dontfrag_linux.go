package udpbatch

import (
	"errors"
	"net"
	"syscall"
)

// setDontFragment sets the DF bit on IPv4 datagrams (and the IPv6
// equivalent) without path-MTU bookkeeping: IP_PMTUDISC_PROBE. Media is
// sized below the path MTU, so nothing changes on the wire for it; what
// changes is that the kernel no longer draws a fragment identifier from its
// shared table for every datagram, which shows in the profile of a busy
// SFU. A datagram larger than the interface MTU fails with EMSGSIZE instead
// of being fragmented.
func setDontFragment(udp *net.UDPConn) error {
	raw, err := udp.SyscallConn()
	if err != nil {
		return err
	}
	var v4, v6 error
	if err := raw.Control(func(fd uintptr) {
		v4 = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_PROBE)
		v6 = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, syscall.IPV6_PMTUDISC_PROBE)
	}); err != nil {
		return err
	}
	if v4 != nil && v6 != nil { // one of them fails on a single-stack socket
		return errors.Join(v4, v6)
	}
	return nil
}
