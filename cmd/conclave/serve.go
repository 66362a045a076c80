package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/telemetry"
	"github.com/conclave-video/conclave/token"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "YAML configuration `file`")
	dev := fs.Bool("dev", false, "development mode: bind 127.0.0.1, create a dev API key, print the URL and key")
	devListenAny := fs.Bool("dev-listen-any", false, "with --dev, allow a non-loopback --addr (anyone who reaches it can get join tokens)")
	data := fs.String("data", "", "data `directory` (default ./conclave-data)")
	addr := fs.String("addr", "", "HTTPS listen `address` (default :8443; 127.0.0.1:8443 with --dev)")
	rtcPort := fs.Int("rtc-port", -1, "media `port`: ICE over UDP and TCP (default 7881)")
	adminAddr := fs.String("admin-addr", "", "metrics and pprof listen `address` (default 127.0.0.1:9090)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}

	env := os.Environ()
	if *dev {
		env = append(env, config.EnvPrefix+"DEV=true")
	}
	if *devListenAny {
		env = append(env, config.EnvPrefix+"DEV_LISTEN_ANY=true")
	}
	cfg, err := config.Load(*configFile, env)
	if err != nil {
		return err
	}
	if *data != "" {
		cfg.DataDir = *data
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if *rtcPort >= 0 {
		cfg.RTCPort = *rtcPort
	}
	if *adminAddr != "" {
		cfg.AdminAddr = *adminAddr
	}
	if err := cfg.Validate(); err != nil {
		return err
	}

	log := telemetry.NewLogger(stderr, cfg.Log.Level, cfg.Log.Format)
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if cfg.Dev {
		key, err := printDevKey(ctx, srv.Store(), cfg.DataDir, srv.URL(), stdout)
		if err != nil {
			srv.Shutdown(ctx)
			return err
		}
		srv.SetDevKey(key) // the meeting app gets join tokens from POST /dev/token
	}
	fmt.Fprintf(stdout, "Conclave is running at %s (media port %d", srv.URL(), srv.RTCPort())
	if a := srv.AdminURL(); a != "" {
		fmt.Fprintf(stdout, ", metrics at %s/metrics", a)
	}
	fmt.Fprintln(stdout, ")")
	return srv.Run(ctx)
}

// printDevKey makes sure a dev API key exists, prints it and returns it.
// The key in DATA/credentials.json is reused across restarts (and
// registered again if the database no longer knows it). A new key is made
// only when there is no such file: a file that cannot be used (open to
// others, damaged, a revoked key) is an error and is left untouched, as it
// may hold the only copy of a private key. The file is rewritten only to
// record a new server URL, with the same key.
func printDevKey(ctx context.Context, st store.Store, dataDir, url string, w io.Writer) (token.Key, error) {
	path := filepath.Join(dataDir, "credentials.json")
	creds, key, err := token.LoadCredentials(path)
	switch {
	case err == nil:
		if err := registerDevKey(ctx, st, key, path); err != nil {
			return token.Key{}, err
		}
	case errors.Is(err, fs.ErrNotExist):
		rec, priv, gerr := auth.NewAPIKey("dev", rand.Reader)
		if gerr != nil {
			return token.Key{}, gerr
		}
		rec.CreatedAt = time.Now()
		if err := st.CreateAPIKey(ctx, rec); err != nil {
			return token.Key{}, fmt.Errorf("dev key: %w", err)
		}
		creds = token.Credentials{KeyID: rec.ID, PrivateKey: token.FormatPrivateKey(priv)}
		key = token.Key{ID: rec.ID, Private: priv}
	default:
		return token.Key{}, fmt.Errorf("dev key: %w (the file was left as it is)", err)
	}
	if creds.URL != url {
		creds.URL = url
		if err := token.WriteCredentials(path, creds); err != nil {
			return token.Key{}, fmt.Errorf("dev key: %w", err)
		}
	}
	fmt.Fprintf(w, "Development mode. API key (also in %s):\n  key id:      %s\n  private key: %s\n",
		path, creds.KeyID, creds.PrivateKey)
	return key, nil
}

// registerDevKey makes sure the store knows the key from the credentials
// file at path: it is stored again if the database was reset, and a
// revoked key is an error.
func registerDevKey(ctx context.Context, st store.Store, key token.Key, path string) error {
	k, err := st.APIKey(ctx, key.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		pub, _ := key.Private.Public().(ed25519.PublicKey)
		err := st.CreateAPIKey(ctx, store.APIKey{ID: key.ID, Name: "dev", PublicKey: pub, CreatedAt: time.Now()})
		if err != nil {
			return fmt.Errorf("dev key %s: register again: %w", key.ID, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("dev key %s: %w", key.ID, err)
	case k.Revoked():
		return fmt.Errorf("dev key %s in %s is revoked; move the file away (it holds that key's private half) and start again to get a new dev key",
			key.ID, path)
	}
	return nil
}
