//go:build !linux

package udpbatch

import "net"

// setDontFragment is Linux-only; elsewhere the kernel's default stands.
func setDontFragment(*net.UDPConn) error { return nil }
