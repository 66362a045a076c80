package guard

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func newBlockClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }
func addr(s string) netip.Addr                { return netip.MustParseAddr(s) }
func testPolicy() BlockPolicy                 { p := DefaultBlockPolicy(); p.Failures = 5; return p }
func fail(b *Blocker, a string) (Block, bool) { return b.AddrFailed(addr(a), "signin_failed") }

// TestBlockGrows: Failures failures from one address within Window block
// it for the first step; the block ends; the next block of the address is
// the next step, and after the last step the last repeats; an address
// quiet for Forgive starts again; other addresses are untouched.
func TestBlockGrows(t *testing.T) {
	clk := newBlockClock()
	b := NewBlocker(testPolicy(), clk.now)
	block := func() Block {
		t.Helper()
		for i := 1; i < 5; i++ {
			if _, ok := fail(b, "198.51.100.1"); ok {
				t.Fatalf("blocked after %d failures", i)
			}
		}
		blk, ok := fail(b, "198.51.100.1")
		if !ok {
			t.Fatal("not blocked after 5 failures")
		}
		return blk
	}
	var got []time.Duration
	for range 5 {
		blk := block()
		if wait, ok := b.AddrBlocked(addr("198.51.100.1")); !ok || wait != blk.Until.Sub(clk.t) {
			t.Fatalf("AddrBlocked = %v %v", wait, ok)
		}
		if _, ok := b.AddrBlocked(addr("198.51.100.2")); ok {
			t.Fatal("another address is blocked")
		}
		got = append(got, blk.Until.Sub(blk.Since))
		clk.advance(blk.Until.Sub(clk.t))
		if _, ok := b.AddrBlocked(addr("198.51.100.1")); ok {
			t.Fatal("still blocked when the block ended")
		}
	}
	want := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 2 * time.Hour}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("block lengths %v, want %v", got, want)
		}
	}
	clk.advance(24 * time.Hour)
	if blk := block(); blk.Level != 1 || blk.Until.Sub(blk.Since) != time.Minute {
		t.Fatalf("after Forgive: %+v", blk)
	}
}

// TestBlockWindow: failures spread wider than Window never block.
func TestBlockWindow(t *testing.T) {
	clk := newBlockClock()
	b := NewBlocker(testPolicy(), clk.now)
	for range 50 {
		if _, ok := fail(b, "198.51.100.1"); ok {
			t.Fatal("blocked by failures spread over more than the window")
		}
		clk.advance(3 * time.Minute)
	}
}

// TestBlockAllowList: an allow-listed address is never blocked, and its
// failures still count against an account.
func TestBlockAllowList(t *testing.T) {
	p := testPolicy()
	p.Allow = Prefixes{netip.MustParsePrefix("192.0.2.0/24")}
	p.AccountAddrs = 2
	b := NewBlocker(p, nil)
	for range 100 {
		if _, ok := fail(b, "192.0.2.9"); ok {
			t.Fatal("an allow-listed address was blocked")
		}
	}
	if _, ok := b.AddrBlocked(addr("192.0.2.9")); ok {
		t.Fatal("an allow-listed address is blocked")
	}
	b.AccountFailed(addr("192.0.2.9"), "a@example.org", "x")
	if _, ok := b.AccountFailed(addr("192.0.2.10"), "a@example.org", "x"); !ok {
		t.Fatal("the allow-list's failures did not count against the account")
	}
}

// TestAccountThrottle: failures on one account from AccountAddrs distinct
// addresses throttle it; many failures from fewer addresses do not; the
// throttle ends after AccountFor; IPv6 addresses of one /64 are one.
func TestAccountThrottle(t *testing.T) {
	clk := newBlockClock()
	b := NewBlocker(testPolicy(), clk.now)
	for i := range 18 {
		for range 3 {
			if _, ok := b.AccountFailed(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), "victim@example.org", "signin_failed"); ok {
				t.Fatalf("throttled after %d addresses", i+1)
			}
		}
	}
	for i := range 30 {
		if _, ok := b.AccountFailed(addr("2001:db8::"+string(rune('a'+i%6))), "victim@example.org", "signin_failed"); ok {
			t.Fatal("one /64 counted as many addresses")
		}
	}
	blk, ok := b.AccountFailed(addr("203.0.113.1"), "victim@example.org", "signin_failed")
	if !ok || blk.Kind != BlockAccount || blk.Addrs != 20 || blk.Key != "victim@example.org" {
		t.Fatalf("throttle: %+v %v", blk, ok)
	}
	if _, ok := b.AccountBlocked("victim@example.org"); !ok {
		t.Fatal("the account is not throttled")
	}
	if _, ok := b.AccountBlocked("other@example.org"); ok {
		t.Fatal("another account is throttled")
	}
	clk.advance(15 * time.Minute)
	if _, ok := b.AccountBlocked("victim@example.org"); ok {
		t.Fatal("still throttled after AccountFor")
	}
}

// TestUnblock: a block is listed with a stable id, lifted by id once,
// and the address's next block is the next step.
func TestUnblock(t *testing.T) {
	clk := newBlockClock()
	b := NewBlocker(testPolicy(), clk.now)
	var blk Block
	for range 5 {
		blk, _ = fail(b, "198.51.100.1")
	}
	list := b.List()
	if len(list) != 1 || list[0].ID != BlockID(BlockAddress, "198.51.100.1") || list[0].ID != blk.ID {
		t.Fatalf("List = %+v", list)
	}
	if _, ok := b.Unblock("BA_nope", "admin"); ok {
		t.Fatal("an unknown id was lifted")
	}
	lifted, ok := b.Unblock(blk.ID, "US_admin")
	if !ok || !lifted.Ended || lifted.EndedBy != "US_admin" {
		t.Fatalf("Unblock = %+v %v", lifted, ok)
	}
	if _, ok := b.AddrBlocked(addr("198.51.100.1")); ok || len(b.List()) != 0 {
		t.Fatal("still blocked after Unblock")
	}
	if _, ok := b.Unblock(blk.ID, "US_admin"); ok {
		t.Fatal("lifted twice")
	}
	for range 5 {
		blk, _ = fail(b, "198.51.100.1")
	}
	if blk.Level != 2 || blk.Until.Sub(blk.Since) != 5*time.Minute {
		t.Fatalf("the block after an unblock: %+v", blk)
	}
}

// TestRestore: blocks kept across a restart are in force again, and
// their levels carry on.
func TestRestore(t *testing.T) {
	clk := newBlockClock()
	b := NewBlocker(testPolicy(), clk.now)
	var blk Block
	for range 5 {
		blk, _ = fail(b, "198.51.100.1")
	}
	acct := Block{ID: BlockID(BlockAccount, "v@example.org"), Kind: BlockAccount, Key: "v@example.org", Level: 1, Since: clk.t, Until: clk.t.Add(time.Minute)}
	old := Block{ID: BlockID(BlockAddress, "198.51.100.9"), Kind: BlockAddress, Key: "198.51.100.9", Level: 3, Since: clk.t.Add(-48 * time.Hour), Until: clk.t.Add(-47 * time.Hour)}
	b2 := NewBlocker(testPolicy(), clk.now)
	b2.Restore([]Block{blk, acct, old})
	if _, ok := b2.AddrBlocked(addr("198.51.100.1")); !ok {
		t.Fatal("the restored block is not in force")
	}
	if _, ok := b2.AccountBlocked("v@example.org"); !ok {
		t.Fatal("the restored account throttle is not in force")
	}
	if n, _ := b2.Tracked(); n != 1 {
		t.Fatalf("%d addresses kept, want 1 (the forgiven one dropped)", n)
	}
	clk.advance(time.Minute)
	for range 5 {
		blk, _ = fail(b2, "198.51.100.1")
	}
	if blk.Level != 2 {
		t.Fatalf("level after a restart: %d", blk.Level)
	}
}

// TestBlockerBounded: past MaxEntries addresses, unblocked ones are
// forgotten before blocks, and blocks (the soonest ending) only when
// nothing else is left.
func TestBlockerBounded(t *testing.T) {
	clk := newBlockClock()
	p := testPolicy()
	p.MaxEntries, p.Failures = 4, 1
	b := NewBlocker(p, clk.now)
	fail(b, "198.51.100.1") // blocked (Failures 1)
	p2 := NewBlocker(BlockPolicy{Failures: 3, MaxEntries: 3, Window: time.Minute, Forgive: time.Hour}, clk.now)
	p2.AddrFailed(addr("198.51.100.1"), "x")
	clk.advance(time.Second)
	p2.AddrFailed(addr("198.51.100.2"), "x")
	p2.AddrFailed(addr("198.51.100.2"), "x")
	p2.AddrFailed(addr("198.51.100.2"), "x") // blocked
	clk.advance(time.Second)
	p2.AddrFailed(addr("198.51.100.3"), "x")
	p2.AddrFailed(addr("198.51.100.4"), "x") // evicts .1 or .3, never the block
	if n, _ := p2.Tracked(); n != 3 {
		t.Fatalf("%d tracked, want 3", n)
	}
	if _, ok := p2.AddrBlocked(addr("198.51.100.2")); !ok {
		t.Fatal("a block was evicted before an unblocked entry")
	}
	for i := range 10 {
		b.AddrFailed(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), "x")
	}
	if n, _ := b.Tracked(); n != 4 {
		t.Fatalf("%d tracked, want at most 4", n)
	}
}

// TestConns: Acquire refuses past Max until a Release; LimitListener
// closes a peer's connections past Max at once and keeps exempt peers
// uncounted.
func TestConns(t *testing.T) {
	c := NewConns(2)
	if !c.Acquire("a") || !c.Acquire("a") || c.Acquire("a") || !c.Acquire("b") {
		t.Fatal("Acquire does not cap at 2 per key")
	}
	c.Release("a")
	if !c.Acquire("a") {
		t.Fatal("a released place is not given again")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	refused := make(chan netip.Addr, 8)
	lim := LimitListener(ln, NewConns(1), func(a netip.Addr) bool { return false }, func(a netip.Addr) { refused <- a })
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			conn, err := lim.Accept()
			if err != nil {
				return
			}
			accepted <- conn
		}
	}()
	first, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	srv := <-accepted
	second, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if a := <-refused; a != addr("127.0.0.1") {
		t.Fatalf("refused %v", a)
	}
	_ = srv.Close()
	third, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	select {
	case <-accepted:
	case a := <-refused:
		t.Fatalf("refused %v after the first closed", a)
	}
}
