package audit

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// encodeLine writes a parsed line again.
func encodeLine(l Line) []byte {
	switch {
	case l.Header != nil:
		b, _ := json.Marshal(headerLine(*l.Header))
		return b
	case l.Record != nil:
		return RecordLine(l.Record)
	default:
		return CheckpointLine(l.Checkpoint)
	}
}

// FuzzParseLine: an export line is input from outside. ParseLine never
// panics, and a line it accepts has one spelling: written again, it is
// the same bytes, and those parse to the same line.
func FuzzParseLine(f *testing.F) {
	r := Record{Seq: 3, Time: time.Unix(0, 1767225600123456789).UTC(), Actor: "usr_a", Action: "signin_failed", IP: "192.0.2.1",
		Details: map[string]string{"reason": "password", "email": "a@example.org"}}
	r.Hash = r.ComputeHash()
	cp := Checkpoint{Kind: KindHead, Seq: 3, Head: r.Hash, Time: r.Time}
	cp.sign("CKSERVER", testKey)
	hdr, _ := json.Marshal(headerLine(Header{Format: ExportFormat, Since: r.Time, ExportedAt: r.Time}))
	for _, seed := range [][]byte{
		RecordLine(&r), CheckpointLine(&cp), hdr,
		[]byte(`{"type":"record"}`), []byte(`{"type":"checkpoint","kind":"pruned"}`), []byte(`{}`), []byte(`[]`),
		[]byte(`{"type":"header","type":"record"}`), []byte(`{"type":"record","details":{"a":null}}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		l, err := ParseLine(line)
		if err != nil {
			return
		}
		again := encodeLine(l)
		l2, err := ParseLine(again)
		if err != nil {
			t.Fatalf("a line written again does not parse: %v\n%s", err, again)
		}
		if third := encodeLine(l2); !bytes.Equal(third, again) {
			t.Fatalf("two spellings:\n%s\n%s", again, third)
		}
		if l.Record != nil && l.Record.ComputeHash() != l2.Record.ComputeHash() {
			t.Fatalf("the record's hash changed in writing it again")
		}
	})
}
