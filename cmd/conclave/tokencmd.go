package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/token"
)

const tokencmdUsage = `Usage:
  conclave token create --room R --identity I [--name N] [--ttl 10m]
                        [--grants publish,subscribe,publishData] [--credentials FILE] [--data DIR]
  conclave token revoke (--jti J | --identity I) [--room R] [--key ID]
                        [--keep 24h] [--credentials FILE] [--data DIR]
Grants: publish, subscribe, publishData, roomAdmin, roomCreate, roomList.
revoke refuses the API key's token with that jti, or every token of the
identity issued until now (in --room, or in every room); a running server
enforces it within 2 seconds. --keep is how long the revocation is kept:
at least the server's tokens.max_lifetime.
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
	case "revoke":
		return tokencmdRevoke(ctx, args[1:], stdout, stderr)
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

// tokencmdRevoke revokes tokens of an API key through the store, with
// the revocation list the server uses; the server's refresh loop picks it
// up (auth.RevocationPollInterval). It is recorded as by "operator".
func tokencmdRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jti := fs.String("jti", "", "the token's `jti`")
	identity := fs.String("identity", "", "revoke every token of this `identity` issued until now")
	room := fs.String("room", "", "only tokens for this `room` (default: every room)")
	keyID := fs.String("key", "", "the API key `id` that issued the tokens (default: the credentials file's)")
	keep := fs.Duration("keep", policy.MaxTokenLifetimeCap, "keep the revocation this `long` (at least the longest token lifetime in force; the default is the longest any policy allows, as the server keeps its own)")
	credsFlag := fs.String("credentials", "", "credentials `file` (default DIR/credentials.json)")
	data := fs.String("data", credDefaultDataDir, "data `directory`")
	pos, err := credParseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError{fmt.Sprintf("token revoke: unexpected argument %q", pos[0])}
	case (*jti == "") == (*identity == ""):
		return usageError{"token revoke: give either --jti or --identity"}
	case *room != "" && token.ValidateRoom(*room) != nil:
		return usageError{"token revoke: --room is not a valid room name"}
	case *keep <= 0:
		return usageError{"token revoke: --keep must be positive"}
	case *jti != "" && auth.ValidateJTI(*jti) != nil:
		return usageError{fmt.Sprintf("token revoke: --jti is 1 to %d bytes of printable ASCII", auth.MaxJTILen)}
	case *identity != "" && token.ValidateIdentity(*identity) != nil:
		return usageError{"token revoke: --identity is not a valid identity"}
	}
	if *keyID == "" {
		_, key, err := token.LoadCredentials(credPath(*credsFlag, *data))
		if err != nil {
			return fmt.Errorf("token revoke: no --key, and %w", err)
		}
		*keyID = key.ID
	}
	if err := token.ValidateKeyID(*keyID); err != nil {
		return usageError{"token revoke: --key: " + err.Error()}
	}
	st, err := credOpenStore(ctx, *data, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	revs, err := auth.NewRevocations(ctx, auth.RevocationsConfig{Store: st, MaxLifetime: *keep})
	if err != nil {
		return err
	}
	if *jti != "" {
		if _, err := revs.RevokeToken(ctx, *keyID, *room, *jti, "operator"); err != nil {
			return fmt.Errorf("token revoke: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "revoked token %s of key %s\n", *jti, *keyID)
		return err
	}
	rec, err := revs.RevokeIdentity(ctx, *keyID, *room, *identity, "operator")
	if err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	where := "every room"
	if *room != "" {
		where = "room " + *room
	}
	_, err = fmt.Fprintf(stdout, "revoked every token of %s issued by key %s until %s, in %s\n", *identity, *keyID, rec.NotBefore.UTC().Format(time.RFC3339), where)
	return err
}
