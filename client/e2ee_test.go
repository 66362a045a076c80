package client

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/token"
)

func TestTokenClaims(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key := token.Key{ID: "CKTESTKEY0001", Private: priv}
	tok, err := key.Mint(token.Options{Identity: "alice", Room: "standup", TTL: time.Minute, Grants: token.Grants{Publish: true}})
	if err != nil {
		t.Fatal(err)
	}
	room, sub, err := tokenClaims(tok)
	if err != nil || room != "standup" || sub != "alice" {
		t.Fatalf("tokenClaims = %q, %q, %v", room, sub, err)
	}
	for _, bad := range []string{
		"", "tok", "a.b", "a.!!!.c",
		"e30.e30.c2ln",              // {} : no room, no sub
		"e30.eyJyb29tIjoiciJ9.c2ln", // {"room":"r"}: no sub
		"e30." + string(bytes.Repeat([]byte("A"), 9000)) + ".c2ln",
	} {
		if _, _, err := tokenClaims(bad); !errors.Is(err, ErrTokenClaims) {
			t.Errorf("tokenClaims(%.20q) = %v, want ErrTokenClaims", bad, err)
		}
	}
}

func TestE2EEIdentityOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.pem")
	o, err := buildOptions("https://example.com", []Option{WithE2EEIdentityFile(path)})
	if err != nil {
		t.Fatal(err)
	}
	if o.e2eeIdentity == nil {
		t.Fatal("no identity from the file option")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v, %v; want mode 0600", fi, err)
	}
	again, err := buildOptions("https://example.com", []Option{WithE2EEIdentityFile(path)})
	if err != nil || !again.e2eeIdentity.Public().Equal(o.e2eeIdentity.Public()) {
		t.Fatalf("reloading the identity file: %v, another key", err)
	}

	id, err := e2ee.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	last, err := buildOptions("https://example.com", []Option{WithE2EEIdentityFile(path), WithE2EE(id)})
	if err != nil || last.e2eeIdentity != id {
		t.Fatalf("the last identity option does not win: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := buildOptions("https://example.com", []Option{WithE2EEIdentityFile(bad)}); !errors.Is(err, e2ee.ErrIdentityFile) {
		t.Fatalf("a bad identity file: %v, want ErrIdentityFile", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "not a key" {
		t.Error("the bad identity file was overwritten")
	}
}

func TestSampleTrackEncryption(t *testing.T) {
	newSession := func() *e2ee.Session {
		id, err := e2ee.NewIdentity()
		if err != nil {
			t.Fatal(err)
		}
		kem, err := e2ee.NewKEMKey()
		if err != nil {
			t.Fatal(err)
		}
		s, err := e2ee.NewSession(e2ee.SessionConfig{Room: "r", Identity: "me", ID: id, KEM: kem})
		if err != nil {
			t.Fatal(err)
		}
		s.Joined("p1", nil)
		return s
	}
	s1, s2 := newSession(), newSession()

	vp8, err := NewSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "v", "s")
	if err != nil {
		t.Fatal(err)
	}
	if vp8.Encrypted() {
		t.Error("a track encrypts before it is published")
	}
	if err := vp8.encryptWith(s1); err != nil || !vp8.Encrypted() {
		t.Fatalf("encryptWith: %v", err)
	}
	if err := vp8.encryptWith(s1); err != nil {
		t.Errorf("encryptWith the same session again: %v", err)
	}
	if err := vp8.encryptWith(s2); !errors.Is(err, ErrTrackInUse) {
		t.Errorf("encryptWith another session: %v, want ErrTrackInUse", err)
	}
	// Unbound, a written frame goes nowhere, but it is encrypted first.
	before := s1.Stats().FramesEncrypted
	if err := vp8.WriteSample(media.Sample{Data: []byte{0x11, 0, 0, 1, 2, 3}, Duration: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if s1.Stats().FramesEncrypted != before+1 {
		t.Error("WriteSample did not encrypt the frame")
	}

	h264, err := NewSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "h", "s")
	if err != nil {
		t.Fatal(err)
	}
	if err := h264.encryptWith(s1); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("encryptWith for H.264: %v, want ErrNotEncrypted", err)
	}
	if e2eeCodec("audio/OPUS") != e2ee.Opus || e2eeCodec("video/vp8") != e2ee.VP8 || e2eeCodec("video/VP9") != 0 {
		t.Error("e2eeCodec")
	}
}
