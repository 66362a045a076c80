package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/store/storetest"
	"github.com/conclave-video/conclave/internal/testkit"
)

// TestReadyzReportsStoreThatCannotWrite: with the data directory on
// storage that is full, /readyz answers 503 (a store that answers reads
// but cannot write is not ready), and 200 again once there is room.
func TestReadyzReportsStoreThatCannotWrite(t *testing.T) {
	disk := storetest.NewFullDisk(t)
	cfg := config.DefaultDev()
	cfg.Addr = "127.0.0.1:0"
	cfg.RTCPort = 0
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.DataDir = disk.Dir
	s, _ := runServer(t, cfg, nil, disk.Options)

	readyz := func() (int, string) {
		resp, err := http.Get(s.AdminURL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitReady := func(want int, what string) {
		t.Helper()
		testkit.Eventually(t, fmt.Sprintf("/readyz to answer %d %s", want, what), func() bool {
			code, _ := readyz()
			return code == want
		})
	}
	waitReady(http.StatusOK, "before the disk fills")

	bg := context.Background()
	if err := s.Store().CreateRoom(bg, store.Room{Name: "kept-while-full"}); err != nil {
		t.Fatal(err)
	}
	disk.Fill(s.Store())
	err := s.Store().CreateRoom(bg, store.Room{Name: "created-while-full"})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("CreateRoom on a full disk: %v, want ErrUnavailable", err)
	}
	waitReady(http.StatusServiceUnavailable, "with the disk full")
	if code, body := readyz(); code != http.StatusServiceUnavailable || body != "store cannot write\n" {
		t.Errorf("/readyz with the disk full: %d %q", code, body)
	}

	disk.Free(s.Store())
	waitReady(http.StatusOK, "after room was made")
	if err := s.Store().CreateRoom(bg, store.Room{Name: "created-after"}); err != nil {
		t.Errorf("CreateRoom after the disk was freed: %v", err)
	}
	if _, err := s.Store().Room(bg, "kept-while-full"); err != nil {
		t.Errorf("room written before the disk filled: %v", err)
	}
}
