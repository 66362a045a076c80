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
// docs/sdk-go.md has a walk-through.
package client
