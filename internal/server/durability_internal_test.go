package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store/storetest"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestAcknowledgedRoomWritesSurviveAFullDisk: with the data directory
// full, creating a room answers 503 unavailable (never 201), and whatever
// DELETE answers is what a restart finds: 204 means gone for good, 503
// means still there. Before, both answered 2xx while the store logged
// "database or disk is full", and a restart undid them.
func TestAcknowledgedRoomWritesSurviveAFullDisk(t *testing.T) {
	disk := storetest.NewFullDisk(t)
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", disk.Dir

	start := func() (*Server, func()) { return runServer(t, cfg, nil, disk.Options) }
	s, stop := start()
	rec, priv, err := auth.NewAPIKey("durability", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store().CreateAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	tok, err := token.Key{ID: rec.ID, Private: priv}.Mint(token.Options{
		Identity: "admin", TTL: time.Hour, Grants: token.Grants{RoomAdmin: true, RoomCreate: true, RoomList: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback, own cert
	call := func(s *Server, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	rooms := func(s *Server) map[string]bool {
		t.Helper()
		status, body := call(s, "GET", "/v1/rooms", "")
		var list struct{ Rooms []struct{ Name string } }
		if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil {
			t.Fatalf("list rooms: %d %s", status, body)
		}
		out := map[string]bool{}
		for _, r := range list.Rooms {
			out[r.Name] = true
		}
		return out
	}

	if status, body := call(s, "POST", "/v1/rooms", `{"name":"before"}`); status != http.StatusCreated {
		t.Fatalf("create before the disk fills: %d %s", status, body)
	}
	disk.Fill(s.Store())

	status, body := call(s, "POST", "/v1/rooms", `{"name":"created-while-the-disk-is-full"}`)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"`+protocol.CodeUnavailable+`"`) {
		t.Fatalf("create on a full disk: %d %s, want 503 unavailable", status, body)
	}
	delStatus, delBody := call(s, "DELETE", "/v1/rooms/before", "")
	switch delStatus {
	case http.StatusNoContent:
		if disk.Mounted {
			t.Errorf("delete on a full file system answered 204")
		}
	case http.StatusServiceUnavailable:
		if !strings.Contains(delBody, protocol.CodeUnavailable) {
			t.Fatalf("delete refused with %s", delBody)
		}
	default:
		t.Fatalf("delete on a full disk: %d %s", delStatus, delBody)
	}
	if got := rooms(s); got["created-while-the-disk-is-full"] || got["before"] != (delStatus != http.StatusNoContent) {
		t.Fatalf("rooms after the refused writes: %v", got)
	}
	disk.Free(s.Store())
	stop()

	// What was acknowledged is what a restart finds.
	s, stop = start()
	defer stop()
	got := rooms(s)
	if got["created-while-the-disk-is-full"] {
		t.Error("a room whose creation was refused exists after a restart")
	}
	if want := delStatus != http.StatusNoContent; got["before"] != want {
		t.Errorf("after a restart room \"before\" exists: %t, want %t (DELETE answered %d)", got["before"], want, delStatus)
	}
}
