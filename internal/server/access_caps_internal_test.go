package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestRevocationCapsOverREST: with the revocation list's caps lowered
// (store.WithAccessLimits; the defaults are store.MaxBansPerRoom and its
// siblings), a ban past the room's cap is refused 409 too_many_bans and
// removes nobody, and a revocation past the key's cap 409
// too_many_revocations; lifting a ban makes room again.
func TestRevocationCapsOverREST(t *testing.T) {
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", t.TempDir()
	cfg.Rooms.E2EE = "off"
	ctx := context.Background()
	s, _ := runServer(t, cfg, nil, []store.Option{
		store.WithAccessLimits(store.AccessLimits{RevocationsPerIssuer: 4, RevocationsPerRoom: 3, BansPerIssuer: 5, BansPerRoom: 1})})

	rec, priv, err := auth.NewAPIKey("caps", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store().CreateAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	key := token.Key{ID: rec.ID, Private: priv}
	mint := func(o token.Options) string {
		t.Helper()
		o.TTL = 10 * time.Minute
		tok, err := key.Mint(o)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	admin := mint(token.Options{Identity: "admin", Grants: token.Grants{RoomAdmin: true, RoomCreate: true, RoomList: true}})
	tlsCfg := &tls.Config{InsecureSkipVerify: true} // loopback, the server's own certificate
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	join := func(identity string) *client.Client {
		t.Helper()
		c, err := client.Connect(ctx, s.URL(), mint(token.Options{Identity: identity, Room: "capped",
			Grants: token.Grants{Publish: true, Subscribe: true}}), client.WithTLSConfig(tlsCfg), client.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatalf("%s joins: %v", identity, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	inRoom := func(identity string) bool {
		ps, _ := s.Rooms().Participants("capped", room.KeyID(key.ID))
		for _, p := range ps {
			if string(p.Identity) == identity {
				return true
			}
		}
		return false
	}
	join("mal")
	join("eve")
	if status, body := call("POST", "/v1/rooms/capped/bans", `{"identity":"mal"}`); status != http.StatusCreated {
		t.Fatalf("first ban: %d %s", status, body)
	}
	status, body := call("POST", "/v1/rooms/capped/bans", `{"identity":"eve"}`)
	if status != http.StatusConflict || !strings.Contains(body, `"`+protocol.CodeTooManyBans+`"`) {
		t.Fatalf("a ban past the room's cap: %d %s, want 409 too_many_bans", status, body)
	}
	if !inRoom("eve") {
		t.Fatal("the refused ban removed eve")
	}
	if status, body := call("DELETE", "/v1/rooms/capped/bans/mal", ""); status != http.StatusNoContent {
		t.Fatalf("unban: %d %s", status, body)
	}
	if status, body := call("POST", "/v1/rooms/capped/bans", `{"identity":"eve"}`); status != http.StatusCreated {
		t.Fatalf("a ban once another was lifted: %d %s", status, body)
	}
	// Revocations in force: mal's and eve's removals (2 of 3 in the room,
	// 2 of 4 for the key); two more elsewhere reach the key's cap.
	for _, id := range []string{"a", "b"} {
		if status, body := call("POST", "/v1/revocations", `{"identity":"`+id+`"}`); status != http.StatusNoContent {
			t.Fatalf("revoke %s: %d %s", id, status, body)
		}
	}
	status, body = call("POST", "/v1/revocations", `{"jti":"one-too-many"}`)
	if status != http.StatusConflict || !strings.Contains(body, `"`+protocol.CodeTooManyRevocations+`"`) {
		t.Fatalf("a revocation past the key's cap: %d %s, want 409 too_many_revocations", status, body)
	}
}
