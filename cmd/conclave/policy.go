package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/store"
)

const policyUsage = `Usage:
  conclave policy show [--config FILE] [--data DIR] [--versions N]
  conclave policy validate FILE
  conclave policy apply FILE [--if-version N] [--data DIR]
show prints the policy in force: the newest stored version, or without one
the defaults seeded from the configuration. apply stores FILE as the next
version (a running server puts it in force within a few seconds).
Exit codes: 0 done; 1 the file is not a valid policy, or another error;
2 a mistake on the command line; 3 --if-version is not the newest version.
`

// conflictError: the policy changed since the version the caller named.
type conflictError struct{ msg string }

func (e conflictError) Error() string { return e.msg }

// policyCmd runs `conclave policy` on the local data directory's
// database: the same store and parser the server and its API use.
type policyCmd struct {
	stdout, stderr io.Writer
	env            []string
	// author names who applies (nil: "operator:" and the system user).
	author func() string
	now    func() time.Time
}

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return policyCmd{stdout: stdout, stderr: stderr, env: os.Environ()}.run(ctx, args)
}

func (c policyCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, policyUsage)
		return usageError{"policy: no subcommand given"}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.author == nil {
		c.author = operatorName
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "show":
		return c.show(ctx, rest)
	case "validate":
		return c.validate(rest)
	case "apply":
		return c.apply(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, policyUsage)
		return nil
	}
	fmt.Fprint(c.stderr, policyUsage)
	return usageError{fmt.Sprintf("policy: unknown subcommand %q", sub)}
}

// operatorName is the author of a version applied on the command line.
func operatorName() string {
	name := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name += ":" + u.Username
	}
	if len(name) > policy.MaxAuthorBytes {
		name = name[:policy.MaxAuthorBytes]
	}
	return name
}

func (c policyCmd) flags(sub string) *flag.FlagSet {
	fs := flag.NewFlagSet("policy "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

func (c policyCmd) show(ctx context.Context, args []string) error {
	fs := c.flags("show")
	configFile := fs.String("config", "", "YAML configuration `file` (seeds the defaults when no version is stored)")
	data := fs.String("data", "", "data `directory` holding conclave.db (default: the configuration's data_dir)")
	versions := fs.Int("versions", 0, "also list the newest `N` stored versions")
	pos, err := credParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("policy show: unexpected argument %q", pos[0])}
	}
	if *versions < 0 || *versions > 1000 {
		return usageError{"policy show: --versions: 0 to 1000"}
	}
	cfg, err := config.Load(*configFile, c.env)
	if err != nil {
		return err
	}
	if *data != "" {
		cfg.DataDir = *data
	}
	st, err := credOpenStore(ctx, cfg.DataDir, c.stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := policy.Effective(ctx, store.LatestPolicy(st), cfg)
	if err != nil {
		return err
	}
	if p.Source == policy.SourceDefaults {
		fmt.Fprintln(c.stdout, "# No version is stored: these are the defaults, seeded from the configuration.")
	} else {
		fmt.Fprintf(c.stdout, "# Version %d, applied %s by %s.\n", p.Version, p.AppliedAt.UTC().Format(time.RFC3339), p.Author)
	}
	if _, err := c.stdout.Write(policy.Marshal(p.Rules)); err != nil {
		return err
	}
	if *versions > 0 {
		vs, err := st.PolicyVersions(ctx, *versions)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "# Versions, newest first:")
		for _, v := range vs {
			fmt.Fprintf(c.stdout, "#   %d  %s  %s\n", v.Version, v.CreatedAt.UTC().Format(time.RFC3339), v.Author)
		}
	}
	return nil
}

// readPolicyFile reads and parses path; an invalid file's error names the
// file, the line and the reason.
func readPolicyFile(path string) ([]byte, policy.Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, policy.Rules{}, err
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, policy.MaxBytes+1))
	if err != nil {
		return nil, policy.Rules{}, fmt.Errorf("%s: %w", path, err)
	}
	rules, err := policy.Parse(text)
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			where := path
			if pe.Line > 0 {
				where += ":" + strconv.Itoa(pe.Line)
			}
			if pe.Key != "" {
				where += ": " + pe.Key
			}
			return nil, policy.Rules{}, fmt.Errorf("%s: %s (not applied)", where, pe.Reason)
		}
		return nil, policy.Rules{}, err
	}
	return text, rules, nil
}

func (c policyCmd) validate(args []string) error {
	fs := c.flags("validate")
	pos, err := credParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"policy validate: give one FILE"}
	}
	_, rules, err := readPolicyFile(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "# %s is a valid policy. In full:\n", pos[0])
	_, err = c.stdout.Write(policy.Marshal(rules))
	return err
}

func (c policyCmd) apply(ctx context.Context, args []string) error {
	fs := c.flags("apply")
	data := fs.String("data", credDefaultDataDir, "data `directory` holding conclave.db")
	ifVersion := fs.Int64("if-version", -1, "apply only if the newest stored version is `N` (0: none is stored)")
	pos, err := credParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"policy apply: give one FILE"}
	}
	text, rules, err := readPolicyFile(pos[0])
	if err != nil {
		return err
	}
	st, err := credOpenStore(ctx, *data, c.stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	prev := *ifVersion
	if prev < 0 {
		latest, err := st.LatestPolicyVersion(ctx)
		switch {
		case errors.Is(err, store.ErrNotFound):
			prev = 0
		case err != nil:
			return err
		default:
			prev = latest.Version
		}
	}
	v, err := st.AddPolicyVersion(ctx, prev, store.PolicyVersion{YAML: string(text), Author: c.author(), CreatedAt: c.now()})
	if errors.Is(err, store.ErrConflict) {
		return conflictError{fmt.Sprintf("policy apply: version %d is no longer the newest: run policy show, and apply again (not applied)", prev)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "# Applied as version %d by %s. A running server puts it in force within %s.\n",
		v.Version, v.Author, policy.PollInterval)
	_, err = c.stdout.Write(policy.Marshal(rules))
	return err
}
