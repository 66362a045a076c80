package client

import (
	"errors"
	"sync"

	"github.com/pion/webrtc/v4"
)

// maxPendingCandidates bounds the ICE candidates held before a description.
const maxPendingCandidates = 256

var errTooManyCandidates = errors.New("client: too many ICE candidates before the session description")

// iceBuffer holds ICE candidates until the description they belong to is in
// place, then applies them in arrival order. The client uses one per
// PeerConnection for remote candidates (held until SetRemoteDescription) and
// one for local candidates (held until our offer or answer has been sent, so
// the server never sees a candidate before its SDP).
type iceBuffer struct {
	mu      sync.Mutex
	ready   bool
	pending []webrtc.ICECandidateInit
}

// add applies c at once if the buffer is open, otherwise keeps it.
func (b *iceBuffer) add(c webrtc.ICECandidateInit, apply func(webrtc.ICECandidateInit) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ready {
		if len(b.pending) >= maxPendingCandidates {
			return errTooManyCandidates
		}
		b.pending = append(b.pending, c)
		return nil
	}
	return apply(c)
}

// open applies the held candidates and lets later ones through. It returns
// the first error but applies every candidate.
func (b *iceBuffer) open(apply func(webrtc.ICECandidateInit) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ready = true
	var first error
	for _, c := range b.pending {
		if err := apply(c); err != nil && first == nil {
			first = err
		}
	}
	b.pending = nil
	return first
}

// negotiator serializes the publisher PeerConnection's offers: one offer is
// outstanding at a time; requests made while it is out are answered by one
// follow-up offer sent after the answer, which covers all their changes.
type negotiator struct {
	sendOffer func() error // creates and sends an offer

	mu       sync.Mutex
	inFlight bool
	closed   error
	current  []chan error // waiting for the outstanding offer
	next     []chan error // waiting for the follow-up offer
}

// negotiate asks for an offer covering the PeerConnection's current state.
// The channel yields nil once an answer to such an offer has been applied.
func (n *negotiator) negotiate() <-chan error {
	ch := make(chan error, 1)
	n.mu.Lock()
	switch {
	case n.closed != nil:
		ch <- n.closed
		n.mu.Unlock()
		return ch
	case n.inFlight:
		n.next = append(n.next, ch)
		n.mu.Unlock()
		return ch
	}
	n.inFlight = true
	n.current = append(n.current, ch)
	n.mu.Unlock()
	n.start()
	return ch
}

func (n *negotiator) start() {
	if err := n.sendOffer(); err != nil {
		n.done(err)
	}
}

// done ends the outstanding offer: err is nil when its answer was applied.
// Queued requests then get a new offer.
func (n *negotiator) done(err error) {
	n.mu.Lock()
	if !n.inFlight {
		n.mu.Unlock()
		return
	}
	cur := n.current
	n.current = nil
	more := len(n.next) > 0 && n.closed == nil
	if more {
		n.current, n.next = n.next, nil
	} else {
		n.inFlight = false
	}
	n.mu.Unlock()
	for _, ch := range cur {
		ch <- err
	}
	if more {
		n.start()
	}
}

// pending reports whether an offer is outstanding.
func (n *negotiator) pending() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.inFlight
}

// close fails every waiter with err and refuses later requests.
func (n *negotiator) close(err error) {
	n.mu.Lock()
	n.closed = err
	waiters := append(n.current, n.next...)
	n.current, n.next, n.inFlight = nil, nil, false
	n.mu.Unlock()
	for _, ch := range waiters {
		ch <- err
	}
}
