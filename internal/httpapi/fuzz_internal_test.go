package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"hummdesk/internal/desk"
)

// FuzzCursor feeds arbitrary text to the keyset cursor decoder: it never
// panics, refuses with a validation error, and what it accepts round-trips
// through encodeCursor.
func FuzzCursor(f *testing.F) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"", "!!", "====", enc("1"), enc("1.2"), enc("1.2.3"), enc("-1.-2"), enc("9223372036854775807.9223372036854775807"),
		enc("9223372036854775808.1"), enc("1e3.2"), enc(" 1.2"), enc("1..2"), enc("."), enc("0x10.1"), enc("+1.+2"),
		enc("1.2\x00"), enc("\xff.\xfe"), *encodeCursor(1700000000000000, 42), strings.Repeat("A", 200),
	} {
		for n := uint8(1); n <= 3; n++ {
			f.Add(s, n)
		}
	}
	f.Fuzz(func(t *testing.T, c string, n uint8) {
		parts := int(n%3) + 1
		v, err := decodeCursor(c, parts)
		if err != nil {
			if desk.ErrorKind(err) != desk.KindInvalid {
				t.Fatalf("decodeCursor(%q, %d): error of kind %s, want a validation error", c, parts, desk.ErrorKind(err))
			}
			return
		}
		if len(v) != parts {
			t.Fatalf("decodeCursor(%q, %d) = %v: wrong number of parts", c, parts, v)
		}
		again, err := decodeCursor(*encodeCursor(v...), parts)
		if err != nil || !slices.Equal(again, v) {
			t.Fatalf("cursor %v does not round-trip: %v, %v", v, again, err)
		}
	})
}

// FuzzJSONGuard checks the body guard's promise: a body it lets through
// decodes to strings with no NUL and no character encoding/json invented
// (U+FFFD standing in for invalid UTF-8 or a lone surrogate escape).
func FuzzJSONGuard(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":"b"}`, `{"a":"\u0000"}`, `{"\u0000":1}`, "{\"a\":\"\x00\"}", "{\"a\":\"\xff\"}", `{"a":"\ud800"}`,
		`{"a":"\udc00"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\ud83d\u0041"}`, `{"a":"\\ud800"}`, `{"a":"\\\ud800"}`,
		`{"a":"\ufffd"}`, `{"a":"\uFFFD","b":"\ud800"}`, `{"a":"�","b":"\udfff"}`, `{"a":"\uD800\uDC00"}`, `["\ud800`,
		`{"a":"\u00"}`, `{"a":"\uzzzz"}`, `"\u0041\u0000"`, `{"a":"\ud800\ud800\udc00"}`, `[1,2,"x\ud7ff"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := checkJSONText(body)
		if !utf8.Valid(body) && msg == "" {
			t.Fatalf("invalid UTF-8 accepted: %q", body)
		}
		if bytes.IndexByte(body, 0) >= 0 && msg == "" {
			t.Fatalf("raw NUL accepted: %q", body)
		}
		if msg != "" || !json.Valid(body) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				return
			}
			if err != nil {
				return
			}
			s, ok := tok.(string)
			if !ok {
				continue
			}
			if strings.IndexByte(s, 0) >= 0 {
				t.Fatalf("escaped NUL accepted: %q", body)
			}
			if strings.Count(s, "\uFFFD") > 0 && !literalReplacementChars(body) {
				t.Fatalf("a lone surrogate escape was accepted and silently replaced: %q", body)
			}
		}
	})
}

// literalReplacementChars reports whether every U+FFFD the body decodes to
// was written as such (raw or as a \ufffd escape), by checking that the body
// has no lone surrogate escape at all.
func literalReplacementChars(body []byte) bool {
	var dec []rune
	s := string(body)
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			continue
		}
		if s[i+1] != 'u' || i+6 > len(s) {
			i++
			continue
		}
		var r rune
		for _, c := range s[i+2 : i+6] {
			r <<= 4
			switch {
			case c >= '0' && c <= '9':
				r |= c - '0'
			case c >= 'a' && c <= 'f':
				r |= c - 'a' + 10
			case c >= 'A' && c <= 'F':
				r |= c - 'A' + 10
			default:
				return true // not an escape json.Valid accepts
			}
		}
		dec = append(dec, r)
		i += 5
	}
	// Pair the escapes as JSON does: a high surrogate must be followed at
	// once by a low one.
	for i := 0; i < len(dec); i++ {
		switch {
		case dec[i] >= 0xD800 && dec[i] < 0xDC00:
			if i+1 >= len(dec) || dec[i+1] < 0xDC00 || dec[i+1] > 0xDFFF {
				return false
			}
			i++
		case dec[i] >= 0xDC00 && dec[i] <= 0xDFFF:
			return false
		}
	}
	return true
}

// FuzzClientIP feeds arbitrary peer addresses and X-Forwarded-For headers
// to the client address resolver: it never panics, an untrusted peer's
// header never matters, and the answer is an address or the raw peer.
func FuzzClientIP(f *testing.F) {
	for _, s := range [][2]string{
		{"203.0.113.9:4000", ""}, {"10.0.0.1:80", "198.51.100.7"}, {"10.0.0.1:80", "198.51.100.7, 10.0.0.2"},
		{"10.0.0.1:80", "garbage, 10.0.0.2"}, {"[::ffff:10.0.0.1]:80", "::1"}, {"not an address", "1.2.3.4"},
		{"10.0.0.1:80", strings.Repeat("10.0.0.3,", 100)}, {"10.0.0.1", "2001:db8::1%eth0"}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := &http.Request{RemoteAddr: peer, Header: http.Header{}}
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		got := clientIP(r, trusted)
		if got != peer {
			if _, err := netip.ParseAddr(got); err != nil {
				t.Fatalf("clientIP(%q, %q) = %q: neither an address nor the peer", peer, xff, got)
			}
		}
		direct := clientIP(&http.Request{RemoteAddr: peer, Header: http.Header{}}, trusted)
		if a, err := netip.ParseAddrPort(peer); err == nil && !trusted[0].Contains(a.Addr().Unmap()) && !trusted[1].Contains(a.Addr().Unmap()) && got != direct {
			t.Fatalf("untrusted peer %q chose its address %q through X-Forwarded-For %q", peer, got, xff)
		}
	})
}
