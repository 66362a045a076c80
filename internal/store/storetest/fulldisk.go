// Package storetest gives tests storage that fills up for real. A FullDisk
// is a data directory on a small tmpfs mounted for the test when the
// process may mount one (CI runs as root); otherwise, so that the tests
// also run for a developer without that privilege, a directory whose
// database is capped with SQLite's max_page_count. Either way a write that
// needs space then fails inside SQLite with SQLITE_FULL, as it does on a
// full disk. CONCLAVETEST_NO_MOUNT=1 forces the second way, to try it
// where mounting works.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/conclave-video/conclave/internal/store"
)

// tmpfsBytes is the size of the mounted file system: room for a fresh
// database, its WAL and a self-signed certificate.
const tmpfsBytes = 4 << 20

// capPages caps the database when nothing can be mounted: a fresh one
// takes about ten pages.
const capPages = 160

// FullDisk is a data directory whose storage a test can fill and free.
type FullDisk struct {
	// Dir is the data directory.
	Dir string
	// Mounted says Dir is a tmpfs of its own. When false, the database
	// must be opened with Options, and only writes that grow it fail when
	// full (a delete or an update in place still succeeds).
	Mounted bool
	// Options must be passed to store.OpenSQLite for the database in Dir.
	Options []store.Option

	t      testing.TB
	filled []string // rooms created by Fill (not Mounted)
}

// NewFullDisk returns an empty data directory; see FullDisk.
func NewFullDisk(t testing.TB) *FullDisk {
	t.Helper()
	d := &FullDisk{Dir: filepath.Join(t.TempDir(), "data"), t: t}
	if err := os.Mkdir(d.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	err := errors.New("CONCLAVETEST_NO_MOUNT is set")
	if os.Getenv("CONCLAVETEST_NO_MOUNT") == "" {
		err = mountTmpfs(d.Dir, tmpfsBytes)
	}
	if err == nil {
		d.Mounted = true
		t.Cleanup(func() {
			if err := unmount(d.Dir); err != nil {
				t.Errorf("unmount %s: %v", d.Dir, err)
			}
		})
		t.Logf("storage: a %d KiB tmpfs at %s", tmpfsBytes>>10, d.Dir)
	} else {
		d.Options = []store.Option{store.MaxPages(capPages)}
		t.Logf("storage: cannot mount a tmpfs (%v); database capped at %d pages instead", err, capPages)
	}
	return d
}

// Fill uses up the storage. Mounted, it writes a file until the file
// system refuses. Otherwise it fills the database to its cap: rooms with
// ever shorter names down to 16 bytes, then API keys with names down to
// none in what is left (they stay: Free frees the rooms' space, not the
// keys); a room with a name of 16 bytes or more, or any API key with a
// name, then no longer fits.
func (d *FullDisk) Fill(st *store.SQLite) {
	d.t.Helper()
	if d.Mounted {
		d.fillFile()
		return
	}
	ctx := context.Background()
	for _, size := range []int{512, 128, 16} {
		for {
			name := fmt.Sprintf("%0*d", size, len(d.filled))
			err := st.CreateRoom(ctx, store.Room{Name: name})
			if errors.Is(err, store.ErrUnavailable) {
				break
			}
			if err != nil {
				d.t.Fatalf("fill: %v", err)
			}
			d.filled = append(d.filled, name)
		}
	}
	pub := make([]byte, 32)
	for _, size := range []int{512, 64, 0} {
		for n := 0; ; n++ {
			k := store.APIKey{ID: fmt.Sprintf("CKFILL%03d%05d", size, n), Name: fmt.Sprintf("%0*d", size, 0), PublicKey: pub}
			err := st.CreateAPIKey(ctx, k)
			if errors.Is(err, store.ErrUnavailable) {
				break
			}
			if err != nil {
				d.t.Fatalf("fill: %v", err)
			}
		}
	}
}

func (d *FullDisk) fillFile() {
	f, err := os.OpenFile(d.fillerPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		d.t.Fatalf("fill: %v", err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				d.t.Fatalf("fill: %v", err)
			}
			buf = buf[:len(buf)/2] // take the last scraps too
		}
	}
}

// Free undoes Fill.
func (d *FullDisk) Free(st *store.SQLite) {
	d.t.Helper()
	if d.Mounted {
		if err := os.Remove(d.fillerPath()); err != nil {
			d.t.Fatalf("free: %v", err)
		}
		return
	}
	for _, name := range d.filled {
		if err := st.DeleteRoom(context.Background(), name); err != nil {
			d.t.Fatalf("free: %v", err)
		}
	}
	d.filled = nil
}

func (d *FullDisk) fillerPath() string { return filepath.Join(d.Dir, "filler") }
