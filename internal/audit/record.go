// Package audit owns Conclave's tamper-evident audit log: records of
// security-relevant events, each chained to the one before by a SHA-256
// hash of a canonical encoding, checkpoints signed with the server's
// Ed25519 key, their verification (in the database, or in an export with
// only the public key), and retention that prunes old records behind a
// signed checkpoint. docs/audit.md describes the encodings byte by byte
// and what verification does and does not detect.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what a record holds. The server's mapping of events cuts
// longer values to fit; Append refuses a record beyond them.
const (
	MaxFieldBytes       = 512  // actor, action, target, ip, room
	MaxDetails          = 32   // keys in details
	MaxDetailKeyBytes   = 64   // a details key
	MaxDetailValueBytes = 1024 // a details value
)

// Hash is a SHA-256 digest: a record's hash, or a checkpoint's head.
type Hash [sha256.Size]byte

// String is the hash in lower-case hex, as exports carry it.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeros: the prev of record 1.
func (h Hash) IsZero() bool { return h == Hash{} }

// hashFrom copies a stored digest; ok is false unless it is 32 bytes.
func hashFrom(b []byte) (h Hash, ok bool) {
	if len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// Entry is what happened, to be appended as a record: who (Actor) did
// what (Action) to what (Target), from where (IP), in which room, with
// Details. It never holds a secret: no token, password, code or session
// id.
type Entry struct {
	// Time is when it happened; zero means when it is appended.
	Time    time.Time
	Actor   string
	Action  string
	Target  string
	IP      string
	Room    string
	Details map[string]string
}

// Record is an Entry in the log: its sequence number (1, 2, ...), the
// hash of the record before it (zeros for record 1) and its own hash.
type Record struct {
	Seq     int64
	Time    time.Time // UTC, nanoseconds
	Actor   string
	Action  string
	Target  string
	IP      string
	Room    string
	Details map[string]string
	Prev    Hash
	Hash    Hash
}

// recordDomain starts every record's encoding, so that no other message
// of Conclave's (a checkpoint's) can hash or sign the same bytes.
const recordDomain = "conclave audit record v1"

// Encode is the record's canonical encoding (docs/audit.md, "Record
// encoding"): each field in a fixed order, strings as a 4-byte big-endian
// length and their bytes, integers as 8 bytes big-endian, details as a
// count of pairs and each pair in byte order of its key. Hash is not part
// of it; Prev is.
func (r *Record) Encode() []byte {
	b := make([]byte, 0, 256)
	b = appendString(b, recordDomain)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	for _, s := range []string{r.Actor, r.Action, r.Target, r.IP, r.Room} {
		b = appendString(b, s)
	}
	keys := sortedKeys(r.Details)
	b = binary.BigEndian.AppendUint32(b, uint32(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, r.Details[k])
	}
	return append(b, r.Prev[:]...)
}

// ComputeHash is SHA-256 of Encode.
func (r *Record) ComputeHash() Hash { return sha256.Sum256(r.Encode()) }

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ErrInvalid marks an entry Append refuses: a value too long, not UTF-8,
// or a details key that is empty.
var ErrInvalid = errors.New("audit: invalid entry")

// Validate reports why e cannot be a record (ErrInvalid), or nil.
func (e *Entry) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"actor", e.Actor}, {"action", e.Action}, {"target", e.Target}, {"ip", e.IP}, {"room", e.Room},
	} {
		if len(f.v) > MaxFieldBytes || !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: %s: more than %d bytes, or not UTF-8", ErrInvalid, f.name, MaxFieldBytes)
		}
	}
	if e.Action == "" {
		return fmt.Errorf("%w: no action", ErrInvalid)
	}
	if !e.Time.IsZero() && (e.Time.Year() < 1970 || e.Time.Year() > 2261) {
		return fmt.Errorf("%w: time %s is not one Unix nanoseconds hold", ErrInvalid, e.Time)
	}
	return checkDetails(e.Details)
}

func checkDetails(d map[string]string) error {
	if len(d) > MaxDetails {
		return fmt.Errorf("%w: details: more than %d keys", ErrInvalid, MaxDetails)
	}
	for k, v := range d {
		if k == "" || len(k) > MaxDetailKeyBytes || !utf8.ValidString(k) {
			return fmt.Errorf("%w: details: a key is empty, longer than %d bytes or not UTF-8", ErrInvalid, MaxDetailKeyBytes)
		}
		if len(v) > MaxDetailValueBytes || !utf8.ValidString(v) {
			return fmt.Errorf("%w: details %q: longer than %d bytes or not UTF-8", ErrInvalid, k, MaxDetailValueBytes)
		}
	}
	return nil
}

// Clip cuts s to at most n bytes without splitting a UTF-8 sequence, and
// replaces invalid UTF-8: for values taken from requests (a user agent)
// before they go into an Entry.
func Clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
