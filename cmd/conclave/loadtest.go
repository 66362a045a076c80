package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/loadtest"
	"github.com/conclave-video/conclave/token"
)

// runLoadtest connects publishers and subscribers to a server and reports
// throughput, loss, join times and the server's cost per packet and per
// subscriber.
func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./conclave-data", "data `directory`: credentials and the server's certificate")
	credsPath := fs.String("credentials", "", "credentials `file` (default DIR/credentials.json)")
	baseURL := fs.String("url", "", "server `URL` (default: the one in the credentials file)")
	rooms := fs.Int("rooms", 1, "number of rooms")
	pubs := fs.Int("publishers", 1, "publishers per room (each sends VP8 video and Opus audio)")
	subs := fs.Int("subscribers", 10, "subscribe-only participants per room")
	decrypting := fs.Int("decrypting", 1, "subscribers per room that decrypt their media through pion and time the first key frame; the others count SRTP at the socket, far more cheaply")
	duration := fs.Duration("duration", 30*time.Second, "length of the measured steady window")
	ramp := fs.Duration("ramp", 5*time.Second, "spread the subscribers' joins over this long")
	bitrate := fs.String("video-bitrate", "", "send generated (undecodable) video frames at this `rate` (e.g. 500k, 2M) instead of the VP8 clip")
	audioOnly := fs.Bool("audio-only", false, "publish audio only")
	insecure := fs.Bool("insecure", false, "skip TLS certificate verification")
	metricsURL := fs.String("metrics-url", "http://127.0.0.1:9090/metrics", "server metrics `URL` (empty: none)")
	mediaDir := fs.String("media", "testdata/media", "`directory` with video.ivf and audio.ogg")
	verbose := fs.Bool("v", false, "log client events to stderr")
	cpuProfile := fs.String("cpuprofile", "", "write the load tester's own CPU profile to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("loadtest: unexpected argument %q", fs.Arg(0))}
	}
	if *rooms < 1 || *pubs < 0 || *subs < 0 || *duration <= 0 || *ramp < 0 || *decrypting < 1 {
		return usageError{"loadtest: --rooms and --decrypting must be >= 1, --publishers and --subscribers >= 0, --duration > 0"}
	}
	vbr, err := parseBitrate(*bitrate)
	if err != nil {
		return usageError{"loadtest: --video-bitrate: " + err.Error()}
	}
	if *credsPath == "" {
		*credsPath = filepath.Join(*data, "credentials.json")
	}
	creds, key, err := token.LoadCredentials(*credsPath)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = creds.URL
	}
	if *baseURL == "" {
		return usageError{"loadtest: no --url and none in the credentials file"}
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if *insecure {
		tlsConf.InsecureSkipVerify = true
	} else if pem, err := os.ReadFile(filepath.Join(*data, "tls", "cert.pem")); err == nil {
		// Trust the development server's self-signed certificate too.
		pool, perr := x509.SystemCertPool()
		if perr != nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(pem)
		tlsConf.RootCAs = pool
	}
	var runID [3]byte
	_, _ = rand.Read(runID[:])
	ttl := *ramp + *duration + 10*time.Minute
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg := loadtest.Config{
		URL: *baseURL, Rooms: *rooms, Publishers: *pubs, Subscribers: *subs, Decrypting: *decrypting,
		Duration: *duration, Ramp: *ramp, VideoBitrate: vbr, AudioOnly: *audioOnly,
		MediaDir: *mediaDir, TLS: tlsConf, MetricsURL: *metricsURL,
		RunID: hex.EncodeToString(runID[:]), Logger: logger,
		Token: func(room, identity string, publisher bool) (string, error) {
			g := token.Grants{Subscribe: true}
			if publisher {
				// Publishers do not subscribe, so everything counted as
				// received was forwarded to a subscriber.
				g = token.Grants{Publish: true, PublishData: true}
			}
			return key.Mint(token.Options{Identity: identity, Name: identity, Room: room, TTL: ttl, Grants: g})
		},
	}
	api, err := newAPIClient(*baseURL, *data, key)
	if err != nil {
		return err
	}
	if *insecure {
		api.http.Transport.(*http.Transport).TLSClientConfig = tlsConf
	}
	cfg.CreateRoom = func(ctx context.Context, name string, capacity int) error {
		_, err := api.do(ctx, http.MethodPost, "/v1/rooms", name, token.Grants{RoomCreate: true},
			// Plain rooms: the load test measures forwarding, and its
			// clients publish generated frames, not encrypted ones.
			map[string]any{"name": name, "max_participants": capacity, "e2ee": "off"})
		return err
	}
	fmt.Fprintf(stdout, "loadtest %s: %d rooms x (%d publishers + %d subscribers) against %s\n",
		cfg.RunID, *rooms, *pubs, *subs, *baseURL)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := loadtest.Run(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	return rep.Write(stdout)
}

// parseBitrate parses "2M", "500k", "1500000" into bits per second; "" is 0.
func parseBitrate(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	mult := 1.0
	switch strings.ToLower(s[len(s)-1:]) {
	case "k":
		mult, s = 1e3, s[:len(s)-1]
	case "m":
		mult, s = 1e6, s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v*mult > 100e6 {
		return 0, fmt.Errorf("want a rate like 500k or 2M, up to 100M")
	}
	return int(v * mult), nil
}
