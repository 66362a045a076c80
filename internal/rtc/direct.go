package rtc

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/internal/udpbatch"
)

// The direct SRTP path.
//
// pion writes each forwarded packet through the subscriber's interceptor
// chain, its SRTP session, the DTLS/SRTP mux and the ICE connection before
// it reaches the socket; at hundreds of subscribers those layers cost more
// than the encryption. The direct path seals the packet with the
// subscriber's SRTP context straight into a sendmmsg batch
// (internal/udpbatch), on the Receiver's goroutine.
//
// It needs the subscriber's SRTP master key, which pion derives from the
// DTLS handshake and keeps to itself. Conclave derives the same key the
// same way (RFC 5764 section 4.2: the TLS exporter with the label
// "EXTRACTOR-dtls_srtp") from what two public pion hooks show of the
// handshake, on each subscriber PeerConnection's own settings:
//
//   - the DTLS key-log writer, which receives the client random and the
//     master secret (the NSS key log format);
//   - the ServerHello hook, which sees the server random, the chosen cipher
//     suite (whose hash the exporter uses) and the chosen SRTP profile.
//
// The server offers the subscriber connection with a=setup:actpass and
// clients answer active, so the server is the DTLS server and sees the
// ServerHello it sends. When anything is missing or unknown (a client that
// answered passive, an unfamiliar cipher suite or SRTP profile, an ICE-TCP
// path, a remote address that is not an IP) the connection keeps pion's
// path. The secrets are wiped once the key is derived, and never logged.

// dtlsSecrets collects one subscriber PeerConnection's handshake secrets.
type dtlsSecrets struct {
	mu           sync.Mutex
	clientRandom []byte
	masterSecret []byte
	serverRandom []byte
	suite        uint16
	profile      srtp.ProtectionProfile
}

var keyLogLabel = []byte("CLIENT_RANDOM")

// Write receives pion's key-log line: "CLIENT_RANDOM <hex> <hex>\n".
func (s *dtlsSecrets) Write(p []byte) (int, error) {
	f := bytes.Fields(p)
	if len(f) != 3 || !bytes.Equal(f[0], keyLogLabel) {
		return len(p), nil // not a line we use
	}
	cr := make([]byte, hex.DecodedLen(len(f[1])))
	ms := make([]byte, hex.DecodedLen(len(f[2])))
	if _, err := hex.Decode(cr, f[1]); err != nil {
		return len(p), nil
	}
	if _, err := hex.Decode(ms, f[2]); err != nil {
		clear(ms)
		return len(p), nil
	}
	s.mu.Lock()
	clear(s.masterSecret)
	s.clientRandom, s.masterSecret = cr, ms
	s.mu.Unlock()
	return len(p), nil
}

// serverHello is the ServerHello hook: it records what the exporter needs
// and returns the message unchanged.
func (s *dtlsSecrets) serverHello(m handshake.MessageServerHello) handshake.Message {
	random := m.Random.MarshalFixed()
	s.mu.Lock()
	s.serverRandom = random[:]
	s.suite = 0
	if m.CipherSuiteID != nil {
		s.suite = *m.CipherSuiteID
	}
	s.profile = 0
	for _, e := range m.Extensions {
		if u, ok := e.(*extension.UseSRTP); ok && len(u.ProtectionProfiles) == 1 {
			s.profile = srtp.ProtectionProfile(u.ProtectionProfiles[0])
		}
	}
	s.mu.Unlock()
	return &m
}

var errNoDirectPath = errors.New("rtc: no direct SRTP path")

// wipe forgets the handshake secrets, for a connection closed before its
// path was decided.
func (s *dtlsSecrets) wipe() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.masterSecret)
	s.masterSecret = nil
}

// prfHash is the TLS 1.2 PRF hash of the cipher suites pion negotiates.
func prfHash(suite uint16) func() hash.Hash {
	switch suite {
	case 0xC02B, 0xC02F, // ECDHE_{ECDSA,RSA}_WITH_AES_128_GCM_SHA256
		0xCCA9, 0xCCA8, // ECDHE_{ECDSA,RSA}_WITH_CHACHA20_POLY1305_SHA256
		0xC00A, 0xC014, // ECDHE_{ECDSA,RSA}_WITH_AES_256_CBC_SHA (TLS 1.2 PRF: SHA-256)
		0xC0AC, 0xC0AE: // ECDHE_ECDSA_WITH_AES_128_CCM{,_8}
		return sha256.New
	case 0xC02C, 0xC030: // ECDHE_{ECDSA,RSA}_WITH_AES_256_GCM_SHA384
		return sha512.New384
	}
	return nil
}

// sendKeys derives the server's SRTP master key and salt, and wipes the
// handshake secrets.
func (s *dtlsSecrets) sendKeys() (srtp.ProtectionProfile, []byte, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { clear(s.masterSecret); s.masterSecret = nil }()
	h := prfHash(s.suite)
	if h == nil || len(s.masterSecret) == 0 || len(s.clientRandom) != 32 || len(s.serverRandom) != 32 {
		return 0, nil, nil, errNoDirectPath
	}
	switch s.profile {
	case srtp.ProtectionProfileAeadAes128Gcm, srtp.ProtectionProfileAeadAes256Gcm,
		srtp.ProtectionProfileAes128CmHmacSha1_80, srtp.ProtectionProfileAes128CmHmacSha1_32:
	default:
		return 0, nil, nil, errNoDirectPath
	}
	cfg := srtp.Config{Profile: s.profile}
	ex := exporter{secret: s.masterSecret, clientRandom: s.clientRandom, serverRandom: s.serverRandom, hash: h}
	if err := cfg.ExtractSessionKeysFromDTLS(ex, false); err != nil {
		return 0, nil, nil, err
	}
	return s.profile, cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, nil
}

// exporter is the TLS 1.2 keying material exporter (RFC 5705) without a
// context value, which is what DTLS-SRTP uses.
type exporter struct {
	secret, clientRandom, serverRandom []byte
	hash                               func() hash.Hash
}

func (e exporter) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if len(context) != 0 {
		return nil, errors.New("rtc: exporter context is not supported")
	}
	seed := make([]byte, 0, len(label)+64)
	seed = append(append(append(seed, label...), e.clientRandom...), e.serverRandom...)
	return prf.PHash(e.secret, seed, length, e.hash)
}

// directPath is one subscriber PeerConnection's direct SRTP path: its send
// key and where its media goes.
type directPath struct {
	udp     *udpbatch.Conn
	profile srtp.ProtectionProfile
	key     []byte
	salt    []byte
	to      atomic.Pointer[netip.AddrPort] // nil: no UDP path to the subscriber

	mu    sync.Mutex
	ssrcs map[uint32]*directWriter // which writer sealed each SSRC first
}

// claim records that w seals SSRC ssrc under this connection's key, and
// reports false if another writer already has. Each writer keeps its own
// rollover counter, so two writers on one SSRC (pion drawing the same
// random SSRC twice in one connection) could seal two packets under one
// nonce; the second writer is refused instead, and its track stays silent.
func (d *directPath) claim(ssrc uint32, w *directWriter) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ssrcs == nil {
		d.ssrcs = make(map[uint32]*directWriter)
	}
	if owner, ok := d.ssrcs[ssrc]; ok {
		return owner == w
	}
	d.ssrcs[ssrc] = w
	return true
}

// setPair points the path at the selected ICE candidate pair's remote
// address, and reports false if that is not a UDP address the server's
// media socket can send to.
func (d *directPath) setPair(pair *webrtc.ICECandidatePair) bool {
	to, ok := udpRemote(pair)
	if !ok {
		d.to.Store(nil)
		return false
	}
	d.to.Store(&to)
	return true
}

func udpRemote(pair *webrtc.ICECandidatePair) (netip.AddrPort, bool) {
	if pair == nil || pair.Remote == nil || pair.Local == nil ||
		pair.Remote.Protocol != webrtc.ICEProtocolUDP || pair.Local.Protocol != webrtc.ICEProtocolUDP ||
		pair.Local.Typ == webrtc.ICECandidateTypeRelay {
		return netip.AddrPort{}, false
	}
	ip, err := netip.ParseAddr(pair.Remote.Address)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), pair.Remote.Port), true
}

// writer returns a DirectWriter for one DownTrack: its own SRTP state
// (one SSRC each) over the shared key.
func (d *directPath) writer() (*directWriter, error) {
	s, err := newSealer(d.profile, d.key, d.salt)
	if err != nil {
		return nil, err
	}
	return &directWriter{path: d, sealer: s}, nil
}

// directWriter implements sfu.DirectWriter for one DownTrack. The mutex
// serialises the Receiver's goroutine and retransmissions on one SRTP
// state.
type directWriter struct {
	path   *directPath
	mu     sync.Mutex
	sealer sealer
	ssrc   uint32 // the SSRC this writer has claimed, valid when claimed
	owns   bool
	buf    []byte // WriteRTP's output
}

// sealLocked seals pkt into dst after checking that this writer owns the
// packet's SSRC. Called with w.mu held.
func (w *directWriter) sealLocked(dst, pkt []byte) ([]byte, error) {
	if len(pkt) < 12 {
		return nil, errors.New("rtc: not an RTP packet")
	}
	ssrc := binary.BigEndian.Uint32(pkt[8:12])
	if !w.owns || ssrc != w.ssrc {
		if !w.path.claim(ssrc, w) {
			return nil, errSSRCInUse
		}
		w.ssrc, w.owns = ssrc, true
	}
	return w.sealer.seal(dst, pkt)
}

var errSSRCInUse = errors.New("rtc: SSRC already sealed by another track of this connection")

func (w *directWriter) SealRTP(dst, pkt []byte) ([]byte, netip.AddrPort, bool) {
	to := w.path.to.Load()
	if to == nil {
		return nil, netip.AddrPort{}, false
	}
	w.mu.Lock()
	out, err := w.sealLocked(dst, pkt)
	w.mu.Unlock()
	if err != nil {
		return nil, netip.AddrPort{}, false
	}
	return out, *to, true
}

func (w *directWriter) WriteRTP(pkt []byte) error {
	to := w.path.to.Load()
	if to == nil {
		return errNoDirectPath
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf == nil {
		w.buf = make([]byte, 0, udpbatch.BatchBufferSize)
	}
	out, err := w.sealLocked(w.buf[:0], pkt)
	if err != nil {
		return err
	}
	_, err = w.path.udp.WriteToAddrPort(out, *to)
	return err
}

// decidePath chooses the subscriber connection's SRTP path once it is up
// (ICE and DTLS done): direct when its keys could be derived and the
// selected candidate pair is UDP, pion's otherwise. Held DownTracks are
// released onto it; each then asks its publisher for a key frame, the first
// moment one can reach this subscriber.
func (p *Peer) decidePath() {
	p.mu.Lock()
	decided := p.decided
	p.mu.Unlock()
	if decided {
		return
	}
	var path *directPath
	err := errNoDirectPath
	if p.secrets != nil {
		var profile srtp.ProtectionProfile
		var key, salt []byte
		profile, key, salt, err = p.secrets.sendKeys()
		if err == nil {
			path = &directPath{udp: p.engine.udp, profile: profile, key: key, salt: salt}
		}
	}
	current, _ := p.sub.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.decided {
		return
	}
	// A change reported while the key was derived wins over what was read.
	if p.pair != nil {
		current = p.pair
	}
	if path != nil && !path.setPair(current) {
		path = nil
	}
	p.decided = true
	p.direct = path
	for _, s := range p.downs {
		p.applyPath(s.down)
	}
	if path == nil {
		p.engine.cfg.Stats.CountPionPathConnection()
		p.engine.cfg.Logger.Debug("subscriber media takes pion's SRTP path", "participant", p.id, "err", err)
	}
}

// applyPath releases a held DownTrack onto the decided path. Called with
// p.mu held, after decidePath.
func (p *Peer) applyPath(d *sfu.DownTrack) {
	if p.direct == nil {
		d.SetDirect(nil)
		return
	}
	w, err := p.direct.writer()
	if err != nil {
		p.engine.cfg.Logger.Warn("direct SRTP writer", "participant", p.id, "err", err)
		d.SetDirect(nil)
		return
	}
	d.SetDirect(w)
}

// pairChanged follows the subscriber's selected ICE candidate pair. A
// direct path cannot move to a pair the media socket cannot reach (an
// ICE-TCP pair, or a remote host known only by its mDNS name after an ICE
// restart): the connection then leaves the direct path.
func (p *Peer) pairChanged(pair *webrtc.ICECandidatePair) {
	p.mu.Lock()
	p.pair = pair
	path, closed := p.direct, p.closed
	p.mu.Unlock()
	if path == nil || closed || path.setPair(pair) {
		return
	}
	desc := "none"
	if pair != nil {
		desc = pair.String()
	}
	p.engine.cfg.Logger.Info("subscriber media leaves the direct SRTP path", "participant", p.id, "pair", desc)
	// Not on pion's ICE goroutine, which renegotiation would wait on.
	go p.leaveDirectPath()
}

// leaveDirectPath moves every subscription to pion's path. A DownTrack
// never changes path (see sfu.DirectWriter), so each is replaced by a new
// one with a new sender and a new SSRC, and the connection is
// renegotiated: the subscriber sees each track end and start again, and
// no SRTP nonce can be shared between the two paths.
func (p *Peer) leaveDirectPath() {
	p.mu.Lock()
	if p.closed || p.direct == nil {
		p.mu.Unlock()
		return
	}
	p.direct = nil // what is subscribed from now on takes pion's path
	p.engine.cfg.Stats.CountPionPathConnection()
	ids := make([]string, 0, len(p.downs))
	receivers := make([]*sfu.Receiver, 0, len(p.downs))
	for id, s := range p.downs {
		ids = append(ids, id)
		receivers = append(receivers, s.down.Receiver())
	}
	p.mu.Unlock()
	for _, id := range ids {
		p.Unsubscribe(id)
	}
	if err := p.Subscribe(receivers...); err != nil && !errors.Is(err, ErrClosed) {
		p.engine.cfg.Logger.Warn("resubscribe on pion's SRTP path", "participant", p.id, "err", err)
	}
}
