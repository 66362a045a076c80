package signal

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// offerHead and offerTail frame one audio section of a publisher offer;
// the cases put direction attributes around them.
const (
	offerSession = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
	offerCreds   = "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
		"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\na=setup:actpass\r\n"
)

// offerWith is an offer with session attributes sess and one audio
// section on port with media attributes media.
func offerWith(sess, port string, media ...string) string {
	var b strings.Builder
	b.WriteString(offerSession)
	for _, a := range strings.Fields(sess) {
		b.WriteString("a=" + a + "\r\n")
	}
	b.WriteString("m=audio " + port + " UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n")
	for _, a := range media {
		b.WriteString("a=" + a + "\r\n")
	}
	b.WriteString("a=rtpmap:111 opus/48000/2\r\n" + offerCreds)
	return b.String()
}

// offerCases are offers pion would and would not receive media from,
// among them the SDP quirks the gate once read otherwise than pion.
var offerCases = []struct {
	name  string
	offer string
	sends bool
}{
	{"sendrecv", offerWith("", "9", "sendrecv"), true},
	{"sendonly", offerWith("", "9", "sendonly"), true},
	{"no direction: sendrecv", offerWith("", "9"), true},
	{"session-level sendonly", offerWith("sendonly", "9"), true},
	{"session-level sendrecv", offerWith("sendrecv", "9"), true},
	{"the first of two directions wins", offerWith("", "9", "sendrecv", "recvonly"), true},
	{"bundle-only at port 0", offerWith("", "0", "bundle-only", "sendonly"), true},
	{"port 0 without a direction", offerWith("", "0"), true},
	{"a direction in capitals is no direction", offerWith("", "9", "RECVONLY"), true},
	{"session recvonly overridden by the section", offerWith("recvonly", "9", "sendonly"), true},
	{"recvonly", offerWith("", "9", "recvonly"), false},
	{"inactive", offerWith("", "9", "inactive"), false},
	{"session-level recvonly", offerWith("recvonly", "9"), false},
	{"the section's recvonly over the session's sendrecv", offerWith("sendrecv", "9", "recvonly"), false},
	{"recvonly first, then sendonly", offerWith("", "9", "recvonly", "sendonly"), false},
}

// pionReceives applies offer to a fresh pion PeerConnection and reports
// whether pion would receive media from it: a transceiver it set to
// receive. err is pion's refusal of the offer.
func pionReceives(offer string) (bool, error) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return false, err
	}
	defer func() { _ = pc.Close() }()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return false, err
	}
	for _, tr := range pc.GetTransceivers() {
		if d := tr.Direction(); d == webrtc.RTPTransceiverDirectionRecvonly || d == webrtc.RTPTransceiverDirectionSendrecv {
			return true, nil
		}
	}
	return false, nil
}

// TestOfferSendsAgreesWithPion: the viewer gate reads every case as pion,
// which receives the media, does: the table says what pion does, and pion
// itself is asked too.
func TestOfferSendsAgreesWithPion(t *testing.T) {
	for _, tc := range offerCases {
		t.Run(tc.name, func(t *testing.T) {
			receives, err := pionReceives(tc.offer)
			if err != nil {
				t.Fatalf("pion refuses the offer: %v", err)
			}
			if receives != tc.sends {
				t.Fatalf("pion receives: %t; the table says %t", receives, tc.sends)
			}
			if got := offerSends(tc.offer); got != tc.sends {
				t.Errorf("offerSends = %t, pion receives: %t", got, tc.sends)
			}
		})
	}
	if !offerSends("not sdp") {
		t.Error("an offer that does not parse is not treated as sending")
	}
}

// FuzzOfferSends: the gate never panics on any offer, and on every offer
// pion applies it agrees with pion on whether media would be received.
func FuzzOfferSends(f *testing.F) {
	for _, tc := range offerCases {
		f.Add(tc.offer)
	}
	f.Fuzz(func(t *testing.T, offer string) {
		got := offerSends(offer)
		receives, err := pionReceives(offer)
		if err == nil && receives != got {
			t.Fatalf("offerSends = %t, pion receives: %t, for %q", got, receives, offer)
		}
	})
}
