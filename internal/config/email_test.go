package config_test

import (
	"strings"
	"testing"
)

// HUMMDESK_SMTP_URL, HUMMDESK_EMAIL_FROM and
// HUMMDESK_SMTP_INSECURE_SKIP_VERIFY: off by default, read from the
// environment or flags, checked together, and no error shows the password.
func TestEmailSettings(t *testing.T) {
	t.Parallel()
	c := load(t, nil)
	if c.SMTPURL != "" || c.EmailFrom != "" || c.SMTPInsecureSkipVerify {
		t.Errorf("defaults: %q %q %v", c.SMTPURL, c.EmailFrom, c.SMTPInsecureSkipVerify)
	}
	c = load(t, []string{"HUMMDESK_SMTP_URL=smtp://desk:hunter2@mail.example:2525", "HUMMDESK_EMAIL_FROM=support@desk.example"},
		"--smtp-insecure-skip-verify")
	if c.SMTPURL != "smtp://desk:hunter2@mail.example:2525" || c.EmailFrom != "support@desk.example" || !c.SMTPInsecureSkipVerify {
		t.Errorf("set: %q %q %v", c.SMTPURL, c.EmailFrom, c.SMTPInsecureSkipVerify)
	}
	for _, env := range [][]string{
		{"HUMMDESK_SMTP_URL=smtps://mail.example", "HUMMDESK_EMAIL_FROM=a@b.example"},
		{"HUMMDESK_SMTP_URL=smtp://127.0.0.1:25/", "HUMMDESK_EMAIL_FROM=a@b.example"},
		{"HUMMDESK_EMAIL_FROM=a@b.example"}, // harmless without a server
	} {
		load(t, env)
	}
	for _, tc := range []struct {
		env  []string
		want []string
	}{
		{[]string{"HUMMDESK_SMTP_URL=smtp://desk:hunter2@mail.example"}, []string{"HUMMDESK_EMAIL_FROM", "required"}},
		{[]string{"HUMMDESK_SMTP_URL=http://desk:hunter2@mail.example", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL", "smtp://", "desk:***@"}},
		{[]string{"HUMMDESK_SMTP_URL=desk:hunter2@mail.example:25", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL"}},
		{[]string{"HUMMDESK_SMTP_URL=smtp://desk:hunter2@mail.example:99999", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL", "port"}},
		{[]string{"HUMMDESK_SMTP_URL=smtp://desk:hunter2@mail.example:x", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL"}},
		{[]string{"HUMMDESK_SMTP_URL=smtp://desk:hunter2@mail.example/inbox?x=1", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL", "path"}},
		{[]string{"HUMMDESK_SMTP_URL=smtp://desk:hunter2@", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL", "host"}},
		{[]string{"HUMMDESK_SMTP_URL=smtp://:hunter2@mail.example", "HUMMDESK_EMAIL_FROM=a@b.example"}, []string{"HUMMDESK_SMTP_URL", "user name"}},
		{[]string{"HUMMDESK_EMAIL_FROM=Support <a@b.example>"}, []string{"HUMMDESK_EMAIL_FROM", "email address"}},
		{[]string{"HUMMDESK_EMAIL_FROM=support"}, []string{"HUMMDESK_EMAIL_FROM"}},
		{[]string{"HUMMDESK_SMTP_INSECURE_SKIP_VERIFY=sure"}, []string{"HUMMDESK_SMTP_INSECURE_SKIP_VERIFY", "true or false"}},
	} {
		msg := loadErr(t, tc.env)
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q: error %q does not contain %q", tc.env, msg, w)
			}
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("%q: error %q shows the password", tc.env, msg)
		}
	}
	// Nor does a bad flag.
	if msg := loadErr(t, nil, "--smtp-url=ftp://desk:hunter2@mail.example"); strings.Contains(msg, "hunter2") || !strings.Contains(msg, "HUMMDESK_SMTP_URL") {
		t.Errorf("flag: error %q", msg)
	}
}
