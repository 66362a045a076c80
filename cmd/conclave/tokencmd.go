package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/conclave-video/conclave/token"
)

const tokencmdUsage = `Usage:
  conclave token create --room R --identity I [--name N] [--ttl 10m]
                        [--grants publish,subscribe,publishData] [--credentials FILE] [--data DIR]
Grants: publish, subscribe, publishData, roomAdmin, roomCreate, roomList.
`

// tokencmdDefaultGrants are the grants of a join token when --grants is not
// given.
const tokencmdDefaultGrants = "publish,subscribe,publishData"

// runToken mints tokens with the API key in a local credentials file.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokencmdUsage)
		return usageError{"token: no subcommand given"}
	}
	switch args[0] {
	case "create":
		return tokencmdCreate(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokencmdUsage)
		return nil
	}
	fmt.Fprint(stderr, tokencmdUsage)
	return usageError{fmt.Sprintf("token: unknown subcommand %q", args[0])}
}

// tokencmdCreate prints a signed token on stdout, alone on its line, so
// that scripts can capture it.
func tokencmdCreate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	room := fs.String("room", "", "`room` the token is bound to (required for join tokens)")
	identity := fs.String("identity", "", "participant `identity` (sub); required for join tokens")
	name := fs.String("name", "", "display `name`")
	ttl := fs.Duration("ttl", 10*time.Minute, "token `lifetime`")
	grantsCSV := fs.String("grants", tokencmdDefaultGrants, "comma-separated `grants`")
	credsFlag := fs.String("credentials", "", "credentials `file` (default DIR/credentials.json)")
	data := fs.String("data", credDefaultDataDir, "data `directory`")
	pos, err := credParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("token create: unexpected argument %q", pos[0])}
	}
	grants, err := token.ParseGrants(*grantsCSV)
	if err != nil {
		return usageError{"token create: " + err.Error()}
	}
	if grants.Join() && *room == "" {
		return usageError{"token create: --room is required for a join token (grants publish, subscribe or publishData)"}
	}
	if grants.Join() && *identity == "" {
		return usageError{"token create: --identity is required for a join token"}
	}
	if *ttl <= 0 {
		return usageError{"token create: --ttl must be positive"}
	}
	_, key, err := token.LoadCredentials(credPath(*credsFlag, *data))
	if err != nil {
		return err
	}
	jwt, err := key.Mint(token.Options{Identity: *identity, Name: *name, Room: *room, TTL: *ttl, Grants: grants})
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	_, err = fmt.Fprintln(stdout, jwt)
	return err
}
