package guard

import (
	"net"
	"net/netip"
	"sync"
)

// Conns counts the open connections of each address and refuses one past
// Max. It is safe for concurrent use; its size is bounded by the open
// connections themselves.
type Conns struct {
	max int

	mu sync.Mutex
	m  map[string]int
}

// NewConns returns a counter allowing max connections per address (at
// least 1).
func NewConns(max int) *Conns { return &Conns{max: maxInt(max, 1), m: make(map[string]int)} }

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Acquire takes a place for key, or reports false when key has Max.
// Every true is followed by exactly one Release.
func (c *Conns) Acquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[key] >= c.max {
		return false
	}
	c.m[key]++
	return true
}

// Release gives key's place back.
func (c *Conns) Release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[key] <= 1 {
		delete(c.m, key)
		return
	}
	c.m[key]--
}

// Open returns how many connections key has.
func (c *Conns) Open(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

// LimitListener wraps ln so that a peer with c's Max connections open has
// its next ones closed at once, before TLS or HTTP. exempt peers (trusted
// proxies, whose clients are counted per request instead; the
// allow-list) are not counted. onRefuse, when set, is told of each
// refusal.
func LimitListener(ln net.Listener, c *Conns, exempt func(netip.Addr) bool, onRefuse func(netip.Addr)) net.Listener {
	return &limitListener{Listener: ln, c: c, exempt: exempt, onRefuse: onRefuse}
}

type limitListener struct {
	net.Listener
	c        *Conns
	exempt   func(netip.Addr) bool
	onRefuse func(netip.Addr)
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		a, ok := PeerAddr(conn.RemoteAddr().String())
		if !ok || (l.exempt != nil && l.exempt(a)) {
			return conn, nil
		}
		key := AddrKey(a)
		if !l.c.Acquire(key) {
			_ = conn.Close()
			if l.onRefuse != nil {
				l.onRefuse(a)
			}
			continue
		}
		return &countedConn{Conn: conn, release: sync.OnceFunc(func() { l.c.Release(key) })}, nil
	}
}

type countedConn struct {
	net.Conn
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
