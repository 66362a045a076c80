package e2e

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/telemetry"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
)

// The environment of a server process (TestServerProcess).
const (
	envServerProcess = "CONCLAVE_E2E_SERVER"
	envServerData    = "CONCLAVE_E2E_DATA"
	envServerAddr    = "CONCLAVE_E2E_ADDR"
	envServerKeyID   = "CONCLAVE_E2E_KEY_ID"
	envServerKey     = "CONCLAVE_E2E_KEY"
	// The line a server process prints once it listens.
	listeningPrefix = "conclave-e2e listening "
)

// TestServerProcess is not a test: it is the server of a serverProcess, this
// test binary run again with CONCLAVE_E2E_SERVER set. It serves as
// `conclave serve --dev` does, until SIGTERM (a clean shutdown: every
// participant gets leave{server_shutdown}) or SIGKILL (a crash). Run as a
// test, it returns at once.
func TestServerProcess(t *testing.T) {
	if os.Getenv(envServerProcess) == "" {
		return
	}
	if err := runServerProcess(); err != nil {
		fmt.Fprintln(os.Stderr, "server process:", err)
		os.Exit(1)
	}
}

func runServerProcess() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := config.DefaultDev()
	cfg.Addr = os.Getenv(envServerAddr)
	cfg.RTCPort = 0
	cfg.AdminAddr = ""
	cfg.DataDir = os.Getenv(envServerData)
	level := "warn"
	if os.Getenv("CONCLAVETEST_LOG") != "" {
		level = "debug"
	}
	srv, err := server.New(ctx, cfg, telemetry.NewLogger(os.Stderr, level, "text"))
	if err != nil {
		return err
	}
	priv, err := token.ParsePrivateKey(os.Getenv(envServerKey))
	if err != nil {
		srv.Shutdown(ctx)
		return err
	}
	key := token.Key{ID: os.Getenv(envServerKeyID), Private: priv}
	// The same dev key across restarts, as serve --dev keeps it in credentials.json.
	rec := store.APIKey{ID: key.ID, Name: "dev", PublicKey: priv.Public().(ed25519.PublicKey), CreatedAt: time.Now()}
	if err := srv.Store().CreateAPIKey(ctx, rec); err != nil && !errors.Is(err, store.ErrExists) {
		srv.Shutdown(ctx)
		return err
	}
	srv.SetDevKey(key)
	fmt.Println(listeningPrefix + srv.URL())
	return srv.Run(ctx)
}

// serverProcess is a dev server in a child process, so that a test can stop
// it as an operator does (SIGTERM) or crash it (SIGKILL), and start it again
// on the same address with the same data directory and dev key.
type serverProcess struct {
	t       *testing.T
	dataDir string
	addr    string
	keyID   string
	key     string
	url     string
	cmd     *exec.Cmd
	exited  chan struct{}
	stderr  lockedBuffer
}

func startServerProcess(t *testing.T) *serverProcess {
	t.Helper()
	rec, priv, err := auth.NewAPIKey("dev", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{t: t, dataDir: t.TempDir(), addr: "127.0.0.1:0", keyID: rec.ID, key: token.FormatPrivateKey(priv)}
	t.Cleanup(func() {
		p.kill(syscall.SIGKILL)
		if t.Failed() {
			t.Logf("server process stderr:\n%s", p.stderr.String())
		}
	})
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// start runs the server and waits until it listens; after the first start
// it listens on the same address again.
func (p *serverProcess) start() error {
	if p.cmd != nil {
		return errors.New("the server process is already running")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcess$")
	cmd.Env = append(os.Environ(),
		envServerProcess+"=1",
		envServerData+"="+p.dataDir,
		envServerAddr+"="+p.addr,
		envServerKeyID+"="+p.keyID,
		envServerKey+"="+p.key,
	)
	cmd.Stderr = &p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the server process: %w", err)
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), listeningPrefix); ok {
				listening <- u
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	select {
	case u := <-listening:
		parsed, err := url.Parse(u)
		if err != nil {
			return err
		}
		p.url = u
		p.addr = parsed.Host
		return nil
	case <-p.exited:
		p.cmd = nil
		return fmt.Errorf("the server process exited before listening:\n%s", p.stderr.String())
	case <-time.After(testkit.DefaultWait()):
		return fmt.Errorf("the server process did not listen within %s", testkit.DefaultWait())
	}
}

// kill sends sig (SIGTERM: clean shutdown; SIGKILL: crash) and waits for the
// process to exit.
func (p *serverProcess) kill(sig syscall.Signal) error {
	if p.cmd == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(testkit.DefaultWait()):
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.cmd = nil
		return fmt.Errorf("the server process did not exit within %s of %s", testkit.DefaultWait(), sig)
	}
	p.cmd = nil
	return nil
}

// steps lets a scenario stop, crash and start the server.
func (p *serverProcess) steps() map[string]stepFunc {
	return map[string]stepFunc{
		"server-stop":  func(json.RawMessage) (any, error) { return nil, p.kill(syscall.SIGTERM) },
		"server-crash": func(json.RawMessage) (any, error) { return nil, p.kill(syscall.SIGKILL) },
		"server-start": func(json.RawMessage) (any, error) { return nil, p.start() },
	}
}

// newProcessEnv is newEnv with the server in a child process.
func newProcessEnv(t *testing.T) (*env, *serverProcess) {
	t.Helper()
	chromium := prerequisites(t)
	serial.Lock()
	t.Cleanup(serial.Unlock)
	p := startServerProcess(t)
	return &env{t: t, chromium: chromium, baseURL: p.url}, p
}
