// Command conclave is the Conclave server and its operator tools: serve,
// apikey, token, room, user, policy, audit, doctor, loadtest and version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `conclave — self-hosted, end-to-end secure video conferencing

Usage:
  conclave serve [--config FILE] [--dev [--dev-listen-any]] [--data DIR] [--addr HOST:PORT] [--rtc-port N] [--admin-addr HOST:PORT]
  conclave apikey create --name NAME | list | revoke ID      [--data DIR]
  conclave token create --room R --identity I [--name N] [--ttl 10m] [--grants publish,subscribe,...]
  conclave room create|list|get|delete|participants|remove|mute ...
  conclave user create|list|disable|enable|reset-password|reset-2fa ... [--data DIR]
  conclave policy show [--config FILE] [--data DIR] | validate FILE | apply FILE [--data DIR]
  conclave audit verify|export|pubkey|verify-export ... [--data DIR]
  conclave doctor [--config FILE] [--data DIR] [--dev] [--json]
  conclave loadtest --url U --credentials F --rooms R --publishers P --subscribers S --duration D
  conclave version [--sbom]

Run "conclave COMMAND --help" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "conclave:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	var c conflictError
	if errors.As(err, &c) {
		return 3
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	rest := args[1:]
	switch args[0] {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "apikey":
		return runAPIKey(ctx, rest, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "room":
		return runRoom(ctx, rest, stdout, stderr)
	case "user":
		return runUser(ctx, rest, stdout, stderr)
	case "policy":
		return runPolicy(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, rest, stdout, stderr)
	case "loadtest":
		return runLoadtest(ctx, rest, stdout, stderr)
	case "version", "--version":
		return runVersion(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
