package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/conclave-video/conclave"

// deps lists every package pkg depends on, transitively, without tests.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/"+pkg).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var ds []string
	for _, d := range strings.Fields(string(out)) {
		if d != module+"/"+pkg {
			ds = append(ds, d)
		}
	}
	return ds
}

func TestLayers(t *testing.T) {
	for _, rule := range []struct {
		pkg  string
		why  string
		deny func(dep string) bool
	}{
		{
			pkg: "client", why: "the public Go SDK links no server internals",
			deny: func(d string) bool { return strings.HasPrefix(d, module+"/internal/") },
		},
		{
			pkg: "client/media", why: "the public Go SDK links no server internals",
			deny: func(d string) bool { return strings.HasPrefix(d, module+"/internal/") },
		},
		{
			pkg: "protocol", why: "the wire package is the standard library only",
			deny: func(string) bool { return true },
		},
		{
			pkg: "e2ee", why: "the end-to-end encryption package is the standard library only: what clients trust is small and auditable",
			deny: func(string) bool { return true },
		},
		{
			pkg: "token", why: "the public token package links no server internals",
			deny: func(d string) bool { return strings.HasPrefix(d, module+"/internal/") },
		},
		{
			pkg: "webhook", why: "receivers import the webhook verifier: the standard library only",
			deny: func(string) bool { return true },
		},
		{
			pkg: "internal/testkit", why: "in-package tests of every package import testkit, so it imports nothing of Conclave",
			deny: func(d string) bool { return strings.HasPrefix(d, module+"/") },
		},
		{
			pkg: "internal/sfu", why: "the forwarding core imports pion and the standard library only",
			deny: func(d string) bool { return !strings.HasPrefix(d, "github.com/pion/") && !isPionDep(d) },
		},
		{
			pkg: "internal/room", why: "room decides and never does I/O: no signaling, API, store, media layer or server",
			deny: func(d string) bool {
				for _, p := range []string{"internal/signal", "internal/httpapi", "internal/store", "internal/rtc", "internal/server", "internal/udpbatch"} {
					if d == module+"/"+p {
						return true
					}
				}
				return false
			},
		},
		{
			pkg: "internal/policy", why: "the policy is read by room, auth and accounts alike: it imports nothing of Conclave but config",
			deny: func(d string) bool {
				return strings.HasPrefix(d, module+"/") && d != module+"/internal/config"
			},
		},
		{
			pkg: "internal/signal", why: "signaling never reaches the store or the REST API",
			deny: func(d string) bool {
				return d == module+"/internal/store" || d == module+"/internal/httpapi" || d == module+"/internal/server"
			},
		},
		{
			pkg: "internal/httpapi", why: "the REST API never reaches signaling, the media layer or the store",
			deny: func(d string) bool {
				for _, p := range []string{"internal/signal", "internal/rtc", "internal/store", "internal/server"} {
					if d == module+"/"+p {
						return true
					}
				}
				return false
			},
		},
		{
			// internal/sfu comes in through internal/room (its one type,
			// *sfu.Receiver), as for every user of room.
			pkg: "internal/accounts", why: "the account service reaches store, auth, guard, room events, config and httpapi's conventions, never signaling, the media layer or the server",
			deny: func(d string) bool {
				for _, p := range []string{"internal/signal", "internal/rtc", "internal/server", "internal/udpbatch"} {
					if d == module+"/"+p {
						return true
					}
				}
				return false
			},
		},
	} {
		t.Run(rule.pkg, func(t *testing.T) {
			ds := deps(t, rule.pkg)
			if len(ds) == 0 && rule.pkg != "protocol" && rule.pkg != "e2ee" && rule.pkg != "webhook" && rule.pkg != "internal/testkit" {
				t.Fatalf("go list found no dependencies of %s", rule.pkg)
			}
			for _, d := range ds {
				if rule.deny(d) {
					t.Errorf("%s depends on %s: %s", rule.pkg, d, rule.why)
				}
			}
		})
	}
}

// isPionDep allows the modules pion itself is built on.
func isPionDep(d string) bool {
	for _, p := range []string{"golang.org/x/", "github.com/google/uuid", "github.com/wlynxg/anet", "vendor/"} {
		if strings.HasPrefix(d, p) {
			return true
		}
	}
	return false
}
