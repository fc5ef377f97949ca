package mail_test

import (
	"context"
	"errors"
	"net"
	netmail "net/mail"
	"strings"
	"testing"

	"hummdesk/internal/mail"
)

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"smtp://desk:hunter2@mail.example":      "smtp://desk@mail.example:587",
		"smtp://mail.example:25":                "smtp://mail.example:25",
		"smtps://desk:hunter2@mail.example":     "smtps://desk@mail.example:465",
		"smtp://a%40b.example:pw@[::1]:2525":    "smtp://a%40b.example@[::1]:2525",
		"smtp://desk:hunter2@mail.example:587/": "smtp://desk@mail.example:587",
	} {
		s, err := mail.ParseSMTPURL(raw, false)
		if err != nil || s.String() != want {
			t.Errorf("ParseSMTPURL(%q) = %v, %v; want %s", raw, s, err, want)
		}
	}
	for _, raw := range []string{"", "mail.example:25", "http://desk:hunter2@mail.example", "smtp://desk:hunter2@", "smtp://:hunter2@mail.example",
		"smtp://desk:hunter2@mail.example/x", "smtp://desk:hunter2@mail.example?tls=1", "smtp://desk:hunter2@mail.example:port"} {
		if _, err := mail.ParseSMTPURL(raw, false); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseSMTPURL(%q): %v, want an error without the password", raw, err)
		}
	}
}

// Send honours its context: a server that never answers holds it only
// until the context is cancelled.
func TestSendHonoursContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // and never a greeting
		}
	}()
	s, err := mail.ParseSMTPURL("smtp://"+ln.Addr().String(), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	defer close(done)
	go func() {
		c := <-accepted
		defer c.Close()
		cancel()
		<-done // the connection stays open, silent, until Send has returned
	}()
	e := mail.Envelope{From: netmail.Address{Address: "a@desk.example"}, To: netmail.Address{Address: "b@example.com"},
		MessageID: mail.NewMessageID("desk.example"), Body: "x"}
	if err := s.Send(ctx, e); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
}

func TestEnvelopeRefusesBadAddresses(t *testing.T) {
	t.Parallel()
	ok := mail.Envelope{From: netmail.Address{Address: "a@desk.example"}, To: netmail.Address{Address: "b@example.com"},
		MessageID: "<x@desk.example>", Body: "x"}
	if _, err := ok.Bytes(); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]mail.Envelope{
		"to with CRLF":     {From: ok.From, To: netmail.Address{Address: "b@example.com\r\nBcc: c@evil.test"}, MessageID: ok.MessageID},
		"to with a name":   {From: ok.From, To: netmail.Address{Address: "B <b@example.com>"}, MessageID: ok.MessageID},
		"from empty":       {To: ok.To, MessageID: ok.MessageID},
		"message-id CRLF":  {From: ok.From, To: ok.To, MessageID: "<x@y>\r\nBcc: c@evil.test"},
		"message-id plain": {From: ok.From, To: ok.To, MessageID: "x@y"},
	} {
		if _, err := e.Bytes(); err == nil {
			t.Errorf("%s: built", name)
		}
	}
	if s := mail.Subject(7, "\n\n  Hello\tthere \u2028 friend\nsecond"); s != "Re: [#7] Hello there friend" {
		t.Errorf("Subject = %q", s)
	}
	if s := mail.Subject(7, strings.Repeat("é", 300)); len([]rune(s)) > 140 || !strings.HasSuffix(s, "…") {
		t.Errorf("long subject %q", s)
	}
	if n := mail.FromName("", "Support"); n != "Support" {
		t.Errorf("FromName without agent = %q", n)
	}
}
