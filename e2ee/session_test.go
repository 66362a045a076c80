package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is the sessions' clock: time moves only when a test says.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// party is one participant of a testRoom.
type party struct {
	id     string
	member Member
	s      *Session
}

type envelope struct {
	from, to string
	payload  []byte
}

// testRoom plays the server: it tells sessions who joins and leaves, and
// relays what they send, when the test says.
type testRoom struct {
	t       testing.TB
	name    string
	clock   *fakeClock
	parties []*party // in the room, in join order
	queue   []envelope
	// relayed counts messages delivered, by "from>to".
	relayed map[string]int
}

func newTestRoom(t testing.TB) *testRoom {
	return &testRoom{t: t, name: "room-1", clock: &fakeClock{now: time.Unix(1700000000, 0)}, relayed: map[string]int{}}
}

// newParty makes a participant with its own identity and KEM key.
func (r *testRoom) newParty(id string) *party {
	r.t.Helper()
	ident := must(NewIdentity())
	kem := must(NewKEMKey())
	s, err := NewSession(SessionConfig{Room: r.name, Identity: id + "@example.com", ID: ident, KEM: kem, Now: r.clock.Now})
	if err != nil {
		r.t.Fatal(err)
	}
	return &party{id: id, member: Member{ID: id, Identity: id + "@example.com", Announcement: s.Announcement()}, s: s}
}

// join admits p: it gets joined with everyone present, who get
// participant_joined. Nothing is relayed until deliver.
func (r *testRoom) join(p *party) *party {
	var others []Member
	for _, o := range r.parties {
		others = append(others, o.member)
	}
	r.send(p.id, p.s.Joined(p.id, others))
	for _, o := range r.parties {
		r.send(o.id, o.s.MemberJoined(p.member))
	}
	r.parties = append(r.parties, p)
	return p
}

func (r *testRoom) add(id string) *party { return r.join(r.newParty(id)) }

// leave removes p: everyone else gets participant_left, and nothing more
// reaches p or comes from it.
func (r *testRoom) leave(p *party) {
	r.parties = slices.DeleteFunc(r.parties, func(o *party) bool { return o == p })
	r.queue = slices.DeleteFunc(r.queue, func(e envelope) bool { return e.to == p.id || e.from == p.id })
	for _, o := range r.parties {
		r.send(o.id, o.s.MemberLeft(p.id))
	}
}

func (r *testRoom) send(from string, out []Outbound) {
	for _, o := range out {
		r.queue = append(r.queue, envelope{from, o.To, o.Payload})
	}
}

func (r *testRoom) party(id string) *party {
	for _, p := range r.parties {
		if p.id == id {
			return p
		}
	}
	return nil
}

// deliver relays queued messages, and what they cause, until none is left
// or only those drop refuses are; it returns the refused ones.
func (r *testRoom) deliver(drop func(envelope) bool) []envelope {
	r.t.Helper()
	var held []envelope
	for len(r.queue) > 0 {
		e := r.queue[0]
		r.queue = r.queue[1:]
		if drop != nil && drop(e) {
			held = append(held, e)
			continue
		}
		to := r.party(e.to)
		if to == nil {
			continue
		}
		out, err := to.s.Receive(e.from, e.payload)
		if err != nil {
			r.t.Fatalf("%s receiving from %s: %v", e.to, e.from, err)
		}
		r.relayed[e.from+">"+e.to]++
		r.send(e.to, out)
	}
	return held
}

func (r *testRoom) deliverAll() { r.t.Helper(); r.deliver(nil) }

func isAck(e envelope) bool { return len(e.payload) == AckLen && e.payload[1] == TypeAck }

// Sample frames.
var (
	vp8KeyFrame   = append([]byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01}, bytes.Repeat([]byte{7}, 200)...)
	vp8DeltaFrame = append([]byte{0x31, 0x05, 0x00}, bytes.Repeat([]byte{9}, 100)...)
	opusFrame     = bytes.Repeat([]byte{0xfc, 0x01}, 60)
)

// checkReceives asserts that a frame and a data message from sender open
// at receiver.
func checkReceives(t testing.TB, sender, receiver *party) {
	t.Helper()
	for _, f := range []struct {
		c     Codec
		frame []byte
	}{{VP8, vp8KeyFrame}, {VP8, vp8DeltaFrame}, {Opus, opusFrame}} {
		enc := must(sender.s.EncryptFrame(f.c, f.frame))
		got, err := receiver.s.DecryptFrame(sender.id, f.c, enc)
		if err != nil || !bytes.Equal(got, f.frame) {
			t.Fatalf("%s cannot decrypt %s's %v frame (KID %#x): %v", receiver.id, sender.id, f.c, sender.s.SendingKID(), err)
		}
	}
	sealed := must(sender.s.SealData("chat", []byte("hi from "+sender.id)))
	got, err := receiver.s.OpenData(sender.id, "chat", sealed)
	if err != nil || string(got) != "hi from "+sender.id {
		t.Fatalf("%s cannot open %s's data message: %q, %v", receiver.id, sender.id, got, err)
	}
}

// checkAllReceive asserts that everyone in the room decrypts everyone.
func (r *testRoom) checkAllReceive() {
	r.t.Helper()
	for _, a := range r.parties {
		for _, b := range r.parties {
			if a != b {
				checkReceives(r.t, a, b)
			}
		}
	}
}

func epochOf(kid uint64) uint32 { e, _, _ := SplitKeyID(kid); return e }
func stepOf(kid uint64) uint8   { _, s, _ := SplitKeyID(kid); return s }

func TestSessionStartEveryoneDecryptsEveryone(t *testing.T) {
	r := newTestRoom(t)
	a := r.add("PA_a")
	if a.s.SendingKID() != KeyID(1, 0) {
		t.Fatalf("alone, first KID %#x, want key(1, 0)", a.s.SendingKID())
	}
	r.add("PA_b")
	r.add("PA_c")
	r.deliverAll()
	r.checkAllReceive()
	for _, p := range r.parties {
		if n := len(p.s.Members()); n != 2 {
			t.Errorf("%s knows %d members, want 2", p.id, n)
		}
		for _, m := range p.s.Members() {
			if !m.Verified || !m.HasKey || m.Err != nil {
				t.Errorf("%s sees %+v", p.id, m)
			}
			var announced []byte
			for _, q := range r.parties {
				if q.id == m.ID {
					announced = q.member.Announcement.IdentityKey
				}
			}
			if len(announced) == 0 || !bytes.Equal(m.IdentityKey, announced) {
				t.Errorf("%s sees %s's identity key %x, want the one announced, %x", p.id, m.ID, m.IdentityKey, announced)
			}
		}
		if p.s.Stats().Switches != 0 {
			t.Errorf("%s switched keys %d times with nobody leaving", p.id, p.s.Stats().Switches)
		}
	}
}

func TestSessionFrameBeforeJoined(t *testing.T) {
	r := newTestRoom(t)
	p := r.newParty("PA_a")
	if _, err := p.s.EncryptFrame(Opus, opusFrame); !errors.Is(err, ErrNotJoined) {
		t.Fatalf("EncryptFrame before Joined: %v", err)
	}
	if _, err := p.s.SealData("chat", nil); !errors.Is(err, ErrNotJoined) {
		t.Fatalf("SealData before Joined: %v", err)
	}
	if _, err := p.s.Receive("PA_b", AppendAck(nil, KeyID(1, 0))); !errors.Is(err, ErrNotJoined) {
		t.Fatalf("Receive before Joined: %v", err)
	}
	if p.s.SendingKID() != 0 {
		t.Fatal("a KID before Joined")
	}
}

// A join ratchets every sender's key one step; members already in the room
// derive it from the first frame, with no message.
func TestSessionJoinRatchetsWithoutMessages(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	before := a.s.SendingKID()
	abBefore := r.relayed["PA_a>PA_b"]

	r.add("PA_c")
	if got := a.s.SendingKID(); got != before+1 {
		t.Fatalf("after a join, A sends with KID %#x, want %#x (next step)", got, before+1)
	}
	r.deliverAll()
	if n := r.relayed["PA_a>PA_b"] - abBefore; n != 0 {
		t.Fatalf("A sent B %d messages for a join", n)
	}
	checkReceives(t, a, b)
	r.checkAllReceive()
}

// A newcomer gets the step after every frame sent before it joined, and
// cannot derive backward.
func TestSessionBackwardSecrecy(t *testing.T) {
	r := newTestRoom(t)
	a, _ := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	oldFrame := must(a.s.EncryptFrame(VP8, vp8KeyFrame))
	oldData := must(a.s.SealData("chat", []byte("before c")))

	c := r.add("PA_c")
	r.deliverAll()
	if _, err := c.s.DecryptFrame("PA_a", VP8, oldFrame); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("newcomer decrypting a frame sent before it joined: %v, want ErrUnknownKID", err)
	}
	if _, err := c.s.OpenData("PA_a", "chat", oldData); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("newcomer opening data sent before it joined: %v, want ErrUnknownKID", err)
	}
	if st := c.s.Stats(); st.FramesDropped.NoKey != 1 || st.DataDropped.NoKey != 1 {
		t.Fatalf("drops not counted: %+v", st)
	}
	checkReceives(t, a, c)
}

// A participant who left keeps every key it had, and still opens nothing
// sent after the switch.
func TestSessionForwardSecrecy(t *testing.T) {
	r := newTestRoom(t)
	a, b, c := r.add("PA_a"), r.add("PA_b"), r.add("PA_c")
	r.deliverAll()
	r.checkAllReceive()
	oldKID := a.s.SendingKID()

	r.leave(c)
	if a.s.SendingKID() != oldKID {
		t.Fatal("A switched before B acknowledged")
	}
	r.deliverAll()
	newKID := a.s.SendingKID()
	if epochOf(newKID) != epochOf(oldKID)+1 || stepOf(newKID) != 0 {
		t.Fatalf("after a leave A sends with %#x, want key(%d, 0)", newKID, epochOf(oldKID)+1)
	}
	checkReceives(t, a, b)
	checkReceives(t, b, a)
	for _, sender := range []*party{a, b} {
		frame := must(sender.s.EncryptFrame(VP8, vp8KeyFrame))
		if _, err := c.s.DecryptFrame(sender.id, VP8, frame); !errors.Is(err, ErrUnknownKID) {
			t.Errorf("the participant who left decrypts %s's frame after the switch: %v", sender.id, err)
		}
		sealed := must(sender.s.SealData("chat", []byte("after c left")))
		if _, err := c.s.OpenData(sender.id, "chat", sealed); !errors.Is(err, ErrUnknownKID) {
			t.Errorf("the participant who left opens %s's data after the switch: %v", sender.id, err)
		}
	}
}

func TestSessionSwitchOnAllAcks(t *testing.T) {
	r := newTestRoom(t)
	a := r.add("PA_a")
	r.add("PA_b")
	r.add("PA_c")
	d := r.add("PA_d")
	r.deliverAll()
	old := a.s.SendingKID()
	r.leave(d)
	deadline, ok := a.s.Deadline()
	if !ok || !deadline.Equal(r.clock.Now().Add(DefaultRekeyTimeout)) {
		t.Fatalf("deadline %v %v, want now + 2 s", deadline, ok)
	}
	// B's ack alone does not switch A; C's too does.
	held := r.deliver(func(e envelope) bool { return isAck(e) && e.from == "PA_c" })
	if a.s.SendingKID() != old {
		t.Fatal("A switched with C's acknowledgement missing")
	}
	r.queue = held
	r.deliverAll()
	if a.s.SendingKID() == old {
		t.Fatal("A did not switch on every acknowledgement")
	}
	if _, ok := a.s.Deadline(); ok {
		t.Fatal("a deadline with nothing pending")
	}
	if st := a.s.Stats(); st.Switches != 1 {
		t.Fatalf("%d switches", st.Switches)
	}
	r.checkAllReceive()
}

func TestSessionSwitchOnTimeout(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	c := r.add("PA_c")
	r.deliverAll()
	old := a.s.SendingKID()
	r.leave(c)
	// B's acknowledgements are lost.
	r.deliver(func(e envelope) bool { return isAck(e) && e.from == "PA_b" })
	deadline, ok := a.s.Deadline()
	if !ok {
		t.Fatal("no deadline while a key is pending")
	}
	r.clock.Advance(DefaultRekeyTimeout - time.Nanosecond)
	a.s.Tick()
	if a.s.SendingKID() != old {
		t.Fatal("A switched before the timeout")
	}
	r.clock.Advance(time.Nanosecond)
	if !r.clock.Now().Equal(deadline) {
		t.Fatal("test clock is off")
	}
	a.s.Tick()
	if got := a.s.SendingKID(); epochOf(got) != epochOf(old)+1 {
		t.Fatalf("at the deadline A sends with %#x, want the new epoch", got)
	}
	// B received the key package; only its acknowledgement was lost.
	checkReceives(t, a, b)
}

// Leaves in a burst make one switch, to a key sent to those still there,
// within RekeyTimeout of the first.
func TestSessionLeaveBurstOneSwitch(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	c, d, e := r.add("PA_c"), r.add("PA_d"), r.add("PA_e")
	r.deliverAll()
	r.leave(c)
	first, _ := a.s.Deadline()
	r.clock.Advance(time.Second)
	r.leave(d)
	r.leave(e)
	if dl, _ := a.s.Deadline(); !dl.Equal(first) {
		t.Fatalf("the burst moved the deadline from %v to %v", first, dl)
	}
	r.deliverAll()
	for _, p := range []*party{a, b} {
		if st := p.s.Stats(); st.Switches != 1 {
			t.Errorf("%s switched %d times for a burst of 3 leaves", p.id, st.Switches)
		}
		if got := p.s.SendingKID(); got != KeyID(4, 0) {
			t.Errorf("%s sends with %#x, want key(4, 0) (epoch 1, then 3 leaves)", p.id, got)
		}
	}
	checkReceives(t, a, b)
	checkReceives(t, b, a)
	for _, gone := range []*party{c, d, e} {
		frame := must(a.s.EncryptFrame(Opus, opusFrame))
		if _, err := gone.s.DecryptFrame("PA_a", Opus, frame); err == nil {
			t.Errorf("%s, who left, decrypts", gone.id)
		}
	}
}

// A join while a key is pending ratchets both keys; the newcomer gets both
// and is awaited too.
func TestSessionJoinDuringPending(t *testing.T) {
	r := newTestRoom(t)
	a, b, c := r.add("PA_a"), r.add("PA_b"), r.add("PA_c")
	r.deliverAll()
	cur := a.s.SendingKID()
	r.leave(c)
	// B receives the new epoch but its acknowledgements are held.
	held := r.deliver(isAck)
	deadline, _ := a.s.Deadline()

	d := r.add("PA_d")
	if got := a.s.SendingKID(); got != cur+1 {
		t.Fatalf("join during pending: A sends with %#x, want %#x", got, cur+1)
	}
	if dl, _ := a.s.Deadline(); !dl.Equal(deadline) {
		t.Fatal("a join moved the deadline")
	}
	var toD int
	for _, e := range r.queue {
		if e.from == "PA_a" && e.to == "PA_d" {
			toD++
		}
	}
	if toD != 2 {
		t.Fatalf("A sent the newcomer %d key packages, want 2 (current and pending)", toD)
	}
	checkReceives(t, a, b) // B derives the current step
	// B's acknowledgements of the pending key (at the step before the join)
	// still count; D's are awaited.
	r.queue = append(held, r.queue...)
	r.deliver(func(e envelope) bool { return isAck(e) && e.from == "PA_d" && e.to == "PA_a" })
	if a.s.SendingKID() != cur+1 {
		t.Fatal("A switched without the newcomer's acknowledgement")
	}
	r.queue = nil
	r.clock.Advance(DefaultRekeyTimeout)
	a.s.Tick()
	if got := a.s.SendingKID(); got != KeyID(epochOf(cur)+1, 1) {
		t.Fatalf("A sends with %#x, want the pending epoch at step 1", got)
	}
	checkReceives(t, a, b)
	checkReceives(t, a, d)
	if _, err := c.s.DecryptFrame("PA_a", VP8, must(a.s.EncryptFrame(VP8, vp8KeyFrame))); err == nil {
		t.Fatal("the participant who left decrypts")
	}
}

// A current key at step 255 is not ratcheted: the join makes a new epoch
// for everyone, newcomer included.
func TestSessionJoinAtLastStepMakesNewEpoch(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	// Joins of one extra identity, each under a new participant id, and
	// leaves unseen by A (it only hears joins) bring A to step 255.
	x := r.newParty("PA_x")
	for i := stepOf(a.s.SendingKID()); i < MaxStep; i++ {
		m := x.member
		m.ID = fmt.Sprintf("PA_x%d", i)
		a.s.MemberJoined(m)
		b.s.MemberJoined(m)
	}
	if got := a.s.SendingKID(); stepOf(got) != MaxStep || epochOf(got) != 1 {
		t.Fatalf("A at %#x, want key(1, 255)", got)
	}
	// B saw no frame of A's since step 0, but saw the joins.
	checkReceives(t, a, b)

	n := r.add("PA_n")
	if got := a.s.SendingKID(); got != KeyID(1, MaxStep) {
		t.Fatalf("a join at step 255 ratcheted A to %#x", got)
	}
	var toN []envelope
	for _, e := range r.queue {
		if e.from == "PA_a" && e.to == "PA_n" {
			toN = append(toN, e)
		}
	}
	if len(toN) != 1 || must(ParseKeyPackage(toN[0].payload)) != KeyID(2, 0) {
		t.Fatalf("A sent the newcomer %d packages, want one of key(2, 0)", len(toN))
	}
	r.deliverAll()
	if _, err := n.s.DecryptFrame("PA_a", Opus, must(a.s.EncryptFrame(Opus, opusFrame))); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("newcomer decrypts A's key(1, 255): %v", err)
	}
	r.clock.Advance(DefaultRekeyTimeout) // the PA_x members never acknowledge
	a.s.Tick()
	if got := a.s.SendingKID(); got != KeyID(2, 0) {
		t.Fatalf("A sends with %#x, want key(2, 0)", got)
	}
	checkReceives(t, a, n)
	checkReceives(t, a, b)
}

// sealAt is a frame A would send at KID kid, from A's key(e, low) key.
func sealAt(t *testing.T, key []byte, from, to uint8, epoch uint32, ctr uint64) []byte {
	t.Helper()
	for range to - from {
		key = Ratchet(key)
	}
	kid := KeyID(epoch, to)
	k := must(NewKey(AES_128_GCM_SHA256_128, kid, MediaBaseKey(key)))
	return must(SealFrame(nil, k, ctr, Opus, opusFrame))
}

func TestSessionReceiverBounds(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	a.s.mu.Lock()
	key0, s0 := slices.Clone(a.s.cur.key), a.s.cur.step // B holds key(1, s0)
	a.s.mu.Unlock()
	at := func(step int) []byte { return sealAt(t, key0, s0, s0+uint8(step), 1, 0) }
	decrypts := func(frame []byte) error {
		_, err := b.s.DecryptFrame("PA_a", Opus, frame)
		return err
	}

	if err := decrypts(at(MaxStepsAhead + 1)); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("a step 65 ahead of the highest seen: %v", err)
	}
	if err := decrypts(at(MaxStepsAhead)); err != nil {
		t.Fatalf("a step 64 ahead: %v", err)
	}
	// Step s0+64 is now seen: s0+128 is in reach, s0+129 not.
	if err := decrypts(at(2*MaxStepsAhead + 1)); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("a step 65 ahead of step 64: %v", err)
	}
	if err := decrypts(at(2 * MaxStepsAhead)); err != nil {
		t.Fatalf("a step 64 ahead of step 64: %v", err)
	}
	// A forged frame does not move the window.
	forged := sealAt(t, []byte("not the key, not the key, not it"), 0, s0+3*MaxStepsAhead, 1, 0)
	if err := decrypts(forged); !errors.Is(err, ErrAuth) {
		t.Fatalf("forged frame: %v", err)
	}
	if err := decrypts(at(3*MaxStepsAhead + 1)); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("a forged frame moved the window: %v", err)
	}
	if s0 > 0 {
		if err := decrypts(sealAt(t, fixed("unused"), 0, s0-1, 1, 0)); !errors.Is(err, ErrUnknownKID) {
			t.Fatalf("a step below the lowest held: %v", err)
		}
	}
	if st := b.s.Stats(); st.FramesDropped.NoKey != uint64(3+min(int(s0), 1)) || st.FramesDropped.Auth != 1 || st.FramesDecrypted != 2 {
		t.Fatalf("drops %+v", st)
	}

	// Never backward: a newcomer given key(1, s) opens no step below s.
	r.add("PA_c")
	r.deliverAll()
	c := r.party("PA_c")
	s := stepOf(a.s.SendingKID())
	for st := s0; st < s; st++ {
		if _, err := c.s.DecryptFrame("PA_a", Opus, sealAt(t, key0, s0, st, 1, 9)); !errors.Is(err, ErrUnknownKID) {
			t.Fatalf("newcomer at step %d opens step %d: %v", s, st, err)
		}
	}
	if _, err := c.s.DecryptFrame("PA_a", Opus, sealAt(t, key0, s0, s, 1, 9)); err != nil {
		t.Fatalf("newcomer cannot open its own step: %v", err)
	}
}

// A receiver keeps three epochs per sender: a fourth forgets the first.
func TestSessionKeepsThreeEpochs(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	frames := []([]byte){must(a.s.EncryptFrame(Opus, opusFrame))}
	for i := range MaxEpochsKept {
		r.leave(r.add(fmt.Sprintf("PA_x%d", i)))
		r.deliverAll()
		frames = append(frames, must(a.s.EncryptFrame(Opus, opusFrame)))
	}
	if got := epochOf(a.s.SendingKID()); got != 1+MaxEpochsKept {
		t.Fatalf("A at epoch %d", got)
	}
	for i, f := range frames {
		_, err := b.s.DecryptFrame("PA_a", Opus, f)
		if i == 0 && !errors.Is(err, ErrUnknownKID) {
			t.Errorf("epoch 1 still opens with %d newer epochs: %v", MaxEpochsKept, err)
		}
		if i > 0 && err != nil {
			t.Errorf("epoch %d: %v", i+1, err)
		}
	}
}

func TestSessionRefusesBadAnnouncements(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	codeBefore := a.s.SafetyCode()
	mallory := r.newParty("PA_m")

	flipped := mallory.member
	flipped.Announcement.Signature = slices.Clone(flipped.Announcement.Signature)
	flipped.Announcement.Signature[10] ^= 1
	// B's announcement (B's identity key, signed for B's identity) shown
	// for another identity.
	swapped := Member{ID: "PA_m", Identity: "mallory@example.com", Announcement: b.member.Announcement}
	// Mallory's identity key with B's KEM key and signature.
	spliced := mallory.member
	spliced.Announcement = Announcement{mallory.member.Announcement.IdentityKey, b.member.Announcement.KEMKey, b.member.Announcement.Signature}
	otherRoom := mallory.member
	otherRoom.Announcement = must(must(IdentityFromSeed(fixed("m"))).Announce("room-2", mallory.member.Identity, must(NewKEMKey())))
	short := mallory.member
	short.Announcement.KEMKey = short.Announcement.KEMKey[:100]
	badKEM := mallory.member
	badKEMKey := bytes.Repeat([]byte{0xff}, KEMPublicKeyLen)
	signer := must(IdentityFromSeed(fixed("m2")))
	badKEM.Announcement = Announcement{IdentityKey: signer.Public(), KEMKey: badKEMKey}
	badKEM.Announcement.Signature = signer.sign(must(badKEM.Announcement.signed(r.name, badKEM.Identity)))

	for _, c := range []struct {
		name string
		m    Member
		want error
	}{
		{"flipped signature", flipped, ErrAnnouncementSignature},
		{"another member's announcement", swapped, ErrAnnouncementSignature},
		{"identity key swapped", spliced, ErrAnnouncementSignature},
		{"signed for another room", otherRoom, ErrAnnouncementSignature},
		{"short KEM key", short, ErrAnnouncement},
		{"KEM key that does not parse", badKEM, ErrAnnouncement},
		{"no announcement", Member{ID: "PA_m", Identity: "m"}, ErrAnnouncement},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := a.s.MemberJoined(c.m)
			for _, o := range out {
				if o.To == c.m.ID {
					t.Fatal("a member whose announcement fails got a key package")
				}
			}
			if a.s.Verified(c.m.ID) {
				t.Fatal("Verified")
			}
			ms := a.s.Members()
			i := slices.IndexFunc(ms, func(s MemberStatus) bool { return s.ID == c.m.ID })
			if i < 0 || ms[i].Verified || !errors.Is(ms[i].Err, c.want) {
				t.Fatalf("status %+v, want error %v", ms, c.want)
			}
			if a.s.SafetyCode() != codeBefore {
				t.Fatal("the safety code counts an unverified member")
			}
			// Its frames and messages are refused, whatever the KID.
			pkg := must(SealKeyPackage(mallory.s.cfg.ID, r.name, c.m.ID, "PA_a", a.member.Announcement.KEMKey, KeyID(1, 0), fixed("k")))
			if _, err := a.s.Receive(c.m.ID, pkg); !errors.Is(err, ErrUnverified) || !errors.Is(err, c.want) {
				t.Fatalf("key package from it: %v", err)
			}
			if _, err := a.s.DecryptFrame(c.m.ID, Opus, sealAt(t, fixed("k"), 0, 0, 1, 0)); !errors.Is(err, ErrUnverified) {
				t.Fatalf("frame from it: %v", err)
			}
			before := a.s.SendingKID()
			a.s.MemberLeft(c.m.ID)
			if _, ok := a.s.Deadline(); ok || a.s.SendingKID() != before {
				t.Fatal("an unverified member's leave made a new epoch")
			}
		})
	}
	if st := a.s.Stats(); st.FramesDropped.Unverified != 7 {
		t.Fatalf("drops %+v", st.FramesDropped)
	}
}

func TestSessionRefusesMessages(t *testing.T) {
	r := newTestRoom(t)
	a, b, c := r.add("PA_a"), r.add("PA_b"), r.add("PA_c")
	r.deliverAll()
	pkgToB := must(SealKeyPackage(a.s.cfg.ID, r.name, "PA_a", "PA_b", b.member.Announcement.KEMKey, KeyID(7, 0), fixed("k")))
	// Sealed to C's KEM key but labeled for B.
	pkgSealedToC := must(SealKeyPackage(a.s.cfg.ID, r.name, "PA_a", "PA_b", c.member.Announcement.KEMKey, KeyID(7, 0), fixed("k")))
	// Signed by C's identity, claimed from A.
	pkgSignedByC := must(SealKeyPackage(c.s.cfg.ID, r.name, "PA_a", "PA_b", b.member.Announcement.KEMKey, KeyID(7, 0), fixed("k")))
	for _, m := range []struct {
		name     string
		to       *party
		from     string
		payload  []byte
		want     error
		wantMore error
	}{
		{"package for another recipient", c, "PA_a", pkgToB, ErrKeyPackageSignature, nil},
		{"package sealed to another KEM key", b, "PA_a", pkgSealedToC, ErrKeyPackageOpen, nil},
		{"package signed by another member", b, "PA_a", pkgSignedByC, ErrKeyPackageSignature, nil},
		{"package claimed from another sender", b, "PA_c", pkgToB, ErrKeyPackageSignature, nil},
		{"package from a non-member", b, "PA_z", pkgToB, ErrUnknownMember, nil},
		{"truncated package", b, "PA_a", pkgToB[:KeyPackageLen-1], ErrKeyPackage, nil},
		{"package with a byte more", b, "PA_a", append(slices.Clone(pkgToB), 0), ErrKeyPackage, nil},
		{"package of epoch 0", b, "PA_a", withKID(pkgToB, 5), ErrKeyPackage, nil},
		{"package with another KID", b, "PA_a", withKID(pkgToB, KeyID(8, 0)), ErrKeyPackageSignature, nil},
		{"empty", b, "PA_a", nil, ErrKeyPackage, nil},
		{"version 2", b, "PA_a", []byte{2, 1}, ErrKeyPackage, nil},
		{"unknown type", b, "PA_a", []byte{1, 9, 0, 0, 0, 0, 0, 0, 1, 0}, ErrKeyPackage, nil},
		{"sealed data as a key message", b, "PA_a", must(a.s.SealData("chat", []byte("x"))), ErrKeyPackage, nil},
		{"truncated ack", b, "PA_a", AppendAck(nil, KeyID(1, 0))[:9], ErrKeyPackage, nil},
		{"ack of epoch 0", b, "PA_a", AppendAck(nil, 3), ErrKeyPackage, nil},
		{"over the size limit", b, "PA_a", make([]byte, MaxMessageLen+1), ErrKeyPackage, nil},
	} {
		t.Run(m.name, func(t *testing.T) {
			kid := m.to.s.SendingKID()
			before := m.to.s.Stats()
			out, err := m.to.s.Receive(m.from, m.payload)
			if !errors.Is(err, m.want) || out != nil {
				t.Fatalf("Receive: %v, %d to send; want %v", err, len(out), m.want)
			}
			after := m.to.s.Stats()
			if after.MessagesRefused != before.MessagesRefused+1 || after.KeyPackagesOpened != before.KeyPackagesOpened || m.to.s.SendingKID() != kid {
				t.Fatalf("a refused message changed the session: %+v -> %+v", before, after)
			}
		})
	}
	// The genuine package opens and is acknowledged.
	out, err := b.s.Receive("PA_a", pkgToB)
	if err != nil || len(out) != 1 || out[0].To != "PA_a" || !bytes.Equal(out[0].Payload, AppendAck(nil, KeyID(7, 0))) {
		t.Fatalf("genuine package: %v %+v", err, out)
	}
}

func withKID(pkg []byte, kid uint64) []byte {
	p := slices.Clone(pkg)
	AppendAck(p[:0], kid) // version, type 2, KID
	p[1] = TypeKeyPackage
	return p
}

func TestSessionData(t *testing.T) {
	r := newTestRoom(t)
	a, b, c := r.add("PA_a"), r.add("PA_b"), r.add("PA_c")
	r.deliverAll()
	sealed := must(a.s.SealData("chat", []byte("hello")))
	if h := must(ParseDataMessage(sealed)); h.KID != a.s.SendingKID() || h.CTR != 0 {
		t.Fatalf("first data message has header %+v", h)
	}
	tampered := func(i int) []byte { s := slices.Clone(sealed); s[i] ^= 1; return s }
	for _, m := range []struct {
		name          string
		sender, topic string
		sealed        []byte
		want          error
	}{
		{"another topic", "PA_a", "other", sealed, ErrDataSignature},
		{"another sender", "PA_c", "chat", sealed, ErrDataSignature},
		{"ciphertext flipped", "PA_a", "chat", tampered(5), ErrDataSignature},
		{"signature flipped", "PA_a", "chat", tampered(len(sealed) - 1), ErrDataSignature},
		{"header flipped", "PA_a", "chat", tampered(2), ErrDataSignature},
		{"truncated", "PA_a", "chat", sealed[:minSealedLen-1], ErrDataMessage},
		{"version 2", "PA_a", "chat", append([]byte{2}, sealed[1:]...), ErrDataMessage},
		{"key package type", "PA_a", "chat", append([]byte{1, 1}, sealed[2:]...), ErrDataMessage},
		{"non-member", "PA_z", "chat", sealed, ErrUnknownMember},
	} {
		if _, err := b.s.OpenData(m.sender, m.topic, m.sealed); !errors.Is(err, m.want) {
			t.Errorf("%s: %v, want %v", m.name, err, m.want)
		}
	}
	if st := b.s.Stats(); st.DataDropped.Auth != 5 || st.DataDropped.Malformed != 3 || st.DataDropped.UnknownMember != 1 {
		t.Errorf("drops %+v", st.DataDropped)
	}
	// A correctly signed message under a wrong data key fails the SFrame.
	k := must(NewKey(AES_128_GCM_SHA256_128, a.s.SendingKID(), DataBaseKey(fixed("wrong"))))
	forged := must(SealDataMessage(a.s.cfg.ID, k, 1, r.name, "PA_a", "chat", []byte("x")))
	if _, err := c.s.OpenData("PA_a", "chat", forged); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong data key: %v", err)
	}
	if got, err := c.s.OpenData("PA_a", "chat", sealed); err != nil || string(got) != "hello" {
		t.Errorf("genuine: %q %v", got, err)
	}
}

// Media and data each count from 0 for each KID, and no (KID, CTR) is
// used twice, however many goroutines send.
func TestSessionCountersNeverRepeat(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	var mu sync.Mutex
	seen := map[use]bool{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for range 50 {
				var u use
				if g%2 == 0 {
					enc := must(a.s.EncryptFrame(Opus, opusFrame))
					u.h, _ = must2(ParseHeader(enc))
				} else {
					u.data, u.h = true, must(ParseDataMessage(must(a.s.SealData("chat", []byte("x")))))
				}
				mu.Lock()
				if seen[u] {
					t.Errorf("(KID, CTR) %+v used twice", u)
				}
				seen[u] = true
				mu.Unlock()
			}
		})
	}
	// Keys change while they send.
	wg.Go(func() {
		for i := range 3 {
			a.s.MemberJoined(r.newParty(fmt.Sprintf("PA_x%d", i)).member)
		}
	})
	wg.Go(func() {
		for range 100 {
			f := must(a.s.EncryptFrame(VP8, vp8DeltaFrame))
			h, _ := must2(ParseHeader(f[vp8DeltaPrefix:]))
			mu.Lock()
			if seen[use{false, h}] {
				t.Errorf("(KID, CTR) %+v used twice", h)
			}
			seen[use{false, h}] = true
			mu.Unlock()
			if _, err := b.s.DecryptFrame("PA_a", VP8, f); err != nil {
				t.Errorf("B, deriving the steps of joins it did not see: %v", err)
			}
		}
	})
	wg.Wait()
	for _, data := range []bool{false, true} {
		for kid := KeyID(1, 0); kid <= a.s.SendingKID(); kid++ {
			if n := countKID(seen, data, kid); n > 0 && !seen[use{data, Header{kid, 0}}] {
				t.Errorf("KID %#x (data %v): %d counters, none at 0", kid, data, n)
			}
		}
	}
	if st := b.s.Stats(); st.FramesDecrypted != 100 {
		t.Errorf("B: %+v", st)
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

type use struct {
	data bool
	h    Header
}

func countKID(seen map[use]bool, data bool, kid uint64) int {
	n := 0
	for u := range seen {
		if u.data == data && u.h.KID == kid {
			n++
		}
	}
	return n
}

func TestSessionSafetyCode(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	if a.s.SafetyCode() != b.s.SafetyCode() {
		t.Fatal("two members see different codes")
	}
	two := a.s.SafetyCode()
	c := r.add("PA_c")
	if a.s.SafetyCode() == two || a.s.SafetyCode() != c.s.SafetyCode() || b.s.SafetyCode() != c.s.SafetyCode() {
		t.Fatal("a join did not change the code the same way for all")
	}
	r.leave(c)
	if a.s.SafetyCode() != two {
		t.Fatal("after the leave the code is not the two-member one")
	}
	want := must(SafetyCode(r.name, []SafetyEntry{{"PA_b@example.com", b.s.cfg.ID.Public()}, {"PA_a@example.com", a.s.cfg.ID.Public()}}))
	if two != want {
		t.Fatalf("session code %s, SafetyCode %s", two, want)
	}
}

func TestSessionPrintsNoSecret(t *testing.T) {
	r := newTestRoom(t)
	a := r.add("PA_a")
	a.s.mu.Lock()
	key := a.s.cur.key
	a.s.mu.Unlock()
	seed := a.s.cfg.ID.priv.Seed()
	kemSeed := must(a.s.cfg.KEM.priv.Bytes())
	for _, v := range []any{a.s, a.s.cfg.ID, a.s.cfg.KEM} {
		for _, format := range []string{"%v", "%+v", "%s"} {
			out := fmt.Sprintf(format, v)
			for _, secret := range [][]byte{key, seed, kemSeed} {
				if bytes.Contains([]byte(out), secret) || bytes.Contains([]byte(out), []byte(fmt.Sprintf("%x", secret))) {
					t.Errorf("%s of %T prints a secret: %s", format, v, out)
				}
			}
		}
	}
}

func TestSessionAloneSwitchesAtOnce(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	r.leave(b)
	if _, ok := a.s.Deadline(); ok || a.s.SendingKID() != KeyID(2, 0) {
		t.Fatalf("alone after a leave: KID %#x, want key(2, 0) at once", a.s.SendingKID())
	}
	if out := a.s.Tick(); out != nil {
		t.Fatal("Tick with nothing pending sends")
	}
	if _, err := a.s.DecryptFrame("PA_b", Opus, must(b.s.EncryptFrame(Opus, opusFrame))); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("frame from a participant who left: %v", err)
	}
	if st := a.s.Stats(); st.FramesDropped.UnknownMember != 1 {
		t.Fatalf("drops %+v", st.FramesDropped)
	}
}

// Joined again (after a reconnection) starts a new epoch, current at
// once, sent to every member; keys members gave before still open.
func TestSessionJoinedAgain(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	before := a.s.SendingKID()
	r.send("PA_a", a.s.Joined("PA_a", []Member{b.member}))
	if got := a.s.SendingKID(); epochOf(got) != epochOf(before)+1 || stepOf(got) != 0 {
		t.Fatalf("Joined again: KID %#x after %#x", got, before)
	}
	r.deliverAll()
	checkReceives(t, a, b)
	checkReceives(t, b, a) // B's key from before the reconnection
}

// A participant id that joins again with another announcement is a leave
// and a join: a new epoch, which the old announcement's holder never gets.
func TestSessionMemberJoinedAgainIsLeaveAndJoin(t *testing.T) {
	r := newTestRoom(t)
	a, b := r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	b2 := r.newParty("PA_b")
	out := a.s.MemberJoined(b2.member)
	// Alone after the leave, A switched at once; the join ratcheted.
	if got := a.s.SendingKID(); got != KeyID(2, 1) || len(out) != 1 {
		t.Fatalf("KID %#x, %d packages; want key(2, 1) and one package", got, len(out))
	}
	for _, o := range out {
		kid := must(ParseKeyPackage(o.Payload))
		if _, _, err := OpenKeyPackage(b.s.cfg.KEM, a.s.cfg.ID.Public(), r.name, "PA_a", "PA_b", o.Payload); err == nil {
			t.Fatalf("the old session of PA_b opens key %#x", kid)
		}
		if _, _, err := OpenKeyPackage(b2.s.cfg.KEM, a.s.cfg.ID.Public(), r.name, "PA_a", "PA_b", o.Payload); err != nil {
			t.Fatalf("the new session of PA_b cannot open key %#x: %v", kid, err)
		}
	}
}
