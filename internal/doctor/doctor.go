// Package doctor owns Conclave's security self-audit (`conclave doctor`):
// the checks an auditor would make of an installation — its
// configuration, its files, the policy in force, its accounts and keys,
// its audit log and the binary itself — each reported as a Finding with a
// stable id, a severity, a sentence and the fix.
//
// It changes nothing it judges (the database is opened as every operator
// command opens it, and never created). docs/operations.md ("Self-audit")
// lists every check.
package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/config"
)

// Severity ranks a finding. Any High one makes the command fail.
type Severity string

// Severities, from the most to the least urgent.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
	Info   Severity = "info"
)

// Severities lists them from the most to the least urgent.
var severities = [...]Severity{High, Medium, Low, Info}

func (s Severity) rank() int { return slices.Index(severities[:], s) }

// Finding is one thing the self-audit found.
type Finding struct {
	// ID is stable across releases ("tls.expired"): scripts and
	// alerts may key on it. One ID may appear more than once, each
	// about another Subject.
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Subject is what the finding is about, when there are several
	// such things: a file, an API key id, a user id.
	Subject string `json:"subject,omitempty"`
	// Message says what is wrong, in one sentence.
	Message string `json:"message"`
	// Fix says what to do about it.
	Fix string `json:"fix"`
	// ImpliedByDev: the finding is what development mode (--dev) does
	// on purpose; it is reported at Info, whatever it would be in
	// production.
	ImpliedByDev bool `json:"implied_by_dev"`
}

// Build is what the binary knows of its own build.
type Build struct {
	// Date is when it was built; zero when unknown.
	Date time.Time
	// GoVersion is the toolchain it was built with (runtime.Version()).
	GoVersion string
}

// Options is what the self-audit looks at.
type Options struct {
	// Config is the effective configuration, as `conclave serve` with
	// the same file, environment and flags would run.
	Config config.Config
	Build  Build
	// Now is the time findings are judged at.
	Now time.Time
}

// Report is the self-audit's result.
type Report struct {
	Dev      bool      `json:"dev"`
	DataDir  string    `json:"data_dir"`
	Checked  time.Time `json:"checked_at"`
	Findings []Finding `json:"findings"`
}

// Count returns how many findings have severity s.
func (r Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Run audits the installation o describes. It fails only when it cannot
// look at all (the database does not open); a check that cannot be made
// is itself a finding.
func Run(ctx context.Context, o Options) (Report, error) {
	a := &auditor{o: o, dev: o.Config.Dev}
	a.devMode()
	a.tls()
	a.adminListener()
	a.dataDir()
	if err := a.store(ctx); err != nil {
		return Report{}, err
	}
	a.build()
	slices.SortStableFunc(a.findings, func(x, y Finding) int { return x.Severity.rank() - y.Severity.rank() })
	return Report{Dev: a.dev, DataDir: o.Config.DataDir, Checked: o.Now.UTC(), Findings: a.findings}, nil
}

// auditor collects findings.
type auditor struct {
	o        Options
	dev      bool
	findings []Finding
}

func (a *auditor) add(f Finding) { a.findings = append(a.findings, f) }

// addDev adds f, which development mode brings about on purpose: in dev
// mode it is labelled so and lowered to Info.
func (a *auditor) addDev(f Finding) {
	if a.dev {
		f.Severity, f.ImpliedByDev = Info, true
		f.Message = strings.TrimSuffix(f.Message, ".") + " (implied by dev mode)."
	}
	a.add(f)
}

func (a *auditor) devMode() {
	c := a.o.Config
	if !c.Dev {
		return
	}
	a.addDev(Finding{ID: "dev.mode", Severity: High,
		Message: "Development mode is on: POST /dev/token hands join tokens to any process on this machine (loopback peers), with no sign-in.",
		Fix:     "Run production servers without --dev (and without dev: true or CONCLAVE_DEV)."})
	if c.DevListenAny {
		// Not implied by dev mode: a further choice to expose it.
		a.add(Finding{ID: "dev.listen_any", Severity: High,
			Message: fmt.Sprintf("Development mode listens beyond loopback (%s): anyone who reaches it can get join tokens.", c.Addr),
			Fix:     "Drop --dev-listen-any (dev_listen_any) and bind 127.0.0.1, or run without --dev."})
	}
}
