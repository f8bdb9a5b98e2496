ALTER TABLE reminders DROP COLUMN attempts;
--bun:split
ALTER TABLE reminders DROP COLUMN lease_until;
