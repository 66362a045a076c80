//go:build !linux

package udpbatch

import (
	"net"
	"net/netip"
)

// rawBatch is Linux-only; elsewhere a Batch sends through x/net.
type rawBatch struct{}

func newRawBatch(*Conn, int) *rawBatch { return nil }

func (c *Conn) sendRaw(*rawBatch, [][]byte, []netip.AddrPort) {}

type sender struct{}

func openSender(*net.UDPConn) *sender { return nil }

func (*sender) close() {}

// Listen opens a UDP socket for New: net.ListenPacket.
func Listen(network, address string) (*net.UDPConn, error) {
	pc, err := net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}
