package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func (f *fixture) export(since time.Time) []byte {
	f.t.Helper()
	var buf bytes.Buffer
	if _, err := Export(context.Background(), f.st, &buf, since, f.clock); err != nil {
		f.t.Fatal(err)
	}
	return buf.Bytes()
}

func verifyExport(t *testing.T, data []byte, keys ...ed25519.PublicKey) (Report, error) {
	t.Helper()
	rep, _, err := VerifyExport(bytes.NewReader(data), keys)
	return rep, err
}

func TestExportVerifiesWithThePublicKeyOnly(t *testing.T) {
	f := newFixture(t, 10)
	f.appendN(30)
	all := f.export(time.Time{})
	lines := strings.Split(strings.TrimSuffix(string(all), "\n"), "\n")
	if len(lines) != 1+30+3 || !strings.Contains(lines[0], `"type":"header"`) || !strings.Contains(lines[11], `"type":"checkpoint"`) {
		t.Fatalf("export of 30 records and 3 checkpoints has %d lines:\n%s", len(lines), all)
	}
	rep, err := verifyExport(t, all, f.pub)
	if err != nil || rep.First != 1 || rep.Last != 30 || rep.SignedThrough != 30 || rep.Checkpoints != 3 {
		t.Fatalf("verify-export: %+v, %v", rep, err)
	}

	// From a time: the records since it, vouched for by the checkpoints
	// after them.
	part := f.export(t0.Add(15 * time.Second))
	rep, err = verifyExport(t, part, f.pub)
	if err != nil || rep.First != 15 || rep.Last != 30 || rep.SignedThrough != 30 {
		t.Fatalf("verify-export since record 15: %+v, %v", rep, err)
	}
	// Nothing since: a header alone verifies, with nothing in it.
	if rep, err := verifyExport(t, f.export(f.clock.Add(time.Hour)), f.pub); err != nil || rep.Records != 0 {
		t.Fatalf("empty export: %+v, %v", rep, err)
	}

	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)).Public().(ed25519.PublicKey)
	if _, err := verifyExport(t, all, other); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("verify-export with another key: %v", err)
	}
	if _, err := verifyExport(t, all, other, f.pub); err != nil {
		t.Fatalf("verify-export with the key among others: %v", err)
	}

	// Records after the last checkpoint are not proven.
	f.appendN(3)
	if _, err := verifyExport(t, f.export(time.Time{}), f.pub); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "records 31 to 33: not covered") {
		t.Fatalf("verify-export of an unsigned tail: %v", err)
	}
}

func TestVerifyExportFindsEdits(t *testing.T) {
	f := newFixture(t, 10)
	f.appendN(20)
	all := string(f.export(time.Time{}))
	lines := strings.SplitAfter(all, "\n")
	line := func(seq int) int { // the index of record seq's line
		for i, l := range lines {
			if strings.Contains(l, `"type":"record","seq":`+strconv.Itoa(seq)+`,`) {
				return i
			}
		}
		t.Fatalf("no line of record %d", seq)
		return 0
	}
	for _, tc := range []struct {
		name   string
		edit   func() string
		seq    int64
		reason string
	}{
		{"changed", func() string {
			l := slices.Clone(lines)
			l[line(5)] = strings.Replace(l[line(5)], `"actor":"user-5"`, `"actor":"user-6"`, 1)
			return strings.Join(l, "")
		}, 5, "modified"},
		{"deleted", func() string {
			l := slices.Clone(lines)
			l[line(5)] = ""
			return strings.Join(l, "")
		}, 5, "missing"},
		{"reordered", func() string {
			l := slices.Clone(lines)
			a, b := line(5), line(6)
			l[a], l[b] = l[b], l[a]
			return strings.Join(l, "")
		}, 5, "missing"},
		{"repeated", func() string {
			l := slices.Clone(lines)
			l[line(5)] += l[line(5)]
			return strings.Join(l, "")
		}, 5, "repeated"},
		{"cut before the last checkpoint", func() string {
			return strings.Join(lines[:line(16)], "")
		}, 11, "not covered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifyExport(t, []byte(tc.edit()), f.pub)
			var p *Problem
			if !errors.As(err, &p) || p.Seq != tc.seq || !strings.Contains(p.Reason, tc.reason) {
				t.Fatalf("verify-export = %v, want a problem at %d (%s)", err, tc.seq, tc.reason)
			}
		})
	}
	for name, data := range map[string]string{
		"empty":             "",
		"no header":         strings.Join(lines[1:], ""),
		"two headers":       lines[0] + all,
		"another format":    strings.Replace(all, ExportFormat, "conclave-audit-export/2", 1),
		"not JSON":          all + "{\n",
		"an unknown field":  strings.Replace(all, `"type":"record","seq":3,`, `"type":"record","extra":1,"seq":3,`, 1),
		"a field twice":     strings.Replace(all, `"type":"record","seq":3,`, `"type":"record","seq":3,"seq":3,`, 1),
		"upper-case hash":   strings.Replace(all, `"prev":"0000000000000000000000000000000000000000000000000000000000000000"`, `"prev":"000000000000000000000000000000000000000000000000000000000000000A"`, 1),
		"time not in UTC":   strings.Replace(all, "T12:00:01.123456789Z", "T13:00:01.123456789+01:00", 1),
		"time without nine": strings.Replace(all, "T12:00:01.123456789Z", "T12:00:01.12345678Z", 1),
	} {
		_, err := verifyExport(t, []byte(data), f.pub)
		if err == nil || errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "line") && !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s: verify-export = %v, want an error naming the line", name, err)
		}
	}
}

func TestPruneKeepsTheLogVerifiable(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	f.appendN(30)
	// Records 1..24 are older than the cut; the newest checkpoint among
	// them is at 20, so 1..20 go.
	n, err := f.log.Prune(ctx, t0.Add(25*time.Second))
	if err != nil || n != 20 {
		t.Fatalf("Prune = %d, %v; want 20 records pruned", n, err)
	}
	rep := f.mustVerify()
	if rep.PrunedThrough != 20 || rep.First != 21 || rep.Last != 30 || rep.SignedThrough != 30 {
		t.Fatalf("after pruning: %+v", rep)
	}
	// Nothing more to prune until a newer checkpoint is old enough.
	if n, err := f.log.Prune(ctx, t0.Add(25*time.Second)); err != nil || n != 0 {
		t.Fatalf("second Prune = %d, %v", n, err)
	}
	// The export starts with the signed pruned checkpoint.
	data := f.export(time.Time{})
	if !strings.Contains(strings.SplitN(string(data), "\n", 3)[1], `"kind":"pruned","seq":20`) {
		t.Fatalf("export after pruning:\n%s", data)
	}
	if rep, err := verifyExport(t, data, f.pub); err != nil || rep.PrunedThrough != 20 || rep.First != 21 {
		t.Fatalf("verify-export after pruning: %+v, %v", rep, err)
	}
	// Appends go on from the head.
	f.appendN(5)
	if rep := f.mustVerify(); rep.Last != 35 {
		t.Fatalf("after more appends: %+v", rep)
	}
	// Everything pruned: the head is the pruned checkpoint's.
	f.log.Checkpoint(ctx)
	if n, err := f.log.Prune(ctx, f.clock.Add(time.Hour)); err != nil || n != 15 {
		t.Fatalf("Prune of the rest = %d, %v", n, err)
	}
	if rep := f.mustVerify(); rep.Records != 0 || rep.PrunedThrough != 35 {
		t.Fatalf("after pruning everything: %+v", rep)
	}
	recs, err := f.log.Append(ctx, entry(1))
	if err != nil || recs[0].Seq != 36 {
		t.Fatalf("append after pruning everything: %+v, %v", recs, err)
	}
	if rep := f.mustVerify(); rep.First != 36 {
		t.Fatalf("report %+v", rep)
	}
}

func TestVerifyFindsTamperingAfterPruning(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(f *fixture)
		seq    int64
	}{
		{"the record after the pruned deleted", func(f *fixture) { f.exec(`DELETE FROM audit_records WHERE seq = 21`) }, 21},
		{"a record inserted behind the pruned checkpoint", func(f *fixture) {
			f.exec(`INSERT INTO audit_records (seq, time, actor, action, target, ip, room, details, prev, hash)
				VALUES (5, 0, 'x', 'signin_succeeded', '', '', '', '{}', zeroblob(32), zeroblob(32))`)
		}, 5},
		{"the pruned checkpoint deleted", func(f *fixture) { f.exec(`DELETE FROM audit_checkpoints WHERE kind = 'pruned'`) }, 1},
		{"the pruned checkpoint moved on", func(f *fixture) {
			f.exec(`UPDATE audit_checkpoints SET seq = 22 WHERE kind = 'pruned'`)
			f.exec(`DELETE FROM audit_records WHERE seq <= 22`)
		}, 1},
		{"the first record changed", func(f *fixture) { f.exec(`UPDATE audit_records SET ip = '' WHERE seq = 21`) }, 21},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 10)
			f.appendN(30)
			if n, err := f.log.Prune(context.Background(), t0.Add(25*time.Second)); err != nil || n != 20 {
				t.Fatalf("Prune = %d, %v", n, err)
			}
			tc.tamper(f)
			t.Log(f.wantProblem(tc.seq, 0))
		})
	}
}

// Prune removes only what verifies: a log tampered with before the cut
// is left as it is, for an operator to look at.
func TestPruneRefusesATamperedLog(t *testing.T) {
	f := newFixture(t, 10)
	f.appendN(30)
	f.exec(`UPDATE audit_records SET actor = 'x' WHERE seq = 3`)
	n, err := f.log.Prune(context.Background(), t0.Add(25*time.Second))
	var p *Problem
	if !errors.As(err, &p) || p.Seq != 3 || n != 0 {
		t.Fatalf("Prune of a tampered log = %d, %v", n, err)
	}
	f.wantProblem(3, 0)
}

// testdata/export-v1.jsonl is a vector for outside verifiers
// (docs/audit.md): it verifies with testdata/export-v1.pubkey, and with
// one byte changed it does not.
func TestExportVector(t *testing.T) {
	data, err := os.ReadFile("testdata/export-v1.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	pk, err := os.ReadFile("testdata/export-v1.pubkey")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(string(pk))
	if err != nil {
		t.Fatal(err)
	}
	rep, hdr, err := VerifyExport(bytes.NewReader(data), []ed25519.PublicKey{pub})
	if err != nil || rep.Records != 2 || rep.SignedThrough != 2 || hdr.Format != ExportFormat {
		t.Fatalf("the vector: %+v %+v %v", rep, hdr, err)
	}
	bad := bytes.Replace(data, []byte(`"actor":"alice"`), []byte(`"actor":"alicf"`), 1)
	if _, _, err := VerifyExport(bytes.NewReader(bad), []ed25519.PublicKey{pub}); !errors.Is(err, ErrTampered) {
		t.Fatalf("the vector changed: %v", err)
	}
}
