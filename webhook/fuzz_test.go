package webhook_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/conclave-video/conclave/webhook"
)

// FuzzParseHeaders: any header values parse or are refused with an
// error, never a panic; what parses has a valid id and 32-byte
// signatures, and verifies only with the right signature.
func FuzzParseHeaders(f *testing.F) {
	good := http.Header{}
	webhook.SetHeaders(good, secret, "abc", time.Unix(1_800_000_000, 0), []byte("{}"))
	f.Add(good.Get(webhook.HeaderID), good.Get(webhook.HeaderTimestamp), good.Get(webhook.HeaderSignature))
	f.Add("id", "-1", "v1=zz")
	f.Add("", "99999999999999999999", "v1="+string(make([]byte, 64)))
	f.Add("a", "1", "v0=1, v1=00,v1=")
	f.Fuzz(func(t *testing.T, id, ts, sig string) {
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		s, err := webhook.ParseHeaders(h)
		if err != nil {
			return
		}
		if s.ID == "" || len(s.ID) > webhook.MaxIDBytes || len(s.Signatures) == 0 || len(s.Signatures) > webhook.MaxSignatures {
			t.Fatalf("parsed %+v", s)
		}
		for _, b := range s.Signatures {
			if len(b) != 32 {
				t.Fatalf("signature of %d bytes", len(b))
			}
		}
		v := &webhook.Verifier{Secrets: [][]byte{secret}, Now: func() time.Time { return time.Unix(s.Timestamp, 0) }}
		_, err = v.Verify(h, []byte("{}"))
		if err == nil && sig != good.Get(webhook.HeaderSignature) && id == "abc" {
			// Only a listed v1 value equal to the right one verifies.
			ok := false
			want := webhook.Sign(secret, s.ID, s.Timestamp, []byte("{}"))
			for _, b := range s.Signatures {
				if "v1="+hexs(b) == want {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("verified without the right signature: %q", sig)
			}
		}
	})
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
