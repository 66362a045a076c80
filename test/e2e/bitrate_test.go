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

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/token"
)

// TestBitrateCapBrowser: a 720p camera in a room capped at 300 kbit/s.
// The page is told bitrate_limited, the SDK bounds its encoders under the
// cap, and after the grace period it is still in the room, publishing,
// measured by the server under the cap. A second page, whose SDK cannot
// lower its encoders (its setParameters does nothing), relies on
// Chromium's reaction to the REMB alone, as a browser without the SDK's
// help would, and is disconnected with bitrate_exceeded.
func TestBitrateCapBrowser(t *testing.T) {
	const capBits = 300_000
	e := newEnv(t, func(c *config.Config) {
		// Short, but longer than the sample (2 s) in which the encoder
		// comes down: that sample averages the seconds before and after.
		c.Rooms.BitrateGrace = 5 * time.Second
	})
	capped, control := room("bitrate"), room("bitrate-control")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: e.tls}, Timeout: 30 * time.Second}
	call := func(method, roomName, path string, body any) (map[string]any, error) {
		admin, err := e.key.Mint(token.Options{
			Identity: "admin", Room: roomName, TTL: 10 * time.Minute,
			Grants: token.Grants{RoomAdmin: true, RoomCreate: true},
		})
		if err != nil {
			return nil, err
		}
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
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("%s %s: %s %s", method, path, res.Status, b)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("%s %s: %w: %s", method, path, err, b)
		}
		return out, nil
	}
	for _, name := range []string{capped, control} {
		info, err := call(http.MethodPost, name, "/v1/rooms", map[string]any{"name": name, "max_publish_bitrate": capBits})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := info["max_publish_bitrate"].(float64); got != capBits {
			t.Fatalf("room %s created with max_publish_bitrate %v, want %d", name, info["max_publish_bitrate"], capBits)
		}
	}
	// stats answers the room's stats (GET /v1/rooms/{room}/stats).
	stats := func(data json.RawMessage) (any, error) {
		var r struct{ Room string }
		if err := json.Unmarshal(data, &r); err != nil || (r.Room != capped && r.Room != control) {
			return nil, fmt.Errorf("bad step data %s", data)
		}
		return call(http.MethodGet, r.Room, "/v1/rooms/"+url.PathEscape(r.Room)+"/stats", nil)
	}
	r := e.scenario("bitrate", capped, map[string]string{"CONCLAVE_CONTROL_ROOM": control}, map[string]stepFunc{"stats": stats})

	if got, _ := r["limitedCap"].(float64); got != capBits {
		t.Errorf("the page's bitrateLimited event carried %v, want %d", r["limitedCap"], capBits)
	}
	if got, _ := r["maxBitrate"].(float64); got <= 0 || got >= capBits {
		t.Errorf("the camera sender's maxBitrate is %v, want a bound under %d", r["maxBitrate"], capBits)
	}
	if got, _ := r["measured"].(float64); got <= 0 || got > capBits {
		t.Errorf("the server measured the page at %v bit/s after the grace period, want publishing under %d", r["measured"], capBits)
	}
	if r["controlReason"] != "bitrate_exceeded" {
		t.Errorf("the page that could not lower its encoders ended with %v, want bitrate_exceeded", r["controlReason"])
	}
	// The server's own view, after the scenario: the page was in the
	// room to the end (it leaves when its browser closes).
	if r["stillIn"] != true {
		t.Errorf("the capped page was not in the room's stats at the end: %v", r["stillIn"])
	}
}
