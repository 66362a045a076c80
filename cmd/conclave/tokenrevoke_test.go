package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TestTokenRevokeReachesRunningServer: `conclave token revoke` writes
// through the store from another process's handle; the running server
// refuses the revoked tokens once its refresh loop has seen the change,
// and admits the identity's later tokens.
func TestTokenRevokeReachesRunningServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	srv, data, key := startDevServer(ctx, t, "")
	mint := func(identity string, at time.Time) string {
		tok, err := key.MintAt(token.Options{Identity: identity, Room: "ops", TTL: time.Minute,
			Grants: token.Grants{Publish: true, Subscribe: true}}, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	code := func(tok string) string {
		c, err := client.Connect(ctx, srv.URL(), tok, client.WithTLSConfig(cliTLS(t, data)))
		if err == nil {
			_ = c.Close()
			return ""
		}
		var se *client.ServerError
		if errors.As(err, &se) {
			return se.Code
		}
		t.Fatalf("connect: %v", err)
		return ""
	}
	bob := mint("bob", time.Now())
	if c := code(bob); c != "" {
		t.Fatalf("bob refused before any revocation: %s", c)
	}

	var out, errOut bytes.Buffer
	if err := runToken(ctx, []string{"revoke", "--identity", "bob", "--room", "ops", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("token revoke: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "revoked every token of bob") {
		t.Errorf("printed %q", out.String())
	}
	testkit.Eventually(t, "the server to refuse bob's revoked token", func() bool { return code(bob) == protocol.CodeTokenRevoked })
	// Once bob's first session has left (identity_in_use until then; a
	// busy machine's polling may reach bob's join limit meanwhile, and
	// then waits for it to refill).
	later := mint("bob", time.Now().Add(time.Second))
	testkit.Eventually(t, "bob's token issued after the revocation to be admitted", func() bool {
		c := code(later)
		if c != "" && c != protocol.CodeIdentityInUse && c != protocol.CodeRateLimited {
			t.Fatalf("bob's token issued after the revocation: %s", c)
		}
		return c == ""
	})

	// By jti, with the key named on the command line.
	carol := mint("carol", time.Now())
	claims := jwtClaims(t, carol)
	if err := runToken(ctx, []string{"revoke", "--jti", claims.ID, "--key", key.ID, "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("token revoke --jti: %v\n%s", err, errOut.String())
	}
	testkit.Eventually(t, "the server to refuse carol's revoked token", func() bool { return code(carol) == protocol.CodeTokenRevoked })

	for _, args := range [][]string{{"revoke"}, {"revoke", "--jti", "a", "--identity", "b"}, {"revoke", "--jti", "a b"}, {"revoke", "--identity", "x", "--room", "../x"}} {
		err := runToken(ctx, append(args, "--data", data), &out, &errOut)
		if _, ok := errors.AsType[usageError](err); !ok {
			t.Errorf("token %v: %v, want a usage error", args, err)
		}
	}
}

// jwtClaims reads a token's claims without verifying it.
func jwtClaims(t *testing.T, raw string) *token.Claims {
	t.Helper()
	var c token.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}
