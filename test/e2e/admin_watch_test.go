package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// TestAdminWatch: the admin page shows a failed sign-in among the
// security events and a live room with its participants' addresses, and
// removes a participant and ends the meeting through the server.
func TestAdminWatch(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Accounts.RequireSecondFactor = "none" })
	adm := e.newAccount("ada@example.org", "Ada Admin", store.RoleAdmin)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const roomName = "watched"

	// A failed sign-in from this machine, before the page opens.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.tls}}
	resp, err := hc.Post(e.srv.URL()+"/v1/auth/signin", "application/json", strings.NewReader(`{"email":"mallory@example.org","password":"guess"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	for _, id := range []string{"go-watched", "go-stays"} {
		tok, err := e.key.Mint(token.Options{Identity: id, Room: roomName, TTL: 10 * time.Minute, Grants: token.Grants{Subscribe: true}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.Connect(ctx, e.srv.URL(), tok, client.WithTLSConfig(e.tls), client.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatalf("go client %s: %v", id, err)
		}
		defer c.Close()
	}

	steps := map[string]stepFunc{
		"participants": func(json.RawMessage) (any, error) {
			var ids []string
			for _, info := range e.srv.Rooms().List("") {
				ps, err := e.srv.Rooms().Participants(info.Name, info.Owner)
				if err != nil {
					continue
				}
				for _, p := range ps {
					ids = append(ids, string(p.Identity))
				}
			}
			return map[string]any{"identities": ids, "rooms": len(e.srv.Rooms().List(""))}, nil
		},
	}
	r := e.scenario("admin_watch", roomName, adm.env(), steps)

	events, _ := r["events"].([]any)
	found := false
	for _, ev := range events {
		if s, _ := ev.(string); strings.HasPrefix(s, "NOTICE · signin failed") && strings.Contains(s, "from 127.0.0.1") {
			found = true
		}
	}
	if !found {
		t.Errorf("the failed sign-in is not among the events shown: %v", events)
	}
	people, _ := r["people"].([]any)
	if len(people) != 2 {
		t.Fatalf("participants shown: %v", people)
	}
	for _, p := range people {
		if s, _ := p.(string); !strings.Contains(s, "from 127.0.0.1") {
			t.Errorf("a participant without its address: %q", s)
		}
	}
	if ids, _ := r["afterRemove"].(map[string]any)["identities"].([]any); len(ids) != 1 || ids[0] != "go-stays" {
		t.Errorf("after Remove the room holds %v, want go-stays", ids)
	}
	if n, _ := r["afterEnd"].(map[string]any)["rooms"].(float64); n != 0 {
		t.Errorf("after End meeting %v rooms are open", n)
	}
}
