package sfu

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportRules enforces the layering in DESIGN.md: the forwarding core
// imports pion and the standard library only, never another package of this
// module (room, signal, rtc, store...).
func TestImportRules(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowedImport(path, strings.HasSuffix(name, "_test.go")) {
				t.Errorf("%s imports %q: sfu may import pion and the standard library only", name, path)
			}
		}
	}
}

func allowedImport(path string, test bool) bool {
	if strings.HasPrefix(path, "github.com/conclave-video/") {
		return false
	}
	first, _, _ := strings.Cut(path, "/")
	if !strings.Contains(first, ".") {
		return true // standard library
	}
	for _, p := range []string{
		"github.com/pion/webrtc/v4", "github.com/pion/rtp", "github.com/pion/rtcp", "github.com/pion/interceptor",
	} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
