package guard

import (
	"context"
	"net/netip"
)

// clientAddrKey is the context key of the client's address.
type clientAddrKey struct{}

// WithClientAddr returns ctx carrying a, the client address of the request
// it serves (as ClientIP found it), for what runs below the HTTP layer
// without the request: a token verifier's security events.
func WithClientAddr(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, a)
}

// ClientAddr is the client address ctx carries, if any.
func ClientAddr(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(clientAddrKey{}).(netip.Addr)
	return a, ok && a.IsValid()
}
