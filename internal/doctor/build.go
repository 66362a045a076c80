package doctor

import (
	"fmt"
	"strconv"
	"strings"
)

// latestGoPatch is the newest patch release of each Go minor release this
// source knows of: a binary built with an older patch misses security
// fixes of the standard library (crypto/tls, net/http, ...). Update it
// with the toolchain (docs/operations.md, "Self-audit"). A minor release
// it does not list is not judged.
func latestGoPatch(minor string) (int, bool) {
	switch minor {
	case "go1.26":
		return 8, true
	}
	return 0, false
}

// oldestKnownGoMinor: a release older than it is out of support.
const oldestKnownGoMinor = 26

// build judges the binary: how long ago it was built and with which Go.
func (a *auditor) build() {
	b, maxAge := a.o.Build, a.o.Config.Doctor.MaxBinaryAge
	if b.Date.IsZero() {
		a.add(Finding{ID: "build.date_unknown", Severity: Info,
			Message: "The binary does not know when it was built, so its age cannot be judged.",
			Fix:     "Build releases with -ldflags \"-X main.date=...\" or from a git checkout (docs/operations.md, \"Versions and vulnerabilities\")."})
	} else if age := a.o.Now.Sub(b.Date); age > maxAge {
		f := Finding{ID: "build.old", Severity: Low,
			Message: fmt.Sprintf("The binary was built %d days ago, longer than doctor.max_binary_age (%d days): it misses the fixes released since.", days(age), days(maxAge)),
			Fix:     "Upgrade to the newest release (docs/operations.md, \"Versions and vulnerabilities\")."}
		if age > 2*maxAge {
			f.Severity = Medium
		}
		a.add(f)
	}

	minor, patch, ok := parseGoVersion(b.GoVersion)
	if !ok {
		a.add(Finding{ID: "build.go_unknown", Severity: Info, Subject: b.GoVersion,
			Message: fmt.Sprintf("The binary was built with Go %q, not a release this check can judge.", b.GoVersion),
			Fix:     "Build releases with a released Go toolchain."})
		return
	}
	if n, _ := strconv.Atoi(strings.TrimPrefix(minor, "go1.")); n < oldestKnownGoMinor {
		a.add(Finding{ID: "build.go_outdated", Severity: Medium, Subject: b.GoVersion,
			Message: fmt.Sprintf("The binary was built with %s, older than every Go release this source knows of: its standard library misses security fixes.", b.GoVersion),
			Fix:     "Rebuild with the newest Go release."})
		return
	}
	if latest, known := latestGoPatch(minor); known && patch < latest {
		a.add(Finding{ID: "build.go_outdated", Severity: Medium, Subject: b.GoVersion,
			Message: fmt.Sprintf("The binary was built with %s; %s.%d was known when it was built: its standard library misses the security fixes in between.", b.GoVersion, minor, latest),
			Fix:     fmt.Sprintf("Rebuild with %s.%d or newer.", minor, latest)})
	}
}

// parseGoVersion splits "go1.26.3" into "go1.26" and 3 ("go1.26" is patch
// 0). A pre-release or development toolchain does not parse.
func parseGoVersion(v string) (minor string, patch int, ok bool) {
	if !strings.HasPrefix(v, "go1.") {
		return "", 0, false
	}
	parts := strings.Split(strings.TrimPrefix(v, "go"), ".")
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return "", 0, false
		}
	}
	switch len(parts) {
	case 2:
		return "go" + parts[0] + "." + parts[1], 0, true
	case 3:
		n, _ := strconv.Atoi(parts[2])
		return "go" + parts[0] + "." + parts[1], n, true
	}
	return "", 0, false
}
