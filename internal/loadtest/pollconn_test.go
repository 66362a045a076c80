//go:build linux

package loadtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/udpbatch"
)

var loopback = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}

func startPoller(t testing.TB, interval time.Duration) *poller {
	t.Helper()
	p := newPoller(interval)
	t.Cleanup(p.close)
	return p
}

func openCounting(t testing.TB, p *poller, keep func([]byte) bool) *pollConn {
	t.Helper()
	c, err := newCountingConn(p, loopback, keep)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func listenUDP4(t testing.TB) *net.UDPConn {
	t.Helper()
	s, err := net.ListenUDP("udp4", loopback)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func addrPort(a net.Addr) netip.AddrPort {
	ap := a.(*net.UDPAddr).AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// marked reports whether b is a datagram the tests' filters keep.
func marked(b []byte) bool { return len(b) > 0 && b[0] == 'k' }

func TestMmsghdrLayout(t *testing.T) {
	var m mmsghdr
	if got, want := unsafe.Offsetof(m.Len), unsafe.Sizeof(m.Hdr); got != want {
		t.Errorf("msg_len at offset %d, want %d (right after the msghdr)", got, want)
	}
	if unsafe.Sizeof(m)%unsafe.Alignof(m.Hdr) != 0 {
		t.Errorf("size %d is not a multiple of the msghdr's alignment %d", unsafe.Sizeof(m), unsafe.Alignof(m.Hdr))
	}
	if unsafe.Sizeof(uintptr(0)) == 8 && unsafe.Sizeof(m) != 64 {
		t.Errorf("size %d, want 64 on a 64-bit platform", unsafe.Sizeof(m))
	}
}

// TestPollConnFilter sends a mix of datagrams, more than one recvmmsg
// batch, and checks that exactly the kept ones reach ReadFrom, intact,
// from the sender's address.
func TestPollConnFilter(t *testing.T) {
	p := startPoller(t, 20*time.Millisecond) // long enough for the sends to pile up into several batches
	filtered := 0                            // touched only by the poller goroutine
	c := openCounting(t, p, func(b []byte) bool {
		filtered++
		return marked(b)
	})
	s := listenUDP4(t)

	const n = 3*pollBatch + 5
	var kept [][]byte
	for i := range n {
		mark := byte('d')
		if i%3 == 0 {
			mark = 'k'
		}
		// Lengths differ so that a datagram read into the wrong slot,
		// or with the wrong length, is noticed.
		msg := fmt.Appendf(nil, "%c%03d-%s", mark, i, bytes.Repeat([]byte{byte(i)}, i*7))
		if mark == 'k' {
			kept = append(kept, msg)
		}
		if _, err := s.WriteTo(msg, c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	// A kept datagram of the largest size, and one too large for a buffer.
	full := append([]byte{'k'}, bytes.Repeat([]byte{0xab}, udpbatch.MaxDatagram-1)...)
	kept = append(kept, full)
	for _, msg := range [][]byte{full, append(full, 0xcd)} {
		if _, err := s.WriteTo(msg, c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}

	buf := make([]byte, 2*udpbatch.MaxDatagram)
	for i, want := range kept {
		_ = c.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
		m, from, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("waiting for kept datagram %d: %v", i, err)
		}
		if !bytes.Equal(buf[:m], want) {
			t.Fatalf("kept datagram %d: got %d bytes %.12q, want %d bytes %.12q", i, m, buf[:m], len(want), want)
		}
		if addrPort(from) != addrPort(s.LocalAddr()) {
			t.Fatalf("kept datagram %d from %v, want %v", i, from, s.LocalAddr())
		}
	}
	// The datagram too large was sent last: once it is counted, the poller
	// has drained everything.
	testkit.Eventually(t, "the poller to count the truncated datagram", func() bool { return c.truncated.Load() > 0 })
	if n := len(c.in); n != 0 {
		m, _, _ := c.ReadFrom(buf)
		t.Fatalf("%d more datagrams queued, the first %.12q, which the filter dropped or which was truncated", n, buf[:m])
	}
	p.close() // orders the poller's writes of filtered before the read below
	if filtered != n+1 {
		t.Errorf("filter saw %d datagrams, want %d", filtered, n+1)
	}
	if got := c.truncated.Load(); got != 1 {
		t.Errorf("%d truncated datagrams, want 1", got)
	}
	if got := c.dropped.Load(); got != 0 {
		t.Errorf("%d kept datagrams lost to a full queue", got)
	}
}

func TestPollConnWriteTo(t *testing.T) {
	p := startPoller(t, time.Millisecond)
	c := openCounting(t, p, nil)
	peer := listenUDP4(t)

	msg := []byte("binding request")
	if n, err := c.WriteTo(msg, peer.LocalAddr()); err != nil || n != len(msg) {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
	_ = peer.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
	buf := make([]byte, 100)
	n, from, err := peer.ReadFrom(buf)
	if err != nil {
		t.Fatalf("waiting for the datagram written: %v", err)
	}
	if !bytes.Equal(buf[:n], msg) || addrPort(from) != addrPort(c.LocalAddr()) {
		t.Fatalf("peer got %q from %v, want %q from %v", buf[:n], from, msg, c.LocalAddr())
	}
	// A v4-mapped IPv6 address is the same IPv4 peer.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(addrPort(peer.LocalAddr()).Addr().As16()), addrPort(peer.LocalAddr()).Port())
	if _, err := c.WriteToAddrPort(msg, mapped); err != nil {
		t.Errorf("write to %v: %v", mapped, err)
	}

	if _, err := c.WriteTo(msg, &net.UDPAddr{IP: net.IPv6loopback, Port: 9}); err == nil {
		t.Error("wrote to an IPv6 address from an IPv4 socket")
	}
	_ = c.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := c.WriteTo(msg, peer.LocalAddr()); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("write after the deadline: %v, want a timeout", err)
	}
	_ = c.SetWriteDeadline(time.Time{})
	_ = c.Close()
	if _, err := c.WriteTo(msg, peer.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v, want net.ErrClosed", err)
	}
}

// TestPollConnDeadlineAndClose checks read deadlines and Close in a
// synctest bubble: the deadline's timer runs on the bubble's clock, so a
// read must time out exactly at its deadline, and synctest.Wait tells when
// a reader is blocked, however slow the machine. Nothing reads the socket
// (it is on no poller): the reads only see the deadline and Close.
func TestPollConnDeadlineAndClose(t *testing.T) {
	synctest.Test(t, testPollConnDeadline)

	// Close also takes the socket off its poller.
	p := startPoller(t, time.Millisecond)
	c := openCounting(t, p, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	left := len(p.conns)
	p.mu.Unlock()
	if left != 0 {
		t.Errorf("%d sockets still on the poller after Close", left)
	}
}

func testPollConnDeadline(t *testing.T) {
	c, err := listenPoll(loopback, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 100)

	isTimeout := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(50 * time.Millisecond))
	if _, _, err := c.ReadFrom(buf); !isTimeout(err) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	if d := time.Since(start); d != 50*time.Millisecond {
		t.Errorf("timed out after %v, want 50ms: at the deadline", d)
	}

	read := func() <-chan error {
		ch := make(chan error, 1)
		go func() {
			_, _, err := c.ReadFrom(buf)
			ch <- err
		}()
		synctest.Wait() // the reader is blocked, or done
		select {
		case err := <-ch:
			t.Fatalf("read with no data returned %v at once", err)
		default:
		}
		return ch
	}

	// A deadline moved earlier reaches a reader already blocked.
	_ = c.SetReadDeadline(time.Now().Add(time.Hour))
	ch := read()
	moved := time.Now()
	_ = c.SetReadDeadline(moved.Add(10 * time.Millisecond))
	if err := <-ch; !isTimeout(err) {
		t.Fatalf("read: %v, want a timeout", err)
	}
	if d := time.Since(moved); d != 10*time.Millisecond {
		t.Errorf("timed out %v after the deadline was moved, want 10ms", d)
	}

	// Close unblocks a reader with no deadline.
	_ = c.SetReadDeadline(time.Time{})
	ch = read()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-ch; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read: %v, want net.ErrClosed", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
}

// TestPollerManyConns runs several senders into many sockets on one
// poller while half of the sockets are closed, and checks that every
// surviving socket gets every datagram its filter keeps, in order.
func TestPollerManyConns(t *testing.T) {
	const (
		conns   = 40
		senders = 4
		// Datagrams per sender and socket, the even ones kept: few enough
		// that a socket's queue never fills, and an odd number so that each
		// sender's last datagram is kept: a reader that has them all knows
		// the filter has seen everything (a socket's queue is FIFO).
		perSender = 101
		kept      = (perSender + 1) / 2
	)
	p := startPoller(t, time.Millisecond)
	cs := make([]*pollConn, conns)
	filtered := make([]int, conns) // each touched only by the poller goroutine
	for i := range cs {
		cs[i] = openCounting(t, p, func(b []byte) bool {
			filtered[i]++
			return marked(b)
		})
	}

	type result struct {
		got [senders][]uint32 // kept sequence numbers per sender
		err error
	}
	results := make([]result, conns)
	from := make([]netip.AddrPort, senders)
	senderConns := make([]*net.UDPConn, senders)
	for s := range senderConns {
		senderConns[s] = listenUDP4(t)
		from[s] = addrPort(senderConns[s].LocalAddr())
	}
	var readers sync.WaitGroup
	for i, c := range cs {
		readers.Add(1)
		go func() {
			defer readers.Done()
			res := &results[i]
			buf := make([]byte, 100)
			for range senders * kept {
				n, addr, err := c.ReadFromAddrPort(buf)
				if err != nil {
					res.err = err
					return
				}
				if n != 6 || !marked(buf[:n]) || int(buf[1]) >= senders {
					res.err = fmt.Errorf("unexpected datagram %q", buf[:n])
					return
				}
				s := buf[1]
				if addr != from[s] {
					res.err = fmt.Errorf("datagram from sender %d came from %v, want %v", s, addr, from[s])
					return
				}
				res.got[s] = append(res.got[s], binary.BigEndian.Uint32(buf[2:6]))
			}
		}()
	}

	var senderWG sync.WaitGroup
	for s := range senders {
		senderWG.Add(1)
		conn := senderConns[s]
		go func() {
			defer senderWG.Done()
			msg := make([]byte, 6)
			for seq := range perSender {
				for _, c := range cs {
					msg[0] = 'd'
					if seq%2 == 0 {
						msg[0] = 'k'
					}
					msg[1] = byte(s)
					binary.BigEndian.PutUint32(msg[2:], uint32(seq))
					if _, err := conn.WriteToUDPAddrPort(msg, c.local.AddrPort()); err != nil {
						t.Error(err)
						return
					}
				}
				if seq%10 == 0 {
					time.Sleep(200 * time.Microsecond) // spread over several ticks
				}
			}
		}()
	}
	// Close the odd sockets while the traffic flows.
	var closers sync.WaitGroup
	for i := 1; i < conns; i += 2 {
		closers.Add(1)
		go func() {
			defer closers.Done()
			time.Sleep(time.Duration(i) * 100 * time.Microsecond) // staggered while traffic flows: any order is correct
			if err := cs[i].Close(); err != nil {
				t.Errorf("close %d: %v", i, err)
			}
		}()
	}
	senderWG.Wait()
	closers.Wait()

	done := make(chan struct{})
	go func() { readers.Wait(); close(done) }()
	testkit.Receive(t, done, "the readers to get every kept datagram")
	p.close()

	for i, res := range results {
		if i%2 == 1 {
			if res.err != nil && !errors.Is(res.err, net.ErrClosed) {
				t.Errorf("closed socket %d: %v", i, res.err)
			}
			continue
		}
		if res.err != nil {
			t.Errorf("socket %d: %v", i, res.err)
			continue
		}
		for s, seqs := range res.got {
			for j, seq := range seqs {
				if seq != uint32(2*j) {
					t.Errorf("socket %d, sender %d: kept datagram %d has sequence %d, want %d", i, s, j, seq, 2*j)
					break
				}
			}
		}
		if filtered[i] != senders*perSender {
			t.Errorf("socket %d: filter saw %d datagrams, want %d", i, filtered[i], senders*perSender)
		}
		if d := cs[i].dropped.Load(); d != 0 {
			t.Errorf("socket %d: %d kept datagrams dropped", i, d)
		}
	}
}

// dropPath is a counting socket whose datagrams go to the load test's
// media counter, read by a recvBatch the caller drives, and a sender.
type dropPath struct {
	r    *run
	c    *pollConn
	rb   *recvBatch
	send *net.UDPConn
	to   netip.AddrPort
	pkt  []byte
}

func newDropPath(t testing.TB) *dropPath {
	d := &dropPath{r: &run{}, rb: newRecvBatch(), send: listenUDP4(t)}
	c, err := listenPoll(loopback, d.r.counter(func() {}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	d.c, d.to = c, c.local.AddrPort()
	// An RTP video packet as the server forwards it.
	d.pkt = make([]byte, 1100)
	d.pkt[0], d.pkt[1] = 0x80, 96
	binary.BigEndian.PutUint32(d.pkt[8:], 0x1234)
	return d
}

// sendN sends n packets with consecutive sequence numbers.
func (d *dropPath) sendN(t testing.TB, n int) {
	for range n {
		seq := binary.BigEndian.Uint16(d.pkt[2:])
		binary.BigEndian.PutUint16(d.pkt[2:], seq+1)
		if _, err := d.send.WriteToUDPAddrPort(d.pkt, d.to); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDropPathAllocatesNothing(t *testing.T) {
	d := newDropPath(t)
	const perRun = 3 * pollBatch
	allocs := testing.AllocsPerRun(50, func() {
		d.sendN(t, perRun)
		d.rb.drain(d.c)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per %d datagrams sent and dropped, want 0", allocs, perRun)
	}
	if got, want := d.r.tracks.snapshot().Packets, uint64(51*perRun); got != want {
		t.Errorf("counted %d packets, want %d", got, want)
	}
}

// BenchmarkPollDrop measures reading, counting and dropping one media
// datagram on a counting socket (the sending is not timed).
func BenchmarkPollDrop(b *testing.B) {
	d := newDropPath(b)
	const chunk = 256 // well within the socket's receive buffer
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += chunk {
		b.StopTimer()
		d.sendN(b, min(chunk, b.N-sent))
		b.StartTimer()
		d.rb.drain(d.c)
	}
	b.StopTimer()
	if got := d.r.tracks.snapshot().Packets; got != uint64(b.N) {
		b.Fatalf("counted %d packets, want %d", got, b.N)
	}
}
