package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestHostMuteIsALock: a track the host muted through the REST API stays
// muted when its publisher sends mute{muted:false} (the server answers
// muted_by_host, subscribers get no media, REST keeps saying muted); the
// publisher may only ask (unmute_request). Lifting the mute leaves the
// track muted until the publisher unmutes it, and then media flows again.
func TestHostMuteIsALock(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	alice := startMediaClient(ctx, t, e, "mute", "alice")
	bob := startMediaClient(ctx, t, e, "mute", "bob")

	var audioID, videoID string
	testkit.Eventually(t, "alice's two tracks to be published", func() bool {
		for _, tr := range alice.c.Self().Tracks {
			switch tr.Source {
			case protocol.SourceMicrophone:
				audioID = tr.ID
			case protocol.SourceCamera:
				videoID = tr.ID
			}
		}
		return audioID != "" && videoID != ""
	})
	received := func(id string) int64 { return bob.counts()[id][0] }
	testkit.Eventually(t, "bob to receive alice's audio", func() bool { return received(audioID) > 10 })

	admin := e.adminToken(e.Key, "mute")
	path := "/v1/rooms/mute/participants/alice/tracks/" + audioID + "/mute"
	if status, body := e.api("POST", path, admin, `{"muted":true}`); status != http.StatusOK {
		t.Fatalf("host mute: %d %s", status, body)
	}
	wait(t, alice.rec, "the host's mute request", func(ev client.MuteRequested) bool { return ev.TrackID == audioID })

	// The publisher tries to lift it.
	if err := alice.c.SetMuted(audioID, false); err != nil {
		t.Fatal(err)
	}
	wait(t, alice.rec, "muted_by_host", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodeMutedByHost })
	track := func() protocol.TrackInfo {
		status, body := e.api("GET", "/v1/rooms/mute/participants", admin, nil)
		var list struct{ Participants []protocol.ParticipantInfo }
		if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil {
			t.Fatalf("participants: %d %s", status, body)
		}
		for _, p := range list.Participants {
			for _, tr := range p.Tracks {
				if tr.ID == audioID {
					return tr
				}
			}
		}
		t.Fatalf("alice's audio is not listed: %s", body)
		return protocol.TrackInfo{}
	}
	if tr := track(); !tr.Muted || !tr.MutedByHost {
		t.Fatalf("after the publisher's unmute REST says %+v, want muted by the host", tr)
	}
	// Media keeps flowing on the video track while the audio stays dark:
	// 100 more video packets is a second of the publisher's sending.
	audioBefore, videoBefore := received(audioID), received(videoID)
	testkit.Eventually(t, "100 more video packets at bob", func() bool { return received(videoID) > videoBefore+100 })
	if got := received(audioID); got > audioBefore {
		t.Fatalf("bob received %d audio packets of a host-muted track after the publisher's unmute", got-audioBefore)
	}

	// Asking is allowed, and is an event the room publishes.
	if err := alice.c.RequestUnmute(audioID); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the unmute request to be counted", func() bool {
		return e.Metrics()[`conclave_room_events_total{kind="unmute_requested"}`] == 1
	})

	// The host lifts it: the track stays muted until alice unmutes.
	if status, body := e.api("POST", path, admin, `{"muted":false}`); status != http.StatusOK {
		t.Fatalf("host unmute: %d %s", status, body)
	}
	wait(t, alice.rec, "the host to allow unmuting", func(ev client.UnmuteAllowed) bool { return ev.TrackID == audioID })
	if tr := track(); !tr.Muted || tr.MutedByHost {
		t.Fatalf("after the host lifted the mute REST says %+v, want muted by the publisher only", tr)
	}
	if err := alice.c.SetMuted(audioID, false); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "REST to show alice's audio unmuted", func() bool { return !track().Muted })
	audioBefore = received(audioID)
	testkit.Eventually(t, "bob to receive alice's audio again", func() bool { return received(audioID) > audioBefore+10 })
}
