package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/conclave-video/conclave/internal/store"
)

// credDefaultDataDir is the data directory used when --data is not given.
const credDefaultDataDir = "./conclave-data"

// credDefaultURL is the server URL written into new credentials files when
// --url is not given: the address `conclave serve --dev` listens on.
const credDefaultURL = "https://localhost:8443"

// credPath returns the credentials file to use: flagValue if set, else
// DIR/credentials.json.
func credPath(flagValue, dataDir string) string {
	if flagValue != "" {
		return flagValue
	}
	return filepath.Join(dataDir, "credentials.json")
}

// credOpenStore opens DIR/conclave.db, creating DIR with mode 0700. It warns
// on stderr when an existing directory is open to group or others.
func credOpenStore(ctx context.Context, dataDir string, stderr io.Writer) (*store.SQLite, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if fi, err := os.Stat(dataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "warning: data directory %s has mode %04o; run: chmod 700 %s\n", dataDir, fi.Mode().Perm(), dataDir)
	}
	return store.OpenSQLite(ctx, filepath.Join(dataDir, "conclave.db"))
}

// credParseFlags parses args with fs, letting flags follow positional
// arguments ("apikey revoke ID --data DIR"), and returns the positional
// arguments. Everything after "--" is positional.
func credParseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if hasValue {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return append(fs.Args(), pos...), nil
}
