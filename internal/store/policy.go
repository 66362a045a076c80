package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/policy"
)

// The organisation's security policy (docs/policy.md): every version,
// kept for good; the newest is in force. The store keeps the document as
// text and does not read it: internal/policy parses and validates it
// before it is added, and again when it is loaded.

// ErrConflict: the newest version is not the one the change was based on
// (another change came first). Nothing was written.
var ErrConflict = errors.New("store: changed since it was read")

// Limits of a policy version: the store refuses more, as a backstop.
const (
	MaxPolicyBytes       = 64 << 10
	MaxPolicyAuthorBytes = 256
)

// LatestPolicy reads st's newest version as internal/policy reads
// versions (its Watcher, and policy.Effective).
func LatestPolicy(st Policies) policy.Latest {
	return func(ctx context.Context) (policy.Record, bool, error) {
		v, err := st.LatestPolicyVersion(ctx)
		if errors.Is(err, ErrNotFound) {
			return policy.Record{}, false, nil
		}
		if err != nil {
			return policy.Record{}, false, err
		}
		return policy.Record{Version: v.Version, Text: v.YAML, Author: v.Author, AppliedAt: v.CreatedAt}, true, nil
	}
}

// PolicyVersion is one stored version of the policy.
type PolicyVersion struct {
	Version int64
	YAML    string
	// Author is who applied it: an admin's user id, or "operator" and the
	// system user for the command line.
	Author    string
	CreatedAt time.Time
}

// Policies stores the versions of the policy.
type Policies interface {
	// AddPolicyVersion stores v.YAML as version prev+1 if the newest
	// version is prev (0: none is stored), and returns it as stored;
	// ErrConflict if the newest is another. A zero CreatedAt is stored as
	// the current time; v.Version is ignored.
	AddPolicyVersion(ctx context.Context, prev int64, v PolicyVersion) (PolicyVersion, error)
	// LatestPolicyVersion returns the newest version; ErrNotFound if none.
	LatestPolicyVersion(ctx context.Context) (PolicyVersion, error)
	// PolicyVersions returns up to limit versions, newest first.
	PolicyVersions(ctx context.Context, limit int) ([]PolicyVersion, error)
}

var _ Policies = (*SQLite)(nil)

// AddPolicyVersion implements Policies.
func (s *SQLite) AddPolicyVersion(ctx context.Context, prev int64, v PolicyVersion) (PolicyVersion, error) {
	switch {
	case prev < 0:
		return PolicyVersion{}, errors.New("store: policy: negative version")
	case len(v.YAML) > MaxPolicyBytes || !utf8.ValidString(v.YAML):
		return PolicyVersion{}, fmt.Errorf("store: policy: the document is not UTF-8 of at most %d bytes", MaxPolicyBytes)
	case v.Author == "" || len(v.Author) > MaxPolicyAuthorBytes || !utf8.ValidString(v.Author):
		return PolicyVersion{}, fmt.Errorf("store: policy: the author must be 1-%d bytes of UTF-8", MaxPolicyAuthorBytes)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now()
	}
	at, err := timeValue("created_at", v.CreatedAt)
	if err != nil {
		return PolicyVersion{}, fmt.Errorf("store: policy: %w", err)
	}
	v.Version = prev + 1
	err = s.writeTx(ctx, "add policy version", func(tx *sql.Tx) error {
		var newest int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM policy_versions`).Scan(&newest); err != nil {
			return classify(fmt.Errorf("store: add policy version: %w", err))
		}
		if newest != prev {
			return fmt.Errorf("store: policy version %d is the newest, not %d: %w", newest, prev, ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (version, yaml, author, created_at) VALUES (?, ?, ?, ?)`,
			v.Version, v.YAML, v.Author, at); err != nil {
			return classify(fmt.Errorf("store: add policy version: %w", err))
		}
		return nil
	})
	if err != nil {
		return PolicyVersion{}, err
	}
	v.CreatedAt = fromNanos(at)
	return v, nil
}

const policyColumns = `version, yaml, author, created_at`

func scanPolicy(row scanner) (PolicyVersion, error) {
	var v PolicyVersion
	var at int64
	if err := row.Scan(&v.Version, &v.YAML, &v.Author, &at); err != nil {
		return PolicyVersion{}, err
	}
	v.CreatedAt = fromNanos(at)
	return v, nil
}

// LatestPolicyVersion implements Policies.
func (s *SQLite) LatestPolicyVersion(ctx context.Context) (PolicyVersion, error) {
	v, err := scanPolicy(s.db.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policy_versions ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return PolicyVersion{}, fmt.Errorf("store: policy: %w", ErrNotFound)
	}
	if err != nil {
		return PolicyVersion{}, classify(fmt.Errorf("store: latest policy version: %w", err))
	}
	return v, nil
}

// PolicyVersions implements Policies.
func (s *SQLite) PolicyVersions(ctx context.Context, limit int) ([]PolicyVersion, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+policyColumns+` FROM policy_versions ORDER BY version DESC LIMIT ?`, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("store: policy versions: %w", err))
	}
	defer rows.Close()
	var out []PolicyVersion
	for rows.Next() {
		v, err := scanPolicy(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: policy versions: %w", err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: policy versions: %w", err))
	}
	return out, nil
}
