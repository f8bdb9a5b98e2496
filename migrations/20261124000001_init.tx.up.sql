-- Every record table is written out whole, on purpose: a migration is the schema as it was on
-- its date and never changes, and the SQL both databases read has no way to share a column list.
CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    password_hash    TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    timezone         TEXT NOT NULL DEFAULT 'UTC',
    quiet_start      TEXT NOT NULL DEFAULT '21:00',
    quiet_end        TEXT NOT NULL DEFAULT '07:30',
    goal_one_to_ones INTEGER NOT NULL DEFAULT 5,
    goal_events      INTEGER NOT NULL DEFAULT 3,
    ask_plans        TEXT NOT NULL DEFAULT '{}',
    version          BIGINT NOT NULL DEFAULT 0,
    purged_version   BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
--bun:split
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
--bun:split
CREATE TABLE sync_clients (
    client_id        TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_mutation_id BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE contacts (
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
CREATE INDEX contacts_user_version ON contacts (user_id, version);
--bun:split
CREATE TABLE events (
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
CREATE INDEX events_user_version ON events (user_id, version);
--bun:split
CREATE TABLE notes (
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
CREATE INDEX notes_user_version ON notes (user_id, version);
--bun:split
CREATE TABLE asks (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ,
    field_versions  TEXT NOT NULL DEFAULT '{}',
    data            TEXT NOT NULL,
    contact_id      TEXT NOT NULL DEFAULT '',
    pending_trigger TEXT
);
--bun:split
CREATE INDEX asks_user_version ON asks (user_id, version);
--bun:split
CREATE INDEX asks_pending_trigger ON asks (user_id, contact_id, pending_trigger) WHERE pending_trigger IS NOT NULL;
--bun:split
CREATE TABLE referrals (
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
CREATE INDEX referrals_user_version ON referrals (user_id, version);
--bun:split
CREATE TABLE reminders (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ,
    field_versions TEXT NOT NULL DEFAULT '{}',
    data           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending',
    fire_at        TIMESTAMPTZ
);
--bun:split
CREATE INDEX reminders_user_version ON reminders (user_id, version);
--bun:split
CREATE INDEX reminders_fire_at ON reminders (fire_at) WHERE fire_at IS NOT NULL;
--bun:split
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    last_ok_at TIMESTAMPTZ,
    failures   INTEGER NOT NULL DEFAULT 0
);
--bun:split
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
