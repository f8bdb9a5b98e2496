ALTER TABLE users ADD COLUMN bytes_used BIGINT NOT NULL DEFAULT 0;
--bun:split
UPDATE users SET bytes_used =
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM contacts WHERE contacts.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM events WHERE events.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM notes WHERE notes.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM asks WHERE asks.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM referrals WHERE referrals.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM reminders WHERE reminders.user_id = users.id), 0);
