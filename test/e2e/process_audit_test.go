package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// TestAcknowledgedChangesAuditedBeforeACrash: the server process answers
// 40 room creations made at once and is killed (SIGKILL) the moment the
// last answer arrives; every creation it answered 201 has its audit
// record in the database afterwards. The answer waits for the record
// (docs/audit.md, "Writing"): before, a crash right after a rush lost
// the records of changes already acknowledged, and nothing said so.
func TestAcknowledgedChangesAuditedBeforeACrash(t *testing.T) {
	p := startServerProcess(t)
	priv, err := token.ParsePrivateKey(p.key)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := token.Key{ID: p.keyID, Private: priv}.Mint(token.Options{Identity: "ops", TTL: time.Hour,
		Grants: token.Grants{RoomCreate: true, RoomAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback, its own dev certificate
	const rush = 40
	var (
		mu      sync.Mutex
		created []string
		wg      sync.WaitGroup
	)
	for i := range rush {
		wg.Go(func() {
			name := fmt.Sprintf("rush-%02d", i)
			body, _ := json.Marshal(map[string]any{"name": name})
			req, _ := http.NewRequest("POST", p.url+"/v1/rooms", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Errorf("create %s: %v", name, err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("create %s: %d %s", name, resp.StatusCode, b)
				return
			}
			mu.Lock()
			created = append(created, name)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := p.kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if len(created) == 0 {
		t.Fatal("no creation was answered 201")
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(p.dataDir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recorded := map[string]bool{}
	err = st.ReadAudit(context.Background(), func(r store.AuditReader) error {
		recs, err := r.AuditRecords(context.Background(), 0, 100000)
		for _, rec := range recs {
			if rec.Action == "room_created" {
				recorded[rec.Room] = true
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, name := range created {
		if !recorded[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of the %d creations answered 201 have no audit record after the crash: %v", len(missing), len(created), missing)
	}
}
