// Package e2e holds Conclave's end-to-end tests in a real browser: each test
// starts the server in-process (dev mode, loopback), then runs one Node
// scenario (test/e2e/*.mjs) that drives Debian's Chromium through
// playwright-core and the meeting app, and checks what it reports.
//
// The tests need node, Chromium (/usr/bin/chromium, or CONCLAVETEST_CHROMIUM),
// web/node_modules (cd web && npm ci) and the built bundle in web/dist;
// scripts/test.sh installs them. When one is missing the tests fail and say
// what to install: they are never skipped.
package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/config"
	roompkg "github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/token"
	"github.com/conclave-video/conclave/web"
)

// repoRoot is the repository, two levels up from this package.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

// serial makes sure only one browser scenario runs at a time, even if
// tests are made parallel later: two Chromiums on two cores starve each
// other's media.
var serial sync.Mutex

// prerequisites returns the Chromium binary, or fails the test, saying what
// to install, when something the browser tests need is missing:
// ./scripts/test.sh installs all of it.
func prerequisites(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) string {
		t.Fatalf("browser test prerequisite missing (./scripts/test.sh installs it): %s", fmt.Sprintf(format, args...))
		return ""
	}
	if _, err := exec.LookPath("node"); err != nil {
		return missing("node is not on PATH (apt-get install nodejs npm)")
	}
	chromium := os.Getenv("CONCLAVETEST_CHROMIUM")
	if chromium == "" {
		// The real binary: /usr/bin/chromium is a shell wrapper.
		for _, c := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"} {
			if _, err := os.Stat(c); err == nil {
				chromium = c
				break
			}
		}
	}
	if chromium == "" {
		return missing("Chromium is not installed (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "web", "node_modules", "playwright-core", "package.json")); err != nil {
		return missing("web/node_modules/playwright-core is missing (cd web && npm ci)")
	}
	for _, f := range []string{"index.html", "sdk/conclave.js"} {
		if _, err := fs.Stat(web.Dist(), f); err != nil {
			return missing("web/dist/%s is not built into the binary (cd web && npm run build)", f)
		}
	}
	return chromium
}

// env is one in-process Conclave server in dev mode with its dev key set,
// as `conclave serve --dev` runs it.
type env struct {
	t        *testing.T
	srv      *server.Server // nil when the server runs in a child process (newProcessEnv)
	baseURL  string
	key      token.Key
	tls      *tls.Config
	chromium string
}

func newEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	chromium := prerequisites(t)
	serial.Lock()
	t.Cleanup(serial.Unlock)

	// The server as `conclave serve --dev` runs it, from the harness the
	// server's own tests use, with its dev key set.
	ts := testserver.Start(t, append([]func(*config.Config){func(c *config.Config) { c.AdminAddr = "" }}, mutate...)...)
	ts.Srv.SetDevKey(ts.Key)
	return &env{t: t, srv: ts.Srv, baseURL: ts.Srv.URL(), key: ts.Key, tls: ts.TLS, chromium: chromium}
}

// room returns a fresh room name.
func room(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// stepFunc answers a scenario's step request; an error fails the scenario.
type stepFunc func(data json.RawMessage) (any, error)

// hungBrowser is when a scenario's Node process is killed. It is no budget:
// every condition a scenario waits for has its own generous limit and fails
// with a message naming it (lib.mjs LIMIT), long before this, on a busy
// machine too. It only ends a browser that hangs outright.
const hungBrowser = 5 * time.Minute

// scenario runs test/e2e/<name>.mjs against the server, answers its step
// requests, and returns its result. Any failure (non-zero exit, a hung
// browser, no result) fails the test with the script's stderr.
func (e *env) scenario(name, roomName string, extraEnv map[string]string, steps map[string]stepFunc) map[string]any {
	t := e.t
	t.Helper()
	timeout := hungBrowser
	if d, ok := t.Deadline(); ok && time.Until(d)-30*time.Second < timeout {
		// Leave go test's own -timeout the time to report.
		timeout = max(time.Until(d)-30*time.Second, 10*time.Second)
	}
	artifacts := filepath.Join(repoRoot, "test", "e2e", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	// Failure screenshots of an earlier run would mislead.
	old, _ := filepath.Glob(filepath.Join(artifacts, name+"-failure-*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(repoRoot, "test", "e2e", name+".mjs"))
	cmd.Dir = filepath.Join(repoRoot, "test", "e2e")
	cmd.Env = append(os.Environ(),
		"CONCLAVE_URL="+e.baseURL,
		"CONCLAVE_ROOM="+roomName,
		"CONCLAVETEST_CHROMIUM="+e.chromium,
		"CONCLAVE_TMP="+t.TempDir(),
		"CONCLAVE_ARTIFACTS="+artifacts,
		// The script gives up (and reports what its pages show and what it
		// was waiting for) a little before the hard kill.
		"CONCLAVE_TIMEOUT_MS="+strconv.FormatInt((timeout-4*time.Second).Milliseconds(), 10),
	)
	for k, v := range extraEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Node and its Chromium processes form one process group, killed
	// together on timeout and after exit (nothing outlives the test).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 3 * time.Second
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()

	var result map[string]any
	var stepErr error
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var msg struct {
			Log    *string         `json:"log"`
			Step   string          `json:"step"`
			Data   json.RawMessage `json:"data"`
			Result map[string]any  `json:"result"`
		}
		if err := json.Unmarshal(line, &msg); err != nil {
			t.Logf("%s: %s", name, line)
			continue
		}
		switch {
		case msg.Log != nil:
			t.Logf("%s [%.1fs]: %s", name, time.Since(start).Seconds(), *msg.Log)
		case msg.Step != "":
			reply := map[string]any{"ok": true}
			f := steps[msg.Step]
			if f == nil {
				stepErr = fmt.Errorf("unknown step %q", msg.Step)
			} else if data, err := f(msg.Data); err != nil {
				stepErr = fmt.Errorf("step %s: %w", msg.Step, err)
			} else {
				reply["data"] = data
			}
			if stepErr != nil {
				reply = map[string]any{"ok": false, "error": stepErr.Error()}
			}
			b, _ := json.Marshal(reply)
			_, _ = stdin.Write(append(b, '\n'))
		case msg.Result != nil:
			result = msg.Result
		}
	}
	_ = stdin.Close()
	werr := cmd.Wait()
	elapsed := time.Since(start)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: killed after %s (a hung browser)\n%s", name, timeout, stderr.String())
	case stepErr != nil:
		t.Fatalf("%s: %v\n%s", name, stepErr, stderr.String())
	case werr != nil:
		t.Fatalf("%s: %v\n%s", name, werr, stderr.String())
	case result == nil:
		t.Fatalf("%s: no result line\n%s", name, stderr.String())
	}
	b, _ := json.Marshal(result)
	t.Logf("%s: passed in %.1fs: %s", name, elapsed.Seconds(), b)
	return result
}

// lockedBuffer collects a process's stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond until it returns nil, for as long as testkit.Eventually
// would wait. Unlike Eventually it returns an error, naming what was awaited
// and what was last seen: a step handler hands it to its scenario, which
// reports it with what its pages show.
func waitFor(what string, cond func() error) error {
	limit := testkit.DefaultWait()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %s for %s: %w", limit, what, err)
		}
		<-tick.C
	}
}

// num reads a number at a dotted path of a scenario result.
func num(t *testing.T, v any, path string) float64 {
	t.Helper()
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				t.Fatalf("result: no %s", path)
			}
			v = x[i]
		default:
			t.Fatalf("result: no %s", path)
		}
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("result: %s is %v, not a number", path, v)
	}
	return f
}

// TestMeeting: two pages join through the app and exchange audio and video;
// then four pages all decode the three others.
func TestMeeting(t *testing.T) {
	e := newEnv(t)
	r := e.scenario("meeting", room("meeting"), nil, nil)
	for _, side := range []string{"aliceFromBob", "bobFromAlice"} {
		if num(t, r, "pair."+side+".video.framesDecoded") <= 0 || num(t, r, "pair."+side+".video.frameWidth") <= 0 {
			t.Errorf("%s: no decoded video: %v", side, r["pair"])
		}
		if num(t, r, "pair."+side+".audio.packetsReceived") <= 0 || num(t, r, "pair."+side+".audio.totalSamplesReceived") <= 0 {
			t.Errorf("%s: no audio: %v", side, r["pair"])
		}
	}
	decode, _ := r["decode"].([]any)
	if len(decode) != 12 {
		t.Fatalf("decode checks: %d, want 12 (4 pages x 3 others)", len(decode))
	}
	for i := range decode {
		if num(t, decode, strconv.Itoa(i)+".frames") <= 0 || num(t, decode, strconv.Itoa(i)+".width") <= 0 {
			t.Errorf("decode %v", decode[i])
		}
	}
	// Chromium answers the subscriber offer as the DTLS client, so the
	// server seals every forwarded packet itself (the direct SRTP path) and
	// the pages above decoded exactly that. A connection whose ICE pair
	// left UDP on the media socket (Chromium may switch pairs when a
	// starved machine misses consent checks) moves to pion's path, and is
	// counted: only then may some packets have gone that way.
	st := e.srv.Stats()
	switch moved := st.PionPathConnections(); {
	case st.PacketsDirect() == 0:
		t.Errorf("forwarded %d packets, none on the direct SRTP path", st.PacketsForwarded())
	case moved == 0 && st.PacketsDirect() != st.PacketsForwarded():
		t.Errorf("forwarded %d packets, %d on the direct SRTP path, and no connection took pion's path; want all direct", st.PacketsForwarded(), st.PacketsDirect())
	case moved > 0:
		t.Logf("%d subscriber connections took pion's path; %d of %d packets went direct", moved, st.PacketsDirect(), st.PacketsForwarded())
	}
	if fi, err := os.Stat(filepath.Join(repoRoot, "test", "e2e", "artifacts", "four-person-meeting.png")); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot: %v", err)
	}
}

// TestJoinBeforePreview: people who click "Join now" before their preview
// has started the camera and microphone are still seen and heard.
func TestJoinBeforePreview(t *testing.T) {
	e := newEnv(t)
	r := e.scenario("fastjoin", room("fastjoin"), nil, nil)
	for _, side := range []string{"aliceFromBob", "bobFromAlice"} {
		if num(t, r, side+".framesDecoded") <= 0 {
			t.Errorf("%s: no video: %v", side, r[side])
		}
	}
}

// TestControls: mute, camera off and on, screen share, chat and leave as the
// other participants see them.
func TestControls(t *testing.T) {
	e := newEnv(t)
	r := e.scenario("controls", room("controls"), nil, nil)
	if num(t, r, "cameraOff.before") != num(t, r, "cameraOff.after") {
		t.Errorf("video kept decoding with the camera off: %v", r["cameraOff"])
	}
	if num(t, r, "screen.frames") <= 0 || num(t, r, "screen.frameWidth") <= 0 {
		t.Errorf("screen share not decoded: %v", r["screen"])
	}
	if chat, _ := r["chat"].([]any); len(chat) != 2 {
		t.Errorf("chat reached %d pages, want 2", len(chat))
	}
	if reasons, _ := r["leaveReasons"].([]any); len(reasons) != 2 {
		t.Errorf("leave reasons %v, want one from each of 2 pages", r["leaveReasons"])
	}
}

// TestGoClientAndBrowser: a Go client publishing real VP8 and Opus and one
// browser page see and hear each other.
func TestGoClientAndBrowser(t *testing.T) {
	e := newEnv(t)
	roomName := room("goclient")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	identity := "go-bot"
	tok, err := e.key.Mint(token.Options{
		Identity: identity, Name: "Go bot", Room: roomName, TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Connect(ctx, e.srv.URL(), tok, client.WithTLSConfig(e.tls),
		client.WithLogger(slog.New(slog.DiscardHandler)), client.WithEventBuffer(4096))
	if err != nil {
		t.Fatalf("go client: %v", err)
	}
	defer c.Close()

	// Publish real VP8 and Opus: a browser decodes only real frames.
	video, err := media.OpenIVF(filepath.Join(repoRoot, "testdata", "media", "video.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	audio, err := media.OpenOgg(filepath.Join(repoRoot, "testdata", "media", "audio.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	publish := func(clip *media.Clip, cap webrtc.RTPCodecCapability, id string, source client.TrackSource) {
		tr, err := webrtc.NewTrackLocalStaticSample(cap, id, "go-bot")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, tr, source); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
		go func() { _ = clip.Play(ctx, tr) }()
	}
	publish(video, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "go-video", client.SourceCamera)
	publish(audio, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "go-audio", client.SourceMicrophone)

	// Count what arrives from each participant, by kind.
	type counts struct{ audio, video, keyframes atomic.Int64 }
	var mu sync.Mutex
	got := map[string]*counts{}
	countsFor := func(id string) *counts {
		mu.Lock()
		defer mu.Unlock()
		if got[id] == nil {
			got[id] = new(counts)
		}
		return got[id]
	}
	go func() {
		for ev := range c.Events() {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok {
				continue
			}
			n := countsFor(sub.ParticipantID)
			go func() {
				isVideo := sub.Remote.Kind() == webrtc.RTPCodecTypeVideo
				for {
					p, _, err := sub.Remote.ReadRTP()
					if err != nil {
						return
					}
					if !isVideo {
						n.audio.Add(1)
						continue
					}
					n.video.Add(1)
					if isVP8KeyframeStart(p) {
						n.keyframes.Add(1)
					}
				}
			}()
		}
	}()

	r := e.scenario("goclient", roomName, map[string]string{"CONCLAVE_GO_IDENTITY": identity},
		map[string]stepFunc{
			"go-received": func(data json.RawMessage) (any, error) {
				var d struct{ ParticipantID string }
				if err := json.Unmarshal(data, &d); err != nil || d.ParticipantID == "" {
					return nil, fmt.Errorf("bad step data %s", data)
				}
				n := countsFor(d.ParticipantID)
				// Growing counts, not a one-off: 50+ video and 25+ audio
				// packets and a key frame, then more of both.
				if err := waitFor("the page's video and audio at the Go client", func() error {
					if n.video.Load() < 50 || n.audio.Load() < 25 || n.keyframes.Load() == 0 {
						return fmt.Errorf("got %d video packets (%d key frames), %d audio packets",
							n.video.Load(), n.keyframes.Load(), n.audio.Load())
					}
					return nil
				}); err != nil {
					return nil, err
				}
				v1, a1 := n.video.Load(), n.audio.Load()
				if err := waitFor("more video and audio from the page at the Go client", func() error {
					if n.video.Load() <= v1 || n.audio.Load() <= a1 {
						return fmt.Errorf("video packets %d -> %d, audio packets %d -> %d", v1, n.video.Load(), a1, n.audio.Load())
					}
					return nil
				}); err != nil {
					return nil, err
				}
				return map[string]int64{"video": n.video.Load(), "audio": n.audio.Load(), "keyframes": n.keyframes.Load()}, nil
			},
		})
	if num(t, r, "video.framesDecoded") <= 0 || num(t, r, "video.frameWidth") <= 0 {
		t.Errorf("the page did not decode the Go client's video: %v", r["video"])
	}
	if num(t, r, "audio.packetsReceived") <= 0 {
		t.Errorf("the page did not receive the Go client's audio: %v", r["audio"])
	}
	if num(t, r, "go.video") < 50 || num(t, r, "go.audio") < 25 {
		t.Errorf("the Go client received too little: %v", r["go"])
	}
}

// isVP8KeyframeStart reports whether an RTP packet starts a VP8 key frame.
func isVP8KeyframeStart(p *rtp.Packet) bool {
	var vp8 codecs.VP8Packet
	payload, err := vp8.Unmarshal(p.Payload)
	if err != nil || vp8.S != 1 || vp8.PID != 0 || len(payload) == 0 {
		return false
	}
	return payload[0]&0x01 == 0 // P bit clear: key frame
}

// TestReconnect: a page whose signaling socket drops resumes its session
// without a ghost, and media flows again.
func TestReconnect(t *testing.T) {
	e := newEnv(t)
	roomName := room("reconnect")
	r := e.scenario("reconnect", roomName, nil, map[string]stepFunc{
		"server-participants": func(data json.RawMessage) (any, error) {
			var d struct{ IDs []string }
			if err := json.Unmarshal(data, &d); err != nil {
				return nil, err
			}
			ps, err := e.srv.Rooms().Participants(roompkg.RoomName(roomName), roompkg.KeyID(e.key.ID))
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, string(p.ID))
			}
			if len(ps) != 2 {
				return nil, fmt.Errorf("the server lists %d participants %v, want exactly 2 %v", len(ps), ids, d.IDs)
			}
			for _, want := range d.IDs {
				found := false
				for _, id := range ids {
					found = found || id == want
				}
				if !found {
					return nil, fmt.Errorf("the server lists %v, not %s", ids, want)
				}
			}
			return ids, nil
		},
	})
	if num(t, r, "tiles") != 1 {
		t.Errorf("bob shows %v remote tiles, want 1", r["tiles"])
	}
}

// TestE2EEMeeting: two pages of the meeting app in a room that requires
// end-to-end encryption decode each other's media and agree on the safety
// code.
func TestE2EEMeeting(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Rooms.E2EE = "required" })
	res := e.scenario("e2ee", room("e2ee"), nil, nil)
	t.Logf("result: %v", res)
}
