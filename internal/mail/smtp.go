package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"
)

// Sender delivers one email.
type Sender interface {
	// Send hands e to the mail server. An error that no retry can change
	// (the server refused the recipient or the message for good) is a
	// *PermanentError.
	Send(ctx context.Context, e Envelope) error
}

// PermanentError is a refusal no retry can change: a 5xx answer to the
// recipient or to the message, or a message that cannot be built.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }

func (e *PermanentError) Unwrap() error { return e.Err }

// SMTP sends through one SMTP server, configured by a URL:
// smtp://user:password@host:port upgrades to TLS with STARTTLS when the
// server offers it (port 587 by default); smtps://… speaks TLS from the
// start (port 465 by default). With user info it authenticates with AUTH
// PLAIN, which net/smtp refuses over an unencrypted connection to anything
// but localhost.
type SMTP struct {
	addr       string // host:port
	host       string // for TLS verification and AUTH
	implicit   bool   // smtps
	username   string
	password   string
	skipVerify bool
	// Timeout bounds one whole send (connect to QUIT); 0 means a minute.
	Timeout time.Duration
	// HelloName is the name given in EHLO; empty means the host name.
	HelloName string
}

// ParseSMTPURL checks an SMTP URL and returns the sender it describes.
// Its errors never contain the password.
func ParseSMTPURL(raw string, insecureSkipVerify bool) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL like smtp://user:password@host:587")
	}
	s := &SMTP{skipVerify: insecureSkipVerify}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "587"
	case "smtps":
		s.implicit, port = true, "465"
	default:
		return nil, errors.New("the scheme must be smtp:// or smtps://")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, errors.New("the URL names no host (smtp://user:password@host:port)")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("the URL must be smtp://[user:password@]host[:port], without a path or query")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.host = u.Hostname()
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
		if s.username == "" {
			return nil, errors.New("the URL has user info without a user name")
		}
	}
	return s, nil
}

// String describes the server without the password.
func (s *SMTP) String() string {
	scheme := "smtp"
	if s.implicit {
		scheme = "smtps"
	}
	user := ""
	if s.username != "" {
		user = url.User(s.username).String() + "@"
	}
	return scheme + "://" + user + s.addr
}

func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, InsecureSkipVerify: s.skipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // only when configured
}

// Send implements Sender. It honours ctx: the dial, and every read and
// write after it, end at ctx's deadline (or Timeout), and cancelling ctx
// breaks off the conversation with the server.
func (s *SMTP) Send(ctx context.Context, e Envelope) (err error) {
	msg, err := e.Bytes()
	if err != nil {
		return &PermanentError{Err: err}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.addr, err)
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	// A cancelled ctx unblocks any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn := raw
	if s.implicit {
		tc := tls.Client(raw, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS with %s: %w", s.addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("greeting of %s: %w", s.addr, err)
	}
	defer c.Close()
	if err := c.Hello(s.helloName()); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		}
	}
	if s.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the SMTP server offers no AUTH, but the URL has a user")
		}
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	// A refused sender is the server's configuration (the From address,
	// the account), which an operator may fix: retried.
	if err := c.Mail(e.From.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(e.To.Address); err != nil {
		return fmt.Errorf("RCPT TO: %w", permanent(err))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", permanent(err))
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", permanent(err))
	}
	// The server has accepted the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) helloName() string {
	if s.HelloName != "" {
		return s.HelloName
	}
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// permanent marks a 5xx answer as a PermanentError.
func permanent(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return &PermanentError{Err: err}
	}
	return err
}
