package server_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
)

// env is one in-process Conclave server (testserver.Server: Srv, Key, TLS,
// Connect, Metrics…) and the test it serves, for this package's helpers.
type env struct {
	*testserver.Server
	t *testing.T
}

func newEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	return &env{Server: testserver.Start(t, mutate...), t: t}
}

// serverCode returns the stable code of a refused connection.
func serverCode(err error) string {
	var se *client.ServerError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// recorder keeps every event a client receives so tests can wait for one
// without consuming the others.
type recorder struct {
	c      *client.Client
	mu     sync.Mutex
	events []client.Event
}

func record(c *client.Client) *recorder {
	r := &recorder{c: c}
	go func() {
		for ev := range c.Events() {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
		}
	}()
	return r
}

// find returns the first recorded event of type T that matches.
func find[T client.Event](r *recorder, match func(T) bool) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.events {
		if v, ok := ev.(T); ok && (match == nil || match(v)) {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// wait waits until an event of type T matching match has been recorded,
// failing the test, with what it waited for, after testkit.DefaultWait.
func wait[T client.Event](t *testing.T, r *recorder, what string, match func(T) bool) T {
	t.Helper()
	var v T
	testkit.Eventually(t, r.c.Self().Identity+": "+what, func() bool {
		var ok bool
		v, ok = find(r, match)
		return ok
	})
	return v
}
