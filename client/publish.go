package client

import (
	"context"
	"fmt"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/protocol"
)

// Publish announces track to the server (add_track, with the track's ID() as
// the client track id; the server gives the track its own id, TR_…, and
// keeps the client id in TrackInfo.CID), adds it to the publisher PeerConnection and negotiates. It
// returns once the server's answer covering the track has been applied.
//
// Publishes may overlap: one offer is outstanding at a time, and tracks added
// meanwhile go out together in the next offer. On error the track is removed
// again. The returned sender's RTCP is read by the client; key-frame requests
// reach the WithKeyframeRequest callback.
//
// In a room that requires end-to-end encryption the track must be a
// *SampleTrack of VP8 or Opus: its frames are then encrypted, and the track
// is announced as encrypted. Any other track is refused with
// ErrNotEncrypted before anything is sent.
func (c *Client) Publish(ctx context.Context, track webrtc.TrackLocal, source protocol.TrackSource) (*webrtc.RTPSender, error) {
	if !c.Self().Permissions.Publish {
		return nil, fmt.Errorf("publish: %w", ErrNotPermitted)
	}
	var kind protocol.TrackKind
	switch track.Kind() {
	case webrtc.RTPCodecTypeAudio:
		kind = protocol.KindAudio
	case webrtc.RTPCodecTypeVideo:
		kind = protocol.KindVideo
	default:
		return nil, fmt.Errorf("client: track %q has no kind", track.ID())
	}
	encrypted := false
	if c.e2ee.sess != nil {
		st, ok := track.(*SampleTrack)
		if !ok {
			return nil, fmt.Errorf("client: publishing %s: %w", track.ID(), ErrNotEncrypted)
		}
		if err := st.encryptWith(c.e2ee.sess); err != nil {
			return nil, fmt.Errorf("client: publishing %s: %w", track.ID(), err)
		}
		encrypted = true
	}
	if err := c.send(ctx, protocol.TypeAddTrack, protocol.AddTrack{CID: track.ID(), Kind: kind, Source: source, E2EE: encrypted}); err != nil {
		return nil, err
	}
	tr, err := c.pub.pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, fmt.Errorf("client: adding track: %w", err)
	}
	sender := tr.Sender()
	go c.readRTCP(sender, track.ID())
	var werr error
	select {
	case werr = <-c.neg.negotiate():
	case <-ctx.Done():
		werr = ctx.Err()
	case <-c.done:
		werr = ErrClosed
	}
	if werr != nil {
		if rerr := c.pub.pc.RemoveTrack(sender); rerr == nil {
			c.neg.negotiate() // the next offer withdraws it
		}
		return nil, fmt.Errorf("client: publishing %s: %w", track.ID(), werr)
	}
	return sender, nil
}

// Unpublish stops sending a track returned by Publish and renegotiates in the
// background; the server then announces track_unpublished.
func (c *Client) Unpublish(sender *webrtc.RTPSender) error {
	if err := c.pub.pc.RemoveTrack(sender); err != nil {
		return fmt.Errorf("client: unpublish: %w", err)
	}
	ch := c.neg.negotiate()
	go func() {
		if err := <-ch; err != nil {
			c.log.Debug("renegotiating after unpublish", "err", err)
		}
	}()
	return nil
}

// SetMuted mutes or unmutes one of this client's tracks (trackID is the
// server's TrackInfo.ID, TR_…, not the TrackLocal's ID()). The server stops
// forwarding a muted track; the application should also stop sending it.
func (c *Client) SetMuted(trackID string, muted bool) error {
	return c.send(c.ctx, protocol.TypeMute, protocol.Mute{TrackID: trackID, Muted: muted})
}

// RequestUnmute asks the host to lift the mute it holds on one of this
// client's tracks (MuteRequested). If it does, UnmuteAllowed follows.
func (c *Client) RequestUnmute(trackID string) error {
	return c.send(c.ctx, protocol.TypeUnmuteRequest, protocol.UnmuteRequest{TrackID: trackID})
}

// SendData relays payload to the participants named in to, or to everyone
// else in the room when to is empty. Delivery problems the server finds
// (unknown participant, rate limit) arrive later as ErrorReceived.
//
// In a room that requires end-to-end encryption the payload is sealed and
// signed (docs/e2ee.md): the server relays it, and sees the topic, but not
// the payload. Sealing adds up to MaxSealOverhead bytes, which count
// against protocol.MaxDataPayload.
func (c *Client) SendData(ctx context.Context, payload []byte, topic string, to ...string) error {
	if len(payload) > protocol.MaxDataPayload {
		return ErrPayloadTooLarge
	}
	if !c.Self().Permissions.PublishData {
		return fmt.Errorf("send data: %w", ErrNotPermitted)
	}
	payload, err := c.sealData(topic, payload)
	if err != nil {
		return err
	}
	return c.send(ctx, protocol.TypeData, protocol.Data{To: to, Topic: topic, Payload: payload})
}

// readRTCP drains a sender's RTCP (needed for pion's interceptors) and
// reports key-frame requests. It ends when the sender stops.
func (c *Client) readRTCP(sender *webrtc.RTPSender, trackID string) {
	buf := make([]byte, 1500)
	for {
		n, _, err := sender.Read(buf)
		if err != nil {
			return
		}
		if c.opts.onKeyframe == nil {
			continue
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				c.opts.onKeyframe(trackID)
			}
		}
	}
}
