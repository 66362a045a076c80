package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/store"
)

// fixture is a log in a real SQLite database, with a clock the test
// moves and a second connection that edits the database as an attacker
// with access to the file would.
type fixture struct {
	t     *testing.T
	path  string
	st    *store.SQLite
	log   *Log
	pub   ed25519.PublicKey
	clock time.Time
	db    *sql.DB
}

var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

// t0 is the time of the fixture's first record.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func newFixture(t *testing.T, every int) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "conclave.db"), pub: testKey.Public().(ed25519.PublicKey), clock: t0}
	st, err := store.OpenSQLite(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f.st = st
	f.log, err = New(Config{Store: st, KeyID: "CKSERVER", Key: testKey, CheckpointRecords: every, Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) now() time.Time { return f.clock }

// entry is the i-th test entry.
func entry(i int) Entry {
	return Entry{
		Actor: fmt.Sprintf("user-%d", i), Action: "signin_failed", Target: "usr_x", IP: fmt.Sprintf("192.0.2.%d", i%250),
		Details: map[string]string{"reason": "password", "n": fmt.Sprint(i)},
	}
}

// appendN appends n entries one by one, a second apart on the clock.
func (f *fixture) appendN(n int) {
	f.t.Helper()
	for range n {
		f.clock = f.clock.Add(time.Second)
		if _, err := f.log.Append(context.Background(), entry(int(f.clock.Sub(t0)/time.Second))); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) verify() (Report, error) {
	f.t.Helper()
	return Verify(context.Background(), f.st, []ed25519.PublicKey{f.pub})
}

// mustVerify fails the test unless the log verifies.
func (f *fixture) mustVerify() Report {
	f.t.Helper()
	rep, err := f.verify()
	if err != nil {
		f.t.Fatalf("verify: %v", err)
	}
	return rep
}

// wantProblem fails the test unless verification finds a Problem at seq
// (and through, if not 0).
func (f *fixture) wantProblem(seq, through int64) *Problem {
	f.t.Helper()
	_, err := f.verify()
	var p *Problem
	if !errors.As(err, &p) || !errors.Is(err, ErrTampered) {
		f.t.Fatalf("verify = %v, want a Problem at %d", err, seq)
	}
	if p.Seq != seq || (through != 0 && p.Through != through) {
		f.t.Fatalf("verify: %v; want the problem at seq %d (through %d)", p, seq, through)
	}
	return p
}

// exec runs SQL on the database file directly, as an attacker would,
// the append-only trigger dropped first.
func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if f.db == nil {
		db, err := sql.Open("sqlite", "file:"+f.path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			f.t.Fatal(err)
		}
		f.t.Cleanup(func() { _ = db.Close() })
		if _, err := db.Exec(`DROP TRIGGER IF EXISTS audit_records_append_only`); err != nil {
			f.t.Fatal(err)
		}
		f.db = db
	}
	if _, err := f.db.Exec(query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

// stored reads record seq as stored.
func (f *fixture) stored(seq int64) Record {
	f.t.Helper()
	var r Record
	err := f.st.ReadAudit(context.Background(), func(rd store.AuditReader) error {
		sr, err := rd.AuditRecordAt(context.Background(), seq)
		if err != nil {
			return err
		}
		r, err = fromStoreRecord(sr)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// put writes r over whatever row has its seq, as an attacker who knows
// the encoding would.
func (f *fixture) put(r Record) {
	f.t.Helper()
	s := toStoreRecord(&r)
	f.exec(`DELETE FROM audit_records WHERE seq = ?`, r.Seq)
	f.exec(`INSERT INTO audit_records (seq, time, actor, action, target, ip, room, details, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Seq, s.Time.UnixNano(), s.Actor, s.Action, s.Target, s.IP, s.Room, s.Details, s.Prev, s.Hash)
}

// shift renumbers the records from seq on by delta.
func (f *fixture) shift(from, delta int64) {
	f.t.Helper()
	// Through numbers far above, so no two rows ever share a seq.
	const far = 1 << 40
	f.exec(`UPDATE audit_records SET seq = seq + ? WHERE seq >= ?`, far+delta, from)
	f.exec(`UPDATE audit_records SET seq = seq - ? WHERE seq >= ?`, far, far)
}
