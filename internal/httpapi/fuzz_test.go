package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/httpapi"
)

// FuzzDecodeJSON: a REST body either decodes into exactly what its keys
// say (re-encoding it and decoding again gives the same value, and every
// key the body used is spelled as the field's JSON name), or is refused
// with 400 invalid_argument or 413 body_too_large. It never panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"name":"standup"}`,
		`{"name":"a","max_participants":3,"empty_timeout":60}`,
		`{"name":"a","Name":"b"}`,
		`{"name":"a","name":"b"}`,
		`{"name":"a"} {"name":"b"}`,
		`{"name":"\u0061"}`,
		`{"muted":true}`,
		`[]`, `null`, ``, `{`, `{"name":1e400}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/v1/rooms", bytes.NewReader(body))
		var req httpapi.CreateRoomRequest
		if !httpapi.DecodeJSON(w, r, &req, httpapi.MaxBodyBytes) {
			if w.Code != http.StatusBadRequest && w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("refused with %d", w.Code)
			}
			if !strings.Contains(w.Body.String(), `"code"`) {
				t.Fatalf("refusal without a code: %s", w.Body)
			}
			return
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(body, &keys); err != nil {
			t.Fatalf("accepted a body that is not an object: %q", body)
		}
		for k := range keys {
			if k != "name" && k != "max_participants" && k != "empty_timeout" {
				t.Fatalf("accepted key %q", k)
			}
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		var req2 httpapi.CreateRoomRequest
		w2 := httptest.NewRecorder()
		if !httpapi.DecodeJSON(w2, httptest.NewRequest(http.MethodPost, "/v1/rooms", bytes.NewReader(again)), &req2, httpapi.MaxBodyBytes) || req2 != req {
			t.Fatalf("%q decoded to %+v, which does not round-trip (%s)", body, req, again)
		}
	})
}
