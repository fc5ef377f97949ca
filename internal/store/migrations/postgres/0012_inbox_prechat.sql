-- The widget's pre-chat form, per inbox: whether the visitor is asked for
-- a name and an email before the chat, whether the email is required (the
-- widget session refuses a visitor without one, unless the site vouches
-- for the visitor with a verified identifier), and the line shown above
-- the form.
ALTER TABLE inboxes ADD COLUMN prechat_enabled boolean NOT NULL DEFAULT true;
ALTER TABLE inboxes ADD COLUMN prechat_require_email boolean NOT NULL DEFAULT false;
ALTER TABLE inboxes ADD COLUMN prechat_message text NOT NULL DEFAULT '' CHECK (char_length(prechat_message) <= 500);
