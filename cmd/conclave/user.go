package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

const userUsage = `Usage:
  conclave user create --email E [--admin] [--name N] [--password-stdin] [--data DIR]
  conclave user list [--data DIR]
  conclave user disable --email E [--data DIR]
  conclave user enable --email E [--data DIR]
  conclave user reset-password --email E [--password-stdin] [--data DIR]
  conclave user reset-2fa --email E [--data DIR]
Without --password-stdin the password is asked twice on the terminal.
`

// userCmd runs `conclave user`: it manages accounts in the local data
// directory's database, through the same functions the admin API uses.
type userCmd struct {
	stdin          io.Reader // the terminal, or the password with --password-stdin
	stdout, stderr io.Writer
	// hasher hashes new passwords; nil means the server's parameters
	// (auth.DefaultArgon2Params).
	hasher *auth.Hasher
	now    func() time.Time
}

// runUser is `conclave user` with the process's standard input.
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return userCmd{stdin: os.Stdin, stdout: stdout, stderr: stderr}.run(ctx, args)
}

func (c userCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, userUsage)
		return usageError{"user: no subcommand given"}
	}
	if c.now == nil {
		c.now = time.Now
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "create":
		return c.create(ctx, rest)
	case "list":
		return c.list(ctx, rest)
	case "disable":
		return c.setStatus(ctx, rest, false)
	case "enable":
		return c.setStatus(ctx, rest, true)
	case "reset-password":
		return c.resetPassword(ctx, rest)
	case "reset-2fa":
		return c.reset2FA(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, userUsage)
		return nil
	}
	fmt.Fprint(c.stderr, userUsage)
	return usageError{fmt.Sprintf("user: unknown subcommand %q", sub)}
}

// flags is the flag set of one subcommand, with --data.
func (c userCmd) flags(sub string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	data := fs.String("data", credDefaultDataDir, "data `directory` holding conclave.db")
	return fs, data
}

// parse parses args, which must hold no positional argument.
func (c userCmd) parse(fs *flag.FlagSet, args []string) error {
	pos, err := credParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[0])}
	}
	return nil
}

func (c userCmd) hasherOrDefault() (*auth.Hasher, error) {
	if c.hasher != nil {
		return c.hasher, nil
	}
	return auth.NewHasher(auth.DefaultArgon2Params(), 1)
}

func (c userCmd) create(ctx context.Context, args []string) error {
	fs, data := c.flags("create")
	email := fs.String("email", "", "the account's `email` (required)")
	name := fs.String("name", "", "display `name`")
	admin := fs.Bool("admin", false, "make an admin (default: a member)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from one line of standard input")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"user create: --email is required"}
	}
	canonical, err := auth.CanonicalEmail(*email)
	if err != nil {
		return usageError{"user create: --email: not an address (name@domain)"}
	}
	role := store.RoleMember
	if *admin {
		role = store.RoleAdmin
	}
	if err := operatorAuditReady(*data); err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	st, err := credOpenStore(ctx, *data, c.stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	// Asked before the password, so nobody types one for nothing.
	if _, err := st.UserByEmail(ctx, canonical); err == nil {
		return fmt.Errorf("user create: %s: an account with that email exists", canonical)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user create: %w", err)
	}
	password, err := c.readPassword(*fromStdin)
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	h, err := c.hasherOrDefault()
	if err != nil {
		return err
	}
	u, err := auth.CreateUser(ctx, st, h, auth.NewUser{Email: canonical, DisplayName: *name, Role: role, Password: password}, c.now())
	if err != nil {
		return fmt.Errorf("user create: %w", userError(err, canonical))
	}
	fmt.Fprintf(c.stdout, "created %s %s (%s)\n", u.ID, u.Email, u.Role)
	return c.record(ctx, st, *data, "user create", room.SecurityEvent{Kind: room.SecurityUserCreated, Subject: u.ID, Email: u.Email, Reason: "role_" + u.Role})
}

func (c userCmd) list(ctx context.Context, args []string) error {
	fs, data := c.flags("list")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	st, err := credOpenStore(ctx, *data, c.stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("user list: %w", err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tSTATUS\tTOTP\tPASSKEYS\tCREATED")
	for _, u := range users {
		passkeys, err := st.ListPasskeys(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("user list: %w", err)
		}
		totp := "-"
		if u.TOTPEnabled {
			totp = "on"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", u.ID, u.Email, u.Role, u.Status, totp, len(passkeys),
			u.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// target opens the store and finds the account the --email flag names,
// for a command that changes it (operatorAuditReady first).
func (c userCmd) target(ctx context.Context, fs *flag.FlagSet, data, email string) (*store.SQLite, store.User, error) {
	if email == "" {
		return nil, store.User{}, usageError{fs.Name() + ": --email is required"}
	}
	canonical, err := auth.CanonicalEmail(email)
	if err != nil {
		return nil, store.User{}, usageError{fs.Name() + ": --email: not an address (name@domain)"}
	}
	if err := operatorAuditReady(data); err != nil {
		return nil, store.User{}, fmt.Errorf("%s: %w", fs.Name(), err)
	}
	st, err := credOpenStore(ctx, data, c.stderr)
	if err != nil {
		return nil, store.User{}, err
	}
	u, err := st.UserByEmail(ctx, canonical)
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, store.User{}, fmt.Errorf("%s: no account with the email %s", fs.Name(), canonical)
		}
		return nil, store.User{}, fmt.Errorf("%s: %w", fs.Name(), err)
	}
	return st, u, nil
}

func (c userCmd) setStatus(ctx context.Context, args []string, enable bool) error {
	sub := "disable"
	if enable {
		sub = "enable"
	}
	fs, data := c.flags(sub)
	email := fs.String("email", "", "the account's `email` (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	st, u, err := c.target(ctx, fs, *data, *email)
	if err != nil {
		return err
	}
	defer st.Close()
	if enable {
		if err := auth.EnableUser(ctx, st, u.ID); err != nil {
			return fmt.Errorf("user enable: %w", err)
		}
		fmt.Fprintf(c.stdout, "enabled %s %s; it can sign in again\n", u.ID, u.Email)
		return c.record(ctx, st, *data, "user enable", room.SecurityEvent{Kind: room.SecurityUserUpdated, Subject: u.ID, Email: u.Email, Reason: store.StatusActive})
	}
	sessions, tokens, err := auth.DisableUser(ctx, st, u.ID, c.now())
	if err != nil {
		return fmt.Errorf("user disable: %w", err)
	}
	fmt.Fprintf(c.stdout, "disabled %s %s; ended %s, revoked %s\n", u.ID, u.Email,
		plural(sessions, "session"), plural(tokens, "personal API token"))
	return c.record(ctx, st, *data, "user disable", room.SecurityEvent{Kind: room.SecurityUserUpdated, Subject: u.ID, Email: u.Email, Reason: store.StatusDisabled})
}

func (c userCmd) resetPassword(ctx context.Context, args []string) error {
	fs, data := c.flags("reset-password")
	email := fs.String("email", "", "the account's `email` (required)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from one line of standard input")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	st, u, err := c.target(ctx, fs, *data, *email)
	if err != nil {
		return err
	}
	defer st.Close()
	password, err := c.readPassword(*fromStdin)
	if err != nil {
		return fmt.Errorf("user reset-password: %w", err)
	}
	h, err := c.hasherOrDefault()
	if err != nil {
		return err
	}
	sessions, err := auth.ResetPassword(ctx, st, h, u.ID, password, c.now())
	if err != nil {
		return fmt.Errorf("user reset-password: %w", userError(err, u.Email))
	}
	fmt.Fprintf(c.stdout, "password of %s %s reset; ended %s\n", u.ID, u.Email, plural(sessions, "session"))
	return c.record(ctx, st, *data, "user reset-password", room.SecurityEvent{Kind: room.SecurityPasswordReset, Subject: u.ID, Email: u.Email, Reason: "operator_set"})
}

func (c userCmd) reset2FA(ctx context.Context, args []string) error {
	fs, data := c.flags("reset-2fa")
	email := fs.String("email", "", "the account's `email` (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	st, u, err := c.target(ctx, fs, *data, *email)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := auth.ResetSecondFactors(ctx, st, u.ID)
	if err != nil {
		return fmt.Errorf("user reset-2fa: %w", err)
	}
	totp := "no TOTP"
	if r.TOTP {
		totp = "TOTP"
	}
	fmt.Fprintf(c.stdout, "second factors of %s %s removed: %s, %s, %s; ended %s\n", u.ID, u.Email,
		totp, plural(r.RecoveryCodes, "recovery code"), plural(r.Passkeys, "passkey"), plural(r.Sessions, "session"))
	return c.record(ctx, st, *data, "user reset-2fa", room.SecurityEvent{Kind: room.SecuritySecondFactorReset, Subject: u.ID, Email: u.Email})
}

// record puts a change the command made in the audit log (recordOperator).
func (c userCmd) record(ctx context.Context, st *store.SQLite, data, cmd string, ev room.SecurityEvent) error {
	if err := recordOperator(ctx, st, data, ev, nil); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return nil
}

// userError turns the account functions' errors into what an operator
// reads: the stable code, then a plain sentence.
func userError(err error, email string) error {
	var pe *auth.PasswordError
	switch {
	case errors.As(err, &pe):
		return pe // its message is its code and a sentence
	case errors.Is(err, auth.ErrEmailTaken):
		return fmt.Errorf("%s: an account with that email exists", email)
	case errors.Is(err, auth.ErrNameInvalid):
		return usageError{"--name: the display name must be at most 256 bytes without control characters"}
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%s: the account no longer exists", email)
	}
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// maxPasswordLine bounds what --password-stdin reads: the longest password
// the policy allows, and a line ending.
const maxPasswordLine = auth.MaxPasswordBytes + 2

// errNotTerminal: no --password-stdin and standard input is no terminal.
var errNotTerminal = errors.New("standard input is not a terminal: type the password on one, or pass --password-stdin and give it one line")

// readPassword reads the new password: one line of standard input with
// --password-stdin, else twice from the terminal with echo off. The
// password is never printed or put in an error.
func (c userCmd) readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		return readPasswordLine(c.stdin)
	}
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errNotTerminal
	}
	fd := int(f.Fd())
	fmt.Fprint(c.stderr, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	fmt.Fprint(c.stderr, "Repeat:   ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if subtle.ConstantTimeCompare(first, second) != 1 {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return string(first), nil
}

// readPasswordLine reads one line, without its "\n" or "\r\n", and refuses
// more than maxPasswordLine bytes before the line ends (the policy's code,
// password_too_long). Spaces are kept: they may be part of the password.
func readPasswordLine(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxPasswordLine+1), 512)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxPasswordLine {
			return "", &auth.PasswordError{Code: auth.CodePasswordTooLong}
		}
		if err == nil || errors.Is(err, io.EOF) {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", errors.New("standard input held no password (want one line)")
	}
	return string(line), nil
}
