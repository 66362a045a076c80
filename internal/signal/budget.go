package signal

import (
	"container/list"
	"net/netip"

	"github.com/conclave-video/conclave/protocol"
)

// Connection budgets. A connection is unauthenticated from the moment it
// is accepted until its join token has been verified. Unauthenticated
// connections have a budget of their own (MaxUnauthenticated) and, within
// it, a cap per address (MaxUnauthenticatedPerIP; IPv6 counted by /64,
// loopback exempt); they never count against MaxSessions, which bounds
// verified sessions only. When a new connection finds its address at the
// cap, that address's longest-waiting connection is closed; when it finds
// the budget full, the longest-waiting one overall is. So sockets that
// never send join, from one address or many, cannot keep a client with a
// valid token out: it only has to send join before budget-many newer
// connections arrive, and one address can only ever displace its own.
// Once a connection's join message has arrived it is no longer evictable:
// its token is being verified, which is local work that ends at once in
// admission or refusal, so an attacker's crowd cannot cut a verification
// short however fast it connects.

// Eviction reasons, as counted by Config.OnEvict.
const (
	EvictPerIP  = "per_ip"
	EvictBudget = "budget"
)

// pendingState is a session's place among the unauthenticated
// connections. Guarded by Handler.mu.
type pendingState struct {
	elem      *list.Element // in Handler.pending; nil once verifying, authenticated, evicted or gone
	peer      string        // peerKey of the remote address
	capped    bool          // subject to the per-address cap
	verifying bool          // its join arrived; counted in Handler.verifying
}

// peerKey groups remote addresses for the per-address cap: an IPv4
// address (IPv4-mapped IPv6 included), or an IPv6 /56 (the smallest
// prefix ISPs commonly delegate to one customer, who can otherwise pick
// among 256 /64s). capped is false for loopback peers: a reverse proxy on
// the same host, or a load test.
func peerKey(remote string) (key string, capped bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return remote, true
	}
	a := ap.Addr().Unmap()
	if a.IsLoopback() {
		return a.String(), false
	}
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(56)
		return p.String(), true
	}
	return a.String(), true
}

// admitPending registers s as unauthenticated, closing the connections it
// displaces.
func (h *Handler) admitPending(s *session, remote string) {
	key, capped := peerKey(remote)
	var evicted []*session
	var reasons []string
	h.mu.Lock()
	if capped {
		if q := h.pendingByPeer[key]; len(q) >= h.cfg.MaxUnauthenticatedPerIP {
			evicted, reasons = append(evicted, q[0]), append(reasons, EvictPerIP)
			h.unpendLocked(q[0])
		}
	}
	if h.pending.Len() >= h.cfg.MaxUnauthenticated {
		oldest := h.pending.Front().Value.(*session)
		evicted, reasons = append(evicted, oldest), append(reasons, EvictBudget)
		h.unpendLocked(oldest)
	}
	s.pending = pendingState{elem: h.pending.PushBack(s), peer: key, capped: capped}
	if capped {
		h.pendingByPeer[key] = append(h.pendingByPeer[key], s)
	}
	h.mu.Unlock()
	for i, v := range evicted {
		h.cfg.OnEvict(reasons[i])
		v.evicted.Store(true)
		v.sendError(protocol.CodeServerFull, "too many connections are waiting to join; this one waited longest")
		v.Close(protocol.CodeServerFull)
	}
}

// unpendLocked takes s out of the unauthenticated connections.
func (h *Handler) unpendLocked(s *session) {
	if s.pending.elem == nil {
		return
	}
	h.pending.Remove(s.pending.elem)
	s.pending.elem = nil
	if !s.pending.capped {
		return
	}
	q := h.pendingByPeer[s.pending.peer]
	for i, o := range q {
		if o == s {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(h.pendingByPeer, s.pending.peer)
	} else {
		h.pendingByPeer[s.pending.peer] = q
	}
}

// verifying marks s, whose join message has arrived, as no longer
// evictable. It reports false when s was evicted before.
func (h *Handler) verifying(s *session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.pending.elem == nil {
		return false // evicted: already told and closed
	}
	h.unpendLocked(s)
	s.pending.verifying = true
	h.verifyingN++
	return true
}

// authenticated moves s, whose token has just been verified, out of the
// unauthenticated budget. A new participant (newSession) also takes one of
// MaxSessions; a resume does not, as the session it resumes holds one. It
// reports false, the client told and the session closed, when s was
// evicted meanwhile or no session is left.
func (h *Handler) authenticated(s *session, newSession bool) bool {
	h.mu.Lock()
	if !s.pending.verifying {
		h.mu.Unlock()
		return false // evicted: already told and closed
	}
	s.pending.verifying = false
	h.verifyingN--
	full := newSession && h.verified >= h.cfg.MaxSessions
	if newSession && !full {
		h.verified++
		s.counted = true
	}
	h.mu.Unlock()
	if full {
		s.sendError(protocol.CodeServerFull, "this server has no room for another session; try again later")
		s.Close(protocol.ReasonError)
		return false
	}
	return true
}

// releaseLocked frees whatever budget s holds; s is over.
func (h *Handler) releaseLocked(s *session) {
	h.unpendLocked(s)
	if s.pending.verifying {
		s.pending.verifying = false
		h.verifyingN--
	}
	if s.counted {
		s.counted = false
		h.verified--
	}
}

// Unauthenticated reports how many connections have not yet presented a
// valid token.
func (h *Handler) Unauthenticated() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pending.Len() + h.verifyingN
}
