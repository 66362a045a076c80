package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Build stamps, set with -ldflags (docs/operations.md, "Versions"):
//
//	go build -ldflags "-X main.version=v1.4.0 -X main.commit=$(git rev-parse HEAD) \
//	    -X main.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/conclave
//
// Without them, the Go toolchain's own stamps are used where it made them
// (the module version of `go install …@version`, the VCS revision and
// time of a build in a git checkout); otherwise "dev" and "unknown".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

const versionUsage = `Usage:
  conclave version [--sbom]
Prints the version, commit, build date, Go version and every module
linked into the binary. --sbom prints a CycloneDX 1.5 JSON SBOM instead.
`

// module is one Go module in the binary.
type module struct {
	Path, Version string
	// Replaced: the module was replaced (go.mod replace) by Path at
	// Version, or by a local directory when Version is "".
	Replaced bool
}

// buildInfo is what `conclave version` prints.
type buildInfo struct {
	Version, Commit, Date string
	GoVersion, Platform   string
	Module                string
	Deps                  []module
}

// readBuildInfo combines the -ldflags stamps with the binary's build
// information.
func readBuildInfo() buildInfo {
	b := buildInfo{
		Version: version, Commit: commit, Date: date, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Module: "github.com/conclave-video/conclave",
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b.withDefaults()
	}
	if bi.Main.Path != "" {
		b.Module = bi.Main.Path
	}
	if b.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && commit == "" && b.Commit != "" {
		b.Commit += "-modified"
	}
	for _, d := range bi.Deps {
		m := module{Path: d.Path, Version: d.Version}
		if d.Replace != nil {
			m = module{Path: d.Replace.Path, Version: d.Replace.Version, Replaced: true}
		}
		b.Deps = append(b.Deps, m)
	}
	return b.withDefaults()
}

func (b buildInfo) withDefaults() buildInfo {
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, versionUsage) }
	sbom := fs.Bool("sbom", false, "print a CycloneDX 1.5 JSON SBOM")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("version: unexpected argument %q", fs.Arg(0))}
	}
	b := readBuildInfo()
	if *sbom {
		return writeSBOM(stdout, b, time.Now(), newUUID())
	}
	writeVersion(stdout, b)
	return nil
}

// writeVersion prints b: "conclave VERSION", then "key: value" lines,
// then the modules, one "  PATH VERSION" a line.
func writeVersion(w io.Writer, b buildInfo) {
	fmt.Fprintf(w, "conclave %s\n", b.Version)
	fmt.Fprintf(w, "commit: %s\n", b.Commit)
	fmt.Fprintf(w, "built: %s\n", b.Date)
	fmt.Fprintf(w, "go: %s %s\n", b.GoVersion, b.Platform)
	fmt.Fprintf(w, "module: %s\n", b.Module)
	fmt.Fprintf(w, "dependencies: %d\n", len(b.Deps))
	for _, d := range b.Deps {
		v := d.Version
		if d.Replaced {
			v += " (replaced)"
			if d.Version == "" {
				v = "(replaced by a local directory)"
			}
		}
		fmt.Fprintf(w, "  %s %s\n", d.Path, v)
	}
}

// CycloneDX 1.5, the subset Conclave writes.
type (
	cdxBOM struct {
		Schema       string          `json:"$schema"`
		BOMFormat    string          `json:"bomFormat"`
		SpecVersion  string          `json:"specVersion"`
		SerialNumber string          `json:"serialNumber"`
		Version      int             `json:"version"`
		Metadata     cdxMetadata     `json:"metadata"`
		Components   []cdxComponent  `json:"components"`
		Dependencies []cdxDependency `json:"dependencies"`
	}
	cdxMetadata struct {
		Timestamp string       `json:"timestamp"`
		Tools     cdxTools     `json:"tools"`
		Component cdxComponent `json:"component"`
	}
	cdxTools struct {
		Components []cdxComponent `json:"components"`
	}
	cdxComponent struct {
		Type       string        `json:"type"`
		BOMRef     string        `json:"bom-ref,omitempty"`
		Name       string        `json:"name"`
		Version    string        `json:"version,omitempty"`
		PURL       string        `json:"purl,omitempty"`
		Properties []cdxProperty `json:"properties,omitempty"`
	}
	cdxProperty struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	cdxDependency struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	}
)

// writeSBOM writes b as a CycloneDX 1.5 JSON SBOM: the binary as the
// metadata component, every linked module and the Go standard library as
// components with pkg:golang purls. Go's build information does not say
// which module needs which, so the binary depends on all of them.
func writeSBOM(w io.Writer, b buildInfo, now time.Time, serial string) error {
	main := cdxComponent{
		Type: "application", BOMRef: goPURL(b.Module, b.Version), Name: b.Module, Version: b.Version, PURL: goPURL(b.Module, b.Version),
		Properties: []cdxProperty{{Name: "conclave:commit", Value: b.Commit}, {Name: "conclave:build_date", Value: b.Date},
			{Name: "conclave:platform", Value: b.Platform}},
	}
	bom := cdxBOM{
		Schema: "http://cyclonedx.org/schema/bom-1.5.schema.json", BOMFormat: "CycloneDX", SpecVersion: "1.5",
		SerialNumber: "urn:uuid:" + serial, Version: 1,
		Metadata: cdxMetadata{
			Timestamp: now.UTC().Format(time.RFC3339),
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "conclave", Version: b.Version}}},
			Component: main,
		},
		Components: []cdxComponent{},
	}
	std := cdxComponent{Type: "library", BOMRef: goPURL("std", b.GoVersion), Name: "std", Version: b.GoVersion, PURL: goPURL("std", b.GoVersion)}
	refs := []string{std.BOMRef}
	bom.Components = append(bom.Components, std)
	for _, d := range b.Deps {
		c := cdxComponent{Type: "library", Name: d.Path, Version: d.Version, PURL: goPURL(d.Path, d.Version)}
		c.BOMRef = c.PURL
		if d.Replaced && d.Version == "" {
			c.BOMRef = "local:" + d.Path
			c.PURL = ""
			c.Properties = []cdxProperty{{Name: "conclave:replaced_by", Value: "a local directory"}}
		}
		bom.Components = append(bom.Components, c)
		refs = append(refs, c.BOMRef)
	}
	bom.Dependencies = []cdxDependency{{Ref: main.BOMRef, DependsOn: refs}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(bom)
}

// goPURL is the package URL of Go module path at version: the path's
// segments and the version percent-encoded where purl requires.
func goPURL(path, version string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = purlEscape(s)
	}
	p := "pkg:golang/" + strings.Join(segs, "/")
	if version != "" {
		p += "@" + purlEscape(version)
	}
	return p
}

func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// newUUID is a random (version 4) UUID, the SBOM's serial number.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
