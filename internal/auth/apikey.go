package auth

import (
	"crypto/ed25519"
	cryptorand "crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/store"
)

// KeyIDPrefix starts every API key id.
const KeyIDPrefix = "CK"

const maxKeyNameLen = 128

// keyIDChars is the number of base32 characters after the prefix (60 bits).
const keyIDChars = 12

// NewAPIKey generates an API key named name: an Ed25519 key pair and an id
// "CK" + 12 upper-case base32 characters. It returns the record to store,
// which holds only the public key, and the private key, which the caller
// hands to the user once and never stores. rand nil means crypto/rand.
func NewAPIKey(name string, rand io.Reader) (store.APIKey, ed25519.PrivateKey, error) {
	if err := ValidateKeyName(name); err != nil {
		return store.APIKey{}, nil, err
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	var idBytes [8]byte
	if _, err := io.ReadFull(rand, idBytes[:]); err != nil {
		return store.APIKey{}, nil, fmt.Errorf("auth: generate key id: %w", err)
	}
	id := KeyIDPrefix + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(idBytes[:])[:keyIDChars]
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return store.APIKey{}, nil, fmt.Errorf("auth: generate key: %w", err)
	}
	return store.APIKey{ID: id, Name: name, PublicKey: pub, CreatedAt: time.Now().UTC()}, priv, nil
}

// ValidateKeyName checks an API key's human-readable name: 1 to 128 bytes of
// UTF-8 without control characters.
func ValidateKeyName(name string) error {
	switch {
	case name == "":
		return errors.New("auth: api key name is empty")
	case len(name) > maxKeyNameLen:
		return fmt.Errorf("auth: api key name is longer than %d bytes", maxKeyNameLen)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return errors.New("auth: api key name must be UTF-8 without control characters")
	}
	return nil
}
