package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/conclave-video/conclave/token"
)

// TestHostMute: a track muted through the REST API is a lock in the app.
// The participant sees "Muted by the host" on the control and on their own
// tile, can ask to unmute but not unmute, and unmutes once the host lifted
// the lock (which leaves the track muted until they do).
func TestHostMute(t *testing.T) {
	e := newEnv(t)
	roomName := room("hostmute")
	admin, err := e.key.Mint(token.Options{
		Identity: "host", Room: roomName, TTL: 10 * time.Minute,
		Grants: token.Grants{RoomAdmin: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: e.tls}, Timeout: 30 * time.Second}
	// call makes one REST call and returns the decoded JSON answer.
	call := func(method, path string, body any) (map[string]any, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, e.baseURL+path, rd)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+admin)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s %s: %s %s", method, path, res.Status, b)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("%s %s: %w: %s", method, path, err, b)
		}
		return out, nil
	}
	type trackRef struct{ Identity, TrackID string }
	trackPath := func(r trackRef) string {
		return "/v1/rooms/" + url.PathEscape(roomName) + "/participants/" + url.PathEscape(r.Identity) + "/tracks/" + url.PathEscape(r.TrackID)
	}
	mute := func(muted bool) stepFunc {
		return func(data json.RawMessage) (any, error) {
			var r trackRef
			if err := json.Unmarshal(data, &r); err != nil || r.TrackID == "" {
				return nil, fmt.Errorf("bad step data %s", data)
			}
			return call(http.MethodPost, trackPath(r)+"/mute", map[string]bool{"muted": muted})
		}
	}
	// server-track answers the track as the REST API lists it.
	serverTrack := func(data json.RawMessage) (any, error) {
		var r trackRef
		if err := json.Unmarshal(data, &r); err != nil || r.TrackID == "" {
			return nil, fmt.Errorf("bad step data %s", data)
		}
		list, err := call(http.MethodGet, "/v1/rooms/"+url.PathEscape(roomName)+"/participants", nil)
		if err != nil {
			return nil, err
		}
		ps, _ := list["participants"].([]any)
		for _, p := range ps {
			if pm, _ := p.(map[string]any); pm["identity"] == r.Identity {
				tracks, _ := pm["tracks"].([]any)
				for _, tr := range tracks {
					if m, _ := tr.(map[string]any); m["id"] == r.TrackID {
						return m, nil
					}
				}
			}
		}
		return nil, fmt.Errorf("no track %s of %s in %v", r.TrackID, r.Identity, list)
	}
	r := e.scenario("hostmute", roomName, nil, map[string]stepFunc{
		"host-mute":    mute(true),
		"host-unmute":  mute(false),
		"server-track": serverTrack,
	})
	if r["refused"] != "muted_by_host" {
		t.Errorf("setMuted(false) on a host-muted track: %v, want the code muted_by_host", r["refused"])
	}
}
