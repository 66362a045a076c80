package server

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
)

// An audit log that cannot be written: /readyz says so, the record waits
// (counted in conclave_audit_waiting_records) and the failure is logged
// at error level; once the store takes writes again, the waiting record
// is written by a retry and the server is ready again by itself, with no
// new event.
func TestReadyzReportsAuditFailure(t *testing.T) {
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "127.0.0.1:0", t.TempDir()
	var logged syncWriter
	s, _ := runServer(t, cfg, slog.New(slog.NewTextHandler(&logged, nil)), nil)

	get := func(path string) (int, string) {
		resp, err := http.Get(s.AdminURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	event := func() {
		s.rooms.Security(room.SecurityEvent{Kind: room.SecuritySigninFailed, Outcome: room.OutcomeRefused, Reason: "password", IP: "192.0.2.1"})
	}
	testkit.Eventually(t, "ready", func() bool { code, _ := get("/readyz"); return code == http.StatusOK })

	db, err := sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "conclave.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	event()
	testkit.Eventually(t, "/readyz to report the audit log", func() bool {
		code, body := get("/readyz")
		return code == http.StatusServiceUnavailable && body == "audit log cannot write\n"
	})
	if _, metrics := get("/metrics"); !strings.Contains(metrics, "conclave_audit_waiting_records 1\n") || !strings.Contains(metrics, "conclave_audit_failures_total 0\n") {
		t.Errorf("metrics:\n%s", grepLines(metrics, "conclave_audit"))
	}
	if !strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "refused by the test") {
		t.Errorf("not logged at error level:\n%s", logged.String())
	}

	if _, err := db.Exec(`DROP TRIGGER refuse`); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "ready again", func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
	if _, metrics := get("/metrics"); !strings.Contains(metrics, "conclave_audit_records_total 1\n") || !strings.Contains(metrics, "conclave_audit_waiting_records 0\n") {
		t.Errorf("metrics:\n%s", grepLines(metrics, "conclave_audit"))
	}
	if !strings.Contains(logged.String(), "the store takes records again") {
		t.Errorf("the recovery not logged:\n%s", logged.String())
	}
}

func grepLines(text, substr string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return fmt.Sprint(out)
}

// syncWriter collects what the server logs, from many goroutines.
type syncWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
