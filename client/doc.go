// Package client is Conclave's Go client SDK: it joins a room over the
// signaling WebSocket (/v1/signal), publishes local tracks on the publisher
// PeerConnection, receives other participants' tracks on the subscriber
// PeerConnection, and sends and receives data messages. Bots, the end-to-end
// tests and `conclave loadtest` are built on it.
//
// A Client owns one WebSocket and two pion PeerConnections. Everything the
// server tells it arrives on Events(), in order; see Event for the types.
// docs/sdk-go.md has a walk-through.
package client
