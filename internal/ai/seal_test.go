package ai_test

import (
	"bytes"
	"testing"

	"hummdesk/internal/ai"
)

func TestSealerRoundTripAndBinding(t *testing.T) {
	s, err := ai.NewSealer("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	const key = "sk-ant-secret-value"
	sealed := s.Seal(7, key)
	if bytes.Contains(sealed, []byte(key)) {
		t.Fatal("the sealed key contains the plaintext")
	}
	if got, err := s.Open(7, sealed); err != nil || got != key {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(8, sealed); err == nil {
		t.Fatal("a key sealed for account 7 opened for account 8")
	}
	other, _ := ai.NewSealer("another secret of enough length!")
	if _, err := other.Open(7, sealed); err == nil {
		t.Fatal("a key opened with another server's secret")
	}
	if bytes.Equal(s.Seal(7, key), sealed) {
		t.Fatal("two seals of the same key are equal (nonce reuse)")
	}
	if _, err := ai.NewSealer("short"); err == nil {
		t.Fatal("a short secret was accepted")
	}
}
