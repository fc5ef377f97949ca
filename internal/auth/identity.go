package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// IdentifierHash is HMAC-SHA256(identifier, secret) in hex: what a site that
// verifies its users computes on its server and passes to the widget.
func IdentifierHash(secret, identifier string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(identifier))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyIdentifier checks a widget identity hash in constant time.
func VerifyIdentifier(secret, identifier, hash string) bool {
	want := IdentifierHash(secret, identifier)
	return hmac.Equal([]byte(want), []byte(hash))
}

// HashRefreshToken is the stored form of a refresh token.
func HashRefreshToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
