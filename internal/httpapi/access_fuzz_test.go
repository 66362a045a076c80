package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/token"
)

// fixedVerifier accepts any bearer token as one admin of key K.
type fixedVerifier struct{}

func (fixedVerifier) Verify(context.Context, string) (*token.Claims, error) {
	return &token.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "K", Subject: "admin"}, Grants: token.Grants{RoomAdmin: true}}, nil
}

// FuzzBanAndRevocationBodies: any body to POST …/bans or /v1/revocations
// is answered with a success or a refusal with a stable code (400, 403,
// 404, 409, 413), never a server error or a panic. Each input gets an API
// of its own, so that the rate limit of these endpoints (tested through
// the server) does not answer for the parser.
func FuzzBanAndRevocationBodies(f *testing.F) {
	for _, seed := range []string{
		`{"identity":"bob"}`, `{"identity":"bob","duration":60,"reason":"spam"}`, `{"identity":"bob","duration":-1}`,
		`{"identity":"","reason":"\u0000"}`, `{"jti":"abc"}`, `{"identity":"bob","room":"r"}`, `{"jti":"a","identity":"b"}`,
		`{"jti":"a b"}`, `{"room":"../x","identity":"b"}`, `null`, `[]`, `{`,
		`{"identity":"bob","revoke_invite":true}`, `{"identity":"bob","revoke_invite":"yes"}`,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	m := room.NewManager(room.Config{AutoCreate: true, Access: &stubAccess{}})
	defer m.CloseAll("test_end")
	if _, err := m.Create(room.Spec{Name: "r", Owner: "K"}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, ban bool) {
		mux := http.NewServeMux()
		httpapi.New(httpapi.Config{Verifier: fixedVerifier{}, TokenErrorCode: func(error) string { return "token_malformed" }, Rooms: m}).Register(mux)
		path := "/v1/revocations"
		if ban {
			path = "/v1/rooms/r/bans"
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusCreated, http.StatusNoContent:
		case http.StatusBadRequest, http.StatusNotFound, http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge:
			if !strings.Contains(w.Body.String(), `"code"`) {
				t.Fatalf("refusal without a code: %s", w.Body)
			}
		default:
			t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
		}
	})
}
