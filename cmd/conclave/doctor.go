package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/doctor"
)

const doctorUsage = `Usage:
  conclave doctor [--config FILE] [--data DIR] [--dev] [--json]
A security self-audit of the installation: the TLS certificate, the admin
listener, the data directory's permissions, the policy in force, admins'
second factors, API keys, the audit log and the binary's age and Go
version. Give it the configuration file, environment and --dev the server
runs with. Findings are listed by severity (high, medium, low, info), each
with a stable id and the fix; docs/operations.md lists every check. With
--dev, what development mode does on purpose is reported as info and
labelled "implied by dev mode". --json prints one JSON object instead
(schema in docs/operations.md).
Exit codes: 0 no high finding; 1 a high finding, or the audit could not
run; 2 a mistake on the command line.
`

// doctorSchema is the version of the --json output's schema.
const doctorSchema = 1

// doctorCmd runs `conclave doctor`.
type doctorCmd struct {
	stdout, stderr io.Writer
	env            []string
	now            func() time.Time
	build          func() doctor.Build
}

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return doctorCmd{stdout: stdout, stderr: stderr, env: os.Environ(), now: time.Now, build: binaryBuild}.run(ctx, args)
}

// binaryBuild is what this binary knows of its build.
func binaryBuild() doctor.Build {
	b := readBuildInfo()
	out := doctor.Build{GoVersion: runtime.Version()}
	if t, err := time.Parse(time.RFC3339, b.Date); err == nil {
		out.Date = t
	}
	return out
}

// highFindings: the audit ran and found something high.
type highFindings struct{ n int }

func (e highFindings) Error() string {
	return fmt.Sprintf("doctor: %d high finding(s)", e.n)
}

func (c doctorCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, doctorUsage) }
	configFile := fs.String("config", "", "YAML configuration `file` the server runs with")
	data := fs.String("data", "", "data `directory` (default: the configuration's data_dir)")
	dev := fs.Bool("dev", false, "the server runs with --dev: what dev mode does on purpose is reported as info")
	asJSON := fs.Bool("json", false, "print one JSON object (docs/operations.md) instead of text")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	env := c.env
	if *dev {
		env = append(env[:len(env):len(env)], config.EnvPrefix+"DEV=true")
	}
	cfg, err := config.Load(*configFile, env)
	if err != nil {
		return err
	}
	if *data != "" {
		cfg.DataDir = *data
	}
	rep, err := doctor.Run(ctx, doctor.Options{Config: cfg, Build: c.build(), Now: c.now()})
	if err != nil {
		return err
	}
	if *asJSON {
		err = c.printJSON(rep)
	} else {
		err = c.printText(rep)
	}
	if err != nil {
		return err
	}
	if n := rep.Count(doctor.High); n > 0 {
		return highFindings{n}
	}
	return nil
}

// doctorJSON is the --json output (docs/operations.md).
type doctorJSON struct {
	Schema int `json:"schema"`
	doctor.Report
	Summary map[doctor.Severity]int `json:"summary"`
}

func (c doctorCmd) printJSON(rep doctor.Report) error {
	if rep.Findings == nil {
		rep.Findings = []doctor.Finding{}
	}
	out := doctorJSON{Schema: doctorSchema, Report: rep, Summary: map[doctor.Severity]int{}}
	for _, s := range []doctor.Severity{doctor.High, doctor.Medium, doctor.Low, doctor.Info} {
		out.Summary[s] = rep.Count(s)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (c doctorCmd) printText(rep doctor.Report) error {
	var b strings.Builder
	mode := "production"
	if rep.Dev {
		mode = "development (--dev)"
	}
	fmt.Fprintf(&b, "Conclave self-audit of %s, %s mode, at %s\n\n", rep.DataDir, mode, rep.Checked.Format(time.RFC3339))
	implied := 0
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "%-6s  %s", strings.ToUpper(string(f.Severity)), f.ID)
		if f.Subject != "" {
			fmt.Fprintf(&b, "  [%s]", f.Subject)
		}
		fmt.Fprintf(&b, "\n        %s\n        fix: %s\n", f.Message, f.Fix)
		if f.ImpliedByDev {
			implied++
		}
	}
	if len(rep.Findings) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Findings: %d (%d high, %d medium, %d low, %d info).\n", len(rep.Findings),
		rep.Count(doctor.High), rep.Count(doctor.Medium), rep.Count(doctor.Low), rep.Count(doctor.Info))
	if rep.Dev {
		fmt.Fprintf(&b, "Implied by dev mode and reported as info: %d; ", implied)
		if rep.Count(doctor.High) == 0 {
			b.WriteString("there is no high finding besides them.\n")
		} else {
			b.WriteString("the high findings above are not.\n")
		}
	}
	_, err := io.WriteString(c.stdout, b.String())
	return err
}
