package auth

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token audiences: an agent token is useless where a contact token is
// expected and the other way round.
const (
	Issuer          = "hummdesk"
	AudienceAgent   = "hummdesk-agent"
	AudienceContact = "hummdesk-contact"
)

// ErrInvalidToken is returned for any token that does not verify.
var ErrInvalidToken = errors.New("invalid or expired token")

// Signer issues and verifies HS256 JWTs with one server key.
type Signer struct {
	key        []byte
	accessTTL  time.Duration
	contactTTL time.Duration
	now        func() time.Time
	// verified remembers access tokens whose signature and claims were
	// checked, until they expire: an agent's screen sends the same token
	// with every request, and checking it again is a tenth of the cost of
	// listing conversations. Revocation is not affected: it is checked
	// against the database in every request's transaction.
	verifiedMu sync.RWMutex
	verified   map[string]AgentClaims
}

// maxVerified bounds the verified-token cache; when full it starts over.
const maxVerified = 10000

// NewSigner returns a Signer. key must be at least 32 bytes.
func NewSigner(key []byte, accessTTL, contactTTL time.Duration, now func() time.Time) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("signing key must be at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, accessTTL: accessTTL, contactTTL: contactTTL, now: now}, nil
}

// AccessTTL is the lifetime of access tokens.
func (s *Signer) AccessTTL() time.Duration { return s.accessTTL }

// AgentClaims are the claims of an agent access token.
type AgentClaims struct {
	UserID   int64
	IssuedAt time.Time
	Expires  time.Time
}

// ContactClaims are the claims of a widget contact token.
type ContactClaims struct {
	AccountID int64
	InboxID   int64
	ContactID int64
}

// agentJWT is an access token's claims. iat has whole seconds only, too
// coarse to tell a token issued just before a password change from one
// issued just after it; iat_us carries the same instant in microseconds,
// the precision tokens_valid_after is stored with.
type agentJWT struct {
	jwt.RegisteredClaims
	IssuedAtMicros int64 `json:"iat_us,omitempty"`
}

type contactJWT struct {
	jwt.RegisteredClaims
	AccountID int64 `json:"acc"`
	InboxID   int64 `json:"inb"`
}

// IssueAccess returns an access token for the user.
func (s *Signer) IssueAccess(userID int64) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.accessTTL)
	claims := agentJWT{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   strconv.FormatInt(userID, 10),
			Audience:  jwt.ClaimStrings{AudienceAgent},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        RandomToken(9),
		},
		IssuedAtMicros: now.UnixMicro(),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	return tok, exp, err
}

// IssueContact returns a widget token bound to one contact of one inbox.
func (s *Signer) IssueContact(c ContactClaims) (string, error) {
	now := s.now()
	claims := contactJWT{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   strconv.FormatInt(c.ContactID, 10),
			Audience:  jwt.ClaimStrings{AudienceContact},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.contactTTL)),
		},
		AccountID: c.AccountID,
		InboxID:   c.InboxID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
}

func (s *Signer) parser(aud string) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(aud),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(s.now),
	)
}

func (s *Signer) keyFunc(*jwt.Token) (any, error) { return s.key, nil }

// VerifyAccess checks an agent access token. IssuedAt has microsecond
// precision (callers compare it with a user's tokens_valid_after).
func (s *Signer) VerifyAccess(token string) (AgentClaims, error) {
	s.verifiedMu.RLock()
	c, ok := s.verified[token]
	s.verifiedMu.RUnlock()
	if ok {
		if s.now().Before(c.Expires) {
			return c, nil
		}
		s.verifiedMu.Lock()
		delete(s.verified, token)
		s.verifiedMu.Unlock()
	}
	c, err := s.verifyAccess(token)
	if err != nil {
		return c, err
	}
	s.verifiedMu.Lock()
	if s.verified == nil || len(s.verified) >= maxVerified {
		s.verified = make(map[string]AgentClaims)
	}
	s.verified[token] = c
	s.verifiedMu.Unlock()
	return c, nil
}

func (s *Signer) verifyAccess(token string) (AgentClaims, error) {
	var claims agentJWT
	if _, err := s.parser(AudienceAgent).ParseWithClaims(token, &claims, s.keyFunc); err != nil {
		return AgentClaims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 || claims.IssuedAt == nil {
		return AgentClaims{}, ErrInvalidToken
	}
	iat := claims.IssuedAt.Time
	if claims.IssuedAtMicros != 0 {
		// Both claims name the same instant; a token where they disagree
		// was not made by IssueAccess.
		precise := time.UnixMicro(claims.IssuedAtMicros)
		if precise.Truncate(time.Second).Unix() != iat.Unix() {
			return AgentClaims{}, ErrInvalidToken
		}
		iat = precise
	}
	return AgentClaims{UserID: id, IssuedAt: iat, Expires: claims.ExpiresAt.Time}, nil
}

// VerifyContact checks a widget contact token.
func (s *Signer) VerifyContact(token string) (ContactClaims, error) {
	var claims contactJWT
	if _, err := s.parser(AudienceContact).ParseWithClaims(token, &claims, s.keyFunc); err != nil {
		return ContactClaims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 || claims.AccountID <= 0 || claims.InboxID <= 0 {
		return ContactClaims{}, ErrInvalidToken
	}
	return ContactClaims{AccountID: claims.AccountID, InboxID: claims.InboxID, ContactID: id}, nil
}
