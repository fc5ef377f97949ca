package mail

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Envelope is one outgoing email: who it is from and to, and what it says.
type Envelope struct {
	// From is the sender: the display name (e.g. "Ada via Support") and the
	// server's From address.
	From netmail.Address
	// To is the contact.
	To      netmail.Address
	Subject string
	// MessageID is the RFC 5322 Message-ID with its angle brackets, the same
	// on every send of one message.
	MessageID string
	// Date is when the reply was written.
	Date time.Time
	// Body is the plain text.
	Body string
}

// maxSubjectRunes bounds the subject's excerpt of the first message.
const maxSubjectRunes = 120

// Subject is the subject of every email of a conversation: "Re: [#42] "
// and the first line of its first message, cleaned of control characters
// and shortened.
func Subject(displayID int64, firstMessage string) string {
	line := ""
	for _, l := range strings.Split(firstMessage, "\n") {
		if l = cleanHeaderText(l); l != "" {
			line = l
			break
		}
	}
	if utf8.RuneCountInString(line) > maxSubjectRunes {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:maxSubjectRunes])) + "…"
	}
	s := "Re: [#" + strconv.FormatInt(displayID, 10) + "]"
	if line != "" {
		s += " " + line
	}
	return s
}

// FromName is the display name of a reply: "Agent via Inbox", or the
// inbox's name alone when the agent is not known (an AI reply, a removed
// agent).
func FromName(agent, inbox string) string {
	agent, inbox = cleanHeaderText(agent), cleanHeaderText(inbox)
	switch {
	case agent == "":
		return inbox
	case inbox == "":
		return agent
	}
	return agent + " via " + inbox
}

// NewMessageID returns a fresh, globally unique Message-ID in domain (the
// From address's domain); "hummdesk.invalid" when domain is empty.
func NewMessageID(domain string) string {
	domain = strings.TrimSpace(domain)
	if domain == "" || strings.ContainsAny(domain, "<>@ \t\r\n") {
		domain = "hummdesk.invalid"
	}
	return "<" + strings.ToLower(rand.Text()) + ".hummdesk@" + domain + ">"
}

// Domain returns the domain of an email address ("" when it has none).
func Domain(address string) string {
	if i := strings.LastIndexByte(address, '@'); i >= 0 {
		return address[i+1:]
	}
	return ""
}

// cleanHeaderText makes text safe for a header: every control character
// (CR and LF above all, which would start a new header) and every Unicode
// line or paragraph separator becomes a space, runs of spaces collapse, and
// invalid UTF-8 is replaced.
func cleanHeaderText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// encodeHeader is a header value: as is when it is printable ASCII, else
// RFC 2047 encoded-words (Q encoding, UTF-8), one per folded line.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// formatAddress writes an address header value with a cleaned display
// name (encoded when it is not ASCII).
func formatAddress(a netmail.Address) string {
	a.Name = cleanHeaderText(a.Name)
	return a.String()
}

// checkAddress refuses what must not reach an address header or an SMTP
// command: anything net/mail does not parse as one bare address.
func checkAddress(addr string) error {
	p, err := netmail.ParseAddress(addr)
	if err != nil || p.Address != addr || p.Name != "" {
		return fmt.Errorf("%q is not an email address", cleanHeaderText(addr))
	}
	return nil
}

// checkMessageID refuses a Message-ID that is not "<left@right>" of
// visible ASCII.
func checkMessageID(id string) error {
	ok := len(id) > 4 && len(id) < 250 && id[0] == '<' && id[len(id)-1] == '>' && strings.Count(id, "@") == 1
	for i := 1; ok && i < len(id)-1; i++ {
		ok = id[i] > ' ' && id[i] < 0x7f && id[i] != '<' && id[i] != '>'
	}
	if !ok {
		return fmt.Errorf("%q is not a Message-ID", cleanHeaderText(id))
	}
	return nil
}

// Bytes builds the RFC 5322 message: From, To, Subject, Date, Message-ID
// and MIME headers, and the body as UTF-8 plain text in quoted-printable,
// with CRLF line ends. Names and the subject never carry CR or LF into the
// headers; addresses and the Message-ID must be well formed.
func (e Envelope) Bytes() ([]byte, error) {
	if err := errors.Join(checkAddress(e.From.Address), checkAddress(e.To.Address), checkMessageID(e.MessageID)); err != nil {
		return nil, err
	}
	date := e.Date
	if date.IsZero() {
		date = time.Now()
	}
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", formatAddress(e.From))
	header("To", formatAddress(e.To))
	header("Subject", encodeHeader(cleanHeaderText(e.Subject)))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", e.MessageID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(strings.ToValidUTF8(e.Body, "\uFFFD"), "\r\n", "\n"), "\r", "\n")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
