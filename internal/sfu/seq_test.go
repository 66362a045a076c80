package sfu

import (
	"bytes"
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestOutgoingSequenceNumbersNeverRepeat: SRTP's nonce is made of the SSRC,
// the rollover counter and the sequence number, so the Receiver must never
// forward two different packets under one outgoing sequence number, and a
// NACK must never re-send anything but the packet that was forwarded under
// it. Each case feeds a publisher's packets (sequence number, payload
// byte), muting and unmuting where asked, then answers NACKs for every
// outgoing sequence number forwarded.
func TestOutgoingSequenceNumbersNeverRepeat(t *testing.T) {
	type step struct {
		seq  uint16
		fill byte
		mute int // +1 mutes before the packet, -1 unmutes
	}
	seqs := func(from, to uint16) []step {
		var s []step
		for q := from; q != to+1; q++ {
			s = append(s, step{seq: q, fill: byte(q)})
		}
		return s
	}
	join := func(parts ...[]step) []step {
		var s []step
		for _, p := range parts {
			s = append(s, p...)
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"a late packet after unmute", join(seqs(1, 8), seqs(10, 10),
			[]step{{seq: 11, fill: 11, mute: +1}, {seq: 12, fill: 12}, {seq: 13, fill: 13, mute: -1}, {seq: 9, fill: 9}})},
		{"a late packet while muted", join(seqs(1, 8), seqs(10, 10),
			[]step{{seq: 9, fill: 9, mute: +1}, {seq: 11, fill: 11}, {seq: 12, fill: 12, mute: -1}})},
		{"a duplicate with another payload", join(seqs(1, 10), []step{{seq: 5, fill: 0xEE}, {seq: 10, fill: 0xEF}})},
		{"mute across the 16-bit wrap", join(seqs(65530, 65535),
			[]step{{seq: 0, fill: 0, mute: +1}, {seq: 1, fill: 1}, {seq: 65534, fill: 0xAA}, {seq: 2, fill: 2, mute: -1}},
			seqs(3, 6), []step{{seq: 65535, fill: 0xAB}, {seq: 1, fill: 0xAC}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newVideoReceiver(t, &feedback{})
			w := &recordingWriter{}
			bind(t, r, 0x1234, 96, w)
			muted := false
			for _, s := range tc.steps {
				if s.mute != 0 {
					muted = s.mute > 0
					r.SetMuted(muted)
				}
				_ = r.WritePacket(packet(s.seq, uint32(s.seq)*3000, bytes.Repeat([]byte{s.fill}, 32)))
			}
			sent := map[uint16][]byte{}
			check := func(kind string) {
				w.mu.Lock()
				defer w.mu.Unlock()
				for _, p := range w.pkts {
					if prev, ok := sent[p.SequenceNumber]; ok && !bytes.Equal(prev, p.Payload) {
						t.Fatalf("%s: outgoing sequence number %d carried payload %x, then %x", kind, p.SequenceNumber, prev[0], p.Payload[0])
					}
					sent[p.SequenceNumber] = p.Payload
				}
			}
			check("forwarded")
			if len(sent) == 0 {
				t.Fatal("nothing was forwarded")
			}
			down := (*r.tracks.Load())[0]
			for seq := range sent {
				down.dt.rtxMu.Lock()
				if down.dt.rtxBuf == nil {
					down.dt.rtxBuf = make([]byte, cacheSlotSize)
				}
				down.dt.retransmit(down, seq)
				down.dt.rtxMu.Unlock()
			}
			check("re-sent")
		})
	}
}

// TestNACKNeverResendsAnEarlierWrap: a sequence number the publisher
// skipped for a whole 16-bit wrap leaves the previous wrap's packet in its
// cache slot; a NACK for it must not re-send that packet, which would go
// out under the new wrap's nonce.
func TestNACKNeverResendsAnEarlierWrap(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	bind(t, r, 0x1234, 96, discardWriter{})
	const skipped = 50
	for i := range 1<<16 + 200 {
		seq := uint16(i + 1)
		if i >= 1<<16 && seq == skipped {
			continue
		}
		if err := r.WritePacket(packet(seq, uint32(i), []byte{byte(i >> 16), 1, 2, 3})); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, cacheSlotSize)
	if _, ok := r.cache.get(r.unwrapOut(skipped), buf); ok {
		t.Fatal("a NACK for a sequence number skipped this wrap found the previous wrap's packet")
	}
	if _, ok := r.cache.get(r.unwrapOut(skipped+1), buf); !ok {
		t.Fatal("a NACK for a recent packet found nothing")
	}
}

var _ = webrtc.RTPCodecTypeVideo
