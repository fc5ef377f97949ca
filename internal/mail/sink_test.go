package mail_test

import (
	"bytes"
	"encoding/base64"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// sink is a minimal SMTP server on 127.0.0.1: greeting, EHLO (offering AUTH
// PLAIN), AUTH, MAIL, RCPT, DATA, RSET, NOOP and QUIT. It records every
// message it accepts.
type sink struct {
	ln net.Listener
	mu sync.Mutex
	// rcptReply and dataReply, when set, answer RCPT TO and the end of DATA
	// instead of 250 (e.g. "451 4.3.0 try again later").
	rcptReply, dataReply string
	msgs                 []received
}

// received is one accepted message.
type received struct {
	Auth string // the decoded AUTH PLAIN response, "" without AUTH
	From string
	To   []string
	Data []byte // dot-decoded, with LF line ends
}

func newSink(t *testing.T) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// URL is the sink's smtp:// URL with user info.
func (s *sink) URL() string { return "smtp://desk:s3cret@" + s.ln.Addr().String() }

func (s *sink) set(f func(s *sink)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *sink) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	var cur received
	reply := func(lines ...string) bool {
		for _, l := range lines {
			if err := tp.PrintfLine("%s", l); err != nil {
				return false
			}
		}
		return true
	}
	reply("220 sink ESMTP ready")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		ok := true
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ok = reply("250-sink greets "+arg, "250 AUTH PLAIN")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			if !strings.EqualFold(mech, "PLAIN") || err != nil {
				ok = reply("504 5.5.4 unsupported")
				break
			}
			cur.Auth = string(raw)
			ok = reply("235 2.7.0 authenticated")
		case "MAIL":
			cur.From, cur.To, cur.Data = addr(arg), nil, nil
			ok = reply("250 2.1.0 ok")
		case "RCPT":
			s.mu.Lock()
			r := s.rcptReply
			s.mu.Unlock()
			if r != "" {
				ok = reply(r)
				break
			}
			cur.To = append(cur.To, addr(arg))
			ok = reply("250 2.1.5 ok")
		case "DATA":
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			r := s.dataReply
			if r == "" {
				cur.Data = data
				s.msgs = append(s.msgs, cur)
				r = "250 2.0.0 queued"
			}
			s.mu.Unlock()
			ok = reply(r)
		case "RSET":
			cur = received{Auth: cur.Auth}
			ok = reply("250 2.0.0 ok")
		case "NOOP":
			ok = reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			ok = reply("502 5.5.2 not implemented")
		}
		if !ok {
			return
		}
	}
}

// addr takes the address out of "FROM:<a@b> BODY=8BITMIME".
func addr(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	a, _, _ := strings.Cut(rest, ">")
	return a
}

// authPlain splits an AUTH PLAIN response into identity, user and password.
func authPlain(s string) (identity, user, password string) {
	parts := bytes.SplitN([]byte(s), []byte{0}, 3)
	for len(parts) < 3 {
		parts = append(parts, nil)
	}
	return string(parts[0]), string(parts[1]), string(parts[2])
}
