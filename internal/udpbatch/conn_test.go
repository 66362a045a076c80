package udpbatch

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/testkit"
)

func listen(t testing.TB, network, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.UDPConn)
}

// TestRoundTrip sends through a batching Conn to plain sockets and back,
// over IPv4, IPv6 and a dual-stack socket writing to IPv4.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, network, local, peer string }{
		{"ipv4", "udp4", "127.0.0.1:0", "127.0.0.1:0"},
		{"ipv6", "udp6", "[::1]:0", "[::1]:0"},
		{"dual-stack to ipv4", "udp", ":0", "127.0.0.1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := net.ListenPacket(tc.network, tc.local)
			if err != nil {
				t.Fatalf("%s: %v", tc.network, err)
			}
			c := New(raw.(*net.UDPConn), 0)
			defer c.Close()
			peers := []*net.UDPConn{listen(t, "udp", tc.peer), listen(t, "udp", tc.peer), listen(t, "udp", tc.peer)}
			const perPeer = 200
			for i := 0; i < perPeer; i++ {
				for j, p := range peers {
					msg := []byte(fmt.Sprintf("packet %d to %d", i, j))
					ap := p.LocalAddr().(*net.UDPAddr).AddrPort()
					if _, err := c.WriteToAddrPort(msg, ap); err != nil {
						t.Fatal(err)
					}
				}
			}
			for j, p := range peers {
				buf := make([]byte, 2048)
				for i := 0; i < perPeer; i++ {
					_ = p.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
					n, from, err := p.ReadFromUDPAddrPort(buf)
					if err != nil {
						t.Fatalf("peer %d read %d: %v", j, i, err)
					}
					want := fmt.Sprintf("packet %d to %d", i, j)
					if string(buf[:n]) != want {
						t.Fatalf("peer %d got %q, want %q", j, buf[:n], want)
					}
					if i == 0 {
						// Answer, to exercise batched reads.
						if _, err := p.WriteToUDPAddrPort([]byte("reply"), from); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			rb := make([]byte, 2048)
			for range peers {
				_ = c.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
				n, from, err := c.ReadFromAddrPort(rb)
				if err != nil || string(rb[:n]) != "reply" || !from.IsValid() {
					t.Fatalf("read reply: %q from %v: %v", rb[:n], from, err)
				}
			}
			// The writer counts a batch after sendmmsg returns, which can be
			// after the peers have read it; Close waits for the writer.
			_ = c.Close()
			sent, batches, dropped, _ := c.Stats()
			if sent != 3*perPeer || dropped != 0 {
				t.Errorf("sent %d dropped %d, want %d and 0", sent, dropped, 3*perPeer)
			}
			if batches >= sent {
				t.Errorf("%d batches for %d datagrams: nothing was batched", batches, sent)
			}
		})
	}
}

// TestFullQueueSendsDirectly: a full ring neither blocks nor loses the
// datagram: the caller sends it itself.
func TestFullQueueSendsDirectly(t *testing.T) {
	c := New(listen(t, "udp4", "127.0.0.1:0"), 4)
	peer := listen(t, "udp4", "127.0.0.1:0")
	ap := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	c.mu.Lock() // pretend the ring is full so the writer has nothing to drain
	c.count = len(c.ring)
	c.mu.Unlock()
	for i := 0; i < 20; i++ {
		if n, err := c.WriteToAddrPort([]byte{byte(i)}, ap); n != 1 || err != nil {
			t.Fatalf("write: %d, %v", n, err)
		}
	}
	buf := make([]byte, 16)
	for i := 0; i < 20; i++ {
		_ = peer.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
		if n, _, err := peer.ReadFromUDPAddrPort(buf); err != nil || n != 1 || buf[0] != byte(i) {
			t.Fatalf("datagram %d: %v %v", i, buf[:n], err)
		}
	}
	if _, _, dropped, overflow := c.Stats(); dropped != 0 || overflow != 20 {
		t.Errorf("dropped %d overflow %d, want 0 and 20", dropped, overflow)
	}
	c.mu.Lock()
	c.count = 0
	c.mu.Unlock()
	_ = c.Close()
}

func TestOversizeAndClosed(t *testing.T) {
	c := New(listen(t, "udp4", "127.0.0.1:0"), 0)
	peer := listen(t, "udp4", "127.0.0.1:0")
	ap := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	big := bytes.Repeat([]byte{7}, MaxDatagram+100)
	if n, err := c.WriteToAddrPort(big, ap); err != nil || n != len(big) {
		t.Fatalf("oversize write: %d, %v", n, err)
	}
	buf := make([]byte, 4096)
	_ = peer.SetReadDeadline(time.Now().Add(testkit.DefaultWait()))
	if n, _, err := peer.ReadFromUDPAddrPort(buf); err != nil || n != len(big) {
		t.Fatalf("oversize read: %d, %v", n, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteToAddrPort([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Error("write after Close succeeded")
	}
}

// BenchmarkWrite measures a fan-out of one packet to 100 destinations.
func BenchmarkWrite(b *testing.B) {
	c := New(listen(b, "udp4", "127.0.0.1:0"), 0)
	defer c.Close()
	var dests []netip.AddrPort
	for i := 0; i < 100; i++ {
		p := listen(b, "udp4", "127.0.0.1:0")
		dests = append(dests, p.LocalAddr().(*net.UDPAddr).AddrPort())
	}
	pkt := make([]byte, 1200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = c.WriteToAddrPort(pkt, dests[i%len(dests)])
	}
}
