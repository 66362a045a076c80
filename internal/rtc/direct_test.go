package rtc

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/udpbatch"
)

// dtlsPair runs a real DTLS handshake over two loopback sockets. The server
// captures its secrets into secrets through the same two hooks the
// subscriber PeerConnections use.
func dtlsPair(t *testing.T, suite dtls.CipherSuiteID, profile dtls.SRTPProtectionProfile, secrets *dtlsSecrets) (client, server *dtls.Conn) {
	t.Helper()
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	cert := func() tls.Certificate {
		c, err := selfsign.GenerateSelfSigned()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sc, cc := listen(), listen()
	server, err := dtls.ServerWithOptions(sc, cc.LocalAddr(),
		dtls.WithCertificates(cert()),
		dtls.WithCipherSuites(suite),
		dtls.WithSRTPProtectionProfiles(profile),
		dtls.WithKeyLogWriter(secrets),
		dtls.WithServerHelloMessageHook(secrets.serverHello),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	client, err = dtls.ClientWithOptions(cc, sc.LocalAddr(),
		dtls.WithCertificates(cert()),
		dtls.WithInsecureSkipVerify(true),
		dtls.WithCipherSuites(suite),
		dtls.WithSRTPProtectionProfiles(profile),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	serverErr := make(chan error, 1)
	go func() { serverErr <- server.HandshakeContext(ctx) }()
	if err := client.HandshakeContext(ctx); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-serverErr; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	return client, server
}

// TestDTLSSecretsDeriveTheSRTPKeys: what the key-log writer and the
// ServerHello hook capture is enough to derive exactly the SRTP key and
// salt the server sends with, as the client derives them for receiving.
func TestDTLSSecretsDeriveTheSRTPKeys(t *testing.T) {
	for _, suite := range []dtls.CipherSuiteID{
		dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, // a SHA-384 PRF
	} {
		for _, profile := range []dtls.SRTPProtectionProfile{
			dtls.SRTP_AEAD_AES_128_GCM,
			dtls.SRTP_AES128_CM_HMAC_SHA1_80,
		} {
			t.Run(fmt.Sprintf("%v,profile=%#04x", suite, uint16(profile)), func(t *testing.T) {
				secrets := &dtlsSecrets{}
				client, server := dtlsPair(t, suite, profile, secrets)

				gotProfile, key, salt, err := secrets.sendKeys()
				if err != nil {
					t.Fatalf("sendKeys: %v", err)
				}
				if gotProfile != srtp.ProtectionProfile(profile) {
					t.Errorf("profile %#04x, want %#04x", uint16(gotProfile), uint16(profile))
				}
				cs, ok := client.ConnectionState()
				if !ok {
					t.Fatal("no client connection state")
				}
				fromClient := srtp.Config{Profile: srtp.ProtectionProfile(profile)}
				if err := fromClient.ExtractSessionKeysFromDTLS(&cs, true); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(key, fromClient.Keys.RemoteMasterKey) || !bytes.Equal(salt, fromClient.Keys.RemoteMasterSalt) {
					t.Fatalf("derived key/salt %x/%x, the client expects %x/%x",
						key, salt, fromClient.Keys.RemoteMasterKey, fromClient.Keys.RemoteMasterSalt)
				}
				// The server's own view (pion's derivation) agrees too.
				ss, ok := server.ConnectionState()
				if !ok {
					t.Fatal("no server connection state")
				}
				fromServer := srtp.Config{Profile: srtp.ProtectionProfile(profile)}
				if err := fromServer.ExtractSessionKeysFromDTLS(&ss, false); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(key, fromServer.Keys.LocalMasterKey) || !bytes.Equal(salt, fromServer.Keys.LocalMasterSalt) {
					t.Fatal("derived key/salt differ from the server's own")
				}
				if bytes.Equal(key, fromClient.Keys.LocalMasterKey) {
					t.Fatal("derived the client's send key, not the server's")
				}

				// The master secret is wiped: the key cannot be derived again.
				secrets.mu.Lock()
				ms := secrets.masterSecret
				secrets.mu.Unlock()
				if ms != nil {
					t.Error("the master secret is kept after sendKeys")
				}
				if _, _, _, err := secrets.sendKeys(); err == nil {
					t.Error("a second sendKeys succeeded: the master secret was not wiped")
				}
			})
		}
	}
}

// TestDTLSSecretsIncomplete: whatever is missing or unknown, sendKeys
// reports that there is no direct path; it never panics, and the key-log
// writer ignores lines it does not use.
func TestDTLSSecretsIncomplete(t *testing.T) {
	clientRandom := bytes.Repeat([]byte{0xC1}, 32)
	master := bytes.Repeat([]byte{0x5E}, 48)
	goodLine := []byte(fmt.Sprintf("CLIENT_RANDOM %x %x\n", clientRandom, master))
	suite := func(id uint16) *uint16 { return &id }
	hello := func(suite *uint16, exts ...extension.Extension) handshake.MessageServerHello {
		return handshake.MessageServerHello{
			Random:        handshake.Random{GMTUnixTime: time.Unix(1_700_000_000, 0), RandomBytes: [28]byte{1, 2, 3}},
			CipherSuiteID: suite,
			Extensions:    exts,
		}
	}
	useSRTP := func(p ...extension.SRTPProtectionProfile) *extension.UseSRTP {
		return &extension.UseSRTP{ProtectionProfiles: p}
	}
	gcm := useSRTP(extension.SRTP_AEAD_AES_128_GCM)

	tests := []struct {
		name  string
		lines [][]byte
		hello *handshake.MessageServerHello
		ok    bool
	}{
		{name: "nothing captured"},
		{name: "no ServerHello (the server was the DTLS client)", lines: [][]byte{goodLine}},
		{name: "no key log", hello: ptr(hello(suite(0xC02B), gcm))},
		{name: "complete", lines: [][]byte{goodLine}, hello: ptr(hello(suite(0xC02B), gcm)), ok: true},
		{name: "unknown cipher suite (TLS 1.3)", lines: [][]byte{goodLine}, hello: ptr(hello(suite(0x1301), gcm))},
		{name: "PSK cipher suite", lines: [][]byte{goodLine}, hello: ptr(hello(suite(0x00A8), gcm))},
		{name: "no cipher suite", lines: [][]byte{goodLine}, hello: ptr(hello(nil, gcm))},
		{name: "unknown SRTP profile", lines: [][]byte{goodLine},
			hello: ptr(hello(suite(0xC02B), useSRTP(extension.SRTP_AES256_CM_SHA1_80)))},
		{name: "NULL SRTP profile", lines: [][]byte{goodLine},
			hello: ptr(hello(suite(0xC02B), useSRTP(extension.SRTP_NULL_HMAC_SHA1_80)))},
		{name: "no use_srtp extension", lines: [][]byte{goodLine}, hello: ptr(hello(suite(0xC02B)))},
		{name: "two SRTP profiles", lines: [][]byte{goodLine},
			hello: ptr(hello(suite(0xC02B), useSRTP(extension.SRTP_AEAD_AES_128_GCM, extension.SRTP_AEAD_AES_256_GCM)))},
		{name: "short client random", hello: ptr(hello(suite(0xC02B), gcm)),
			lines: [][]byte{[]byte(fmt.Sprintf("CLIENT_RANDOM %x %x\n", clientRandom[:16], master))}},
		{name: "garbage only", hello: ptr(hello(suite(0xC02B), gcm)), lines: garbageKeyLogLines()},
		{name: "garbage after a good line", hello: ptr(hello(suite(0xC02B), gcm)), ok: true,
			lines: append([][]byte{goodLine}, garbageKeyLogLines()...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &dtlsSecrets{}
			for _, l := range tc.lines {
				if n, err := s.Write(l); n != len(l) || err != nil {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil", l, n, err, len(l))
				}
			}
			if tc.hello != nil {
				m := s.serverHello(*tc.hello)
				sh, ok := m.(*handshake.MessageServerHello)
				if !ok || sh.Random != tc.hello.Random || len(sh.Extensions) != len(tc.hello.Extensions) {
					t.Fatalf("the hook changed the ServerHello: %#v", m)
				}
			}
			profile, key, salt, err := s.sendKeys()
			if !tc.ok {
				if !errors.Is(err, errNoDirectPath) {
					t.Fatalf("sendKeys: %v, want errNoDirectPath", err)
				}
				if key != nil || salt != nil {
					t.Fatal("keys returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("sendKeys: %v", err)
			}
			if profile != srtp.ProtectionProfileAeadAes128Gcm || len(key) != 16 || len(salt) != 12 {
				t.Fatalf("profile %v, %d-byte key, %d-byte salt", profile, len(key), len(salt))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// garbageKeyLogLines are key-log lines the writer must ignore.
func garbageKeyLogLines() [][]byte {
	hex32 := hex.EncodeToString(bytes.Repeat([]byte{1}, 32))
	return [][]byte{
		nil,
		[]byte("\n"),
		[]byte("garbage"),
		[]byte("CLIENT_RANDOM\n"),
		[]byte("CLIENT_RANDOM " + hex32 + "\n"),
		[]byte("CLIENT_RANDOM zz " + hex32 + "\n"),
		[]byte("CLIENT_RANDOM " + hex32 + " zz\n"),
		[]byte("CLIENT_RANDOM " + hex32 + " abc\n"), // odd length
		[]byte("CLIENT_RANDOM " + hex32 + " " + hex32 + " extra\n"),
		[]byte("SERVER_HANDSHAKE_TRAFFIC_SECRET " + hex32 + " " + hex32 + "\n"),
		{0xFF, 0x00, 0xFE},
	}
}

// The direct path end to end: a Peer on a batching media socket, a pion
// client answering its subscriber offers.

// trickleHandler trickles the server's subscriber candidates to the client
// once the client has the offer, and hands the offers over.
type trickleHandler struct {
	offers chan string

	mu     sync.Mutex
	client *webrtc.PeerConnection
	held   []webrtc.ICECandidateInit
	lost   int
}

func (h *trickleHandler) Candidate(pc PC, c webrtc.ICECandidateInit) {
	if pc != Subscriber {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.client == nil {
		h.held = append(h.held, c)
		return
	}
	_ = h.client.AddICECandidate(c)
}

// ready is called once the client has the server's offer.
func (h *trickleHandler) ready(client *webrtc.PeerConnection) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.client = client
	for _, c := range h.held {
		_ = client.AddICECandidate(c)
	}
	h.held = nil
}

func (h *trickleHandler) Offer(sdp string)               { h.offers <- sdp }
func (h *trickleHandler) TrackPublished(*PublishedTrack) {}
func (h *trickleHandler) TrackEnded(*PublishedTrack)     {}
func (h *trickleHandler) ConnectionLost(PC) {
	h.mu.Lock()
	h.lost++
	h.mu.Unlock()
}

func (h *trickleHandler) lostCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lost
}

// newDirectEngine is an Engine whose media socket can send batches: its
// subscriber connections get the direct SRTP path when they can.
func newDirectEngine(t *testing.T) *Engine {
	t.Helper()
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	conn := udpbatch.New(udp, 0)
	t.Cleanup(func() { _ = conn.Close() })
	e, err := NewEngine(Config{UDP: conn, IncludeLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.udp == nil || e.batches() == nil {
		t.Fatal("setup: an engine on a udpbatch.Conn has no direct path")
	}
	return e
}

// directRig is one server Peer subscribed to one published video track,
// and the pion client that receives it.
type directRig struct {
	peer   *Peer
	recv   *sfu.Receiver
	down   *sfu.DownTrack
	stats  *sfu.Stats
	client *webrtc.PeerConnection

	track   chan *webrtc.TrackRemote
	pkts    chan *rtp.Packet
	reports chan *rtcp.SenderReport
	offers  chan string // the server's later subscriber offers
}

// newDirectRig connects one subscriber to a new engine's video Receiver;
// see subscribe.
func newDirectRig(t *testing.T, configure func(*webrtc.SettingEngine, *webrtc.Configuration)) *directRig {
	t.Helper()
	e := newDirectEngine(t)
	return subscribe(t, e, newDirectReceiver(t, e), "PA_sub", configure)
}

const camTrackID = "TR_cam"

// newDirectReceiver is a published video track, its Receiver built like
// Peer.onTrack builds one.
func newDirectReceiver(t *testing.T, e *Engine) *sfu.Receiver {
	t.Helper()
	r := sfu.NewReceiver(sfu.ReceiverConfig{
		TrackID: camTrackID, StreamID: "PA_pub", Kind: webrtc.RTPCodecTypeVideo,
		Codec: webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
			PayloadType:        96,
		},
		SSRC:     0xABCD,
		Stats:    e.Stats(),
		Logger:   e.cfg.Logger,
		NewBatch: e.batches(),
	})
	t.Cleanup(r.Close)
	return r
}

// subscribe connects a new Peer id of e, subscribed to r, and a pion
// client: its settings are the defaults plus loopback candidates over
// UDP4, then whatever configure changes. It returns once the server has
// decided the connection's SRTP path and the DownTrack is bound.
func subscribe(t *testing.T, e *Engine, r *sfu.Receiver, id string, configure func(*webrtc.SettingEngine, *webrtc.Configuration)) *directRig {
	t.Helper()
	h := &trickleHandler{offers: make(chan string, 8)}
	p, err := e.NewPeer(id, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if p.secrets == nil {
		t.Fatal("setup: the subscriber connection does not capture its DTLS secrets")
	}
	bound := r.DownTracks()

	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	var cfg webrtc.Configuration
	if configure != nil {
		configure(&se, &cfg)
	}
	client, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })

	rig := &directRig{
		peer: p, recv: r, stats: e.Stats(), client: client,
		track:   make(chan *webrtc.TrackRemote, 1),
		pkts:    make(chan *rtp.Packet, 4096),
		reports: make(chan *rtcp.SenderReport, 64),
		offers:  h.offers,
	}
	client.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = p.AddCandidate(Subscriber, c.ToJSON())
		}
	})
	client.OnTrack(func(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		rig.track <- tr
		go func() {
			for {
				pkts, _, err := recv.ReadRTCP()
				if err != nil {
					return
				}
				for _, p := range pkts {
					if sr, ok := p.(*rtcp.SenderReport); ok {
						select {
						case rig.reports <- sr:
						default:
						}
					}
				}
			}
		}()
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			select {
			case rig.pkts <- p:
			default:
			}
		}
	})

	if err := p.Subscribe(r); err != nil {
		t.Fatal(err)
	}
	offer := testkit.Receive(t, h.offers, "the subscriber offer")
	if err := client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	h.ready(client)
	answer, err := client.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	if err := p.HandleAnswer(answer.SDP); err != nil {
		t.Fatal(err)
	}

	p.mu.Lock()
	rig.down = p.downs[camTrackID].down
	p.mu.Unlock()
	testkit.Eventually(t, "the subscriber's SRTP path to be decided", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.decided
	})
	// Packets reach a DownTrack only once pion has bound it.
	testkit.Eventually(t, "the DownTrack to be bound", func() bool { return r.DownTracks() == bound+1 })
	return rig
}

// publisherPacket is packet i of the published stream as the server
// receives it from a browser: a header extension of the publisher's
// session, CSRCs on some packets, padding on others.
func publisherPacket(t *testing.T, seq uint16, i int) (raw []byte, sent sentPacket) {
	t.Helper()
	payload := make([]byte, 900+i%100)
	binary.BigEndian.PutUint16(payload, seq)
	for j := 2; j < len(payload); j++ {
		payload[j] = byte(j*31 + i)
	}
	p := &rtp.Packet{
		Header: rtp.Header{
			Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: 90000 + uint32(i)*3000,
			SSRC: 0xABCD, Marker: i%5 == 4,
		},
		Payload: payload,
	}
	if i%7 == 3 {
		p.CSRC = []uint32{0xC5C5}
	}
	if i%10 == 6 {
		p.Padding, p.PaddingSize = true, 4
	}
	if err := p.SetExtension(3, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw, sentPacket{payload: payload, padding: p.PaddingSize, csrc: p.CSRC}
}

type sentPacket struct {
	payload []byte
	padding byte
	csrc    []uint32
}

// publish writes n packets from seq first into the Receiver, paced so that
// loopback loses none, and returns what the client should receive.
func (rig *directRig) publish(t *testing.T, first uint16, n int) map[uint16]sentPacket {
	t.Helper()
	sent := make(map[uint16]sentPacket, n)
	for i := range n {
		seq := first + uint16(i)
		raw, want := publisherPacket(t, seq, i)
		if err := rig.recv.WritePacket(raw); err != nil {
			t.Fatal(err)
		}
		sent[seq] = want
		time.Sleep(time.Millisecond) // pacing, not a wait: a slower pace loses nothing either
	}
	return sent
}

// receive reads packets until every one of sent has arrived, checking each
// is intact and carries the negotiated SSRC and payload type; seen counts
// the arrivals of each sequence number.
func (rig *directRig) receive(t *testing.T, tr *webrtc.TrackRemote, sent map[uint16]sentPacket, seen map[uint16]int) {
	t.Helper()
	missing := len(sent)
	for seq := range sent {
		if seen[seq] > 0 {
			missing--
		}
	}
	timeout := time.After(testkit.DefaultWait())
	for missing > 0 {
		select {
		case p := <-rig.pkts:
			checkReceived(t, tr, p, sent)
			if seen[p.SequenceNumber] == 0 {
				missing--
			}
			seen[p.SequenceNumber]++
		case <-timeout:
			t.Fatalf("gave up after %s waiting for packets: the client received %d of %d", testkit.DefaultWait(), len(sent)-missing, len(sent))
		}
	}
}

func checkReceived(t *testing.T, tr *webrtc.TrackRemote, p *rtp.Packet, sent map[uint16]sentPacket) {
	t.Helper()
	want, ok := sent[p.SequenceNumber]
	if !ok {
		t.Fatalf("unexpected sequence number %d", p.SequenceNumber)
	}
	if !bytes.Equal(p.Payload, want.payload) || p.PaddingSize != want.padding {
		t.Fatalf("packet %d arrived altered (payload equal: %v, padding %d want %d)",
			p.SequenceNumber, bytes.Equal(p.Payload, want.payload), p.PaddingSize, want.padding)
	}
	if p.SSRC != uint32(tr.SSRC()) || p.PayloadType != uint8(tr.PayloadType()) {
		t.Fatalf("packet %d has SSRC/PT %d/%d, negotiated %d/%d",
			p.SequenceNumber, p.SSRC, p.PayloadType, tr.SSRC(), tr.PayloadType())
	}
	if len(p.Extensions) != 0 || len(p.CSRC) != len(want.csrc) || (len(p.CSRC) == 1 && p.CSRC[0] != want.csrc[0]) {
		// (pion's own path may add an empty extension block: RFC 9335
		// inserts one to encrypt the CSRCs.)
		t.Fatalf("packet %d: header extensions %v, CSRCs %v (want none and %v)", p.SequenceNumber, p.Extensions, p.CSRC, want.csrc)
	}
}

func (rig *directRig) remoteTrack(t *testing.T) *webrtc.TrackRemote {
	t.Helper()
	return testkit.Receive(t, rig.track, "the client to see the track")
}

func TestDirectPathEndToEnd(t *testing.T) {
	t.Parallel()
	rig := newDirectRig(t, nil)
	if !rig.down.Direct() {
		t.Fatal("DownTrack.Direct() = false: the subscriber's media does not take the direct path")
	}
	if n := rig.stats.PionPathConnections(); n != 0 {
		t.Errorf("PionPathConnections = %d on the direct path, want 0", n)
	}
	rig.peer.mu.Lock()
	path := rig.peer.direct
	rig.peer.mu.Unlock()
	if path == nil || path.to.Load() == nil {
		t.Fatal("no direct path to the subscriber's address")
	}

	const n = 100
	sent := rig.publish(t, 65500, n) // through the sequence number wrap
	tr := rig.remoteTrack(t)
	seen := map[uint16]int{}
	rig.receive(t, tr, sent, seen)

	if got := rig.stats.PacketsDirect(); got != n {
		t.Errorf("PacketsDirect = %d, want %d", got, n)
	}
	if got := rig.stats.PacketsForwarded(); got != n {
		t.Errorf("PacketsForwarded = %d, want %d", got, n)
	}
	if !rig.down.Direct() {
		t.Error("the DownTrack left the direct path")
	}

	// A sender report for the track, once all is sent, counts it all.
	var octets uint32
	for _, s := range sent {
		octets += uint32(len(s.payload))
	}
	timeout := time.After(testkit.DefaultWait())
	for {
		select {
		case sr := <-rig.reports:
			if sr.SSRC != uint32(tr.SSRC()) {
				t.Fatalf("sender report for SSRC %d, the track is %d", sr.SSRC, tr.SSRC())
			}
			if sr.PacketCount == 0 || sr.PacketCount > n {
				t.Fatalf("sender report counts %d packets of %d", sr.PacketCount, n)
			}
			if sr.PacketCount == n {
				if sr.OctetCount != octets {
					t.Errorf("sender report counts %d octets, want %d", sr.OctetCount, octets)
				}
				return
			}
		case <-timeout:
			t.Fatalf("gave up after %s waiting for a sender report counting every packet", testkit.DefaultWait())
		}
	}
}

// TestPassiveAnswerKeepsPionPath: a client that answers as the DTLS server
// makes the server the DTLS client, which never sees its own ServerHello:
// the connection keeps pion's SRTP path, and media still flows.
func TestPassiveAnswerKeepsPionPath(t *testing.T) {
	t.Parallel()
	rig := newDirectRig(t, func(se *webrtc.SettingEngine, _ *webrtc.Configuration) {
		if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleServer); err != nil {
			t.Fatal(err)
		}
	})
	if rig.down.Direct() {
		t.Fatal("the DownTrack took the direct path without the server's keys")
	}
	rig.peer.mu.Lock()
	path := rig.peer.direct
	rig.peer.mu.Unlock()
	if path != nil {
		t.Fatal("a direct path was set up")
	}
	if n := rig.stats.PionPathConnections(); n != 1 {
		t.Errorf("PionPathConnections = %d, want 1", n)
	}
	rig.peer.secrets.mu.Lock()
	ms := rig.peer.secrets.masterSecret
	rig.peer.secrets.mu.Unlock()
	if ms != nil {
		t.Error("the captured master secret outlives the path decision")
	}

	const n = 60
	sent := rig.publish(t, 1000, n)
	tr := rig.remoteTrack(t)
	rig.receive(t, tr, sent, map[uint16]int{})
	if got := rig.stats.PacketsDirect(); got != 0 {
		t.Errorf("PacketsDirect = %d, want 0", got)
	}
	if got := rig.stats.PacketsForwarded(); got != n {
		t.Errorf("PacketsForwarded = %d, want %d", got, n)
	}
}

// TestDirectPathRetransmits: a NACK from the client is answered on the
// direct path with the cached packet, which the client can decrypt.
//
// pion's receiver enables SRTP replay protection by default, and a
// retransmission under the original sequence number (no RTX stream is
// negotiated) is exactly a replay to it: it would be dropped before the
// track reader sees it. The client here disables replay protection so the
// duplicate is readable, which proves it was sealed with the right
// rollover counter and key.
func TestDirectPathRetransmits(t *testing.T) {
	t.Parallel()
	rig := newDirectRig(t, func(se *webrtc.SettingEngine, _ *webrtc.Configuration) {
		se.DisableSRTPReplayProtection(true)
	})
	if !rig.down.Direct() {
		t.Fatal("DownTrack.Direct() = false")
	}
	const first, n = 65530, 20
	sent := rig.publish(t, first, n)
	tr := rig.remoteTrack(t)
	seen := map[uint16]int{}
	rig.receive(t, tr, sent, seen)
	for seq, c := range seen {
		if c != 1 {
			t.Fatalf("seq %d arrived %d times before any NACK", seq, c)
		}
	}

	nacked := []uint16{65533, 4, 6} // both sides of the wrap
	nacksBefore, rtxBefore := rig.stats.NACKsReceived(), rig.stats.PacketsRetransmitted()
	err := rig.client.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{
		SenderSSRC: 1, MediaSSRC: uint32(tr.SSRC()), Nacks: rtcp.NackPairsFromSequenceNumbers(nacked),
	}})
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(testkit.DefaultWait())
	for again := 0; again < len(nacked); {
		select {
		case p := <-rig.pkts:
			checkReceived(t, tr, p, sent)
			seen[p.SequenceNumber]++
			if seen[p.SequenceNumber] == 2 {
				again++
			}
		case <-timeout:
			t.Fatalf("gave up waiting for the retransmissions: received %v (NACKs %d, retransmitted %d)", seen,
				rig.stats.NACKsReceived()-nacksBefore, rig.stats.PacketsRetransmitted()-rtxBefore)
		}
	}
	for _, seq := range nacked {
		if seen[seq] != 2 {
			t.Errorf("seq %d arrived %d times, want 2", seq, seen[seq])
		}
	}
	if got := rig.stats.PacketsRetransmitted() - rtxBefore; got != uint64(len(nacked)) {
		t.Errorf("PacketsRetransmitted grew by %d, want %d", got, len(nacked))
	}
	if got := rig.stats.PacketsDirect(); got != n {
		t.Errorf("PacketsDirect = %d, want %d (retransmissions are not counted)", got, n)
	}
}

// TestSubscriberOfferHasNoCryptex: pion negotiates RFC 9335 header
// encryption ("cryptex") by default. The server's subscriber offers leave
// it out, so pion's path and the direct path seal packets alike: packets
// that carry CSRCs reach a client that would accept cryptex (pion's
// default) intact, CSRCs included, on either path.
func TestSubscriberOfferHasNoCryptex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		passive bool // the client answers as DTLS server: pion's path
	}{
		{"pion path", true},
		{"direct path", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := newDirectRig(t, func(se *webrtc.SettingEngine, cfg *webrtc.Configuration) {
				cfg.RTPHeaderEncryptionPolicy = webrtc.RTPHeaderEncryptionPolicyNegotiate
				if tc.passive {
					if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleServer); err != nil {
						t.Fatal(err)
					}
				}
			})
			if rig.down.Direct() == tc.passive {
				t.Fatalf("setup: Direct() = %v", rig.down.Direct())
			}
			if d := rig.peer.sub.LocalDescription(); d == nil || strings.Contains(d.SDP, "a=cryptex") {
				t.Fatalf("the subscriber offer negotiates cryptex: %v", d)
			}
			const n = 30 // packets 3, 10, 17 and 24 carry a CSRC
			sent := rig.publish(t, 2000, n)
			tr := rig.remoteTrack(t)
			seen := map[uint16]int{}
			timeout := time.After(testkit.DefaultWait())
		read:
			for len(seen) < n {
				select {
				case p := <-rig.pkts:
					checkReceived(t, tr, p, sent)
					seen[p.SequenceNumber]++
				case <-timeout:
					break read
				}
			}
			var lost []int
			for seq := range sent {
				if seen[seq] == 0 {
					lost = append(lost, int(seq))
				}
			}
			sort.Ints(lost)
			if len(lost) > 0 {
				t.Errorf("%d packets never arrived: %v", len(lost), lost)
			}
		})
	}
}

// TestDirectPathTwoSubscribers: two subscriber connections of one engine
// each derive their own keys (their DTLS hooks are not shared), and one
// Receiver's batch carries both.
func TestDirectPathTwoSubscribers(t *testing.T) {
	t.Parallel()
	e := newDirectEngine(t)
	r := newDirectReceiver(t, e)
	a := subscribe(t, e, r, "PA_a", nil)
	b := subscribe(t, e, r, "PA_b", nil)
	if !a.down.Direct() || !b.down.Direct() {
		t.Fatalf("Direct() = %v, %v", a.down.Direct(), b.down.Direct())
	}
	a.peer.mu.Lock()
	b.peer.mu.Lock()
	sameKey := bytes.Equal(a.peer.direct.key, b.peer.direct.key)
	b.peer.mu.Unlock()
	a.peer.mu.Unlock()
	if sameKey {
		t.Fatal("two subscriber connections have the same SRTP key")
	}
	const n = 50
	sent := a.publish(t, 300, n)
	for _, rig := range []*directRig{a, b} {
		rig.receive(t, rig.remoteTrack(t), sent, map[uint16]int{})
	}
	if got := e.Stats().PacketsDirect(); got != 2*n {
		t.Errorf("PacketsDirect = %d, want %d", got, 2*n)
	}
}

// TestDirectWritersNeverShareAnSSRC: two DownTracks of one connection that
// end up with the same SSRC would each keep a rollover counter and could
// seal two packets under one nonce; the second writer is refused.
func TestDirectWritersNeverShareAnSSRC(t *testing.T) {
	path := &directPath{profile: srtp.ProtectionProfileAeadAes128Gcm,
		key: bytes.Repeat([]byte{1}, 16), salt: bytes.Repeat([]byte{2}, 12)}
	to := netip.MustParseAddrPort("127.0.0.1:9")
	path.to.Store(&to)
	first, err := path.writer()
	if err != nil {
		t.Fatal(err)
	}
	second, err := path.writer()
	if err != nil {
		t.Fatal(err)
	}
	pkt := func(ssrc uint32, seq uint16) []byte {
		b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: ssrc}, Payload: []byte{1, 2, 3}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, _, ok := first.SealRTP(nil, pkt(0xAAAA, 1)); !ok {
		t.Fatal("the first writer of an SSRC was refused")
	}
	if _, _, ok := second.SealRTP(nil, pkt(0xAAAA, 1)); ok {
		t.Fatal("a second writer sealed an SSRC the first one owns")
	}
	if err := second.WriteRTP(pkt(0xAAAA, 2)); !errors.Is(err, errSSRCInUse) {
		t.Fatalf("a second writer's retransmission: %v, want errSSRCInUse", err)
	}
	if _, _, ok := second.SealRTP(nil, pkt(0xBBBB, 1)); !ok {
		t.Fatal("the second writer was refused an SSRC of its own")
	}
	if _, _, ok := first.SealRTP(nil, pkt(0xAAAA, 2)); !ok {
		t.Fatal("the first writer lost its SSRC")
	}
}

// TestLeavingTheDirectPath: when the subscriber's selected pair moves to
// one the media socket cannot reach (here ICE-TCP), its subscriptions move
// to pion's path on new senders with new SSRCs, after a renegotiation, and
// media keeps flowing; the participant is not dropped.
func TestLeavingTheDirectPath(t *testing.T) {
	t.Parallel()
	rig := newDirectRig(t, nil)
	before := rig.publish(t, 100, 20)
	first := rig.remoteTrack(t)
	rig.receive(t, first, before, map[uint16]int{})
	if !rig.down.Direct() {
		t.Fatal("setup: not on the direct path")
	}
	rig.peer.pairChanged(&webrtc.ICECandidatePair{
		Local:  &webrtc.ICECandidate{Protocol: webrtc.ICEProtocolTCP, Address: "127.0.0.1", Port: 7881, Typ: webrtc.ICECandidateTypeHost},
		Remote: &webrtc.ICECandidate{Protocol: webrtc.ICEProtocolTCP, Address: "127.0.0.1", Port: 50000, Typ: webrtc.ICECandidateTypeHost},
	})
	offer := testkit.Receive(t, rig.offers, "a renegotiation after leaving the direct path")
	if err := rig.client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	answer, err := rig.client.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rig.client.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	if err := rig.peer.HandleAnswer(answer.SDP); err != nil {
		t.Fatal(err)
	}
	// The offer may have covered the removal only; answer any follow-up.
	go func() {
		for offer := range rig.offers {
			if rig.client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}) != nil {
				return
			}
			a, err := rig.client.CreateAnswer(nil)
			if err != nil || rig.client.SetLocalDescription(a) != nil {
				return
			}
			_ = rig.peer.HandleAnswer(a.SDP)
		}
	}()
	var down *sfu.DownTrack
	testkit.Eventually(t, "a new subscription", func() bool {
		rig.peer.mu.Lock()
		defer rig.peer.mu.Unlock()
		s, ok := rig.peer.downs[camTrackID]
		if ok && s.down != rig.down {
			down = s.down
		}
		return down != nil
	})
	if down.Direct() {
		t.Fatal("the new subscription is on the direct path")
	}
	if n := rig.stats.PionPathConnections(); n != 1 {
		t.Errorf("PionPathConnections = %d after leaving the direct path, want 1", n)
	}
	directBefore := rig.stats.PacketsDirect()
	droppedBefore := rig.stats.PacketsDropped()
	testkit.Eventually(t, "the new DownTrack to be bound", func() bool { return rig.recv.DownTracks() == 1 && down.Receiver() == rig.recv })
	// pion reports a track when its first packet arrives.
	sent := rig.publish(t, 7000, 40)
	second := rig.remoteTrack(t)
	if second.SSRC() == first.SSRC() {
		t.Fatalf("the new sender reuses SSRC %d", first.SSRC())
	}
	seen := map[uint16]int{}
	timeout := time.After(testkit.DefaultWait())
	for len(seen) < len(sent) {
		select {
		case p := <-rig.pkts:
			if p.SSRC != uint32(second.SSRC()) {
				continue // a straggler from the old track
			}
			checkReceived(t, second, p, sent)
			seen[p.SequenceNumber]++
		case <-timeout:
			var missing []uint16
			for seq := range sent {
				if seen[seq] == 0 {
					missing = append(missing, seq)
				}
			}
			slices.Sort(missing)
			// Whether the server dropped the packet or the network lost it.
			t.Fatalf("gave up waiting for packets: the client received %d of %d on pion's path; missing %v; the server dropped %d",
				len(seen), len(sent), missing, rig.stats.PacketsDropped()-droppedBefore)
		}
	}
	if got := rig.stats.PacketsDirect(); got != directBefore {
		t.Errorf("PacketsDirect grew by %d after leaving the direct path", got-directBefore)
	}
	if lost := rig.peer.handler.(*trickleHandler).lostCount(); lost != 0 {
		t.Errorf("the connection was reported lost %d times", lost)
	}
}
