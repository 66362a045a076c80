package webhook_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/conclave-video/conclave/webhook"
)

var secret = bytes.Repeat([]byte("k"), 32)

func signed(t *testing.T, id string, at time.Time, body []byte) http.Header {
	t.Helper()
	h := http.Header{}
	webhook.SetHeaders(h, secret, id, at, body)
	return h
}

// TestSignVector pins the scheme: HMAC-SHA256(secret, ts "." id "." body).
func TestSignVector(t *testing.T) {
	got := webhook.Sign([]byte("secret"), "d1", 1700000000, []byte(`{"a":1}`))
	// Computed independently: printf '1700000000.d1.{"a":1}' | openssl dgst -sha256 -hmac secret
	const want = "v1=774bd083277908c45f4f258dd664bb993876865063a92863261fe933a64038b0"
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	body := []byte(`{"kind":"signin_failed"}`)
	tests := []struct {
		name   string
		header func() http.Header
		body   []byte
		want   error
	}{
		{"good", func() http.Header { return signed(t, "a1", now, body) }, body, nil},
		{"rotated secret listed second", func() http.Header {
			h := signed(t, "a2", now, body)
			h.Set(webhook.HeaderSignature, webhook.Sign([]byte("other-secret-other-secret-000000"), "a2", now.Unix(), body)+", "+h.Get(webhook.HeaderSignature))
			return h
		}, body, nil},
		{"body changed", func() http.Header { return signed(t, "a3", now, body) }, []byte(`{"kind":"x"}`), webhook.ErrBadSignature},
		{"id changed", func() http.Header {
			h := signed(t, "a4", now, body)
			h.Set(webhook.HeaderID, "a5")
			return h
		}, body, webhook.ErrBadSignature},
		{"timestamp changed", func() http.Header {
			h := signed(t, "a6", now, body)
			h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h
		}, body, webhook.ErrBadSignature},
		{"stale", func() http.Header { return signed(t, "a7", now.Add(-webhook.DefaultTolerance-time.Second), body) }, body, webhook.ErrStale},
		{"future", func() http.Header { return signed(t, "a8", now.Add(webhook.DefaultTolerance+time.Second), body) }, body, webhook.ErrStale},
		{"no signature", func() http.Header {
			h := signed(t, "a9", now, body)
			h.Del(webhook.HeaderSignature)
			return h
		}, body, webhook.ErrMissingHeader},
		{"bad id", func() http.Header { return signed(t, "a b", now, body) }, body, webhook.ErrMalformed},
		{"other scheme only", func() http.Header {
			h := signed(t, "b1", now, body)
			h.Set(webhook.HeaderSignature, "v2=abcd")
			return h
		}, body, webhook.ErrMalformed},
	}
	v := &webhook.Verifier{Secrets: [][]byte{secret}, Seen: webhook.NewMemorySeen(0), Now: clock}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.Verify(tt.header(), tt.body); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReplay: the same delivery twice is refused the second time, and a
// copy with a forged id fails its signature, so it cannot fill the store.
func TestReplay(t *testing.T) {
	body := []byte(`{}`)
	v := &webhook.Verifier{Secrets: [][]byte{secret}, Seen: webhook.NewMemorySeen(2)}
	h := signed(t, "r1", time.Now(), body)
	if _, err := v.Verify(h, body); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(h, body); !errors.Is(err, webhook.ErrReplayed) {
		t.Fatalf("replay: %v, want ErrReplayed", err)
	}
	if _, err := v.Verify(signed(t, "r2", time.Now(), body), body); err != nil {
		t.Fatal(err)
	}
	// Full of ids none of which has expired: refused, not forgotten.
	if _, err := v.Verify(signed(t, "r3", time.Now(), body), body); !errors.Is(err, webhook.ErrSeenFull) {
		t.Fatalf("full store: %v, want ErrSeenFull", err)
	}
	if _, err := v.Verify(h, body); !errors.Is(err, webhook.ErrReplayed) {
		t.Fatalf("replay when full: %v, want ErrReplayed", err)
	}
}

func TestMemorySeenExpires(t *testing.T) {
	s := webhook.NewMemorySeen(1)
	now := time.Now()
	if fresh, err := s.Remember("x", now.Add(-time.Second)); !fresh || err != nil {
		t.Fatal(fresh, err)
	}
	// x's time is past: it is forgotten to make room.
	if fresh, err := s.Remember("y", now.Add(time.Hour)); !fresh || err != nil {
		t.Fatalf("y: %v %v", fresh, err)
	}
}

// TestNoSecret: an empty or short secret (an unset variable) verifies
// nothing, not even a delivery signed with that same empty key.
func TestNoSecret(t *testing.T) {
	body := []byte(`{}`)
	h := http.Header{}
	webhook.SetHeaders(h, nil, "e1", time.Now(), body)
	for _, secrets := range [][][]byte{nil, {nil}, {[]byte("short")}} {
		v := &webhook.Verifier{Secrets: secrets}
		if _, err := v.Verify(h, body); !errors.Is(err, webhook.ErrNoSecret) {
			t.Errorf("secrets %q: %v, want ErrNoSecret", secrets, err)
		}
	}
}

func TestVerifyRequest(t *testing.T) {
	v := &webhook.Verifier{Secrets: [][]byte{secret}}
	body := bytes.Repeat([]byte("a"), webhook.MaxBodyBytes+1)
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	for k, vs := range signed(t, "big", time.Now(), body) {
		r.Header[k] = vs
	}
	if _, err := v.VerifyRequest(r); !errors.Is(err, webhook.ErrTooLarge) {
		t.Fatalf("large body: %v", err)
	}
}
