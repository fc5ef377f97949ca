package desk

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The conversation list is the desk's hottest read: an agent's screen asks
// for it on every change. Its rows are encoded by hand here, byte for byte
// what encoding/json writes with HTML escaping off (json_test.go holds the
// two together), because reflection-driven encoding was the largest cost of
// serving the page.

// AppendJSON appends v encoded as JSON to b.
func (v *ConversationView) AppendJSON(b []byte) []byte {
	c := &v.Conversation
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, `,"account_id":`...)
	b = strconv.AppendInt(b, c.AccountID, 10)
	b = append(b, `,"display_id":`...)
	b = strconv.AppendInt(b, c.DisplayID, 10)
	b = append(b, `,"inbox_id":`...)
	b = strconv.AppendInt(b, c.InboxID, 10)
	b = append(b, `,"contact_id":`...)
	b = strconv.AppendInt(b, c.ContactID, 10)
	b = append(b, `,"status":`...)
	b = AppendJSONString(b, string(c.Status))
	b = append(b, `,"priority":`...)
	b = AppendJSONString(b, string(c.Priority))
	b = append(b, `,"assignee_id":`...)
	b = appendJSONIntPtr(b, c.AssigneeID)
	b = append(b, `,"team_id":`...)
	b = appendJSONIntPtr(b, c.TeamID)
	b = append(b, `,"snoozed_until":`...)
	if c.SnoozedUntil == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONTime(b, *c.SnoozedUntil)
	}
	b = append(b, `,"last_activity_at":`...)
	b = appendJSONTime(b, c.LastActivityAt)
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, c.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendJSONTime(b, c.UpdatedAt)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, c.Version, 10)
	b = append(b, `,"labels":`...)
	if c.Labels == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range c.Labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, l)
		}
		b = append(b, ']')
	}

	b = append(b, `,"contact":{"id":`...)
	b = strconv.AppendInt(b, v.Contact.ID, 10)
	b = append(b, `,"name":`...)
	b = AppendJSONString(b, v.Contact.Name)
	b = append(b, `,"email":`...)
	b = AppendJSONString(b, v.Contact.Email)
	b = append(b, `,"phone":`...)
	b = AppendJSONString(b, v.Contact.Phone)
	b = append(b, `},"assignee":`...)
	if a := v.Assignee; a == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, a.ID, 10)
		b = append(b, `,"name":`...)
		b = AppendJSONString(b, a.Name)
		b = append(b, `,"email":`...)
		b = AppendJSONString(b, a.Email)
		b = append(b, '}')
	}
	b = append(b, `,"team":`...)
	if t := v.Team; t == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, t.ID, 10)
		b = append(b, `,"name":`...)
		b = AppendJSONString(b, t.Name)
		b = append(b, '}')
	}
	b = append(b, `,"last_message":`...)
	if v.LastMessage == nil {
		b = append(b, "null"...)
	} else {
		b = v.LastMessage.AppendJSON(b)
	}
	return append(b, '}')
}

// AppendJSON appends m encoded as JSON to b.
func (m *Message) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"account_id":`...)
	b = strconv.AppendInt(b, m.AccountID, 10)
	b = append(b, `,"conversation_id":`...)
	b = strconv.AppendInt(b, m.ConversationID, 10)
	b = append(b, `,"sender_type":`...)
	b = AppendJSONString(b, string(m.SenderType))
	b = append(b, `,"sender_id":`...)
	b = appendJSONIntPtr(b, m.SenderID)
	b = append(b, `,"content":`...)
	b = AppendJSONString(b, m.Content)
	b = append(b, `,"private":`...)
	b = strconv.AppendBool(b, m.Private)
	if m.IdempotencyKey != "" {
		b = append(b, `,"idempotency_key":`...)
		b = AppendJSONString(b, m.IdempotencyKey)
	}
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, m.CreatedAt)
	return append(b, '}')
}

func appendJSONIntPtr(b []byte, p *int64) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *p, 10)
}

// appendJSONTime writes t as time.Time.MarshalJSON does. Times outside
// years 0–9999, which MarshalJSON refuses, never come out of the store;
// they are written as the zero time rather than as invalid JSON.
func appendJSONTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		t = time.Time{}
	}
	b = append(b, '"')
	if _, off := t.Zone(); off == 0 {
		b = appendRFC3339NanoUTC(b, t)
	} else {
		b = t.AppendFormat(b, time.RFC3339Nano)
	}
	return append(b, '"')
}

// appendRFC3339NanoUTC is time.RFC3339Nano for a time at offset zero,
// without the layout interpreter: the list encodes five times per row.
func appendRFC3339NanoUTC(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T')
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped for the benefit of JavaScript.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
