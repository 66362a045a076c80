// Package media provides looped, real-time paced media sources for Conclave's
// Go client: bots, tests and the load tester use them to publish without a
// camera or microphone.
//
// A Clip is a file (VP8 in IVF, Opus in Ogg) parsed once into memory; it is
// immutable, so one Clip can drive any number of tracks at the same time,
// each with its own Play loop. Generator makes frames of a chosen size and
// rate with no file at all; its frames are NOT decodable VP8 and are meant
// only for exercising an SFU. PayloadSource works at the RTP level and
// stamps each payload with a sequence number and a SHA-256 so a receiver can
// prove, with VerifyPayload, that payloads arrived intact.
package media
