package ai

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Sealer encrypts provider API keys at rest (AES-256-GCM). Each account's
// key is bound to its account id as additional data, so a ciphertext
// copied into another account's row does not open there.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the encryption key from secret (any length; use 32+
// random bytes).
func NewSealer(secret string) (*Sealer, error) {
	if len(secret) < 16 {
		return nil, errors.New("ai: the key-encryption secret must be at least 16 bytes")
	}
	k := sha256.Sum256([]byte("hummdesk ai key encryption\x00" + secret))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func accountAD(accountID int64) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[i] = byte(accountID >> (8 * i))
	}
	return b
}

// Seal encrypts plaintext for an account.
func (s *Sealer) Seal(accountID int64, plaintext string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return s.aead.Seal(nonce, nonce, []byte(plaintext), accountAD(accountID))
}

// Open decrypts what Seal produced for the same account.
func (s *Sealer) Open(accountID int64, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("ai: sealed key too short")
	}
	p, err := s.aead.Open(nil, sealed[:n], sealed[n:], accountAD(accountID))
	if err != nil {
		return "", errors.New("ai: the stored API key does not open with this server's secret")
	}
	return string(p), nil
}
