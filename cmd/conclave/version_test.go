package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goModRequires reads the module versions go.mod requires.
func goModRequires(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	inBlock := false
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(strings.Split(line, "//")[0])
		switch {
		case line == "require (":
			inBlock = true
			continue
		case line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !inBlock:
			continue
		}
		if f := strings.Fields(line); len(f) == 2 {
			out[f[0]] = f[1]
		}
	}
	return out
}

// `conclave version` prints the build stamps, the Go version and every
// module linked in, each at the version go.mod names.
func TestVersionListsEveryDependency(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"version"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	fields := map[string]string{}
	deps := map[string]string{}
	var first string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case first == "":
			first = line
		case strings.HasPrefix(line, "  "):
			f := strings.Fields(line)
			if len(f) != 2 {
				t.Fatalf("dependency line %q", line)
			}
			deps[f[0]] = f[1]
		default:
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				t.Fatalf("line %q", line)
			}
			fields[k] = v
		}
	}
	if !regexp.MustCompile(`^conclave \S+$`).MatchString(first) {
		t.Errorf("first line %q", first)
	}
	if fields["go"] != runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH || fields["module"] != "github.com/conclave-video/conclave" ||
		fields["commit"] == "" || fields["built"] == "" {
		t.Errorf("fields %v", fields)
	}
	req := goModRequires(t)
	if len(deps) == 0 || fields["dependencies"] != strconv.Itoa(len(deps)) {
		t.Fatalf("%s dependencies counted, %d listed", fields["dependencies"], len(deps))
	}
	for path, v := range deps {
		if req[path] != v {
			t.Errorf("%s %s: go.mod requires %q", path, v, req[path])
		}
	}
	for _, direct := range []string{"github.com/pion/webrtc/v4", "modernc.org/sqlite", "github.com/coder/websocket", "golang.org/x/crypto"} {
		if deps[direct] == "" {
			t.Errorf("%s is not listed", direct)
		}
	}
}

// The -ldflags stamps win over the toolchain's, and are printed.
func TestVersionStamps(t *testing.T) {
	b := buildInfo{Version: "v1.4.0", Commit: "0123abc", Date: "2026-08-21T10:00:00Z", GoVersion: "go1.26.8", Platform: "linux/amd64",
		Module: "github.com/conclave-video/conclave", Deps: []module{
			{Path: "github.com/a/b", Version: "v1.0.0"},
			{Path: "example.org/fork", Version: "v0.1.0", Replaced: true},
			{Path: "../local", Replaced: true},
		}}
	var out bytes.Buffer
	writeVersion(&out, b)
	want := `conclave v1.4.0
commit: 0123abc
built: 2026-08-21T10:00:00Z
go: go1.26.8 linux/amd64
module: github.com/conclave-video/conclave
dependencies: 3
  github.com/a/b v1.0.0
  example.org/fork v0.1.0 (replaced)
  ../local (replaced by a local directory)
`
	if out.String() != want {
		t.Errorf("version output\n%s\nwant\n%s", out.String(), want)
	}
	if got := (buildInfo{}).withDefaults(); got.Commit != "unknown" || got.Date != "unknown" {
		t.Errorf("defaults %+v", got)
	}
}

type sbomProperty struct{ Name, Value string }

type sbom struct {
	Schema       string `json:"$schema"`
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Version      int    `json:"version"`
	Metadata     struct {
		Timestamp string `json:"timestamp"`
		Tools     struct {
			Components []struct{ Type, Name, Version string } `json:"components"`
		} `json:"tools"`
		Component struct {
			Type, Name, Version, PURL string
			BOMRef                    string         `json:"bom-ref"`
			Properties                []sbomProperty `json:"properties"`
		} `json:"component"`
	} `json:"metadata"`
	Components []struct {
		Type, Name, Version string
		PURL                string         `json:"purl"`
		BOMRef              string         `json:"bom-ref"`
		Properties          []sbomProperty `json:"properties"`
	} `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

// `conclave version --sbom` is CycloneDX 1.5 JSON: the binary, the Go
// standard library and every module, with pkg:golang purls.
func TestVersionSBOM(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"version", "--sbom"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var bom sbom
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bom); err != nil {
		t.Fatalf("SBOM: %v\n%s", err, out.String())
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.5" || bom.Version != 1 ||
		!regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(bom.SerialNumber) {
		t.Errorf("header: %+v", bom)
	}
	if _, err := time.Parse(time.RFC3339, bom.Metadata.Timestamp); err != nil {
		t.Errorf("timestamp: %v", err)
	}
	if c := bom.Metadata.Component; c.Type != "application" || c.Name != "github.com/conclave-video/conclave" ||
		!strings.HasPrefix(c.PURL, "pkg:golang/github.com/conclave-video/conclave@") || c.BOMRef == "" {
		t.Errorf("metadata component %+v", c)
	}
	if tools := bom.Metadata.Tools.Components; len(tools) != 1 || tools[0].Name != "conclave" {
		t.Errorf("tools %+v", tools)
	}
	req := goModRequires(t)
	refs := map[string]bool{}
	seen := map[string]bool{}
	for _, c := range bom.Components {
		if c.Type != "library" || c.BOMRef == "" || refs[c.BOMRef] {
			t.Errorf("component %+v", c)
		}
		refs[c.BOMRef] = true
		seen[c.Name] = true
		if c.Name == "std" {
			if c.Version != runtime.Version() || c.PURL != "pkg:golang/std@"+runtime.Version() {
				t.Errorf("std %+v", c)
			}
			continue
		}
		if req[c.Name] != c.Version || c.PURL != "pkg:golang/"+c.Name+"@"+c.Version {
			t.Errorf("component %+v: go.mod requires %q", c, req[c.Name])
		}
	}
	if !seen["std"] || !seen["github.com/pion/webrtc/v4"] || !seen["modernc.org/sqlite"] {
		t.Errorf("components %v", seen)
	}
	if len(bom.Dependencies) != 1 || bom.Dependencies[0].Ref != bom.Metadata.Component.BOMRef || len(bom.Dependencies[0].DependsOn) != len(bom.Components) {
		t.Fatalf("dependencies %+v", bom.Dependencies)
	}
	for _, r := range bom.Dependencies[0].DependsOn {
		if !refs[r] {
			t.Errorf("dependsOn %q: no such component", r)
		}
	}
	if err := run(t.Context(), []string{"version", "extra"}, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("version extra = %v", err)
	}
}

func TestGoPURL(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"github.com/pion/webrtc/v4", "v4.2.26"}:          "pkg:golang/github.com/pion/webrtc/v4@v4.2.26",
		{"github.com/x/y", "v2.0.0+incompatible"}:         "pkg:golang/github.com/x/y@v2.0.0%2Bincompatible",
		{"example.org/a b", ""}:                           "pkg:golang/example.org/a%20b",
		{"std", "go1.26.8"}:                               "pkg:golang/std@go1.26.8",
		{"github.com/BurntSushi/toml", "v1.0.0-0.2020.x"}: "pkg:golang/github.com/BurntSushi/toml@v1.0.0-0.2020.x",
	} {
		if got := goPURL(in[0], in[1]); got != want {
			t.Errorf("goPURL(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
