package policy

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse: any document either parses to rules that Marshal writes
// back to the same rules, or is refused with an *Error; never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		full, "chat: false\n", "", "- a\n", "a: &x [1]\nb: *x\n", "allowed_email_domains: [a.b, c.d]\n",
		"max_token_lifetime: 1h30m\n", "{}", "chat: !!str true\n", "---\n...\n", "? [a]\n: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := Parse(doc)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not an *Error", err)
			}
			return
		}
		back, err := Parse(Marshal(r))
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, r)
		}
	})
}
