// Package client is Conclave's Go client SDK: it joins a room over the
// signaling WebSocket (/v1/signal), publishes local tracks on the publisher
// PeerConnection, receives other participants' tracks on the subscriber
// PeerConnection, and sends and receives data messages. Bots, the end-to-end
// tests and `conclave loadtest` are built on it.
//
// A Client owns one WebSocket at a time and two pion PeerConnections. When
// the WebSocket drops unexpectedly the client resumes the session on a new
// one, keeping its participant id and PeerConnections (see Reconnecting and
// WithoutResume). Everything the server tells it arrives on Events(), in
// order; see Event for the types.
//
// With an identity (WithE2EE, WithE2EEIdentityFile) the client speaks
// Conclave's end-to-end encryption (docs/e2ee.md): in a room that requires
// it, it encrypts what it publishes (SampleTrack) and sends (SendData),
// decrypts what it reads (FrameReader, DataReceived), and exchanges sender
// keys with the other participants, browsers included, by itself.
// docs/sdk-go.md has a walk-through.
package client
