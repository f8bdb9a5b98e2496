-- Counted again from what is kept: until now a record the coach wrote again after reading it by
-- its contact (an ask's readiness, a suggestion) added its whole size again instead of the
-- difference, so a user's count grew past what they keep and the quota refused them early.
UPDATE users SET bytes_used =
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM contacts WHERE contacts.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM events WHERE events.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM notes WHERE notes.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM asks WHERE asks.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM referrals WHERE referrals.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM reminders WHERE reminders.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM connections WHERE connections.user_id = users.id), 0) +
    COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM suggestions WHERE suggestions.user_id = users.id), 0);
