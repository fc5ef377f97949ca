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

// VerifyIdentifier checks a widget identity hash in constant time. The hex
// may be in either case: some platforms' hex encoders write upper case.
func VerifyIdentifier(secret, identifier, hash string) bool {
	got, err := hex.DecodeString(hash)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(identifier))
	return hmac.Equal(m.Sum(nil), got)
}

// HashRefreshToken is the stored form of a refresh token.
func HashRefreshToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
