package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
)

// The record encoding and hash are a contract with outside verifiers
// (docs/audit.md): this vector pins them.
func TestRecordEncodingVector(t *testing.T) {
	r := Record{
		Seq: 1, Time: time.Unix(0, 1767225600000000001).UTC(), Actor: "usr_a", Action: "signin_failed", Target: "",
		IP: "192.0.2.1", Room: "", Details: map[string]string{"reason": "password", "email": "a@example.org"},
	}
	enc := r.Encode()
	var want []byte
	str := func(s string) {
		want = append(want, byte(len(s)>>24), byte(len(s)>>16), byte(len(s)>>8), byte(len(s)))
		want = append(want, s...)
	}
	u64 := func(v uint64) {
		for i := 7; i >= 0; i-- {
			want = append(want, byte(v>>(8*i)))
		}
	}
	str("conclave audit record v1")
	u64(1)
	u64(1767225600000000001)
	for _, s := range []string{"usr_a", "signin_failed", "", "192.0.2.1", ""} {
		str(s)
	}
	want = append(want, 0, 0, 0, 2)
	str("email")
	str("a@example.org")
	str("reason")
	str("password")
	want = append(want, make([]byte, 32)...)
	if hex.EncodeToString(enc) != hex.EncodeToString(want) {
		t.Fatalf("encoding\n got %x\nwant %x", enc, want)
	}
	if got, want := r.ComputeHash(), Hash(sha256.Sum256(want)); got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
	// Pinned: a change to the encoding breaks every verifier of old logs.
	if got := r.ComputeHash().String(); got != pinnedVectorHash {
		t.Errorf("hash of the vector = %s, pinned %s", got, pinnedVectorHash)
	}
}

const pinnedVectorHash = "1b4486f5ec569155f450d3d7f722e3b1ae7417a7e46c8ff3ce342ebfe55f3da5"

func TestAppendChainsAndCheckpoints(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	f.appendN(25)
	rep := f.mustVerify()
	if rep.First != 1 || rep.Last != 25 || rep.Records != 25 || rep.SignedThrough != 20 || rep.Checkpoints != 2 {
		t.Fatalf("report %+v, want records 1-25 signed through 20 by 2 checkpoints", rep)
	}
	r1, r2 := f.stored(1), f.stored(2)
	if !r1.Prev.IsZero() || r2.Prev != r1.Hash || r1.ComputeHash() != r1.Hash {
		t.Fatalf("chain: record 1 %+v, record 2 %+v", r1, r2)
	}
	if r1.Time != t0.Add(time.Second) || r1.Actor != "user-1" || r1.Details["n"] != "1" {
		t.Fatalf("record 1 as stored: %+v", r1)
	}

	// A checkpoint on demand covers the tail, once.
	if signed, err := f.log.Checkpoint(ctx); err != nil || !signed {
		t.Fatalf("Checkpoint = %v, %v", signed, err)
	}
	if signed, err := f.log.Checkpoint(ctx); err != nil || signed {
		t.Fatalf("second Checkpoint = %v, %v; want nothing to sign", signed, err)
	}
	if rep := f.mustVerify(); rep.SignedThrough != 25 || rep.Head != f.stored(25).Hash {
		t.Fatalf("after a checkpoint: %+v", rep)
	}

	// A batch is one transaction; the record that brings the count to
	// 10 past the last checkpoint signs one.
	batch := []Entry{entry(100), entry(101), entry(102)}
	batch[1].Time = t0.Add(time.Hour)
	recs, err := f.log.Append(ctx, batch...)
	if err != nil || len(recs) != 3 || recs[0].Seq != 26 || recs[2].Prev != recs[1].Hash || !recs[1].Time.Equal(t0.Add(time.Hour)) {
		t.Fatalf("batch append: %v %+v", err, recs)
	}
	if !recs[0].Time.Equal(f.clock) {
		t.Errorf("an entry without a time has %v, want the clock's %v", recs[0].Time, f.clock)
	}
}

func TestAppendRefusesInvalidEntries(t *testing.T) {
	f := newFixture(t, 10)
	long := strings.Repeat("x", MaxFieldBytes+1)
	many := map[string]string{}
	for i := range MaxDetails + 1 {
		many[string(rune('a'+i%26))+strings.Repeat("k", i)] = "v"
	}
	for name, e := range map[string]Entry{
		"no action":        {Actor: "a"},
		"long actor":       {Action: "x", Actor: long},
		"bad utf-8":        {Action: "x", Target: "\xff"},
		"empty key":        {Action: "x", Details: map[string]string{"": "v"}},
		"long value":       {Action: "x", Details: map[string]string{"k": strings.Repeat("v", MaxDetailValueBytes+1)}},
		"too many keys":    {Action: "x", Details: many},
		"bad utf-8 value":  {Action: "x", Details: map[string]string{"k": "\xc3"}},
		"time before 1970": {Action: "x", Time: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
		"time after 2261":  {Action: "x", Time: time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := f.log.Append(context.Background(), entry(1), e); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Append = %v, want ErrInvalid", name, err)
		}
	}
	if rep := f.mustVerify(); rep.Records != 0 {
		t.Fatalf("a refused batch wrote %d records", rep.Records)
	}
	if got := Clip("héllo", 2); got != "h" {
		t.Errorf("Clip splits a rune: %q", got)
	}
	if got := Clip("a\xffb", 10); got != "a\uFFFDb" {
		t.Errorf("Clip keeps invalid UTF-8: %q", got)
	}
}

// Each way of editing the database behind the log's back, on a log of 30
// records with checkpoints at 10, 20 and 30: verification names the
// first bad sequence number.
func TestVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name          string
		tamper        func(f *fixture)
		seq, through  int64
		reasonContain string
	}{
		{name: "modified", seq: 7, reasonContain: "modified",
			tamper: func(f *fixture) { f.exec(`UPDATE audit_records SET actor = 'someone-else' WHERE seq = 7`) }},
		{name: "modified time", seq: 12, reasonContain: "modified",
			tamper: func(f *fixture) { f.exec(`UPDATE audit_records SET time = time + 1 WHERE seq = 12`) }},
		{name: "modified details", seq: 3, reasonContain: "modified",
			tamper: func(f *fixture) {
				f.exec(`UPDATE audit_records SET details = '{"n":"3","reason":"passkey"}' WHERE seq = 3`)
			}},
		{name: "details no longer JSON", seq: 4, reasonContain: "modified",
			tamper: func(f *fixture) { f.exec(`UPDATE audit_records SET details = 'nope' WHERE seq = 4`) }},
		{name: "details with a key twice", seq: 4, reasonContain: "repeated",
			tamper: func(f *fixture) {
				f.exec(`UPDATE audit_records SET details = '{"n":"4","reason":"other","reason":"password"}' WHERE seq = 4`)
			}},
		{name: "hash cut short", seq: 9, reasonContain: "modified",
			tamper: func(f *fixture) { f.exec(`UPDATE audit_records SET hash = x'00' WHERE seq = 9`) }},
		{name: "modified, hash computed again", seq: 7, through: 8,
			tamper: func(f *fixture) {
				r := f.stored(7)
				r.Actor = "someone-else"
				r.Hash = r.ComputeHash()
				f.put(r)
			}},
		{name: "deleted", seq: 7, reasonContain: "missing",
			tamper: func(f *fixture) { f.exec(`DELETE FROM audit_records WHERE seq = 7`) }},
		{name: "deleted first", seq: 1, reasonContain: "missing",
			tamper: func(f *fixture) { f.exec(`DELETE FROM audit_records WHERE seq = 1`) }},
		{name: "deleted, later ones renumbered", seq: 7, reasonContain: "modified",
			tamper: func(f *fixture) {
				f.exec(`DELETE FROM audit_records WHERE seq = 7`)
				f.shift(8, -1)
			}},
		{name: "inserted, later ones renumbered", seq: 7, reasonContain: "inserted",
			tamper: func(f *fixture) {
				prev := f.stored(6)
				f.shift(7, 1)
				forged := Record{Seq: 7, Time: prev.Time, Actor: "nobody", Action: "signin_succeeded", Prev: prev.Hash}
				forged.Hash = forged.ComputeHash()
				f.put(forged)
			}},
		{name: "inserted at the end", seq: 31, reasonContain: "modified",
			tamper: func(f *fixture) {
				f.exec(`INSERT INTO audit_records (seq, time, actor, action, target, ip, room, details, prev, hash)
					VALUES (31, 0, 'x', 'signin_succeeded', '', '', '', '{}', zeroblob(32), zeroblob(32))`)
			}},
		{name: "reordered", seq: 7, reasonContain: "modified",
			tamper: func(f *fixture) {
				f.exec(`UPDATE audit_records SET seq = 1000 WHERE seq = 7`)
				f.exec(`UPDATE audit_records SET seq = 7 WHERE seq = 8`)
				f.exec(`UPDATE audit_records SET seq = 8 WHERE seq = 1000`)
			}},
		{name: "truncated behind a checkpoint", seq: 26, through: 30, reasonContain: "truncated",
			tamper: func(f *fixture) { f.exec(`DELETE FROM audit_records WHERE seq > 25`) }},
		{name: "emptied, checkpoints kept", seq: 1, through: 30, reasonContain: "truncated",
			tamper: func(f *fixture) { f.exec(`DELETE FROM audit_records`) }},
		{name: "every record from 7 rewritten and chained again", seq: 1, through: 10, reasonContain: "rewritten",
			tamper: func(f *fixture) {
				prev := f.stored(6).Hash
				for seq := int64(7); seq <= 30; seq++ {
					r := f.stored(seq)
					r.Actor, r.Prev = "rewritten", prev
					r.Hash = r.ComputeHash()
					f.put(r)
					prev = r.Hash
				}
			}},
		{name: "records after a checkpoint rewritten", seq: 11, through: 20, reasonContain: "rewritten",
			tamper: func(f *fixture) {
				prev := f.stored(14).Hash
				for seq := int64(15); seq <= 30; seq++ {
					r := f.stored(seq)
					r.IP, r.Prev = "203.0.113.9", prev
					r.Hash = r.ComputeHash()
					f.put(r)
					prev = r.Hash
				}
			}},
		{name: "checkpoint forged", seq: 20, reasonContain: "not signed",
			tamper: func(f *fixture) { f.exec(`UPDATE audit_checkpoints SET head = zeroblob(32) WHERE seq = 20`) }},
		{name: "checkpoint signature cut", seq: 10, reasonContain: "not signed",
			tamper: func(f *fixture) { f.exec(`UPDATE audit_checkpoints SET signature = x'00' WHERE seq = 10`) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 10)
			f.appendN(30)
			if rep := f.mustVerify(); rep.Records != 30 || rep.SignedThrough != 30 {
				t.Fatalf("before tampering: %+v", rep)
			}
			tc.tamper(f)
			p := f.wantProblem(tc.seq, tc.through)
			t.Log(p)
			if !strings.Contains(p.Reason, tc.reasonContain) {
				t.Errorf("reason %q, want it to say %q", p.Reason, tc.reasonContain)
			}
		})
	}
}

// What verification of the database alone cannot see, pinned so that
// docs/audit.md stays true: records and the checkpoints after them
// removed together, and records after the last checkpoint rewritten
// consistently.
func TestVerifyLimits(t *testing.T) {
	f := newFixture(t, 10)
	f.appendN(25)
	f.exec(`DELETE FROM audit_records WHERE seq > 15`)
	f.exec(`DELETE FROM audit_checkpoints WHERE seq > 10`)
	if rep := f.mustVerify(); rep.Last != 15 || rep.SignedThrough != 10 {
		t.Fatalf("report %+v", rep)
	}
	r := f.stored(15)
	r.Actor = "rewritten"
	r.Hash = r.ComputeHash()
	f.put(r)
	f.mustVerify()
}

// An append onto a log that ends before its newest checkpoint would
// reuse signed sequence numbers: refused.
func TestAppendRefusesTruncatedLog(t *testing.T) {
	f := newFixture(t, 10)
	f.appendN(12)
	f.exec(`DELETE FROM audit_records WHERE seq > 8`)
	if _, err := f.log.Append(context.Background(), entry(1)); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Append = %v, want ErrTruncated", err)
	}
	if _, err := f.log.Checkpoint(context.Background()); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Checkpoint = %v, want ErrTruncated", err)
	}
}

// Two logs on one database, as the server and a command would be: their
// appends interleave without gaps or forks.
func TestConcurrentWriters(t *testing.T) {
	f := newFixture(t, 7)
	other, err := store.OpenSQLite(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	log2, err := New(Config{Store: other, KeyID: "CKSERVER", Key: testKey, CheckpointRecords: 7})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		l := f.log
		if w%2 == 1 {
			l = log2
		}
		wg.Go(func() {
			for i := range 15 {
				if _, err := l.Append(context.Background(), entry(w*100+i), entry(w*100+i+50)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if rep := f.mustVerify(); rep.Records != 8*15*2 || rep.Last != 240 {
		t.Fatalf("report %+v, want 240 records", rep)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	f := newFixture(t, 10)
	for name, cfg := range map[string]Config{
		"no store":       {KeyID: "k", Key: testKey},
		"no key":         {Store: f.st, KeyID: "k"},
		"no key id":      {Store: f.st, Key: testKey},
		"every too many": {Store: f.st, KeyID: "k", Key: testKey, CheckpointRecords: MaxCheckpointRecords + 1},
		"every minus":    {Store: f.st, KeyID: "k", Key: testKey, CheckpointRecords: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	l, err := New(Config{Store: f.st, KeyID: "k", Key: testKey})
	if err != nil || l.cfg.CheckpointRecords != DefaultCheckpointRecords || !l.PublicKey().Equal(testKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("New with defaults: %v", err)
	}
}

// The configuration's audit keys are held to this package's limits.
func TestConfigMatchesLimits(t *testing.T) {
	d := config.Default().Audit
	if d.CheckpointRecords != DefaultCheckpointRecords || d.CheckpointInterval != DefaultCheckpointInterval || d.Retention != 0 {
		t.Errorf("config defaults %+v differ from the package's", d)
	}
	for _, a := range []config.Audit{
		{CheckpointRecords: MaxCheckpointRecords, CheckpointInterval: MinCheckpointInterval, Retention: MinRetention},
		{CheckpointRecords: 1, CheckpointInterval: MaxCheckpointInterval},
	} {
		c := config.Default()
		c.Audit = a
		if err := c.Validate(); err != nil {
			t.Errorf("%+v at the limits: %v", a, err)
		}
	}
	for _, a := range []config.Audit{
		{CheckpointRecords: MaxCheckpointRecords + 1, CheckpointInterval: time.Minute},
		{CheckpointRecords: 1, CheckpointInterval: MinCheckpointInterval - 1},
		{CheckpointRecords: 1, CheckpointInterval: MaxCheckpointInterval + 1},
		{CheckpointRecords: 1, CheckpointInterval: time.Minute, Retention: MinRetention - 1},
	} {
		c := config.Default()
		c.Audit = a
		if err := c.Validate(); err == nil {
			t.Errorf("%+v beyond the limits: valid", a)
		}
	}
}
