package doctor

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// DevKeyName is the name `serve --dev` gives the API key it makes.
const DevKeyName = "dev"

// store runs the checks that read the database: the policy in force,
// admins' second factors, API keys and the audit log. Without a database
// there is nothing to read (data.missing or a fresh directory).
func (a *auditor) store(ctx context.Context) error {
	dir := a.o.Config.DataDir
	path := filepath.Join(dir, databaseFile)
	if _, err := os.Stat(path); err != nil {
		if _, derr := os.Stat(dir); derr == nil {
			a.add(Finding{ID: "data.no_database", Severity: Info, Subject: path,
				Message: "There is no database yet: the checks of the policy, accounts, keys and the audit log had nothing to look at.",
				Fix:     "Start the server once, then run conclave doctor again."})
		}
		// Without a stored policy the defaults from the configuration
		// are in force: those can still be judged.
		a.policy(policy.Defaults(a.o.Config))
		return nil
	}
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	defer st.Close()

	p, err := effectivePolicy(ctx, st, a)
	if err != nil {
		return err
	}
	a.policy(p)
	if err := a.admins(ctx, st, p); err != nil {
		return err
	}
	if err := a.apiKeys(ctx, st); err != nil {
		return err
	}
	return a.auditLog(ctx, st)
}

// effectivePolicy is what the server would put in force
// (policy.Effective); a newest version that does not parse is a finding,
// and the defaults are judged instead.
func effectivePolicy(ctx context.Context, st store.Policies, a *auditor) (*policy.Policy, error) {
	p, err := policy.Effective(ctx, store.LatestPolicy(st), a.o.Config)
	var bad *policy.StoredVersionError
	switch {
	case errors.As(err, &bad):
		// The server would refuse to start with it.
		a.add(Finding{ID: "policy.invalid", Severity: High,
			Subject: fmt.Sprintf("version %d", bad.Version),
			Message: fmt.Sprintf("The newest stored policy does not parse (%v): the server does not start with it.", bad.Err),
			Fix:     "Apply a valid policy: conclave policy validate FILE, then conclave policy apply FILE."})
		return policy.Defaults(a.o.Config), nil
	case err != nil:
		return nil, fmt.Errorf("doctor: %w", err)
	}
	return p, nil
}

func policySource(p *policy.Policy) string {
	if p.Source == policy.SourceDefaults {
		return "the policy in force (no version is stored: the defaults from the configuration)"
	}
	return fmt.Sprintf("the policy in force (version %d)", p.Version)
}

// policy judges the rules in force.
func (a *auditor) policy(p *policy.Policy) {
	src := policySource(p)
	if p.Signup == policy.SignupOpen {
		a.add(Finding{ID: "policy.open_signup", Severity: Medium,
			Message: fmt.Sprintf("Signup is open in %s: anyone who reaches the server can make an account and, with it, host meetings.", src),
			Fix:     "Set signup: invite in the policy (conclave policy apply), and invite members from the admin page."})
	}
	if !adminsNeedSecondFactor(p.RequireSecondFactor) {
		a.add(Finding{ID: "policy.admin_second_factor", Severity: Medium,
			Message: fmt.Sprintf("A second factor is not required for admins in %s: a guessed or phished password is enough to take over the server.", src),
			Fix:     "Set require_second_factor: admins (or everyone) in the policy."})
	}
	if !p.RequireE2EE {
		a.add(Finding{ID: "policy.e2ee_not_required", Severity: Medium,
			Message: fmt.Sprintf("End-to-end encryption is not required in %s: rooms may carry media and chat the server can read.", src),
			Fix:     "Set require_e2ee: true in the policy."})
	}
}

func adminsNeedSecondFactor(s policy.SecondFactor) bool {
	return s != policy.SecondFactorNone
}

// admins reports every active admin account without a second factor.
func (a *auditor) admins(ctx context.Context, st store.Store, p *policy.Policy) error {
	users, err := st.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("doctor: users: %w", err)
	}
	required := adminsNeedSecondFactor(p.RequireSecondFactor)
	for _, u := range users {
		if u.Role != store.RoleAdmin || u.Status != store.StatusActive || u.TOTPEnabled {
			continue
		}
		pks, err := st.ListPasskeys(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("doctor: passkeys: %w", err)
		}
		if len(pks) > 0 {
			continue
		}
		f := Finding{ID: "accounts.admin_without_second_factor", Severity: High, Subject: u.ID,
			Message: fmt.Sprintf("Admin %s has no second factor (TOTP or passkey): a password alone opens the server's administration.", u.Email),
			Fix:     "Have the admin set up TOTP or a passkey, and require it: require_second_factor: admins in the policy."}
		if required {
			// The policy makes them set one up at their next sign-in.
			f.Severity = Medium
			f.Message = fmt.Sprintf("Admin %s has no second factor yet (TOTP or passkey); the policy makes them set one up at their next sign-in.", u.Email)
			f.Fix = "Have the admin sign in and set up a second factor, or disable the account if it is not used (conclave user disable)."
		}
		a.add(f)
	}
	return nil
}

// apiKeys reports active keys older than the rotation period and a dev
// key outside dev mode.
func (a *auditor) apiKeys(ctx context.Context, st store.Store) error {
	keys, err := st.ListAPIKeys(ctx)
	if err != nil {
		return fmt.Errorf("doctor: api keys: %w", err)
	}
	rotation := a.o.Config.Doctor.APIKeyRotation
	for _, k := range keys {
		if k.Revoked() {
			continue
		}
		if k.Name == DevKeyName {
			a.addDev(Finding{ID: "apikeys.dev_key", Severity: High, Subject: k.ID,
				Message: fmt.Sprintf("The development API key %s (made by serve --dev, its private half in %s) is active.", k.ID, credentialsFile),
				Fix:     fmt.Sprintf("conclave apikey revoke %s, and move %s away from the data directory.", k.ID, credentialsFile)})
		}
		if age := a.o.Now.Sub(k.CreatedAt); age > rotation {
			f := Finding{ID: "apikeys.rotation_due", Severity: Medium, Subject: k.ID,
				Message: fmt.Sprintf("API key %s (%q) was created %d days ago, longer than doctor.api_key_rotation (%d days).", k.ID, k.Name, days(age), days(rotation)),
				Fix:     fmt.Sprintf("conclave apikey create --name %q, move its users to it, then conclave apikey revoke %s.", k.Name, k.ID)}
			if k.Name == server.ServerKeyName {
				f.Fix = fmt.Sprintf("Save its public half (conclave audit pubkey) to verify old audit exports, revoke it (conclave apikey revoke %s), move %s away and restart: the server makes a new key.", k.ID, server.ServerKeyFile)
			}
			if k.Name == DevKeyName {
				a.addDev(f)
			} else {
				a.add(f)
			}
		}
	}
	return nil
}

func days(d time.Duration) int { return int(d.Hours() / 24) }

// auditLog verifies the audit log's hash chain and signed checkpoints
// with the server's key.
func (a *auditor) auditLog(ctx context.Context, st *store.SQLite) error {
	keyPath := filepath.Join(a.o.Config.DataDir, server.ServerKeyFile)
	_, key, err := token.LoadCredentials(keyPath)
	if err != nil {
		a.add(Finding{ID: "audit.unverifiable", Severity: Medium, Subject: keyPath,
			Message: fmt.Sprintf("The audit log cannot be verified: the server key does not load (%v).", err),
			Fix:     "Restore server-key.json from the backup with mode 0600, or verify with the public key you recorded: conclave audit verify --pubkey KEY."})
		return nil
	}
	rep, err := audit.Verify(ctx, st, []ed25519.PublicKey{key.Private.Public().(ed25519.PublicKey)})
	var p *audit.Problem
	switch {
	case errors.As(err, &p):
		a.add(Finding{ID: "audit.broken", Severity: High, Subject: fmt.Sprintf("record %d", p.Seq),
			Message: fmt.Sprintf("The audit log does not verify: %v. Someone or something changed the record.", p),
			Fix:     "Keep a copy of the database as evidence, compare it with your last export (conclave audit verify-export) and investigate; docs/audit.md."})
	case errors.Is(err, audit.ErrTampered):
		a.add(Finding{ID: "audit.broken", Severity: High,
			Message: fmt.Sprintf("The audit log does not verify: %v.", err),
			Fix:     "Keep a copy of the database as evidence, compare it with your last export (conclave audit verify-export) and investigate; docs/audit.md."})
	case err != nil:
		return fmt.Errorf("doctor: audit: %w", err)
	case rep.Last > rep.SignedThrough:
		a.add(Finding{ID: "audit.unsigned_tail", Severity: Info,
			Message: fmt.Sprintf("Audit records %d to %d are hash-chained but no signed checkpoint covers them yet.", max(rep.SignedThrough+1, rep.First), rep.Last),
			Fix:     "Nothing, while the server runs: it signs them within audit.checkpoint_interval (conclave audit export signs one too)."})
	}
	return nil
}
