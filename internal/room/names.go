package room

import (
	"crypto/rand"
	"encoding/base32"
)

// NameBytes is how many random bytes make a generated room name: 128
// bits, so that nobody finds a room by guessing its name.
const NameBytes = 16

// nameEncoding writes generated names in lower-case base32 (a-z, 2-7),
// inside the room-name alphabet and easy to read aloud.
var nameEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewName returns an unguessable room name: 26 characters, 128 random
// bits. Rooms created without a name (POST /v1/rooms, POST /v1/meetings)
// get one.
func NewName() RoomName {
	b := make([]byte, NameBytes)
	rand.Read(b) // crypto/rand.Read never fails
	return RoomName(nameEncoding.EncodeToString(b))
}
