package e2ee

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzOpen feeds arbitrary frames and metadata to ParseHeader and
// Receiver.Open under each cipher suite: nothing panics, a parsed header
// re-encodes to the bytes it was read from, and a frame Open accepts is
// exactly what sealing its plaintext again with the same key, CTR and
// metadata gives.
func FuzzOpen(f *testing.F) {
	kids := []uint64{0, 7, 8, 0x123, 1<<64 - 1}
	receivers := make([]*Receiver, len(allSuites))
	for i, s := range allSuites {
		receivers[i] = NewReceiver()
		for _, kid := range kids {
			k, err := NewKey(s, kid, baseKey(byte(i)))
			if err != nil {
				f.Fatal(err)
			}
			receivers[i].SetKey(k)
			for _, ctr := range []uint64{0, 7, 8, 1 << 40, 1<<64 - 1} {
				meta := []byte{byte(ctr), 0x9d, 0x01}
				f.Add(byte(i), k.Seal(nil, ctr, meta, []byte("frame payload")), meta)
				f.Add(byte(i), k.Seal(nil, ctr, nil, nil), []byte(nil))
			}
		}
	}
	f.Add(byte(0), []byte{0xff}, []byte(nil))
	f.Add(byte(3), []byte{0x8f, 0x00}, []byte(nil))

	f.Fuzz(func(t *testing.T, suite byte, frame, metadata []byte) {
		h, n, err := ParseHeader(frame)
		if err == nil {
			if n < 1 || n > MaxHeaderLen || n > len(frame) || n != h.Len() {
				t.Fatalf("ParseHeader(%x) = %+v, length %d", frame, h, n)
			}
			if enc := h.Append(nil); !bytes.Equal(enc, frame[:n]) {
				t.Fatalf("header %x parses to %+v, which encodes to %x", frame[:n], h, enc)
			}
		} else if !errors.Is(err, ErrHeader) {
			t.Fatalf("ParseHeader error %v is not ErrHeader", err)
		}

		r := receivers[int(suite)%len(receivers)]
		oh, pt, err := r.Open(nil, frame, metadata)
		if err != nil {
			if !errors.Is(err, ErrHeader) && !errors.Is(err, ErrUnknownKID) && !errors.Is(err, ErrAuth) {
				t.Fatalf("Open error %v is none of the documented ones", err)
			}
			return
		}
		if oh != h {
			t.Fatalf("Open header %+v, ParseHeader %+v", oh, h)
		}
		r.mu.RLock()
		k := r.keys[oh.KID]
		r.mu.RUnlock()
		if again := k.Seal(nil, oh.CTR, metadata, pt); !bytes.Equal(again, frame) {
			t.Fatalf("opened %x, re-sealed %x", frame, again)
		}
	})
}
