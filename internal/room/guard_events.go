package room

// Security event kinds of the traffic defence (internal/guard;
// docs/security.md, "Brute force and floods"). Actor "server" for a block
// the guard put in force, the admin's account id for a lifted one;
// Subject the block's id; IP the blocked address (address blocks); Email
// the throttled account's email (account blocks); Reason the failure
// that tipped it, and the block's length ("signin_failed 5m0s").
const (
	SecurityAddressBlocked   SecurityKind = "address_blocked"
	SecurityAccountThrottled SecurityKind = "account_throttled"
	SecurityBlockLifted      SecurityKind = "block_lifted"
)

// Severities of security events. An alert is high: an operator should
// look now.
const (
	SeverityHigh = "high"
)

// Severity is how urgently an operator should look at an event of kind
// k: SeverityHigh, or "" for the kinds that are a record, not an alert.
func (k SecurityKind) Severity() string {
	switch k {
	case SecurityAccountThrottled:
		return SeverityHigh
	}
	return ""
}
