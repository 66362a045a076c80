// Package e2ee is Conclave's end-to-end encryption, shared by the Go client
// and the tests: what the server relays but cannot read. docs/e2ee.md is
// its specification; testdata/vectors.json holds the vectors that this
// package and the browser SDK's twin both check.
//
// It owns:
//
//   - SFrame (RFC 9605): the [Header], the key schedule and cipher suites
//     ([Key]), a [Sender] that never reuses a counter and a [Receiver].
//     Conclave uses [AES_128_GCM_SHA256_128].
//   - Keys: a participant's long-term Ed25519 [Identity] (kept by the Go
//     client in a PKCS #8 file, [LoadOrCreateIdentity]) and the X-Wing
//     [KEMKey] of one session.
//   - Messages: the [Announcement] made in join; key packages
//     ([SealKeyPackage], [OpenKeyPackage]) carrying a sender key to one
//     recipient, and their acknowledgements; media frames with their codec
//     bytes in clear ([SealFrame], [OpenFrame]); sealed, signed data
//     messages ([SealDataMessage], [OpenDataMessage]); the room's
//     [SafetyCode].
//   - The key state machine of one participant, [Session]: a fresh epoch
//     on start and on every leave, a ratchet step on every join, the
//     switch to a new epoch once every member has acknowledged it or
//     after [DefaultRekeyTimeout], and the receiver's bounds. A Session
//     does no I/O and starts no goroutine: it returns the e2ee messages
//     to send, and the caller calls [Session.Tick] at [Session.Deadline].
//
// The package imports the standard library only.
package e2ee
