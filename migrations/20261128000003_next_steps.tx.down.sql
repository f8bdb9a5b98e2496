DROP INDEX contacts_circle;
--bun:split
ALTER TABLE contacts DROP COLUMN circle;
--bun:split
DROP INDEX events_starts;
--bun:split
ALTER TABLE events DROP COLUMN hosted;
--bun:split
ALTER TABLE events DROP COLUMN meeting;
--bun:split
ALTER TABLE events DROP COLUMN starts_at;
--bun:split
DROP INDEX referrals_contact;
--bun:split
ALTER TABLE referrals DROP COLUMN contact_id;
--bun:split
DROP INDEX users_next_week;
--bun:split
ALTER TABLE users DROP COLUMN next_week_at;
--bun:split
ALTER TABLE users DROP COLUMN special_offer;
--bun:split
DROP TABLE suggestions;
--bun:split
DROP TABLE connections;
