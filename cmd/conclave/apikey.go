package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

const apikeyUsage = `Usage:
  conclave apikey create --name NAME [--data DIR] [--credentials FILE] [--url URL] [--force]
  conclave apikey list [--data DIR]
  conclave apikey revoke ID [--data DIR]
`

// runAPIKey manages API keys in the local data directory's database.
func runAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, apikeyUsage)
		return usageError{"apikey: no subcommand given"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "create":
		return apikeyCreate(ctx, rest, stdout, stderr)
	case "list":
		return apikeyList(ctx, rest, stdout, stderr)
	case "revoke":
		return apikeyRevoke(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, apikeyUsage)
		return nil
	}
	fmt.Fprint(stderr, apikeyUsage)
	return usageError{fmt.Sprintf("apikey: unknown subcommand %q", sub)}
}

func apikeyFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	flags := flag.NewFlagSet("apikey "+name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	data := flags.String("data", credDefaultDataDir, "data `directory` holding conclave.db")
	return flags, data
}

// apikeyCreate generates a key, stores the public key, then writes the
// credentials file. The private key exists only in the credentials file and
// in what is printed here, once.
func apikeyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, data := apikeyFlagSet("create", stderr)
	name := flags.String("name", "", "human-readable key `name` (required)")
	credsFlag := flags.String("credentials", "", "credentials `file` to write, mode 0600 (default DIR/credentials.json)")
	url := flags.String("url", credDefaultURL, "server `URL` recorded in the credentials file")
	force := flags.Bool("force", false, "replace an existing credentials file")
	pos, err := credParseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("apikey create: unexpected argument %q", pos[0])}
	}
	if *name == "" {
		return usageError{"apikey create: --name is required"}
	}
	credsPath := credPath(*credsFlag, *data)
	if !*force {
		if _, err := os.Lstat(credsPath); err == nil {
			return fmt.Errorf("apikey create: %s already exists; pass --credentials FILE to write elsewhere or --force to replace it", credsPath)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("apikey create: %w", err)
		}
	}

	rec, priv, err := auth.NewAPIKey(*name, nil)
	if err != nil {
		return err
	}
	if err := operatorAuditReady(*data); err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	st, err := credOpenStore(ctx, *data, stderr)
	if err != nil {
		return err
	}
	defer st.Close()

	// Store the key first: an existing credentials file (--force) is
	// replaced only by a key the server knows, so a failed write never
	// costs the old private key. A stored key whose file then cannot be
	// written is revoked; nobody holds its private half anyway.
	if err := st.CreateAPIKey(ctx, rec); err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	creds := token.Credentials{URL: *url, KeyID: rec.ID, PrivateKey: token.FormatPrivateKey(priv)}
	if err := token.WriteCredentials(credsPath, creds); err != nil {
		_ = st.RevokeAPIKey(ctx, rec.ID, time.Now())
		return fmt.Errorf("apikey create: %w", err)
	}
	fmt.Fprintf(stdout, "API key created.\n  key id:      %s\n  name:        %s\n  private key: %s\n  credentials: %s (mode 0600)\n",
		rec.ID, rec.Name, creds.PrivateKey, credsPath)
	fmt.Fprintln(stdout, "The private key is shown only this once; the server stores only the public key.")
	if err := recordOperator(ctx, st, *data, room.SecurityEvent{Kind: room.SecurityAPIKeyCreated, Subject: rec.ID}, map[string]string{"name": rec.Name}); err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	return nil
}

func apikeyList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, data := apikeyFlagSet("list", stderr)
	pos, err := credParseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("apikey list: unexpected argument %q", pos[0])}
	}
	st, err := credOpenStore(ctx, *data, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := st.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tREVOKED")
	for _, k := range keys {
		revoked := "-"
		if k.Revoked() {
			revoked = k.RevokedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.UTC().Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func apikeyRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, data := apikeyFlagSet("revoke", stderr)
	pos, err := credParseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, apikeyUsage)
		return usageError{"apikey revoke: want exactly one key ID"}
	}
	id := pos[0]
	if err := operatorAuditReady(*data); err != nil {
		return fmt.Errorf("apikey revoke: %w", err)
	}
	st, err := credOpenStore(ctx, *data, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeAPIKey(ctx, id, time.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("apikey revoke: no API key %q", id)
		}
		return fmt.Errorf("apikey revoke: %w", err)
	}
	if err := recordOperator(ctx, st, *data, room.SecurityEvent{Kind: room.SecurityAPIKeyRevoked, Subject: id}, nil); err != nil {
		return fmt.Errorf("apikey revoke: %w", err)
	}
	fmt.Fprintf(stdout, "API key %s revoked; tokens it signed are refused from now on.\n", id)
	return nil
}
