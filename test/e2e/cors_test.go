package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/token"
)

// TestCORS: a page on an origin in http.allowed_origins calls the REST API
// from Chromium with a bearer token and reads every answer, errors
// included; a page on any other origin reads nothing, and its requests
// never reach the API (the preflight fails first).
func TestCORS(t *testing.T) {
	page := func() *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!doctype html><title>app</title><h1>An app on another origin</h1>"))
		}))
		t.Cleanup(s.Close)
		return s
	}
	allowed, other := page(), page()
	e := newEnv(t, func(c *config.Config) { c.HTTP.AllowedOrigins = []string{allowed.URL} })
	tok, err := e.key.Mint(token.Options{Identity: "app", TTL: 10 * time.Minute,
		Grants: token.Grants{RoomCreate: true, RoomAdmin: true, RoomList: true}})
	if err != nil {
		t.Fatal(err)
	}
	roomName := room("cors")
	r := e.scenario("cors", roomName, map[string]string{
		"CONCLAVE_CORS_ALLOWED": allowed.URL,
		"CONCLAVE_CORS_OTHER":   other.URL,
		"CONCLAVE_CORS_TOKEN":   tok,
	}, nil)

	type call struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
		Error  string          `json:"error"`
	}
	calls := func(side string) map[string]call {
		b, _ := json.Marshal(r[side])
		var m map[string]call
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", side, err)
		}
		return m
	}
	a := calls("allowed")
	var created struct{ Name string }
	if c := a["create"]; c.Status != http.StatusCreated || json.Unmarshal(c.Body, &created) != nil || created.Name != roomName+"-allowed" {
		t.Errorf("allowed origin, create: %+v (%s)", c, c.Body)
	}
	if c := a["get"]; c.Status != http.StatusOK {
		t.Errorf("allowed origin, get: %+v (%s)", c, c.Body)
	}
	var refused struct{ Error struct{ Code string } }
	if c := a["refused"]; c.Status != http.StatusUnauthorized || json.Unmarshal(c.Body, &refused) != nil || refused.Error.Code != "token_malformed" {
		t.Errorf("allowed origin, bad token: %+v (%s); the app must read the code", c, c.Body)
	}
	if c := a["remove"]; c.Status != http.StatusNoContent {
		t.Errorf("allowed origin, delete: %+v (%s)", c, c.Body)
	}
	for name, c := range calls("other") {
		if c.Error == "" {
			t.Errorf("other origin, %s: read %d %s, want a CORS failure", name, c.Status, c.Body)
		}
	}

	// The other origin's create was stopped by its preflight: no room.
	req, _ := http.NewRequest("GET", e.srv.URL()+"/v1/rooms/"+roomName+"-other", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: e.tls}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("room created from the other origin: GET answers %d, want 404", resp.StatusCode)
	}
}
