package room_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/room"
)

// announce makes a real announcement of fresh keys for identity in
// roomName, as a client sends it in join.
func announce(t *testing.T, roomName, identity string) *room.E2EEKeys {
	t.Helper()
	id, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	kem, err := e2ee.NewKEMKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := id.Announce(roomName, identity, kem)
	if err != nil {
		t.Fatal(err)
	}
	return &room.E2EEKeys{IdentityKey: a.IdentityKey, KEMKey: a.KEMKey, Signature: a.Signature}
}

// signedWithKEM is an announcement for identity in roomName with kem as
// its KEM key, whatever it holds, signed as docs/e2ee.md lays it out.
func signedWithKEM(roomName, identity string, kem []byte) *room.E2EEKeys {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	var msg []byte
	for _, f := range []string{"conclave e2ee announce v1", roomName, identity} {
		msg = binary.BigEndian.AppendUint16(msg, uint16(len(f)))
		msg = append(msg, f...)
	}
	msg = append(append(msg, pub...), kem...)
	return &room.E2EEKeys{IdentityKey: pub, KEMKey: kem, Signature: ed25519.Sign(priv, msg)}
}

func joinE2EE(t *testing.T, m *room.Manager, roomName, identity string, keys *room.E2EEKeys) (*room.Participant, *recorder, error) {
	t.Helper()
	rec := &recorder{}
	mem, _, err := m.Join(room.JoinRequest{Claims: claims(roomName, identity, allGrants), Listener: rec, E2EE: keys})
	if err != nil {
		return nil, rec, err
	}
	return mem.(*room.Participant), rec, nil
}

func e2eeManager(t *testing.T) *room.Manager {
	t.Helper()
	return newManager(t, room.Config{AutoCreate: true, DefaultE2EE: room.E2EERequired})
}

// sealedShape is a payload with the shape of a sealed data message.
var sealedShape = append([]byte{1, 3}, make([]byte, 96)...)

func TestE2EEAdmission(t *testing.T) {
	m := e2eeManager(t)
	rec := subscribe(t, m)
	good := announce(t, "r", "alice")
	otherRoom := announce(t, "elsewhere", "alice")
	otherIdentity := announce(t, "r", "mallory")
	badSig := announce(t, "r", "alice")
	badSig.Signature[0] ^= 1

	for _, tt := range []struct {
		name string
		keys *room.E2EEKeys
		want error
	}{
		{"no announcement", nil, room.ErrE2EERequired},
		{"signed for another room", otherRoom, room.ErrE2EEKeys},
		{"signed for another identity", otherIdentity, room.ErrE2EEKeys},
		{"signature altered", badSig, room.ErrE2EEKeys},
		{"truncated KEM key", &room.E2EEKeys{IdentityKey: good.IdentityKey, KEMKey: good.KEMKey[:100], Signature: good.Signature}, room.ErrE2EESizes},
		{"a signed KEM key that is no X-Wing key", signedWithKEM("r", "alice", bytes.Repeat([]byte{0xff}, len(good.KEMKey))), room.ErrE2EEKEMKey},
		{"control: the same layout with a real KEM key", signedWithKEM("r", "alice", good.KEMKey), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec.reset()
			p, _, err := joinE2EE(t, m, "r", "alice", tt.keys)
			if !errors.Is(err, tt.want) {
				t.Fatalf("join = %v, want %v", err, tt.want)
			}
			ds := rec.of(room.EventDecision)
			if tt.want == nil {
				p.Leave(room.ReasonLeft)
				if len(ds) != 1 || ds[0].Decision.Outcome != room.Admitted {
					t.Fatalf("decision events = %+v, want one admission", ds)
				}
				return
			}
			if len(ds) != 1 || ds[0].Decision.Outcome != room.Refused || !errors.Is(ds[0].Decision.Err, tt.want) {
				t.Fatalf("decision events = %+v, want one refusal with %v", ds, tt.want)
			}
		})
	}

	alice, as, err := joinE2EE(t, m, "r", "alice", good)
	if err != nil {
		t.Fatalf("join with a good announcement: %v", err)
	}
	joined := as.of(room.EventJoined)
	if len(joined) != 1 || !joined[0].E2EE {
		t.Fatalf("alice's own joined event does not say the room requires E2EE: %+v", joined)
	}
	bobKeys := announce(t, "r", "bob")
	_, bs, err := joinE2EE(t, m, "r", "bob", bobKeys)
	if err != nil {
		t.Fatal(err)
	}
	others := bs.of(room.EventJoined)[0].Others
	if len(others) != 1 || others[0].E2EE == nil || !bytes.Equal(others[0].E2EE.KEMKey, good.KEMKey) {
		t.Fatalf("bob does not see alice's announced keys: %+v", others)
	}
	if got := as.of(room.EventJoined); len(got) != 2 || got[1].Participant.E2EE == nil ||
		!bytes.Equal(got[1].Participant.E2EE.IdentityKey, bobKeys.IdentityKey) {
		t.Fatalf("alice is not told bob's keys: %+v", got)
	}
	if w := alice.Info().Wire(); w.E2EE == nil || !bytes.Equal(w.E2EE.Signature, good.Signature) {
		t.Fatalf("the wire form drops the announcement: %+v", w.E2EE)
	}
}

func TestPlainRoomIgnoresAnnouncement(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as, err := joinE2EE(t, m, "r", "alice", announce(t, "r", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if alice.Info().E2EE != nil {
		t.Error("a plain room kept an announcement")
	}
	if j := as.of(room.EventJoined); j[0].E2EE {
		t.Error("a plain room's joined event says E2EE")
	}
	if _, _, err := joinE2EE(t, m, "r", "bob", nil); err != nil {
		t.Errorf("a plain room refused a join without keys: %v", err)
	}
	if err := alice.SendData(nil, "chat", []byte("plain text is fine here")); err != nil {
		t.Errorf("plain data in a plain room: %v", err)
	}
}

func TestE2EETracks(t *testing.T) {
	m := e2eeManager(t)
	alice, _, err := joinE2EE(t, m, "r", "alice", announce(t, "r", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.AnnounceTrack("plain", room.KindVideo, room.SourceCamera, "", false); !errors.Is(err, room.ErrTrackNotEncrypted) {
		t.Fatalf("announcing an unencrypted track = %v, want %v", err, room.ErrTrackNotEncrypted)
	}
	// A track that arrives without any announcement is refused too.
	if _, err := alice.Publish("TR_1", "plain", room.KindVideo, "video/VP8", newReceiver("TR_1", webrtc.RTPCodecTypeVideo)); !errors.Is(err, room.ErrTrackNotEncrypted) {
		t.Fatalf("publishing an unannounced track = %v, want %v", err, room.ErrTrackNotEncrypted)
	}
	if len(alice.Info().Tracks) != 0 {
		t.Fatal("a refused track was published")
	}
	if err := alice.AnnounceTrack("cam", room.KindVideo, room.SourceCamera, "", true); err != nil {
		t.Fatal(err)
	}
	info, _ := publish(t, alice, "TR_2", "cam", room.KindVideo)
	if !info.E2EE || !info.Wire().E2EE {
		t.Fatalf("an encrypted track's info does not say so: %+v", info)
	}
	if err := alice.AnnounceTrack("h264", room.KindVideo, room.SourceScreen, "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Publish("TR_3", "h264", room.KindVideo, "video/H264", newReceiver("TR_3", webrtc.RTPCodecTypeVideo)); !errors.Is(err, room.ErrE2EECodec) {
		t.Fatalf("publishing encrypted H.264 = %v, want %v", err, room.ErrE2EECodec)
	}
}

func TestE2EEData(t *testing.T) {
	m := e2eeManager(t)
	alice, _, err := joinE2EE(t, m, "r", "alice", announce(t, "r", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	_, bs, err := joinE2EE(t, m, "r", "bob", announce(t, "r", "bob"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{[]byte("hello in clear"), {1, 3}, append([]byte{1, 1}, sealedShape[2:]...)} {
		if err := alice.SendData(nil, "chat", p); !errors.Is(err, room.ErrDataNotEncrypted) {
			t.Errorf("SendData(%q) = %v, want %v", p[:2], err, room.ErrDataNotEncrypted)
		}
	}
	if n := len(bs.of(room.EventData)); n != 0 {
		t.Fatalf("bob got %d refused messages", n)
	}
	if err := alice.SendData(nil, "chat", sealedShape); err != nil {
		t.Fatal(err)
	}
	if n := len(bs.of(room.EventData)); n != 1 {
		t.Fatalf("bob got %d sealed messages, want 1", n)
	}
}

func TestE2EERelay(t *testing.T) {
	m := e2eeManager(t)
	rec := subscribe(t, m)
	alice, as, err := joinE2EE(t, m, "r", "alice", announce(t, "r", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	bob, bs, err := joinE2EE(t, m, "r", "bob", announce(t, "r", "bob"))
	if err != nil {
		t.Fatal(err)
	}
	_, cs, err := joinE2EE(t, m, "r", "carol", announce(t, "r", "carol"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := []byte{1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 42}
	if err := alice.SendE2EE(bob.ID(), pkg); err != nil {
		t.Fatal(err)
	}
	got := bs.of(room.EventE2EE)
	if len(got) != 1 || got[0].Participant.ID != alice.ID() || !bytes.Equal(got[0].Payload, pkg) {
		t.Fatalf("bob got %+v, want alice's package", got)
	}
	if n := len(cs.of(room.EventE2EE)) + len(as.of(room.EventE2EE)); n != 0 {
		t.Fatalf("a package for bob reached %d others", n)
	}
	if ev := rec.of(room.EventE2EE); len(ev) != 1 || len(ev[0].Recipients) != 1 || ev[0].Recipients[0] != bob.ID() {
		t.Fatalf("the relay is not one typed event naming its recipient: %+v", ev)
	}
	for _, to := range []room.ParticipantID{alice.ID(), "PA_NOBODY"} {
		if err := alice.SendE2EE(to, pkg); !errors.Is(err, room.ErrUnknownParticipant) {
			t.Errorf("SendE2EE to %s = %v, want %v", to, err, room.ErrUnknownParticipant)
		}
	}

	plain := newManager(t, room.Config{AutoCreate: true})
	x, _ := join(t, plain, "p", "x", allGrants)
	y, _ := join(t, plain, "p", "y", allGrants)
	if err := x.SendE2EE(y.ID(), pkg); !errors.Is(err, room.ErrE2EEOff) {
		t.Errorf("SendE2EE in a plain room = %v, want %v", err, room.ErrE2EEOff)
	}
}

func TestE2EERoomCapacity(t *testing.T) {
	m := e2eeManager(t)
	info, err := m.Create(room.Spec{Name: "big", Owner: owner, MaxParticipants: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if info.E2EE != room.E2EERequired || info.MaxParticipants != room.MaxE2EEParticipants {
		t.Fatalf("room = %+v, want e2ee required and at most %d participants", info, room.MaxE2EEParticipants)
	}
	info, err = m.Create(room.Spec{Name: "open", Owner: owner, MaxParticipants: 1000, E2EE: room.E2EEOff})
	if err != nil {
		t.Fatal(err)
	}
	if info.E2EE != room.E2EEOff || info.MaxParticipants != 1000 {
		t.Fatalf("room = %+v, want a plain room of 1000", info)
	}
}

func TestTamperHook(t *testing.T) {
	m := e2eeManager(t)
	swapped := announce(t, "r", "alice").IdentityKey
	m.SetTestTamperE2EE(func(id room.Identity, k *room.E2EEKeys) {
		if id == "alice" {
			k.IdentityKey = swapped
		}
	})
	good := announce(t, "r", "alice")
	alice, _, err := joinE2EE(t, m, "r", "alice", good)
	if err != nil {
		t.Fatal(err)
	}
	if got := alice.Info().E2EE.IdentityKey; !bytes.Equal(got, swapped) || bytes.Equal(got, good.IdentityKey) {
		t.Fatal("the tamper hook did not swap the identity key")
	}
}
