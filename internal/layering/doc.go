// Package layering holds no code: its test checks, on the real build
// graph (go list -deps), that Conclave's packages import only what
// DESIGN.md's layers allow, transitively.
package layering
