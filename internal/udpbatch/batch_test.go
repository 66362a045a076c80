//go:build linux

// The whole file is Linux-only because TestDontFragment reads socket
// options back with Linux constants; CI runs on Linux, and the Batch tests
// rely on Linux's sendmmsg error semantics anyway.

package udpbatch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/testkit"
)

// batchPayload is datagram i's content: its index, then a pattern that
// depends on i, size bytes in all (at least 2).
func batchPayload(dst []byte, i, size int) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(i))
	for k := 2; k < size; k++ {
		dst = append(dst, byte(i*7+k))
	}
	return dst
}

// batchSize varies datagram sizes from 2 bytes to a full BatchBufferSize.
func batchSize(i int) int {
	if i%10 == 9 {
		return BatchBufferSize
	}
	return 2 + (i*97)%(BatchBufferSize-2)
}

func addrPort(c net.PacketConn) netip.AddrPort {
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// listenPeer is a plain receiving socket with room for every datagram a
// test sends it, so that loopback delivery is reliable.
func listenPeer(t testing.TB, addr string) *net.UDPConn {
	t.Helper()
	p := listen(t, "udp", addr)
	if err := p.SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	return p
}

// receive reads n datagrams from p and checks each against the payload its
// index names (of size(i) bytes): intact, meant for this peer (want), from
// port, and new.
func receive(t *testing.T, p *net.UDPConn, n int, from uint16, want func(i int) bool, size func(i int) int, seen map[int]bool) {
	t.Helper()
	buf := make([]byte, 2*BatchBufferSize)
	for range n {
		if err := p.SetReadDeadline(time.Now().Add(testkit.DefaultWait())); err != nil {
			t.Fatal(err)
		}
		m, src, err := p.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("peer %v: %d datagrams received in all, then: %v", addrPort(p), len(seen), err)
		}
		if m < 2 {
			t.Fatalf("peer %v: %d-byte datagram", addrPort(p), m)
		}
		i := int(binary.BigEndian.Uint16(buf))
		if !want(i) {
			t.Fatalf("peer %v got datagram %d, meant for another", addrPort(p), i)
		}
		if seen[i] {
			t.Fatalf("datagram %d arrived twice", i)
		}
		seen[i] = true
		if w := batchPayload(nil, i, size(i)); !bytes.Equal(buf[:m], w) {
			t.Fatalf("datagram %d: got %d bytes, want %d, contents differ", i, m, len(w))
		}
		if src.Port() != from {
			t.Fatalf("datagram %d from %v, want port %d", i, src, from)
		}
	}
}

// expectSilence fails if p receives anything more within a short wait. A
// negative check: on a slow machine it may miss a stray datagram, but
// never fails a correct sender.
func expectSilence(t *testing.T, p *net.UDPConn) {
	t.Helper()
	if err := p.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2*BatchBufferSize)
	if n, _, err := p.ReadFromUDPAddrPort(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("peer %v: unexpected datagram (%d bytes, err %v)", addrPort(p), n, err)
	}
}

func checkEmpty(t *testing.T, b *Batch) {
	t.Helper()
	if b.Len() != 0 {
		t.Fatalf("Len = %d, want 0", b.Len())
	}
	if buf := b.Next(); len(buf) != 0 || cap(buf) != BatchBufferSize {
		t.Fatalf("Next: len %d cap %d, want 0 and %d", len(buf), cap(buf), BatchBufferSize)
	}
}

// TestBatch spreads 150 datagrams over three receivers through one Batch:
// two full batches flushed mid-way and a partial one at the end, each a
// single sendmmsg.
func TestBatch(t *testing.T) {
	for _, tc := range []struct {
		name, network, local string
		peers                []string
	}{
		{"ipv4", "udp4", "127.0.0.1:0", []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}},
		{"dual-stack", "udp", "[::]:0", []string{"127.0.0.1:0", "[::1]:0", "127.0.0.1:0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(listen(t, tc.network, tc.local), 0)
			defer c.Close()
			var peers []*net.UDPConn
			var dests []netip.AddrPort
			for _, a := range tc.peers {
				p := listenPeer(t, a)
				peers = append(peers, p)
				dests = append(dests, addrPort(p))
			}

			const total = 150
			b := c.NewBatch()
			checkEmpty(t, b)
			for i := range total {
				buf := b.Next()
				if len(buf) != 0 || cap(buf) != BatchBufferSize {
					t.Fatalf("datagram %d: Next: len %d cap %d, want 0 and %d", i, len(buf), cap(buf), BatchBufferSize)
				}
				buf = batchPayload(buf, i, batchSize(i))
				if cap(buf) != BatchBufferSize {
					t.Fatalf("datagram %d of %d bytes outgrew its buffer", i, len(buf))
				}
				full := b.Add(buf, dests[i%len(dests)])
				if want := i%BatchSize + 1; b.Len() != want {
					t.Fatalf("after Add %d: Len = %d, want %d", i, b.Len(), want)
				}
				if want := b.Len() == BatchSize; full != want {
					t.Fatalf("Add %d (Len %d): full = %v, want %v", i, b.Len(), full, want)
				}
				if full {
					b.Flush()
					checkEmpty(t, b)
				}
			}
			if b.Len() != total%BatchSize {
				t.Fatalf("Len = %d before the last Flush, want %d", b.Len(), total%BatchSize)
			}
			b.Flush()
			checkEmpty(t, b)

			from := addrPort(c).Port()
			seen := make(map[int]bool)
			for j, p := range peers {
				receive(t, p, total/len(peers), from, func(i int) bool { return i%len(peers) == j }, batchSize, seen)
			}
			for _, p := range peers {
				expectSilence(t, p)
			}
			sent, batches, dropped, overflow := c.Stats()
			if sent != total || dropped != 0 || overflow != 0 {
				t.Errorf("Stats: sent %d dropped %d overflow %d, want %d, 0, 0", sent, dropped, overflow, total)
			}
			// One sendmmsg per Flush: 64 + 64 + 22.
			if want := uint64((total + BatchSize - 1) / BatchSize); batches != want {
				t.Errorf("Stats: %d batches, want %d", batches, want)
			}
		})
	}
}

// TestBatchEmptyFlush: Flush with nothing queued sends nothing, and a
// Flush empties the batch so that flushing again does not resend.
func TestBatchEmptyFlush(t *testing.T) {
	c := New(listen(t, "udp4", "127.0.0.1:0"), 0)
	defer c.Close()
	peer := listenPeer(t, "127.0.0.1:0")
	b := c.NewBatch()

	b.Flush()
	checkEmpty(t, b)
	if sent, batches, dropped, _ := c.Stats(); sent != 0 || batches != 0 || dropped != 0 {
		t.Fatalf("after an empty Flush: sent %d batches %d dropped %d, want all 0", sent, batches, dropped)
	}
	expectSilence(t, peer)

	if b.Add(batchPayload(b.Next(), 0, batchSize(0)), addrPort(peer)) {
		t.Fatal("one datagram filled the batch")
	}
	b.Flush()
	b.Flush()
	checkEmpty(t, b)
	receive(t, peer, 1, addrPort(c).Port(), func(i int) bool { return i == 0 }, batchSize, map[int]bool{})
	expectSilence(t, peer)
	if sent, batches, dropped, _ := c.Stats(); sent != 1 || batches != 1 || dropped != 0 {
		t.Fatalf("after Flush, Flush: sent %d batches %d dropped %d, want 1, 1, 0", sent, batches, dropped)
	}
}

// TestBatchRefused: a datagram the kernel refuses is dropped and counted,
// and the rest of its batch is still delivered. Linux refuses a UDP
// datagram to port 0 (EINVAL) and an IPv6 destination on an IPv4 socket
// at sendmsg time, so this is deterministic; sendmmsg reports the
// datagrams sent before the refused one, then fails on it. An IPv6
// destination on an IPv4 socket is refused before any system call.
func TestBatchRefused(t *testing.T) {
	port0 := netip.MustParseAddrPort("127.0.0.1:0")
	ipv6 := netip.MustParseAddrPort("[::1]:9")
	for _, tc := range []struct {
		name  string
		n     int
		bad   map[int]netip.AddrPort
		calls uint64 // one sendmmsg per run of good datagrams, one per port 0
	}{
		{"first", BatchSize, map[int]netip.AddrPort{0: port0}, 2},
		{"middle", BatchSize, map[int]netip.AddrPort{30: port0}, 3},
		{"last", BatchSize, map[int]netip.AddrPort{BatchSize - 1: ipv6}, 1},
		{"adjacent", 20, map[int]netip.AddrPort{5: ipv6, 6: port0}, 3},
		{"scattered", 40, map[int]netip.AddrPort{0: port0, 13: ipv6, 39: port0}, 3},
		{"all", 3, map[int]netip.AddrPort{0: port0, 1: ipv6, 2: port0}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(listen(t, "udp4", "127.0.0.1:0"), 0)
			defer c.Close()
			peer := listenPeer(t, "127.0.0.1:0")
			b := c.NewBatch()
			for i := range tc.n {
				to, refused := tc.bad[i]
				if !refused {
					to = addrPort(peer)
				}
				b.Add(batchPayload(b.Next(), i, batchSize(i)), to)
			}
			b.Flush()
			checkEmpty(t, b)

			good := tc.n - len(tc.bad)
			seen := make(map[int]bool)
			receive(t, peer, good, addrPort(c).Port(), func(i int) bool { _, bad := tc.bad[i]; return !bad }, batchSize, seen)
			expectSilence(t, peer)
			sent, batches, dropped, _ := c.Stats()
			if sent != uint64(good) || dropped != uint64(len(tc.bad)) {
				t.Errorf("Stats: sent %d dropped %d, want %d and %d", sent, dropped, good, len(tc.bad))
			}
			if batches != tc.calls {
				t.Errorf("Stats: %d batches, want %d", batches, tc.calls)
			}
		})
	}
}

// TestBatchAfterClose: flushing on a closed Conn drops the whole batch at
// once (no system call at all, not one per datagram) and leaves it empty.
func TestBatchAfterClose(t *testing.T) {
	c := New(listen(t, "udp4", "127.0.0.1:0"), 0)
	peer := listenPeer(t, "127.0.0.1:0")
	b := c.NewBatch()
	for i := range 5 {
		b.Add(batchPayload(b.Next(), i, batchSize(i)), addrPort(peer))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	b.Flush()
	checkEmpty(t, b)
	expectSilence(t, peer)
	if sent, batches, dropped, _ := c.Stats(); sent != 0 || batches != 0 || dropped != 5 {
		t.Errorf("Stats: sent %d batches %d dropped %d, want 0, 0, 5", sent, batches, dropped)
	}
}

// TestBatchConcurrent: Batches on several goroutines share a Conn with its
// queued writer; under -race this checks that they share nothing unsafely.
func TestBatchConcurrent(t *testing.T) {
	c := New(listen(t, "udp4", "127.0.0.1:0"), 0)
	t.Cleanup(func() { _ = c.Close() }) // on failure; the test closes it itself
	const senders, each = 4, 100
	peers := make([]*net.UDPConn, senders+1) // the last one is for queued writes
	for g := range peers {
		peers[g] = listenPeer(t, "127.0.0.1:0")
	}
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			b := c.NewBatch()
			to := addrPort(peers[g])
			for i := range each {
				if b.Add(batchPayload(b.Next(), i, batchSize(i)), to) {
					b.Flush()
				}
			}
			b.Flush()
		})
	}
	// Larger datagrams bypass the queue, and Stats.
	queuedSize := func(i int) int { return min(batchSize(i), MaxDatagram) }
	wg.Go(func() {
		to := addrPort(peers[senders])
		for i := range each {
			if _, err := c.WriteToAddrPort(batchPayload(nil, i, queuedSize(i)), to); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	for g, p := range peers {
		size := batchSize
		if g == senders {
			size = queuedSize
		}
		receive(t, p, each, addrPort(c).Port(), func(int) bool { return true }, size, map[int]bool{})
	}
	// The writer counts a batch after its sendmmsg returns, which may be
	// after the peer has read it; Close waits for the writer to finish.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if sent, _, dropped, overflow := c.Stats(); sent != (senders+1)*each || dropped != 0 || overflow != 0 {
		t.Errorf("Stats: sent %d dropped %d overflow %d, want %d, 0, 0", sent, dropped, overflow, (senders+1)*each)
	}
}

func getsockopt(t *testing.T, c *net.UDPConn, level, opt int) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var operr error
	if err := raw.Control(func(fd uintptr) { v, operr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if operr != nil {
		t.Fatalf("getsockopt(%d, %d): %v", level, opt, operr)
	}
	return v
}

// TestDontFragment: New puts the socket in IP_PMTUDISC_PROBE mode (DF set,
// no path-MTU bookkeeping), for IPv4 and, on a dual-stack socket, for both
// families. The kernel's default is never PROBE, so reading the option
// before New shows that New is what set it.
func TestDontFragment(t *testing.T) {
	type opt struct{ level, name, want int }
	ipv4 := opt{syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_PROBE}
	ipv6 := opt{syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, syscall.IPV6_PMTUDISC_PROBE}
	for _, tc := range []struct {
		name, network, addr string
		opts                []opt
	}{
		{"ipv4", "udp4", "127.0.0.1:0", []opt{ipv4}},
		{"dual-stack", "udp", "[::]:0", []opt{ipv4, ipv6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			udp := listen(t, tc.network, tc.addr)
			for _, o := range tc.opts {
				if v := getsockopt(t, udp, o.level, o.name); v == o.want {
					t.Fatalf("option %d/%d is already %d before New", o.level, o.name, v)
				}
			}
			c := New(udp, 0)
			defer c.Close()
			for _, o := range tc.opts {
				if v := getsockopt(t, udp, o.level, o.name); v != o.want {
					t.Errorf("option %d/%d = %d after New, want %d", o.level, o.name, v, o.want)
				}
			}
		})
	}
}

// BenchmarkBatch fans 1,200-byte datagrams out to 100 loopback destinations
// in full batches; an op is one datagram. The receivers are never read and
// keep the default buffer, which fills within the first few thousand
// datagrams; from then on the kernel discards at the receiving socket, so
// the figure is steady and is mostly the sender's cost, as on a real
// network where the receiver is another host. (Large receive buffers make
// the first run of a process slower and noisier, not more realistic.)
func BenchmarkBatch(b *testing.B) {
	c := New(listen(b, "udp4", "127.0.0.1:0"), 0)
	defer c.Close()
	dests := make([]netip.AddrPort, 100)
	for i := range dests {
		dests[i] = addrPort(listen(b, "udp4", "127.0.0.1:0"))
	}
	pkt := bytes.Repeat([]byte{0x80}, 1200)
	batch := c.NewBatch()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if batch.Add(append(batch.Next(), pkt...), dests[i%len(dests)]) {
			batch.Flush()
		}
		i++
	}
	batch.Flush()
	sent, batches, dropped, _ := c.Stats()
	if sent != uint64(i) || dropped != 0 {
		b.Fatalf("sent %d dropped %d of %d", sent, dropped, i)
	}
	b.ReportMetric(float64(sent)/float64(batches), "datagrams/call")
}

// TestListenTwin: a socket from Listen gets a send-only twin for Batches.
// Everything sent to the port is still read from the main socket (the
// twin never receives), and batches leave from the same port.
func TestListenTwin(t *testing.T) {
	for _, network := range []string{"udp4", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "udp" {
				addr = ":0"
			}
			udp, err := Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			c := New(udp, 0)
			defer c.Close()
			if c.sender == nil {
				t.Fatal("no send-only twin for a socket from Listen")
			}
			port := addrPort(c).Port()
			peer := listenPeer(t, "127.0.0.1:0")
			to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
			// In rounds, so that the default receive buffer never overflows:
			// every datagram must arrive, so a lost one is one the twin took.
			const n, round = 300, 30
			buf := make([]byte, 64)
			seen := make(map[int]bool)
			for i := 0; i < n; i += round {
				for j := i; j < i+round; j++ {
					if _, err := peer.WriteToUDPAddrPort([]byte{byte(j >> 8), byte(j)}, to); err != nil {
						t.Fatal(err)
					}
				}
				for len(seen) < i+round {
					_ = c.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
					m, _, err := c.ReadFromAddrPort(buf)
					if err != nil || m != 2 {
						t.Fatalf("read %d of %d datagrams sent to the port: %v", len(seen), n, err)
					}
					seen[int(buf[0])<<8|int(buf[1])] = true
				}
			}

			b := c.NewBatch()
			for i := range 10 {
				b.Add(batchPayload(b.Next(), i, batchSize(i)), addrPort(peer))
			}
			b.Flush()
			receive(t, peer, 10, port, func(int) bool { return true }, batchSize, map[int]bool{})
			if sent, _, dropped, _ := c.Stats(); sent != 10 || dropped != 0 {
				t.Errorf("sent %d dropped %d, want 10 and 0", sent, dropped)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			b.Add(batchPayload(b.Next(), 0, batchSize(0)), addrPort(peer))
			b.Flush() // after Close: dropped, never written to a reused descriptor
			if _, _, dropped, _ := c.Stats(); dropped != 1 {
				t.Errorf("a batch flushed after Close: dropped %d, want 1", dropped)
			}
		})
	}
}
