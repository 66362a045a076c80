package guard

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// MaxForwardedHops bounds the X-Forwarded-For entries ClientIP reads:
// no real chain of proxies is longer, and a longer one is an attempt to
// make every request expensive.
const MaxForwardedHops = 32

// Prefixes is a set of networks (trusted proxies, the allow-list). The
// zero value contains nothing.
type Prefixes []netip.Prefix

// ParsePrefixes reads CIDRs ("10.0.0.0/8", "2001:db8::/32") or single
// addresses ("192.0.2.7", a /32 or /128). An error names the entry.
func ParsePrefixes(list []string) (Prefixes, error) {
	out := make(Prefixes, 0, len(list))
	for i, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("[%d]: %q is not an address or CIDR", i, s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Contains reports whether a is in one of the networks. An IPv4-mapped
// IPv6 address counts as its IPv4 address.
func (ps Prefixes) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// PeerAddr parses an http.Request's RemoteAddr ("ip:port", or a bare
// address).
func PeerAddr(remoteAddr string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(remoteAddr); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// ClientIP is the one answer to "who is this client" for every surface
// (sign-in, joins, the API, the signaling upgrade). It is the TCP peer,
// unless the peer is one of the trusted proxies: then X-Forwarded-For
// (xff: the header's lines, in order) is read from the right, past every
// trusted proxy, and the first address that is not one is the client.
// Entries left of it were written by the client itself and are never
// believed. A chain of trusted proxies only gives its leftmost entry, and
// a trusted proxy without the header is its own client.
//
// An entry that is not an address, read before the client was found, is
// ErrForwardedFor: a proxy that appends (the only kind to trust) never
// writes one, so the request came through one that passes the client's
// header on, and whoever sent it could name any address; taking the
// proxy's own address instead would let one such client get the proxy,
// and everyone behind it, blocked. ErrPeer: the peer itself cannot be
// read.
func (ps Prefixes) ClientIP(remoteAddr string, xff []string) (netip.Addr, error) {
	peer, ok := PeerAddr(remoteAddr)
	if !ok {
		return netip.Addr{}, ErrPeer
	}
	if !ps.Contains(peer) {
		return peer, nil
	}
	client := peer
	hops := 0
	for i := len(xff) - 1; i >= 0; i-- {
		line := xff[i]
		for line != "" {
			var entry string
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				line, entry = line[:j], line[j+1:]
			} else {
				line, entry = "", line
			}
			hops++
			if hops > MaxForwardedHops {
				return client, nil
			}
			a, ok := forwardedAddr(strings.TrimSpace(entry))
			if !ok {
				return netip.Addr{}, ErrForwardedFor
			}
			client = a
			if !ps.Contains(a) {
				return a, nil
			}
		}
	}
	return client, nil
}

// The errors of ClientIP.
var (
	ErrPeer         = errors.New("guard: the peer's address cannot be read")
	ErrForwardedFor = errors.New("guard: X-Forwarded-For from a trusted proxy has an entry that is not an address where the client's should be")
)

// forwardedAddr reads one X-Forwarded-For entry: an address, or an
// address with a port as some proxies write it.
func forwardedAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
