package doctor

import "testing"

func TestParseGoVersion(t *testing.T) {
	for _, tt := range []struct {
		in    string
		minor string
		patch int
		ok    bool
	}{
		{"go1.26.8", "go1.26", 8, true},
		{"go1.26", "go1.26", 0, true},
		{"go1.27rc1", "", 0, false},
		{"devel go1.27-abcdef", "", 0, false},
		{"go1.26.x", "", 0, false},
		{"", "", 0, false},
	} {
		minor, patch, ok := parseGoVersion(tt.in)
		if minor != tt.minor || patch != tt.patch || ok != tt.ok {
			t.Errorf("parseGoVersion(%q) = %q, %d, %v; want %q, %d, %v", tt.in, minor, patch, ok, tt.minor, tt.patch, tt.ok)
		}
	}
}
