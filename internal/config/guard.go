package config

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"
)

// Guard configures the traffic defence (docs/security.md, "Brute force
// and floods"; internal/guard).
type Guard struct {
	// Allow lists the operators' own networks (CIDRs or addresses):
	// never blocked, never rate limited, never capped.
	Allow []string `yaml:"allow"`
	// Failures from one address within Window block it.
	Failures int           `yaml:"failures"`
	Window   time.Duration `yaml:"window"`
	// BlockSteps are the lengths of an address's successive blocks
	// (Go durations, ascending); the last repeats.
	BlockSteps []string `yaml:"block_steps"`
	// Forgive: an address not blocked for this long starts again at the
	// first step.
	Forgive time.Duration `yaml:"forgive"`
	// AccountAddresses distinct addresses failing on one account within
	// Window throttle it for AccountThrottle, with a high-severity alert.
	AccountAddresses int           `yaml:"account_addresses"`
	AccountThrottle  time.Duration `yaml:"account_throttle"`
	// MaxConnectionsPerIP caps one address's open connections (HTTP and
	// WebSocket).
	MaxConnectionsPerIP int `yaml:"max_connections_per_ip"`
	// Token buckets per address: every /v1 request (APIRate, APIBurst);
	// credential attempts (sign-in, second factors, invite redemptions,
	// password resets: AuthRate, AuthBurst); signaling connections
	// (JoinRate, JoinBurst). Rates are per second.
	APIRate   float64 `yaml:"api_rate"`
	APIBurst  int     `yaml:"api_burst"`
	AuthRate  float64 `yaml:"auth_rate"`
	AuthBurst int     `yaml:"auth_burst"`
	JoinRate  float64 `yaml:"join_rate"`
	JoinBurst int     `yaml:"join_burst"`
	// IdentityRate and IdentityBurst bound the requests one credential
	// (an API key, a personal token, a session's account) makes to /v1.
	IdentityRate  float64 `yaml:"identity_rate"`
	IdentityBurst int     `yaml:"identity_burst"`
	// InviteRate and InviteBurst bound the redemptions of one meeting
	// invite, whatever addresses they come from.
	InviteRate  float64 `yaml:"invite_rate"`
	InviteBurst int     `yaml:"invite_burst"`
}

// Limits of the guard keys.
const (
	guardMaxSteps = 16
	guardMaxBlock = 7 * 24 * time.Hour
)

func defaultGuard() Guard {
	return Guard{
		Failures: 30, Window: 10 * time.Minute,
		BlockSteps: []string{"1m", "5m", "30m", "2h"}, Forgive: 24 * time.Hour,
		AccountAddresses: 20, AccountThrottle: 15 * time.Minute,
		MaxConnectionsPerIP: 256,
		APIRate:             20, APIBurst: 100,
		AuthRate: 1, AuthBurst: 20,
		JoinRate: 5, JoinBurst: 50,
		IdentityRate: 50, IdentityBurst: 200,
		InviteRate: 10, InviteBurst: 100,
	}
}

// Steps returns BlockSteps parsed; call it on a validated Config.
func (g Guard) Steps() []time.Duration {
	out := make([]time.Duration, 0, len(g.BlockSteps))
	for _, s := range g.BlockSteps {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err == nil {
			out = append(out, d)
		}
	}
	return out
}

// checkCIDRs checks a list of CIDRs or single addresses
// (http.trusted_proxies, guard.allow) as guard.ParsePrefixes reads them;
// config imports nothing of Conclave, so it checks the syntax itself.
func checkCIDRs(list []string) error {
	for i, s := range list {
		s = strings.TrimSpace(s)
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if a, err := netip.ParseAddr(s); err != nil || a.Zone() != "" {
			return fmt.Errorf("[%d]: %q is not an address or CIDR", i, s)
		}
	}
	return nil
}

func (g Guard) validate(bad func(key, format string, args ...any)) {
	if err := checkCIDRs(g.Allow); err != nil {
		bad("guard.allow", "%v", err)
	}
	if g.Failures < 1 {
		bad("guard.failures", "must be at least 1, got %d", g.Failures)
	}
	positive(bad, "guard.window", g.Window)
	positive(bad, "guard.forgive", g.Forgive)
	positive(bad, "guard.account_throttle", g.AccountThrottle)
	if g.AccountAddresses < 2 {
		bad("guard.account_addresses", "must be at least 2, got %d", g.AccountAddresses)
	}
	if n := len(g.BlockSteps); n == 0 || n > guardMaxSteps {
		bad("guard.block_steps", "must list 1..%d durations, got %d", guardMaxSteps, n)
	}
	var prev time.Duration
	for i, s := range g.BlockSteps {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		switch {
		case err != nil:
			bad(fmt.Sprintf("guard.block_steps[%d]", i), "%q is not a duration (use e.g. 1m, 2h)", s)
		case d <= 0 || d > guardMaxBlock:
			bad(fmt.Sprintf("guard.block_steps[%d]", i), "must be between 0 and %s, got %s", guardMaxBlock, d)
		case d < prev:
			bad(fmt.Sprintf("guard.block_steps[%d]", i), "must not be shorter than the step before (%s), got %s", prev, d)
		}
		prev = max(prev, d)
	}
	if g.MaxConnectionsPerIP < 1 {
		bad("guard.max_connections_per_ip", "must be at least 1, got %d", g.MaxConnectionsPerIP)
	}
	for _, r := range []struct {
		key   string
		rate  float64
		burst int
	}{{"api", g.APIRate, g.APIBurst}, {"auth", g.AuthRate, g.AuthBurst}, {"join", g.JoinRate, g.JoinBurst}, {"identity", g.IdentityRate, g.IdentityBurst}, {"invite", g.InviteRate, g.InviteBurst}} {
		if !(r.rate > 0) || math.IsInf(r.rate, 0) {
			bad("guard."+r.key+"_rate", "must be a positive number, got %v", r.rate)
		}
		if r.burst < 1 {
			bad("guard."+r.key+"_burst", "must be at least 1, got %d", r.burst)
		}
	}
}
