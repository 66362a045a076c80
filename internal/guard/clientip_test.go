package guard

import (
	"errors"
	"net/netip"
	"testing"
)

func mustPrefixes(t *testing.T, list ...string) Prefixes {
	t.Helper()
	p, err := ParsePrefixes(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestClientIP: X-Forwarded-For is believed only from a trusted proxy, and
// then only right of the first address that is not one; every spoofing
// attempt gives the address an attacker cannot choose.
func TestClientIP(t *testing.T) {
	trusted := mustPrefixes(t, "10.0.0.0/8", "192.0.2.1", "2001:db8:ffff::/48")
	for _, c := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy, no header", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"untrusted peer sends a header", "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer claims to be a proxy", "203.0.113.9:5555", []string{"198.51.100.1, 10.0.0.1"}, "203.0.113.9"},
		{"trusted proxy, one client", "10.1.2.3:443", []string{"198.51.100.7"}, "198.51.100.7"},
		{"client prepends a lie", "10.1.2.3:443", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"client sends its own header line", "10.1.2.3:443", []string{"1.2.3.4", "198.51.100.7"}, "198.51.100.7"},
		{"two trusted hops", "10.1.2.3:443", []string{"6.6.6.6, 198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"single trusted address", "192.0.2.1:1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"neighbour of a single trusted address", "192.0.2.2:1", []string{"198.51.100.7"}, "192.0.2.2"},
		{"garbage left of the client", "10.1.2.3:443", []string{"not-an-ip, 198.51.100.7"}, "198.51.100.7"},
		{"only trusted hops", "10.1.2.3:443", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"trusted proxy without a header", "10.1.2.3:443", nil, "10.1.2.3"},
		{"entry with a port", "10.1.2.3:443", []string{"198.51.100.7:4711"}, "198.51.100.7"},
		{"ipv6 client", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"ipv6 entry with port", "10.1.2.3:443", []string{"[2001:db8:1::5]:80"}, "2001:db8:1::5"},
		{"v4-mapped peer is its v4", "[::ffff:10.1.2.3]:443", []string{"198.51.100.7"}, "198.51.100.7"},
		{"v4-mapped entry is its v4", "10.1.2.3:443", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := trusted.ClientIP(c.remote, c.xff)
			if err != nil || got != netip.MustParseAddr(c.want) {
				t.Fatalf("ClientIP(%q, %q) = %v %v, want %s", c.remote, c.xff, got, err, c.want)
			}
		})
	}
	// Where the client's address should be, an entry that is not one: the
	// proxy passed a header on, and its own address is not the answer.
	for _, xff := range [][]string{
		{"198.51.100.7, not-an-ip"}, {"evil, 10.9.9.9"}, {"198.51.100.7,"}, {"fe80::1%eth0"}, {"garbage"},
	} {
		if got, err := trusted.ClientIP("10.1.2.3:443", xff); !errors.Is(err, ErrForwardedFor) {
			t.Errorf("ClientIP(%q) = %v %v, want ErrForwardedFor", xff, got, err)
		}
	}
	// From a peer that is not a trusted proxy, the header is not read at all.
	if got, err := trusted.ClientIP("203.0.113.9:1", []string{"garbage"}); err != nil || got != netip.MustParseAddr("203.0.113.9") {
		t.Errorf("an untrusted peer's garbage: %v %v", got, err)
	}
	if _, err := trusted.ClientIP("not an address", nil); !errors.Is(err, ErrPeer) {
		t.Errorf("an unreadable peer: %v, want ErrPeer", err)
	}
	// Nobody trusted: the header never matters.
	if got, _ := Prefixes(nil).ClientIP("10.1.2.3:1", []string{"garbage"}); got != netip.MustParseAddr("10.1.2.3") {
		t.Errorf("without trusted proxies: %v", got)
	}
}

// TestClientIPHops: a chain of trusted entries longer than
// MaxForwardedHops is not walked to its end.
func TestClientIPHops(t *testing.T) {
	trusted := mustPrefixes(t, "10.0.0.0/8")
	line := "198.51.100.7"
	for range MaxForwardedHops {
		line += ", 10.0.0.1"
	}
	got, _ := trusted.ClientIP("10.1.2.3:1", []string{line})
	if got != netip.MustParseAddr("10.0.0.1") {
		t.Fatalf("got %v, want the last trusted hop read", got)
	}
}

func TestParsePrefixes(t *testing.T) {
	p := mustPrefixes(t, "10.0.0.0/8", " 192.0.2.1 ", "2001:db8::/32", "10.1.2.3/8")
	for _, a := range []string{"10.200.0.1", "192.0.2.1", "2001:db8::5", "::ffff:10.0.0.1"} {
		if !p.Contains(netip.MustParseAddr(a)) {
			t.Errorf("%s not contained", a)
		}
	}
	if p.Contains(netip.MustParseAddr("192.0.2.2")) {
		t.Error("a single address contains its neighbour")
	}
	for _, bad := range []string{"", "10.0.0.0/33", "example.org", "fe80::1%eth0"} {
		if _, err := ParsePrefixes([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzClientIP: any peer and header give, without panicking, the peer,
// an address from the header or an error; a peer that is not a trusted
// proxy always gives itself.
func FuzzClientIP(f *testing.F) {
	f.Add("10.1.2.3:443", "198.51.100.7, 10.0.0.1")
	f.Add("203.0.113.9:1", "1.2.3.4")
	f.Add("[2001:db8::1]:1", "[::1]:80,,garbage")
	trusted := Prefixes{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		got, err := trusted.ClientIP(remote, []string{xff})
		peer, pok := PeerAddr(remote)
		if errors.Is(err, ErrPeer) == pok {
			t.Fatalf("error %v for a peer that parses %v", err, pok)
		}
		if pok && !trusted.Contains(peer) && (err != nil || got != peer) {
			t.Fatalf("untrusted peer %v gave %v %v", peer, got, err)
		}
		if err == nil && !got.IsValid() {
			t.Fatal("no error and no address")
		}
	})
}
