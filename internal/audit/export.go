package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/conclave-video/conclave/internal/store"
)

// An export is JSON lines (docs/audit.md, "Export format"): a header,
// then, when the records start right after pruned ones, the pruned
// checkpoint, then records and head checkpoints in sequence order (a
// checkpoint after the record it signs).

// ExportFormat names the format in the header line.
const ExportFormat = "conclave-audit-export/1"

// MaxLineBytes bounds one line of an export.
const MaxLineBytes = 1 << 20

// TimeLayout is how an export writes times: UTC, always nine digits of
// fraction, so each time has one spelling.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Header is an export's first line. Nothing in it is signed.
type Header struct {
	Format     string
	Since      time.Time
	ExportedAt time.Time
}

// Line is one parsed line: exactly one of its fields is set.
type Line struct {
	Header     *Header
	Record     *Record
	Checkpoint *Checkpoint
}

// Export writes the records with Time at or after since, and the
// checkpoints that vouch for them, to w, from one snapshot of st. It
// returns how many records it wrote.
func Export(ctx context.Context, st store.AuditLog, w io.Writer, since, now time.Time) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	err := st.ReadAudit(ctx, func(r store.AuditReader) error {
		if err := writeLine(bw, headerLine(Header{Format: ExportFormat, Since: since, ExportedAt: now})); err != nil {
			return err
		}
		// Every record is after 1970: an earlier since (the zero time)
		// means all of them, and has no Unix nanoseconds to compare.
		first, err := r.FirstAuditSeqSince(ctx, later(since, time.Unix(0, 0)))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if sc, err := r.LastAuditCheckpoint(ctx, string(KindPruned), first-1); err == nil && sc.Seq == first-1 {
			cp := fromStoreCheckpoint(sc)
			if err := writeLine(bw, checkpointLine(&cp)); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		recAt, cpSeq, cpID := first-1, first-1, int64(math.MaxInt64)
		var recs []store.AuditRecord
		var cps []store.AuditCheckpoint
		recsEnd, cpsEnd := false, false
		for {
			if len(recs) == 0 && !recsEnd {
				if recs, err = r.AuditRecords(ctx, recAt, pageSize); err != nil {
					return err
				}
				recsEnd = len(recs) < pageSize
			}
			if len(cps) == 0 && !cpsEnd {
				if cps, err = r.AuditCheckpoints(ctx, cpSeq, cpID, pageSize); err != nil {
					return err
				}
				cpsEnd = len(cps) < pageSize
			}
			if len(recs) == 0 && len(cps) == 0 {
				return nil
			}
			if len(cps) > 0 && (len(recs) == 0 || cps[0].Seq < recs[0].Seq) {
				sc := cps[0]
				cps, cpSeq, cpID = cps[1:], sc.Seq, sc.ID
				if sc.Kind != string(KindHead) {
					continue
				}
				cp := fromStoreCheckpoint(sc)
				if err := writeLine(bw, checkpointLine(&cp)); err != nil {
					return err
				}
				continue
			}
			sr := recs[0]
			recs, recAt = recs[1:], sr.Seq
			// A row that is no record goes out as it is stored, for the
			// verifier to refuse.
			if err := writeLine(bw, storedRecordLine(sr)); err != nil {
				return err
			}
			n++
		}
	})
	if err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, nil
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

func writeLine(w *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// The JSON objects of each kind of line, fields in the order written.

type headerJSON struct {
	Type       string `json:"type"`
	Format     string `json:"format"`
	Since      string `json:"since"`
	ExportedAt string `json:"exported_at"`
}

type recordJSON struct {
	Type    string          `json:"type"`
	Seq     int64           `json:"seq"`
	Time    string          `json:"time"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Target  string          `json:"target"`
	IP      string          `json:"ip"`
	Room    string          `json:"room"`
	Details json.RawMessage `json:"details"`
	Prev    string          `json:"prev"`
	Hash    string          `json:"hash"`
}

type checkpointJSON struct {
	Type      string `json:"type"`
	Kind      string `json:"kind"`
	Seq       int64  `json:"seq"`
	Head      string `json:"head"`
	Time      string `json:"time"`
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
}

func formatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

func headerLine(h Header) headerJSON {
	return headerJSON{Type: "header", Format: h.Format, Since: formatTime(h.Since), ExportedAt: formatTime(h.ExportedAt)}
}

func storedRecordLine(s store.AuditRecord) recordJSON {
	details := json.RawMessage(s.Details)
	if !json.Valid(details) {
		details, _ = json.Marshal(s.Details) // a string, which the verifier refuses
	}
	return recordJSON{
		Type: "record", Seq: s.Seq, Time: formatTime(s.Time), Actor: s.Actor, Action: s.Action, Target: s.Target,
		IP: s.IP, Room: s.Room, Details: details, Prev: hex.EncodeToString(s.Prev), Hash: hex.EncodeToString(s.Hash),
	}
}

// RecordLine is r as an export line.
func RecordLine(r *Record) []byte {
	b, _ := json.Marshal(storedRecordLine(toStoreRecord(r)))
	return b
}

func checkpointLine(c *Checkpoint) checkpointJSON {
	return checkpointJSON{
		Type: "checkpoint", Kind: string(c.Kind), Seq: c.Seq, Head: c.Head.String(), Time: formatTime(c.Time),
		KeyID: c.KeyID, Signature: hex.EncodeToString(c.Signature),
	}
}

// CheckpointLine is c as an export line.
func CheckpointLine(c *Checkpoint) []byte {
	b, _ := json.Marshal(checkpointLine(c))
	return b
}

// ParseLine parses one line of an export. It is strict: every field of
// the line's type must be there and no other, no key twice, hashes in
// lower-case hex, times in TimeLayout. It is the parser of input from
// outside (FuzzParseLine).
func ParseLine(line []byte) (Line, error) {
	obj, err := readObject(line)
	if err != nil {
		return Line{}, err
	}
	f := fields{obj: obj}
	switch f.str("type") {
	case "header":
		h := Header{Format: f.str("format"), Since: f.time("since", false), ExportedAt: f.time("exported_at", false)}
		if err := f.done(); err != nil {
			return Line{}, err
		}
		return Line{Header: &h}, nil
	case "record":
		r := Record{
			Seq: f.seq("seq", 1), Time: f.time("time", true), Actor: f.str("actor"), Action: f.str("action"), Target: f.str("target"),
			IP: f.str("ip"), Room: f.str("room"), Details: f.details("details"), Prev: f.hash("prev"), Hash: f.hash("hash"),
		}
		if err := f.done(); err != nil {
			return Line{}, err
		}
		e := Entry{Actor: r.Actor, Action: r.Action, Target: r.Target, IP: r.IP, Room: r.Room, Details: r.Details}
		if err := e.Validate(); err != nil {
			return Line{}, err
		}
		return Line{Record: &r}, nil
	case "checkpoint":
		c := Checkpoint{
			Kind: CheckpointKind(f.str("kind")), Seq: f.seq("seq", 0), Head: f.hash("head"), Time: f.time("time", true),
			KeyID: f.str("key_id"), Signature: f.hex("signature", ed25519.SignatureSize),
		}
		if err := f.done(); err != nil {
			return Line{}, err
		}
		if c.Kind != KindHead && c.Kind != KindPruned {
			return Line{}, fmt.Errorf("kind: %q is not head or pruned", c.Kind)
		}
		if len(c.KeyID) > MaxFieldBytes {
			return Line{}, errors.New("key_id: too long")
		}
		return Line{Checkpoint: &c}, nil
	}
	if f.err != nil {
		return Line{}, f.err
	}
	return Line{}, errors.New(`type: not "header", "record" or "checkpoint"`)
}

// fields takes the members of a line one by one; the first error sticks.
type fields struct {
	obj  map[string]json.RawMessage
	used int
	err  error
}

func (f *fields) take(name string) json.RawMessage {
	if f.err != nil {
		return nil
	}
	raw, ok := f.obj[name]
	if !ok {
		f.err = fmt.Errorf("%s: missing", name)
		return nil
	}
	f.used++
	return bytes.TrimSpace(raw)
}

func (f *fields) fail(name, format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
}

func (f *fields) str(name string) string {
	raw := f.take(name)
	var s string
	if raw == nil {
		return ""
	}
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.fail(name, "not a string")
	}
	return s
}

func (f *fields) seq(name string, least int64) int64 {
	raw := f.take(name)
	var n int64
	if raw == nil {
		return 0
	}
	if json.Unmarshal(raw, &n) != nil || n < least {
		f.fail(name, "not an integer of at least %d", least)
	}
	return n
}

// time takes a time in TimeLayout, one spelling per time; a signed or
// hashed one (unix) must be one Unix nanoseconds hold.
func (f *fields) time(name string, unix bool) time.Time {
	s := f.str(name)
	if f.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(TimeLayout, s)
	if err != nil || formatTime(t) != s || unix && (t.Year() < 1970 || t.Year() > 2261) {
		f.fail(name, "not a UTC time like 2006-01-02T15:04:05.000000000Z")
	}
	return t.UTC()
}

func (f *fields) hex(name string, size int) []byte {
	s := f.str(name)
	if f.err != nil {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != size || hex.EncodeToString(b) != s {
		f.fail(name, "not %d bytes in lower-case hex", size)
	}
	return b
}

func (f *fields) hash(name string) Hash {
	h, _ := hashFrom(f.hex(name, len(Hash{})))
	return h
}

func (f *fields) details(name string) map[string]string {
	raw := f.take(name)
	if raw == nil {
		return nil
	}
	d, err := parseDetails(raw)
	if err != nil {
		f.fail(name, "%v", err)
	}
	return d
}

// done reports the first error, or a member of the line no field took.
func (f *fields) done() error {
	if f.err == nil && f.used != len(f.obj) {
		return errors.New("a field that does not belong to this type of line")
	}
	return f.err
}

// VerifyExport checks an export read from r with only the public keys:
// the chain of its records, every checkpoint's signature, that each head
// checkpoint signed the hash its record has, and that a signed checkpoint
// covers the last record. The first record is vouched for by the
// checkpoints after it, through the chain; when the export starts right
// after pruned records, also by the pruned checkpoint. A *Problem
// (ErrTampered) names the first bad sequence number; a line that does
// not parse is an error naming the line.
func VerifyExport(r io.Reader, keys []ed25519.PublicKey) (Report, Header, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	c := &chain{keys: keys, loose: true}
	var hdr Header
	n := 0
	for sc.Scan() {
		n++
		l, err := ParseLine(sc.Bytes())
		if err != nil {
			return c.rep, hdr, fmt.Errorf("audit: export line %d: %w", n, err)
		}
		switch {
		case n == 1 && l.Header == nil:
			return c.rep, hdr, errors.New("audit: export line 1: not a header")
		case l.Header != nil && n > 1:
			return c.rep, hdr, fmt.Errorf("audit: export line %d: a second header", n)
		case l.Header != nil:
			if l.Header.Format != ExportFormat {
				return c.rep, hdr, fmt.Errorf("audit: export line 1: format %q, want %q", l.Header.Format, ExportFormat)
			}
			hdr = *l.Header
		case l.Checkpoint != nil:
			err = c.checkpoint(*l.Checkpoint)
		default:
			err = c.record(*l.Record, nil)
		}
		if err != nil {
			return c.rep, hdr, err
		}
	}
	if err := sc.Err(); err != nil {
		return c.rep, hdr, fmt.Errorf("audit: export line %d: %w", n+1, err)
	}
	if n == 0 {
		return c.rep, hdr, errors.New("audit: export: empty")
	}
	rep, err := c.finish(true)
	return rep, hdr, err
}
