-- The widget's pre-chat form per inbox (see the PostgreSQL migration).
ALTER TABLE inboxes ADD COLUMN prechat_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE inboxes ADD COLUMN prechat_require_email INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inboxes ADD COLUMN prechat_message TEXT NOT NULL DEFAULT '' CHECK (length(prechat_message) <= 500);
