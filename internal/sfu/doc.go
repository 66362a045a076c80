// Package sfu is Conclave's media forwarding core.
//
// It owns what happens to an RTP packet between the publisher's
// PeerConnection and every subscriber's PeerConnection:
//
//   - a Receiver per published track reads packets, keeps a small packet
//     cache for retransmissions and fans every packet out, synchronously and
//     without allocating, to the DownTracks bound to it;
//   - a DownTrack per subscriber implements webrtc.TrackLocal, rewrites the
//     RTP header for the subscriber's negotiated SSRC and payload type, and
//     answers the subscriber's RTCP: PLI/FIR become rate-limited keyframe
//     requests to the publisher, NACKs are answered from the Receiver's cache;
//   - server-enforced mute (packets are dropped at the Receiver, sequence
//     numbers stay gapless for subscribers) and server-wide Stats.
//
// sfu knows nothing of rooms, participants, signaling or storage: it imports
// pion and the standard library only (imports_test.go enforces this). The rtc
// package builds PeerConnections and decides which DownTracks exist; room
// policy reaches sfu only as calls to NewDownTrack, Close and SetMuted.
//
// Media payloads are forwarded untouched: with end-to-end encryption the SFU
// cannot read them and does not need to.
package sfu
