package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// roomState reads a room's lock, own maximum duration and end over REST.
func (e *env) roomState(t *testing.T, admin, name string) (locked bool, maxDuration int64, endsAt time.Time) {
	t.Helper()
	status, body := e.api(http.MethodGet, "/v1/rooms/"+name, admin, nil)
	var info struct {
		Locked      bool      `json:"locked"`
		MaxDuration int64     `json:"max_duration"`
		EndsAt      time.Time `json:"ends_at"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil {
		t.Fatalf("get room %s: %d %s", name, status, body)
	}
	return info.Locked, info.MaxDuration, info.EndsAt
}

// TestRoomLockAndDurationSurviveRestart: a locked meeting with its own
// maximum duration, on a server restarted on the same data directory, is
// still locked (a valid token is refused meeting_locked) and still ends
// when it would have; unlocking it afterwards is stored too. Before, a
// restarted server's rooms came back unlocked, bounded only by the
// server's and the policy's limits.
func TestRoomLockAndDurationSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	setDir := func(c *config.Config) { c.DataDir = dir }
	const name = "keepme"
	var key token.Key
	var endsAt time.Time
	t.Run("before", func(t *testing.T) {
		e := &env{Server: testserver.Start(t, setDir), t: t}
		ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
		defer cancel()
		key = e.Key
		admin := e.adminToken(key, "")
		if status, body := e.api(http.MethodPost, "/v1/rooms", admin, `{"name":"`+name+`","max_duration":900}`); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		host := e.joinRole(ctx, t, name, "hana", protocol.RoleHost)
		if err := host.c.LockMeeting(ctx, true); err != nil {
			t.Fatal(err)
		}
		wait(t, host, "the lock", func(ev client.LockChanged) bool { return ev.Locked })
		var locked bool
		locked, _, endsAt = e.roomState(t, admin, name)
		if !locked || endsAt.IsZero() {
			t.Fatalf("before the restart: locked %t, ends at %v", locked, endsAt)
		}
	})

	e := &env{Server: testserver.Start(t, setDir), t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(key, "")
	locked, maxDuration, ends := e.roomState(t, admin, name)
	if !locked || maxDuration != 900 || !ends.Equal(endsAt) {
		t.Fatalf("after a restart: locked %t, max_duration %d, ends at %v; want locked, 900, %v", locked, maxDuration, ends, endsAt)
	}
	if code := e.connectCode(ctx, mintToken(t, key, name, "late", joinAll)); code != protocol.CodeMeetingLocked {
		t.Errorf("a valid token after the restart: %q, want meeting_locked", code)
	}
	if status, body := e.api(http.MethodPost, "/v1/rooms/"+name+"/lock", admin, `{"locked":false}`); status != http.StatusOK {
		t.Fatalf("unlock: %d %s", status, body)
	}
	if got, err := e.Srv.Store().Room(context.Background(), name); err != nil || got.Locked || got.MaxDuration != 900*time.Second {
		t.Errorf("stored after the unlock: %+v, %v", got, err)
	}
	if code := e.connectCode(ctx, mintToken(t, key, name, "late", joinAll)); code != "" {
		t.Errorf("after the unlock: %q", code)
	}
}

// TestRoomBitrateCapSurvivesRestart: a room created with its own
// max_publish_bitrate, lower than the server's, keeps it on a server
// restarted on the same data directory (the REST view and the cap the
// room enforces, which stats report), and a restarted server with a lower
// ceiling bounds it by that. Before, the restored room took the server's
// rooms.max_publish_bitrate.
func TestRoomBitrateCapSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	setDir := func(c *config.Config) { c.DataDir = dir }
	const name = "capped"
	var key token.Key
	capOf := func(t *testing.T, e *env, admin, path string) int64 {
		t.Helper()
		status, body := e.api(http.MethodGet, path, admin, nil)
		var info struct {
			MaxPublishBitrate int64 `json:"max_publish_bitrate"`
		}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil {
			t.Fatalf("get %s: %d %s", path, status, body)
		}
		return info.MaxPublishBitrate
	}
	t.Run("before", func(t *testing.T) {
		e := &env{Server: testserver.Start(t, setDir), t: t}
		key = e.Key
		admin := e.adminToken(key, "")
		if status, body := e.api(http.MethodPost, "/v1/rooms", admin, `{"name":"`+name+`","max_publish_bitrate":300000}`); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		if got := capOf(t, e, admin, "/v1/rooms/"+name); got != 300_000 {
			t.Fatalf("before the restart: max_publish_bitrate %d, want 300000", got)
		}
	})

	t.Run("restarted", func(t *testing.T) {
		e := &env{Server: testserver.Start(t, setDir), t: t}
		admin := e.adminToken(key, "")
		if got := capOf(t, e, admin, "/v1/rooms/"+name); got != 300_000 {
			t.Errorf("after a restart: max_publish_bitrate %d, want 300000", got)
		}
		if got := capOf(t, e, admin, "/v1/rooms/"+name+"/stats"); got != 300_000 {
			t.Errorf("after a restart: the room's stats report a cap of %d, want 300000", got)
		}
		if got, err := e.Srv.Store().Room(context.Background(), name); err != nil || got.MaxPublishBitrate != 300_000 {
			t.Errorf("stored after the restart: %+v, %v", got, err)
		}
	})

	e := &env{Server: testserver.Start(t, setDir, func(c *config.Config) { c.Rooms.MaxPublishBitrate = 200_000 }), t: t}
	if got := capOf(t, e, e.adminToken(key, ""), "/v1/rooms/"+name); got != 200_000 {
		t.Errorf("restarted with a ceiling of 200000: max_publish_bitrate %d", got)
	}
}
