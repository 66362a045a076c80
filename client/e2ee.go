package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/protocol"
)

// End-to-end encryption (docs/e2ee.md). With an identity (WithE2EE or
// WithE2EEIdentityFile) the client announces its keys in join; when the
// room requires E2EE it runs an e2ee.Session: it feeds it the room's
// membership and the e2ee messages it receives, sends what the session
// returns, and switches keys when the session's deadline passes. The
// session lives as long as the Client, across resumes: a resumed session
// keeps its participant id, so it keeps its keys and does not announce
// again.

// Errors of end-to-end encryption.
var (
	// ErrNotEncrypted: the room requires end-to-end encryption and the
	// track is not a *SampleTrack, or its codec is not VP8 or Opus. The
	// client refuses to send it rather than let the server see it.
	ErrNotEncrypted = errors.New("client: the room requires end-to-end encryption; publish a *SampleTrack of VP8 or Opus")
	// ErrE2EENotOffered: WithE2EERequired was given and the server
	// answered that the room does not use end-to-end encryption.
	ErrE2EENotOffered = errors.New("client: the server says the room is not end-to-end encrypted, and WithE2EERequired refuses that")
	// ErrTokenClaims: the join token's payload does not name a room and
	// an identity, which the E2EE announcement is bound to.
	ErrTokenClaims = errors.New("client: the join token has no room and sub claims")
)

// MaxSealOverhead is the most a sealed data message adds to its payload:
// version and type, the SFrame header, the tag and the signature.
const MaxSealOverhead = 2 + e2ee.MaxHeaderLen + 16 + e2ee.SignatureLen

// e2eeState is the client's end-to-end encryption: sess is set at Connect
// when the room requires it and never changes after, so it is read
// without a lock.
type e2eeState struct {
	sess *e2ee.Session
	wake chan struct{} // the session's deadline may have moved
}

// tokenClaims reads the room and sub claims of a JWT without verifying it:
// the announcement is signed over the claims the server will check.
func tokenClaims(tok string) (room, sub string, err error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(tok) > protocol.MaxTokenBytes {
		return "", "", ErrTokenClaims
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", "", ErrTokenClaims
	}
	var c struct {
		Room string `json:"room"`
		Sub  string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Room == "" || c.Sub == "" {
		return "", "", ErrTokenClaims
	}
	return c.Room, c.Sub, nil
}

// newE2EESession makes the session a join announces: a fresh KEM key for
// this session, bound to the token's room and identity.
func newE2EESession(id *e2ee.Identity, tok string) (*e2ee.Session, error) {
	room, sub, err := tokenClaims(tok)
	if err != nil {
		return nil, err
	}
	kem, err := e2ee.NewKEMKey()
	if err != nil {
		return nil, fmt.Errorf("client: KEM key: %w", err)
	}
	return e2ee.NewSession(e2ee.SessionConfig{Room: room, Identity: sub, ID: id, KEM: kem})
}

// announcement is the wire form of the session's announcement.
func announcement(s *e2ee.Session) *protocol.E2EEKeys {
	a := s.Announcement()
	return &protocol.E2EEKeys{IdentityKey: a.IdentityKey, KEMKey: a.KEMKey, Signature: a.Signature}
}

// member is a participant as the session sees it.
func member(p Participant) e2ee.Member {
	m := e2ee.Member{ID: p.ID, Identity: p.Identity}
	if k := p.E2EE; k != nil {
		m.Announcement = e2ee.Announcement{IdentityKey: k.IdentityKey, KEMKey: k.KEMKey, Signature: k.Signature}
	}
	return m
}

// startE2EE runs the session once the room has admitted the participant:
// the first key goes to everyone already there, and a goroutine switches
// keys when the session's deadline passes. c.conn is in use.
func (c *Client) startE2EE(others []Participant) {
	members := make([]e2ee.Member, 0, len(others))
	for _, p := range others {
		members = append(members, member(p))
	}
	c.sendE2EE(c.e2ee.sess.Joined(c.self.ID, members))
	for _, p := range others {
		c.reportUnverified(p.ID)
	}
	go c.rekeyLoop()
}

// e2eeJoined tells the session a participant joined. The caller reports
// it with reportUnverified after its ParticipantJoined event.
func (c *Client) e2eeJoined(p Participant) {
	if c.e2ee.sess == nil {
		return
	}
	c.sendE2EE(c.e2ee.sess.MemberJoined(member(p)))
}

// e2eeLeft tells the session a participant left.
func (c *Client) e2eeLeft(id string) {
	if c.e2ee.sess == nil {
		return
	}
	c.sendE2EE(c.e2ee.sess.MemberLeft(id))
}

// e2eeReceive hands an e2ee message to the session. A message that fails
// is dropped: the sender's frames stay undecryptable until a good one.
func (c *Client) e2eeReceive(m *protocol.E2EE) {
	if c.e2ee.sess == nil {
		c.log.Debug("e2ee message in a room without end-to-end encryption", "from", m.From)
		return
	}
	out, err := c.e2ee.sess.Receive(m.From, m.Payload)
	if err != nil {
		c.e2eeErrors.Add(1)
		c.log.Debug("e2ee message dropped", "from", m.From, "err", err)
		return
	}
	c.sendE2EE(out)
}

// reportUnverified emits ParticipantUnverified for a member whose
// announcement does not verify.
func (c *Client) reportUnverified(id string) {
	if c.e2ee.sess == nil {
		return
	}
	for _, st := range c.e2ee.sess.Members() {
		if st.ID == id && !st.Verified {
			c.log.Warn("participant's end-to-end encryption keys do not verify", "participant", id, "err", st.Err)
			c.emit(ParticipantUnverified{ParticipantID: id, Identity: st.Identity, Err: st.Err})
		}
	}
}

// sendE2EE sends what the session returned and lets the rekey loop look
// at the session's deadline again.
func (c *Client) sendE2EE(out []e2ee.Outbound) {
	for _, o := range out {
		if err := c.send(c.ctx, protocol.TypeE2EE, protocol.E2EE{To: o.To, Payload: o.Payload}); err != nil {
			c.log.Debug("sending e2ee message", "to", o.To, "err", err)
		}
	}
	select {
	case c.e2ee.wake <- struct{}{}:
	default:
	}
}

// rekeyLoop calls the session's Tick when its deadline passes: a new
// epoch becomes the sending key even if someone never acknowledged it.
func (c *Client) rekeyLoop() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var fire <-chan time.Time
		if d, ok := c.e2ee.sess.Deadline(); ok {
			timer.Reset(time.Until(d))
			fire = timer.C
		}
		select {
		case <-c.done:
			timer.Stop()
			return
		case <-c.e2ee.wake:
		case <-fire:
			c.sendE2EE(c.e2ee.sess.Tick())
		}
		timer.Stop()
	}
}

// E2EE reports whether the room requires end-to-end encryption: every
// track and data message this client sends is encrypted, and those it
// receives are decrypted.
func (c *Client) E2EE() bool { return c.e2ee.sess != nil }

// SafetyCode is the room's safety code (docs/e2ee.md), such as
// "12345 67890 13579 24680": everyone in the room sees the same code when
// nobody's keys were substituted. It changes when the room's membership
// does. It is "" in a room without end-to-end encryption.
func (c *Client) SafetyCode() string {
	if c.e2ee.sess == nil {
		return ""
	}
	return c.e2ee.sess.SafetyCode()
}

// SendingKID is the SFrame key id (epoch << 8 | step) this client encrypts
// with now, 0 without end-to-end encryption. It changes when participants
// join (the step) and, once the others have the new key, when they leave
// (the epoch).
func (c *Client) SendingKID() uint64 {
	if c.e2ee.sess == nil {
		return 0
	}
	return c.e2ee.sess.SendingKID()
}

// E2EEMembers is the end-to-end encryption status of each other
// participant: whether its announcement verifies (Err says why not; its
// media and messages are then dropped) and whether it has given this client
// its key. It is empty without end-to-end encryption.
func (c *Client) E2EEMembers() []e2ee.MemberStatus {
	if c.e2ee.sess == nil {
		return nil
	}
	return c.e2ee.sess.Members()
}

// E2EEStats are the session's counters: frames and data messages
// encrypted, decrypted, and dropped by reason. E2EEErrors counts the e2ee
// messages (key packages, acknowledgements) that were dropped.
func (c *Client) E2EEStats() e2ee.Stats {
	if c.e2ee.sess == nil {
		return e2ee.Stats{}
	}
	return c.e2ee.sess.Stats()
}

// E2EEErrors counts the e2ee messages from other participants that were
// dropped: malformed, from a participant whose keys do not verify, or a
// key package that does not open.
func (c *Client) E2EEErrors() uint64 { return c.e2eeErrors.Load() }

// E2EESession is the client's session, nil without end-to-end encryption.
// It is for inspection and tests: the client drives it, and an application
// must not call its Joined, MemberJoined, MemberLeft, Receive or Tick. It
// stays usable after the client is closed.
func (c *Client) E2EESession() *e2ee.Session { return c.e2ee.sess }

// sealData seals a data payload in a room that requires it.
func (c *Client) sealData(topic string, payload []byte) ([]byte, error) {
	if c.e2ee.sess == nil {
		return payload, nil
	}
	sealed, err := c.e2ee.sess.SealData(topic, payload)
	if err != nil {
		return nil, fmt.Errorf("client: sealing data: %w", err)
	}
	if len(sealed) > protocol.MaxDataPayload {
		return nil, ErrPayloadTooLarge
	}
	return sealed, nil
}

// dataEvent is the event for a data message: opened in a room that
// requires end-to-end encryption, DataUndecryptable if it does not open.
func (c *Client) dataEvent(m *protocol.Data) Event {
	if c.e2ee.sess == nil {
		return DataReceived{From: m.From, Topic: m.Topic, Payload: m.Payload}
	}
	pt, err := c.e2ee.sess.OpenData(m.From, m.Topic, m.Payload)
	if err != nil {
		c.log.Debug("data message dropped", "from", m.From, "topic", m.Topic, "err", err)
		return DataUndecryptable{From: m.From, Topic: m.Topic, Err: err}
	}
	return DataReceived{From: m.From, Topic: m.Topic, Payload: pt, E2EE: true}
}

// e2eeSnapshot brings the session up to date after a resume: the
// participants that joined or left while the connection was down. evs are
// the events of the snapshot, which are emitted before report is called.
func (c *Client) e2eeSnapshot(evs []Event) (report func()) {
	var joined []string
	for _, ev := range evs {
		switch ev := ev.(type) {
		case ParticipantJoined:
			c.e2eeJoined(ev.Participant)
			joined = append(joined, ev.Participant.ID)
		case ParticipantLeft:
			c.e2eeLeft(ev.ParticipantID)
		}
	}
	return func() {
		for _, id := range joined {
			c.reportUnverified(id)
		}
	}
}

// ReportIdentityChanged tells the server that the peer identity now
// announces identityKey, which is not the identity key the application
// knew for it (docs/e2ee.md): the server records it as a security event
// for the operator. Nobody in the room is told. A refusal comes back as
// an error event (e2ee_off, rate_limited).
func (c *Client) ReportIdentityChanged(ctx context.Context, identity string, identityKey []byte) error {
	if len(identityKey) != protocol.E2EEIdentityKeySize {
		return fmt.Errorf("client: an identity key is %d bytes, not %d", protocol.E2EEIdentityKeySize, len(identityKey))
	}
	return c.send(ctx, protocol.TypeE2EEIdentityChanged, protocol.E2EEIdentityChanged{Identity: identity, IdentityKey: identityKey})
}
