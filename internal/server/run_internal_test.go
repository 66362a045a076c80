package server

import (
	"context"
	"log/slog"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
)

// runServer starts a server of cfg (its store opened with opts, its log
// to log, nil for none) and returns it once it serves, with the function
// that stops it and waits until it has; the test's end stops it too.
func runServer(t *testing.T, cfg config.Config, log *slog.Logger, opts []store.Option) (*Server, func()) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newServer(ctx, cfg, log, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		testkit.Receive(t, done, "the server to stop")
	}
	t.Cleanup(stop)
	<-s.ready
	return s, stop
}
