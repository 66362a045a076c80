package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/e2ee"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/protocol"
)

// lockedBuffer collects the server's log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// roomUnderWatch is a publisher, a tap on what the server forwards to a
// subscriber, and a raw signaling participant that keeps every message
// the server relays to it, in one room.
type roomUnderWatch struct {
	pub          *client.Client
	sub          *client.Client
	subRec       *recorder
	video, audio *packetTap
	relay        *rawConn
	mediaMarker  []byte
	chatMarker   []byte
}

func watchRoom(ctx context.Context, t *testing.T, e *env, room string, encrypted bool) *roomUnderWatch {
	t.Helper()
	w := &roomUnderWatch{mediaMarker: newMarker(t)}
	w.chatMarker = []byte("chat marker " + string(encodings(newMarker(t))[1])) // text, as chat is
	w.relay = e.dialRaw(ctx, t)
	if encrypted {
		w.relay.joinE2EE(e.JoinToken(room, "relay"), room, "relay")
	} else {
		w.relay.join(e.JoinToken(room, "relay"))
	}
	w.sub = e.connectE2EE(ctx, t, room, "sub")
	w.subRec = record(w.sub)
	w.pub = e.connectE2EE(ctx, t, room, "pub") // an identity is ignored in a plain room
	if w.pub.E2EE() != encrypted || w.sub.E2EE() != encrypted {
		t.Fatalf("%s: E2EE %v, %v; want %v", room, w.pub.E2EE(), w.sub.E2EE(), encrypted)
	}
	publishFrames(ctx, t, w.pub, e2ee.VP8, "cam", w.mediaMarker)
	publishFrames(ctx, t, w.pub, e2ee.Opus, "mic", w.mediaMarker)
	w.video = tapPackets(waitTrack(t, w.subRec, w.pub.Self().ID, "cam"), w.mediaMarker)
	w.audio = tapPackets(waitTrack(t, w.subRec, w.pub.Self().ID, "mic"), w.mediaMarker)
	return w
}

// relayed reads what the server sent the raw participant until a data
// message from the publisher arrives, and returns every message as sent,
// and the payload of that data message.
func (w *roomUnderWatch) relayed(t *testing.T) (all [][]byte, payload []byte) {
	t.Helper()
	limit := time.After(testkit.DefaultWait())
	for {
		select {
		case b, ok := <-w.relay.msgs:
			if !ok {
				t.Fatalf("the relay's connection closed: %v", w.relay.err)
			}
			all = append(all, b)
			var env protocol.Envelope
			if err := json.Unmarshal(b, &env); err != nil || env.Type != protocol.TypeData {
				continue
			}
			var d protocol.Data
			if err := json.Unmarshal(env.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.From == w.pub.Self().ID {
				return all, d.Payload
			}
		case <-limit:
			t.Fatalf("gave up after %s waiting for the publisher's data at the relay", testkit.DefaultWait())
		}
	}
}

// TestE2EEServerSeesOnlyCiphertext proves that in a room that requires
// end-to-end encryption the server handles ciphertext only. A publisher
// sends frames that each carry a random marker, and chat that carries
// another. In the encrypted room no RTP payload the SFU forwards, no
// message it relays, nothing it logs at debug level, nothing in its data
// directory and nothing in its metrics holds either marker, in any
// encoding; in a plain room on the same server, every forwarded payload
// and the relayed chat do, which shows the taps would see them.
func TestE2EEServerSeesOnlyCiphertext(t *testing.T) {
	var log lockedBuffer
	e := &env{Server: testserver.StartWithLog(t, &log), t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	e.createE2EERoom("secret")
	secret := watchRoom(ctx, t, e, "secret", true)
	plain := watchRoom(ctx, t, e, "plain", false)

	for _, w := range []*roomUnderWatch{secret, plain} {
		if err := w.pub.SendData(ctx, w.chatMarker, "chat"); err != nil {
			t.Fatal(err)
		}
		wait(t, w.subRec, "the chat", func(ev client.DataReceived) bool { return bytes.Equal(ev.Payload, w.chatMarker) })
	}
	const enough = 100
	for _, w := range []*roomUnderWatch{secret, plain} {
		for _, tp := range []*packetTap{w.video, w.audio} {
			testkit.Eventually(t, "forwarded packets", func() bool { return tp.packets.Load() >= enough })
		}
	}

	// What the SFU forwards.
	for name, tp := range map[string]*packetTap{"video": secret.video, "audio": secret.audio} {
		if n := tp.marked.Load(); n != 0 {
			t.Errorf("encrypted room: %d of %d forwarded %s payloads hold the marker", n, tp.packets.Load(), name)
		}
	}
	for name, tp := range map[string]*packetTap{"video": plain.video, "audio": plain.audio} {
		if n, all := tp.marked.Load(), tp.packets.Load(); n < enough || n != all {
			t.Errorf("plain room: %d of %d forwarded %s payloads hold the marker, want all", n, all, name)
		}
	}

	// What the server relays.
	msgs, payload := secret.relayed(t)
	for _, m := range msgs {
		for _, marker := range [][]byte{secret.chatMarker, secret.mediaMarker} {
			if l := leaks(m, marker); l != "" {
				t.Errorf("encrypted room: the server relayed a marker (%s) in %.200s", l, m)
			}
		}
	}
	if bytes.Contains(payload, secret.chatMarker) {
		t.Error("encrypted room: the relayed chat payload holds the marker")
	}
	if _, payload := plain.relayed(t); !bytes.Equal(payload, plain.chatMarker) {
		t.Errorf("plain room: relayed chat %q, want %q", payload, plain.chatMarker)
	}

	// Everything the server logged, stored and exposes.
	places := map[string][]byte{"log": log.Bytes(), "metrics": e.rawMetrics()}
	for path, b := range e.dataFiles() {
		places[path] = b
	}
	for place, b := range places {
		for _, marker := range [][]byte{secret.chatMarker, secret.mediaMarker} {
			if l := leaks(b, marker); l != "" {
				t.Errorf("the server's %s holds a marker of the encrypted room (%s)", place, l)
			}
		}
	}
	// The places are the real ones: the log has the joins, the store the
	// room, the metrics the forwarded packets.
	if !bytes.Contains(places["log"], []byte("msg=joined")) || !bytes.Contains(places["log"], []byte("level=DEBUG")) {
		t.Errorf("the captured log has no debug records of joins: %.300s", places["log"])
	}
	var stored bool
	for path, b := range places {
		if path != "log" && path != "metrics" && bytes.Contains(b, []byte("secret")) {
			stored = true
		}
	}
	if !stored {
		t.Error("no file in the data directory holds the room's name")
	}
	if !bytes.Contains(places["metrics"], []byte("conclave_")) {
		t.Errorf("metrics: %.300s", places["metrics"])
	}
}

// rawMetrics is the admin listener's /metrics as exposed.
func (e *env) rawMetrics() []byte {
	e.t.Helper()
	resp, err := http.Get(e.Srv.AdminURL() + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// dataFiles reads every file in the server's data directory.
func (e *env) dataFiles() map[string][]byte {
	e.t.Helper()
	out := make(map[string][]byte)
	err := filepath.WalkDir(e.Config.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = b
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out) == 0 {
		e.t.Fatal("the data directory is empty")
	}
	return out
}
