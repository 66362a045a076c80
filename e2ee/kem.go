package e2ee

import (
	"crypto/hpke"
	"fmt"
)

// Sizes of an X-Wing KEM key (HPKE KEM 0x647a, MLKEM768-X25519).
const (
	KEMPublicKeyLen = 1216
	KEMSeedLen      = 32
	kemEncLen       = 1120
)

// KEMKey is a session's X-Wing key pair: other participants seal their
// sender keys to its public key. It lives in memory only, cannot be
// compared with == and prints without its secret.
type KEMKey struct {
	_    [0]func()
	priv hpke.PrivateKey
	pub  []byte
}

func xwing() hpke.KEM { return hpke.MLKEM768X25519() }

// NewKEMKey returns a fresh random X-Wing key pair.
func NewKEMKey() (*KEMKey, error) {
	priv, err := xwing().GenerateKey()
	if err != nil {
		return nil, err
	}
	return newKEMKey(priv), nil
}

// KEMKeyFromSeed returns the X-Wing key pair whose serialized private key
// is seed (32 bytes). It is meant for tests and test vectors.
func KEMKeyFromSeed(seed []byte) (*KEMKey, error) {
	if len(seed) != KEMSeedLen {
		return nil, fmt.Errorf("e2ee: KEM seed is %d bytes, want %d", len(seed), KEMSeedLen)
	}
	priv, err := xwing().NewPrivateKey(seed)
	if err != nil {
		return nil, err
	}
	return newKEMKey(priv), nil
}

func newKEMKey(priv hpke.PrivateKey) *KEMKey {
	return &KEMKey{priv: priv, pub: priv.PublicKey().Bytes()}
}

// PublicBytes is the public key as announced (1,216 bytes). The caller may
// keep it; it is a copy.
func (k *KEMKey) PublicBytes() []byte { return append([]byte(nil), k.pub...) }

// String names the key without its secret.
func (k *KEMKey) String() string { return fmt.Sprintf("e2ee.KEMKey{public: %x...}", k.pub[:8]) }

// parseKEMPublic parses an announced X-Wing public key.
func parseKEMPublic(b []byte) (hpke.PublicKey, error) {
	if len(b) != KEMPublicKeyLen {
		return nil, fmt.Errorf("KEM key is %d bytes, want %d", len(b), KEMPublicKeyLen)
	}
	return xwing().NewPublicKey(b)
}
