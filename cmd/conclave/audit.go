package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

const auditUsage = `Usage:
  conclave audit verify [--data DIR] [--pubkey KEY ...]
  conclave audit export --since T [--out FILE] [--no-checkpoint] [--data DIR]
  conclave audit pubkey [--data DIR]
  conclave audit verify-export FILE --pubkey KEY [--pubkey KEY ...]
verify checks the audit log in DIR/conclave.db: the hash chain, every
signed checkpoint, truncation; it names the first bad sequence number.
export writes the records since T (2026-08-01, 2026-08-01T12:00:00Z, or a
duration back from now such as 720h) and their checkpoints as JSON lines,
first signing a checkpoint of the newest record. pubkey prints the public
key that verifies them; verify-export checks an export (FILE, or - for
standard input) with only that key. See docs/audit.md.
Exit codes: 0 verified; 1 the log or export does not verify, or another
error; 2 a mistake on the command line.
`

// keyList is a repeatable --pubkey flag.
type keyList []ed25519.PublicKey

func (k *keyList) String() string { return fmt.Sprintf("%d keys", len(*k)) }

func (k *keyList) Set(s string) error {
	pub, err := audit.ParsePublicKey(s)
	if err != nil {
		return err
	}
	*k = append(*k, pub)
	return nil
}

// auditCmd runs `conclave audit` on a data directory.
type auditCmd struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return auditCmd{stdout: stdout, stderr: stderr, now: time.Now}.run(ctx, args)
}

func (c auditCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, auditUsage)
		return usageError{"audit: no subcommand given"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "verify":
		return c.verify(ctx, rest)
	case "export":
		return c.export(ctx, rest)
	case "pubkey":
		return c.pubkey(rest)
	case "verify-export":
		return c.verifyExport(rest)
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, auditUsage)
		return nil
	}
	fmt.Fprint(c.stderr, auditUsage)
	return usageError{fmt.Sprintf("audit: unknown subcommand %q", sub)}
}

func (c auditCmd) flags(sub string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	data := fs.String("data", credDefaultDataDir, "data `directory` holding conclave.db and server-key.json")
	return fs, data
}

// parse parses args, which may not hold positional arguments beyond want;
// a flag it cannot parse is a usage error.
func parse(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	pos, err := credParseFlags(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	if len(pos) > want {
		return nil, usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[want])}
	}
	return pos, nil
}

// openAuditStore opens DIR/conclave.db, which must exist: verifying a
// directory that has no database is a mistake, not an empty log.
func openAuditStore(ctx context.Context, dataDir string) (*store.SQLite, error) {
	path := filepath.Join(dataDir, "conclave.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("audit: %w (is --data the server's data directory?)", err)
	}
	return store.OpenSQLite(ctx, path)
}

// serverKey reads the server's key from DIR/server-key.json.
func serverKey(dataDir string) (token.Key, error) {
	path := filepath.Join(dataDir, server.ServerKeyFile)
	_, key, err := token.LoadCredentials(path)
	if errors.Is(err, fs.ErrNotExist) {
		return token.Key{}, fmt.Errorf("audit: no server key %s: the server makes it at its first start: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return token.Key{}, fmt.Errorf("audit: server key: %w", err)
	}
	return key, nil
}

func publicOf(k token.Key) ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }

func (c auditCmd) verify(ctx context.Context, args []string) error {
	fs, data := c.flags("verify")
	var keys keyList
	fs.Var(&keys, "pubkey", "verify with this public `key` (ck_pk_…) instead of the data directory's server key; repeat for keys the server had before")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if len(keys) == 0 {
		k, err := serverKey(*data)
		if err != nil {
			return err
		}
		keys = append(keys, publicOf(k))
	}
	st, err := openAuditStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := audit.Verify(ctx, st, keys)
	if err != nil {
		return err
	}
	c.report("the audit log verifies", rep)
	if rep.Last > rep.SignedThrough {
		fmt.Fprintf(c.stdout, "records %d to %d are chained, not yet signed: a running server signs them within audit.checkpoint_interval\n",
			max(rep.SignedThrough+1, rep.First), rep.Last)
	}
	return nil
}

func (c auditCmd) report(what string, rep audit.Report) {
	switch {
	case rep.Records == 0:
		fmt.Fprintf(c.stdout, "%s: no records", what)
	default:
		fmt.Fprintf(c.stdout, "%s: records %d to %d (%d), %d signed checkpoints, signed through %d", what,
			rep.First, rep.Last, rep.Records, rep.Checkpoints, rep.SignedThrough)
	}
	if rep.PrunedThrough > 0 {
		fmt.Fprintf(c.stdout, "; records up to %d pruned behind a signed checkpoint", rep.PrunedThrough)
	}
	fmt.Fprintln(c.stdout)
	if rep.Records > 0 {
		fmt.Fprintf(c.stdout, "head: record %d, hash %s\n", rep.Last, rep.Head)
	}
}

// parseSince reads --since: a date (UTC midnight), an RFC 3339 time, or a
// duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageError{fmt.Sprintf("audit export: --since %q: want a date (2026-08-01), a time (2026-08-01T12:00:00Z) or a duration (720h)", s)}
}

func (c auditCmd) export(ctx context.Context, args []string) (err error) {
	fs, data := c.flags("export")
	since := fs.String("since", "", "export the records from this `time` on (required)")
	out := fs.String("out", "", "write to this `file` (mode 0600) instead of standard output")
	noCheckpoint := fs.Bool("no-checkpoint", false, "do not sign a checkpoint first (the newest records may then not be covered)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *since == "" {
		return usageError{"audit export: --since is required"}
	}
	now := c.now()
	from, err := parseSince(*since, now)
	if err != nil {
		return err
	}
	st, err := openAuditStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	if !*noCheckpoint {
		// The same writer the server uses: the store serializes it with
		// a running server's appends.
		k, err := serverKey(*data)
		if err != nil {
			return err
		}
		lg, err := audit.New(audit.Config{Store: st, KeyID: k.ID, Key: k.Private})
		if err != nil {
			return err
		}
		if _, err := lg.Checkpoint(ctx); err != nil {
			return err
		}
	}
	w := c.stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("audit export: %w", cerr)
			}
		}()
		w = f
	}
	n, err := audit.Export(ctx, st, w, from, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "exported %d records since %s\n", n, from.UTC().Format(time.RFC3339))
	return nil
}

func (c auditCmd) pubkey(args []string) error {
	fs, data := c.flags("pubkey")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	k, err := serverKey(*data)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, audit.FormatPublicKey(publicOf(k)))
	return nil
}

func (c auditCmd) verifyExport(args []string) error {
	fs := flag.NewFlagSet("audit verify-export", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var keys keyList
	fs.Var(&keys, "pubkey", "the server's public `key` (ck_pk_…, from conclave audit pubkey); repeat for keys it had before")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"audit verify-export: name the export FILE (- for standard input)"}
	}
	if len(keys) == 0 {
		return usageError{"audit verify-export: --pubkey is required"}
	}
	var r io.Reader = os.Stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("audit verify-export: %w", err)
		}
		defer f.Close()
		r = f
	}
	rep, hdr, err := audit.VerifyExport(r, keys)
	if err != nil {
		return err
	}
	c.report("the export verifies", rep)
	fmt.Fprintf(c.stdout, "exported at %s, records since %s\n", hdr.ExportedAt.Format(time.RFC3339), hdr.Since.Format(time.RFC3339))
	return nil
}
