// Package e2ee is Conclave's end-to-end encryption, shared by the Go client
// and the tests: what the server relays but cannot read.
//
// It owns SFrame (RFC 9605) media frame encryption: the SFrame header, the
// key schedule and cipher suites, a [Sender] that never reuses a counter and
// a [Receiver] that opens frames by key ID. Conclave uses
// [AES_128_GCM_SHA256_128]. Key packages (sender keys sealed with HPKE and
// signed with the participant's identity key) and safety codes will live here
// too.
//
// The package imports the standard library only.
package e2ee
