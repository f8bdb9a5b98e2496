-- Next steps (docs/coach.md): who knows whom, and the suggestions the coach derives.
-- The record tables repeat the columns of those in the first migration, on purpose (see there).
CREATE TABLE connections (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version          BIGINT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    deleted_at       TIMESTAMPTZ,
    field_versions   TEXT NOT NULL DEFAULT '{}',
    data             TEXT NOT NULL,
    contact_id       TEXT NOT NULL DEFAULT '',
    other_contact_id TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX connections_user_version ON connections (user_id, version);
--bun:split
CREATE INDEX connections_contact ON connections (user_id, contact_id);
--bun:split
CREATE INDEX connections_other ON connections (user_id, other_contact_id);
--bun:split
CREATE TABLE suggestions (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ,
    field_versions TEXT NOT NULL DEFAULT '{}',
    data           TEXT NOT NULL
);
--bun:split
CREATE INDEX suggestions_user_version ON suggestions (user_id, version);
--bun:split
ALTER TABLE users ADD COLUMN special_offer TEXT NOT NULL DEFAULT '';
--bun:split
-- When the user's next week starts (Monday 00:00 in their zone): the scheduler plans it then.
ALTER TABLE users ADD COLUMN next_week_at TIMESTAMPTZ;
--bun:split
CREATE INDEX users_next_week ON users (next_week_at);
--bun:split
ALTER TABLE suggestions ADD COLUMN contact_id TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX suggestions_contact ON suggestions (user_id, contact_id);
--bun:split
-- Index columns the coach finds records by; filled from each record's data on every write,
-- and for older rows by the Go migration that follows.
ALTER TABLE referrals ADD COLUMN contact_id TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX referrals_contact ON referrals (user_id, contact_id);
--bun:split
ALTER TABLE events ADD COLUMN starts_at TIMESTAMPTZ;
--bun:split
ALTER TABLE events ADD COLUMN meeting TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE events ADD COLUMN hosted BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
CREATE INDEX events_starts ON events (user_id, starts_at);
--bun:split
ALTER TABLE contacts ADD COLUMN circle TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX contacts_circle ON contacts (user_id, circle);
