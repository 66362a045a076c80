package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestTrackCaps: a participant publishes at most 8 tracks and may have at
// most 16 announced but unpublished; beyond either it gets too_many_tracks
// (not rate_limited, which is about message rates) and stays connected.
func TestTrackCaps(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()

	t.Run("announced", func(t *testing.T) {
		r := e.dialRaw(ctx, t)
		r.join(mintToken(t, e.Key, "caps", "announcer", token.Grants{Publish: true, Subscribe: true}))
		for i := range 16 {
			r.mustSend(fmt.Sprintf(`{"v":1,"type":"add_track","data":{"cid":"c%d","kind":"audio","source":"microphone"}}`, i))
		}
		r.expectOpen() // the first 16 were accepted without an error
		r.mustSend(`{"v":1,"type":"add_track","data":{"cid":"c16","kind":"audio","source":"microphone"}}`)
		r.expectError(protocol.CodeTooManyTracks)
		r.expectOpen()
	})

	t.Run("published", func(t *testing.T) {
		c := e.Connect(ctx, t, "caps", "publisher")
		rec := record(c)
		for i := range 9 {
			tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
				fmt.Sprintf("audio-%d", i), "stream")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Publish(ctx, tr, client.SourceMicrophone); err != nil && i < 8 {
				t.Fatalf("publish %d: %v", i, err)
			}
			// The server sees a track when its first packet arrives.
			go func() {
				_ = media.NewPayloadSource(media.PayloadOptions{Size: 120, Rate: 50, ClockRate: 48000, Prefix: []byte{}}).Run(ctx, tr)
			}()
		}
		wait(t, rec, "too_many_tracks for the ninth track", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodeTooManyTracks })
		testkit.Eventually(t, "eight published tracks", func() bool { return len(c.Self().Tracks) == 8 })
		if err := c.SendData(ctx, []byte("still here"), "chat"); err != nil {
			t.Fatalf("the publisher was disconnected: %v", err)
		}
	})
}
