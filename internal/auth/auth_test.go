package auth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"hummdesk/internal/auth"
)

func TestPasswordHashAndCheck(t *testing.T) {
	t.Parallel()
	h1, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if !strings.HasPrefix(h1, "$argon2id$v=19$") {
		t.Errorf("hash %q is not an argon2id PHC string", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if strings.Contains(h1, "correct horse") {
		t.Error("hash contains the password")
	}
	for _, h := range []string{h1, h2} {
		if ok, err := auth.CheckPassword(h, "correct horse battery"); !ok || err != nil {
			t.Errorf("right password: %v %v", ok, err)
		}
		for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", "correct horse battery "} {
			if ok, err := auth.CheckPassword(h, wrong); ok || err != nil {
				t.Errorf("wrong password %q: %v %v", wrong, ok, err)
			}
		}
	}
	// Unicode passwords are compared byte for byte.
	hu, _ := auth.HashPassword("pässwörd-🔑")
	if ok, _ := auth.CheckPassword(hu, "pässwörd-🔑"); !ok {
		t.Error("unicode password refused")
	}
	if ok, _ := auth.CheckPassword(hu, "passwörd-🔑"); ok {
		t.Error("different unicode password accepted")
	}
}

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	t.Parallel()
	good, _ := auth.HashPassword("pw")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"other version":  strings.Replace(good, "v=19", "v=16", 1),
		"bad params":     strings.Join([]string{"", parts[1], parts[2], "m=x,t=2,p=1", parts[4], parts[5]}, "$"),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"bad key":        strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "!!!"}, "$"),
		"too few fields": strings.Join(parts[:5], "$"),
		"plain text":     "pw",
	} {
		if ok, err := auth.CheckPassword(h, "pw"); ok || err == nil {
			t.Errorf("%s: %v %v, want false with an error", name, ok, err)
		}
	}
}

// fakeClock is a settable time source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var testKey = []byte("unit-test-signing-key-0123456789abcdef")

func newSigner(t *testing.T) (*auth.Signer, *fakeClock) {
	t.Helper()
	c := &fakeClock{t: time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)}
	s, err := auth.NewSigner(testKey, 15*time.Minute, 24*time.Hour, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestNewSignerNeedsALongKey(t *testing.T) {
	t.Parallel()
	if _, err := auth.NewSigner([]byte("short"), time.Minute, time.Hour, nil); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

func TestAccessTokenRoundTripAndExpiry(t *testing.T) {
	t.Parallel()
	s, c := newSigner(t)
	issued := c.Now()
	tok, exp, err := s.IssueAccess(42)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(issued.Add(15 * time.Minute)) {
		t.Errorf("expires %v, want %v", exp, issued.Add(15*time.Minute))
	}
	claims, err := s.VerifyAccess(tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims.UserID != 42 {
		t.Errorf("user %d", claims.UserID)
	}
	// The issue time keeps sub-second precision (microseconds), so a token
	// from just before a password change differs from one just after.
	if !claims.IssuedAt.Equal(issued.Truncate(time.Microsecond)) {
		t.Errorf("issued at %v, want %v", claims.IssuedAt, issued.Truncate(time.Microsecond))
	}
	c.Advance(15*time.Minute - time.Second)
	if _, err := s.VerifyAccess(tok); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	c.Advance(10 * time.Second)
	if _, err := s.VerifyAccess(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("after expiry: %v, want ErrInvalidToken", err)
	}
}

func claimsOf(t *testing.T, tok string) jwt.MapClaims {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var m jwt.MapClaims
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sign(t *testing.T, m jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyAccessRefusesForgeries(t *testing.T) {
	t.Parallel()
	s, c := newSigner(t)
	tok, _, _ := s.IssueAccess(7)
	base := claimsOf(t, tok)
	with := func(k string, v any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	// Re-signing the genuine claims works: each case below changes one thing.
	if _, err := s.VerifyAccess(sign(t, jwt.SigningMethodHS256, base, testKey)); err != nil {
		t.Fatalf("control: %v", err)
	}
	parts := strings.Split(tok, ".")
	sig := []byte(parts[2])
	sig[3] ^= 1
	contact, _ := s.IssueContact(auth.ContactClaims{AccountID: 1, InboxID: 2, ContactID: 7})
	now := c.Now()
	for name, forged := range map[string]string{
		"tampered signature": parts[0] + "." + parts[1] + "." + string(sig),
		"tampered payload":   parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1","iss":"hummdesk"}`)) + "." + parts[2],
		"alg none":           sign(t, jwt.SigningMethodNone, base, jwt.UnsafeAllowNoneSignatureType),
		"HS384":              sign(t, jwt.SigningMethodHS384, base, testKey),
		"HS512":              sign(t, jwt.SigningMethodHS512, base, testKey),
		"other key":          sign(t, jwt.SigningMethodHS256, base, []byte(strings.Repeat("x", 40))),
		"wrong issuer":       sign(t, jwt.SigningMethodHS256, with("iss", "evil"), testKey),
		"contact audience":   sign(t, jwt.SigningMethodHS256, with("aud", []string{auth.AudienceContact}), testKey),
		"no audience":        sign(t, jwt.SigningMethodHS256, with("aud", nil), testKey),
		"no expiry":          sign(t, jwt.SigningMethodHS256, with("exp", nil), testKey),
		"expired":            sign(t, jwt.SigningMethodHS256, with("exp", now.Add(-time.Minute).Unix()), testKey),
		"no issued-at":       sign(t, jwt.SigningMethodHS256, with("iat", nil), testKey),
		"iat in the future":  sign(t, jwt.SigningMethodHS256, with("iat", now.Add(time.Hour).Unix()), testKey),
		"iat_us disagrees":   sign(t, jwt.SigningMethodHS256, with("iat_us", now.Add(-time.Hour).UnixMicro()), testKey),
		"subject not an id":  sign(t, jwt.SigningMethodHS256, with("sub", "root"), testKey),
		"subject zero":       sign(t, jwt.SigningMethodHS256, with("sub", "0"), testKey),
		"contact token":      contact,
		"empty":              "",
		"garbage":            "a.b.c",
	} {
		if _, err := s.VerifyAccess(forged); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestContactTokens(t *testing.T) {
	t.Parallel()
	s, c := newSigner(t)
	want := auth.ContactClaims{AccountID: 3, InboxID: 4, ContactID: 5}
	tok, err := s.IssueContact(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.VerifyContact(tok)
	if err != nil || got != want {
		t.Fatalf("VerifyContact = %+v, %v; want %+v", got, err, want)
	}
	access, _, _ := s.IssueAccess(5)
	if _, err := s.VerifyContact(access); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("access token as contact token: %v", err)
	}
	base := claimsOf(t, tok)
	for name, k := range map[string]string{"no account": "acc", "no inbox": "inb"} {
		m := jwt.MapClaims{}
		for kk, vv := range base {
			if kk != k {
				m[kk] = vv
			}
		}
		if _, err := s.VerifyContact(sign(t, jwt.SigningMethodHS256, m, testKey)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c.Advance(24*time.Hour + time.Minute)
	if _, err := s.VerifyContact(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("expired contact token: %v", err)
	}
}

func TestIdentifierHash(t *testing.T) {
	t.Parallel()
	// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
	if got := auth.IdentifierHash("Jefe", "what do ya want for nothing?"); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("IdentifierHash = %s", got)
	}
	// It is what a customer's server computes with the standard library.
	m := hmac.New(sha256.New, []byte("inbox-secret"))
	m.Write([]byte("user-42"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := auth.IdentifierHash("inbox-secret", "user-42"); got != want {
		t.Errorf("IdentifierHash = %s, want %s", got, want)
	}
	if !auth.VerifyIdentifier("inbox-secret", "user-42", want) {
		t.Error("the right hash was refused")
	}
	// .NET's Convert.ToHexString writes upper case.
	if !auth.VerifyIdentifier("inbox-secret", "user-42", strings.ToUpper(want)) {
		t.Error("the right hash in upper case was refused")
	}
	for name, h := range map[string]string{
		"other identifier": auth.IdentifierHash("inbox-secret", "user-43"),
		"other secret":     auth.IdentifierHash("other-secret", "user-42"),
		"swapped args":     auth.IdentifierHash("user-42", "inbox-secret"),
		"truncated":        want[:32],
		"empty":            "",
		"extended":         want + "00",
		"odd length":       want[:63],
		"not hex":          strings.Repeat("zz", 32),
	} {
		if auth.VerifyIdentifier("inbox-secret", "user-42", h) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRandomTokensDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		tok := auth.RandomToken(16)
		if len(tok) != 22 || seen[tok] {
			t.Fatalf("token %q (len %d, seen %v)", tok, len(tok), seen[tok])
		}
		seen[tok] = true
	}
}
