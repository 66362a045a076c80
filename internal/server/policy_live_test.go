package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestPolicyHotApplyReachesLiveRooms: a policy put in force applies to the
// meetings already running, through the whole server. Screen sharing
// turned off stops the live screen share (everyone gets
// track_unpublished, its publisher an error policy_violation) and leaves
// the camera; a shorter max_meeting_duration brings running meetings' end
// forward at once (meeting_ending with the new end); a looser one never
// pushes it back. Each effect is a security event. Before, the policy
// reached new joins and new tracks only.
func TestPolicyHotApplyReachesLiveRooms(t *testing.T) {
	e, admin, _ := policyEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const room = "livepolicy"
	roomAdmin := e.adminToken(e.Key, "")
	if status, body := e.api(http.MethodPost, "/v1/rooms", roomAdmin, `{"name":"`+room+`","max_duration":7200}`); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	endsAt := func() time.Time {
		t.Helper()
		status, body := e.api(http.MethodGet, "/v1/rooms/"+room, roomAdmin, nil)
		var info struct {
			EndsAt    time.Time `json:"ends_at"`
			CreatedAt time.Time `json:"created_at"`
		}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil {
			t.Fatalf("get room: %d %s", status, body)
		}
		return info.EndsAt
	}
	before := endsAt()

	sam := e.Connect(ctx, t, room, "sam")
	srec := record(sam)
	watcher := record(e.Connect(ctx, t, room, "watcher"))
	publish := func(id string, source client.TrackSource) {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, id, "stream-sam")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sam.Publish(ctx, tr, source); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
		go func() { _ = media.NewPayloadSource(media.PayloadOptions{Size: 800, Rate: 30}).Run(ctx, tr) }()
	}
	publish("screen", client.SourceScreen)
	publish("camera", client.SourceCamera)
	screen := wait(t, watcher, "sam's screen share", func(ev client.TrackPublished) bool { return ev.Track.Source == client.SourceScreen })
	camera := wait(t, watcher, "sam's camera", func(ev client.TrackPublished) bool { return ev.Track.Source == client.SourceCamera })

	status, pr, b := admin.putPolicy("require_second_factor: none\nscreen_share: false\nmax_meeting_duration: 30m\n", 0)
	if status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, b)
	}
	wait(t, watcher, "the screen share unpublished", func(ev client.TrackUnpublished) bool { return ev.TrackID == screen.Track.ID })
	wait(t, srec, "sam told why", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodePolicyViolation })
	if _, gone := find(watcher, func(ev client.TrackUnpublished) bool { return ev.TrackID == camera.Track.ID }); gone {
		t.Error("the camera was unpublished too")
	}
	ending := wait(t, watcher, "the new end", func(ev client.MeetingEnding) bool { return ev.EndsAt.Before(before) })
	if got := endsAt(); got.Unix() != ending.EndsAt.Unix() || !got.Before(before) {
		t.Errorf("the room ends at %v after the policy (announced %v), before it %v", got, ending.EndsAt, before)
	}
	if ending.Remaining > 30*time.Minute {
		t.Errorf("%v left, past the policy's 30m", ending.Remaining)
	}
	shortened := endsAt()

	// A looser bound never lengthens a running meeting.
	if status, _, b := admin.putPolicy("require_second_factor: none\nmax_meeting_duration: 4h\n", pr.Version); status != http.StatusOK {
		t.Fatalf("PUT looser: %d %s", status, b)
	}
	if got := endsAt(); !got.Equal(shortened) {
		t.Errorf("a looser policy moved the end from %v to %v", shortened, got)
	}
	m := e.Metrics()
	for _, k := range []string{"policy_track_stopped", "policy_meeting_shortened"} {
		if m[`conclave_security_events_total{kind="`+k+`",outcome="succeeded"}`] < 1 {
			t.Errorf("no %s security event counted", k)
		}
	}
}
