//go:build !linux

package loadtest

import (
	"net"
	"time"

	"github.com/conclave-video/conclave/internal/udpbatch"
)

// Off Linux each counting subscriber's socket is a udpbatch.Conn read by
// its own goroutine through Go's netpoller (see pollconn_linux.go for why
// Linux does better).

// pollInterval is how long a counting socket that drained gathers
// datagrams before its next read (udpbatch.Conn.SetReadCoalesce): fewer
// system calls for up to this much latency.
const pollInterval = 20 * time.Millisecond

// poller only carries the read interval here: every socket reads itself.
type poller struct{ interval time.Duration }

func newPoller(interval time.Duration) *poller { return &poller{interval: interval} }

func (*poller) close() {}

// newCountingConn opens a socket bound to addr that reads through keep.
func newCountingConn(p *poller, addr *net.UDPAddr, keep func(b []byte) bool) (*udpbatch.Conn, error) {
	raw, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	conn := udpbatch.New(raw, 64)
	conn.SetReadFilter(keep)
	conn.SetReadCoalesce(p.interval)
	return conn, nil
}
