package server_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/testkit"
)

// waitOpenable waits until tp holds at least n frames from sender sealed
// under kid that sess opens to the frames that were sent, and returns
// them. (A frame the tap reassembled with a packet missing does not open;
// it is not one of them.)
func waitOpenable(t *testing.T, tp *tap, kid uint64, sess *e2ee.Session, sender string, marker []byte, n int, what string) [][]byte {
	t.Helper()
	var ok [][]byte
	testkit.Eventually(t, fmt.Sprintf("%d frames of %s under KID %#x that open", n, what, kid), func() bool {
		ok = ok[:0]
		for _, f := range tp.framesWithKID(kid) {
			if pt, err := sess.DecryptFrame(sender, e2ee.VP8, f); err == nil && checkFrame(e2ee.VP8, pt, marker) {
				ok = append(ok, f)
			}
		}
		return len(ok) >= n
	})
	return ok[:n]
}

// TestE2EEForwardSecrecy: a participant that left keeps its session, with
// every key it was given, yet cannot decrypt what the others send once
// they have switched to the epoch made when it left. It could decrypt
// their frames from before, and the participants still in the room
// decrypt the new ones.
func TestE2EEForwardSecrecy(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "e2ee-forward"
	e.createE2EERoom(room)
	marker := newMarker(t)

	a := e.connectE2EE(ctx, t, room, "a")
	arec := record(a)
	b := e.connectE2EE(ctx, t, room, "b")
	brec := record(b)
	publishFrames(ctx, t, a, e2ee.VP8, "a-cam", marker)
	publishFrames(ctx, t, b, e2ee.VP8, "b-cam", marker)
	tapOfA := tapFrames(t, waitTrack(t, brec, a.Self().ID, "a-cam")) // at b
	tapOfB := tapFrames(t, waitTrack(t, arec, b.Self().ID, "b-cam")) // at a

	x := e.connectE2EE(ctx, t, room, "x")
	xrec := record(x)
	xa, _ := readDecrypted(t, x, waitTrack(t, xrec, a.Self().ID, "a-cam"), marker)
	xb, _ := readDecrypted(t, x, waitTrack(t, xrec, b.Self().ID, "b-cam"), marker)
	waitIntact(t, xa, 10, "a at x")
	waitIntact(t, xb, 10, "b at x")

	type sender struct {
		c        *client.Client
		tap      *tap
		receiver *client.Client
		old      uint64
	}
	senders := []*sender{{c: a, tap: tapOfA, receiver: b}, {c: b, tap: tapOfB, receiver: a}}
	for _, s := range senders {
		s.old = s.c.SendingKID()
	}
	kept := x.E2EESession()
	if err := x.Leave(ctx); err != nil {
		t.Fatal(err)
	}

	for _, s := range senders {
		name := s.c.Self().Identity
		testkit.Eventually(t, name+" to switch to a new epoch", func() bool { return epochOf(s.c.SendingKID()) > epochOf(s.old) })
		// Before: x's kept session opens what was sent under the old key.
		waitOpenable(t, s.tap, s.old, kept, s.c.Self().ID, marker, 3, name+" before x left, at x")
		// After: it opens nothing sent under the new epoch, which the
		// participant still in the room does open.
		now := s.c.SendingKID()
		for _, f := range waitOpenable(t, s.tap, now, s.receiver.E2EESession(), s.c.Self().ID, marker, 3, name+" at "+s.receiver.Self().Identity) {
			if pt, err := kept.DecryptFrame(s.c.Self().ID, e2ee.VP8, f); !errors.Is(err, e2ee.ErrUnknownKID) {
				t.Errorf("%s: the departed x's session opened a frame of the new epoch (KID %#x): %v, %d bytes", name, now, err, len(pt))
			}
		}
	}
}

// TestE2EEBackwardSecrecy: a newcomer decrypts what is sent after it
// joined, but not the frames sent before, which it may have captured:
// those are under a step of the sender's key it never receives.
func TestE2EEBackwardSecrecy(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "e2ee-backward"
	e.createE2EERoom(room)
	marker := newMarker(t)

	a := e.connectE2EE(ctx, t, room, "a")
	witness := e.connectE2EE(ctx, t, room, "witness")
	wrec := record(witness)
	publishFrames(ctx, t, a, e2ee.VP8, "a-cam", marker)
	tp := tapFrames(t, waitTrack(t, wrec, a.Self().ID, "a-cam"))
	before := a.SendingKID()
	captured := waitOpenable(t, tp, before, witness.E2EESession(), a.Self().ID, marker, 5, "a before the newcomer")

	n := e.connectE2EE(ctx, t, room, "newcomer")
	nrec := record(n)
	got, _ := readDecrypted(t, n, waitTrack(t, nrec, a.Self().ID, "a-cam"), marker)
	waitIntact(t, got, 10, "a at the newcomer")
	if after := a.SendingKID(); after == before {
		t.Fatalf("a still sends under KID %#x after a join", before)
	}

	for _, f := range captured {
		if pt, err := n.E2EESession().DecryptFrame(a.Self().ID, e2ee.VP8, f); !errors.Is(err, e2ee.ErrUnknownKID) {
			t.Errorf("the newcomer opened a frame sent before it joined (KID %#x): %v, %d bytes", before, err, len(pt))
		}
	}
}
